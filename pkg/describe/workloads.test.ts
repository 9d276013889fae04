import { beforeAll, describe, expect, it } from "vitest";
import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { describeDeployment, describeReplicaSet, podPhaseCounts } from "./workloads.js";

beforeAll(() => {
  process.env.TZ = "UTC";
});

const now = new Date("2026-01-01T12:00:00Z");
const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.25", ports: [{ containerPort: 80, protocol: "TCP" }] }] } };

const deploy: V1Deployment = {
  metadata: { name: "web", namespace: "default", uid: "d1", creationTimestamp: new Date("2026-01-01T11:00:00Z"), annotations: { "deployment.kubernetes.io/revision": "2" } },
  spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } }, template },
  status: {
    replicas: 4,
    updatedReplicas: 2,
    availableReplicas: 3,
    unavailableReplicas: 1,
    conditions: [
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
      { type: "Progressing", status: "True", reason: "ReplicaSetUpdated" },
    ],
  },
};

const rs = (name: string, replicas: number, created: number): V1ReplicaSet => ({
  metadata: { name, namespace: "default", uid: `u-${name}`, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d1", controller: true }], creationTimestamp: new Date(created) },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template },
  status: { replicas },
});

describe("describeDeployment", () => {
  const out = describeDeployment(deploy, { now, events: [], oldReplicaSets: [rs("web-old", 2, 1)], newReplicaSet: rs("web-new", 2, 2) });

  it("prints the replica summary and the strategy like kubectl", () => {
    expect(out).toMatch(/^Name:\s+web\nNamespace:\s+default\nCreationTimestamp:\s+Thu, 01 Jan 2026 11:00:00 \+0000\n/);
    expect(out).toMatch(/Annotations:\s+deployment\.kubernetes\.io\/revision: 2\n/);
    expect(out).toMatch(/Selector:\s+app=web\n/);
    expect(out).toMatch(/Replicas:\s+3 desired \| 2 updated \| 4 total \| 3 available \| 1 unavailable\n/);
    expect(out).toMatch(/StrategyType:\s+RollingUpdate\nMinReadySeconds:\s+0\nRollingUpdateStrategy:\s+25% max unavailable, 25% max surge\n/);
  });

  it("includes the pod template, conditions and the old/new replica sets", () => {
    expect(out).toContain("Pod Template:\n  Labels:  app=web\n  Containers:\n   web:\n    Image:         nginx:1.25\n    Port:          80/TCP\n    Host Port:     0/TCP\n");
    expect(out).toContain("Conditions:\n  Type           Status  Reason\n  ----           ------  ------\n  Available      True    MinimumReplicasAvailable\n  Progressing    True    ReplicaSetUpdated\n");
    expect(out).toMatch(/OldReplicaSets:\s+web-old \(2\/2 replicas created\)\nNewReplicaSet:\s+web-new \(2\/2 replicas created\)\nEvents:\s+<none>\n$/);
  });

  it("leaves out the replica set lines when there are none", () => {
    expect(describeDeployment(deploy, { now, oldReplicaSets: [] })).not.toContain("NewReplicaSet");
  });
});

describe("describeReplicaSet", () => {
  const pods: V1Pod[] = [
    { metadata: { name: "a", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-new", uid: "u-web-new", controller: true }] }, status: { phase: "Running" } },
    { metadata: { name: "b", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-new", uid: "u-web-new", controller: true }] }, status: { phase: "Pending" } },
    // Matches the selector but belongs to another ReplicaSet: not counted.
    { metadata: { name: "c", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-old", uid: "u-web-old", controller: true }] }, status: { phase: "Running" } },
  ];
  it("counts only its own pods by phase and names its controller", () => {
    const out = describeReplicaSet(rs("web-new", 2, 2), { now, pods, events: [] });
    expect(out).toMatch(/Controlled By:\s+Deployment\/web\n/);
    expect(out).toMatch(/Replicas:\s+2 current \/ 2 desired\nPods Status:\s+1 Running \/ 1 Waiting \/ 0 Succeeded \/ 0 Failed\n/);
    expect(podPhaseCounts(pods, "u-web-old")).toEqual({ running: 1, waiting: 0, succeeded: 0, failed: 0 });
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { InProcessClient } from "../client/in-process.js";
import { describeObject } from "./describe.js";
import { deployment, ownedReplicaSet, testClient } from "../../test/helpers/describe-fixtures.js";

const event = (name: string, involved: Record<string, unknown>, reason: string, message: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Event",
  metadata: { name, namespace: (involved.namespace as string) ?? "default" },
  involvedObject: involved,
  reason,
  message,
  type: "Normal",
  count: 1,
  firstTimestamp: new Date(Date.now() - 5000).toISOString(),
  lastTimestamp: new Date(Date.now() - 5000).toISOString(),
  source: { component: "test" },
});

describe("describeObject (fetches related objects through the Client)", () => {
  let client: InProcessClient | undefined;
  afterEach(() => client?.close());

  it("describes a pod with only its own events (by uid)", async () => {
    client = await testClient();
    const c = client;
    const pod = await c.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    await c.create(R.events, "default", event("e1", { kind: "Pod", name: "p", namespace: "default", uid: pod.metadata.uid }, "Scheduled", "assigned default/p to n1"));
    // An earlier pod with the same name: its events must not show.
    await c.create(R.events, "default", event("e2", { kind: "Pod", name: "p", namespace: "default", uid: "old-uid" }, "Killing", "old pod"));
    const { items } = await c.list(R.pods, "default");
    const out = await describeObject(c, R.pods, items[0], { showEvents: true });
    expect(out).toMatch(/Normal\s+Scheduled\s+5s\s+test\s+assigned default\/p to n1\n$/);
    expect(out).not.toContain("old pod");
    expect(await describeObject(c, R.pods, pod, { showEvents: false })).not.toContain("Events:");
  });

  it("describes a deployment with its new and old replica sets", async () => {
    client = await testClient();
    const c = client;
    const d = await c.create(R.deployments, "default", deployment("web", "nginx:1.26"));
    await ownedReplicaSet(c, d, 1, "nginx:1.25");
    await ownedReplicaSet(c, d, 2, "nginx:1.26");
    const out = await describeObject(c, R.deployments, d, { showEvents: true });
    expect(out).toMatch(/OldReplicaSets:\s+web-h1 \(0\/0 replicas created\)\nNewReplicaSet:\s+web-h2 \(0\/0 replicas created\)\nEvents:\s+<none>\n$/);
  });

  it("describes a node with the pods bound to it and events under its uid or name", async () => {
    client = await testClient();
    const c = client;
    const node = await c.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status: { allocatable: { cpu: "2", memory: "2Gi" } } });
    for (const [name, nodeName] of [["on", "n1"], ["elsewhere", "n2"]]) {
      await c.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { nodeName, containers: [{ name: "c", image: "x", resources: { requests: { cpu: "500m", memory: "512Mi" } } }] } });
    }
    await c.create(R.events, "default", event("n-uid", { kind: "Node", name: "n1", uid: node.metadata.uid }, "NodeNotReady", "by uid"));
    await c.create(R.events, "default", event("n-name", { kind: "Node", name: "n1", uid: "n1" }, "Starting", "by name"));
    const out = await describeObject(c, R.nodes, node, { showEvents: true });
    expect(out).toMatch(/Lease:\s+Failed to get lease: .*not found\n/);
    expect(out).toMatch(/Non-terminated Pods:\s+\(1 in total\)\n/);
    expect(out).toMatch(/default\s+on\s+500m \(25%\)\s+0 \(0%\)\s+512Mi \(25%\)/);
    expect(out).not.toContain("elsewhere");
    expect(out).toContain("by uid");
    expect(out).toContain("by name");
  });
});

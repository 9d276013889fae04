// An HPA whose target is a custom kind: replicas and the pod selector come from
// the CRD's scale subresource paths, and the new size goes through /scale.
import { afterAll, describe, expect, it } from "vitest";
import { R, registerCustomResources, unregisterCustomResources } from "../api/kinds.js";
import { customResourceInfos, type CustomResourceDefinition } from "../api/custom-resources.js";
import { FakeClock } from "../util/clock.js";
import { HorizontalPodAutoscalerController, type HorizontalPodAutoscalerLike } from "./hpa.js";
import type { HpaPod } from "./hpa-replicas.js";
import { EventLog, newCluster, SnapshotLister } from "../../test/helpers/controllers.js";
import { rfc3339 } from "./util.js";

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "workers.example.skiff.dev" },
  spec: {
    group: "example.skiff.dev",
    scope: "Namespaced",
    names: { plural: "workers", kind: "Worker" },
    versions: [{ name: "v1", served: true, storage: true, subresources: { status: {}, scale: { specReplicasPath: ".spec.size", statusReplicasPath: ".status.size", labelSelectorPath: ".status.selector" } } }],
  },
} as CustomResourceDefinition;

describe("HorizontalPodAutoscaler on a custom kind", () => {
  const infos = customResourceInfos(crd);
  registerCustomResources(crd.metadata.name!, infos);
  afterAll(() => unregisterCustomResources(crd.metadata.name!));

  it("reads the scale subresource's paths and scales through /scale", async () => {
    const { client } = await newCluster();
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const worker = await client.create(infos[0], "default", { apiVersion: "example.skiff.dev/v1", kind: "Worker", metadata: { name: "w" }, spec: { size: 2 } });
    await client.updateStatus(infos[0], { ...worker, status: { size: 2, selector: "app=worker" } });
    const t = rfc3339(clock.now() - 600_000);
    for (const name of ["w-0", "w-1", "other"]) {
      const pod = await client.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: name === "other" ? "other" : "worker" } }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] } });
      await client.updateStatus(R.pods, { ...pod, status: { phase: "Running", startTime: t, conditions: [{ type: "Ready", status: "True", lastTransitionTime: t }] } });
    }
    await client.create(R.horizontalpodautoscalers, "default", {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "w" },
      spec: { scaleTargetRef: { apiVersion: "example.skiff.dev/v1", kind: "Worker", name: "w" }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] },
    });
    const pods = new SnapshotLister<HpaPod>(client, R.pods);
    const hpas = new SnapshotLister<HorizontalPodAutoscalerLike>(client, R.horizontalpodautoscalers);
    await pods.refresh();
    await hpas.refresh();
    // The worker's two pods use 100% of their request (the "other" pod is busier but not selected).
    const metrics = {
      nodeMetrics: () => [],
      podMetrics: () =>
        pods.list("default").map((p) => {
          const cpu = (p.metadata.name === "other" ? 900 : 100) * 1e6;
          return { namespace: "default", name: p.metadata.name!, uid: p.metadata.uid ?? "", nodeName: "n1", timestamp: clock.now(), windowMs: 15_000, cpuNanoCores: cpu, memoryBytes: 0, containers: [{ name: "c", cpuNanoCores: cpu, memoryBytes: 0 }] };
        }),
    };
    const ctrl = new HorizontalPodAutoscalerController({ client, hpas, pods, metrics, events: new EventLog(), clock });
    await ctrl.reconcile("default/w");
    expect(((await client.get(infos[0], "default", "w")).spec as { size: number }).size).toBe(4);
    const hpa = await client.get<HorizontalPodAutoscalerLike>(R.horizontalpodautoscalers, "default", "w");
    expect(hpa.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 4 });
  });
});

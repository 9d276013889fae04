import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { MetricsReader, PodSample } from "../metrics/types.js";
import { FakeClock } from "../util/clock.js";
import { HorizontalPodAutoscalerController, type HorizontalPodAutoscalerLike } from "./hpa.js";
import type { HpaPod } from "./hpa-replicas.js";
import { EventLog, newCluster, RecordingClient, SnapshotLister } from "../../test/helpers/controllers.js";
import { rfc3339 } from "./util.js";

/** Metrics a test sets by hand: every listed pod uses `cpuMilli`. */
class StaticMetrics implements MetricsReader {
  cpuMilli = 0;
  constructor(
    private readonly clock: FakeClock,
    private readonly pods: () => HpaPod[],
  ) {}
  nodeMetrics() {
    return [];
  }
  podMetrics(namespace?: string): PodSample[] {
    return this.pods()
      .filter((p) => namespace === undefined || p.metadata.namespace === namespace)
      .map((p) => ({
        namespace: p.metadata.namespace!,
        name: p.metadata.name!,
        uid: p.metadata.uid ?? "",
        nodeName: "n1",
        timestamp: this.clock.now(),
        windowMs: 15_000,
        cpuNanoCores: this.cpuMilli * 1e6,
        memoryBytes: 0,
        containers: [{ name: "web", cpuNanoCores: this.cpuMilli * 1e6, memoryBytes: 0 }],
      }));
  }
}

async function setup(behavior?: unknown) {
  const { client: inner } = await newCluster();
  const client = new RecordingClient(inner);
  const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
  await inner.create(R.deployments, "default", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "x" }] } } },
  });
  /** Running, ready pods for the deployment's current spec.replicas (a stand-in for the ReplicaSet controller and kubelet). */
  const syncPods = async () => {
    const d = await inner.get(R.deployments, "default", "web").catch(() => undefined);
    if (!d) return;
    const want = (d.spec as { replicas: number }).replicas;
    const have = (await inner.list(R.pods, "default")).items;
    for (let i = have.length; i < want; i++) {
      const t = rfc3339(clock.now() - 600_000);
      const pod = await inner.create(R.pods, "default", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `web-${i}`, labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "x", resources: { requests: { cpu: "100m" } } }] },
      });
      await inner.updateStatus(R.pods, { ...pod, status: { phase: "Running", startTime: t, conditions: [{ type: "Ready", status: "True", lastTransitionTime: t }] } });
    }
    for (const p of have.slice(want)) await inner.delete(R.pods, "default", p.metadata.name!, { gracePeriodSeconds: 0 });
  };
  await syncPods();
  await inner.create(R.horizontalpodautoscalers, "default", {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "web" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
      minReplicas: 2,
      maxReplicas: 8,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
      ...(behavior ? { behavior } : {}),
    },
  });
  const hpas = new SnapshotLister<HorizontalPodAutoscalerLike>(inner, R.horizontalpodautoscalers);
  const pods = new SnapshotLister<HpaPod>(inner, R.pods);
  const metrics = new StaticMetrics(clock, () => pods.list("default"));
  const events = new EventLog();
  const ctrl = new HorizontalPodAutoscalerController({ client, hpas, pods, metrics, events, clock });
  const step = async (advanceMs: number) => {
    await clock.advance(advanceMs);
    await syncPods();
    await hpas.refresh();
    await pods.refresh();
    return ctrl.reconcile("default/web");
  };
  const replicas = async () => ((await inner.get(R.deployments, "default", "web")).spec as { replicas: number }).replicas;
  const hpa = async () => inner.get<HorizontalPodAutoscalerLike>(R.horizontalpodautoscalers, "default", "web");
  return { client, inner, clock, metrics, events, step, replicas, hpa };
}

describe("HorizontalPodAutoscaler controller", () => {
  it("scales 2 → 8 under load through the scale subresource, and back to 2 after the stabilization window", async () => {
    const t = await setup({ scaleUp: { policies: [{ type: "Percent", value: 900, periodSeconds: 15 }] }, scaleDown: { stabilizationWindowSeconds: 60 } });
    t.metrics.cpuMilli = 200; // 200% of the 100m request against a 50% target
    const r = await t.step(0);
    expect(r.requeueAfterMs).toBe(15_000);
    expect(await t.replicas()).toBe(8);
    expect(t.client.writes.filter((w) => w.verb === "patch" && w.resource === "deployments")).toHaveLength(1);
    expect(t.events.events).toContainEqual(expect.objectContaining({ reason: "SuccessfulRescale", message: "New size: 8; reason: cpu resource utilization (percentage of request) above target" }));
    let h = await t.hpa();
    expect(h.status).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 8,
      lastScaleTime: "2026-01-01T00:00:00Z",
      currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 200, averageValue: "200m" } } }],
    });
    const cond = (type: string) => h.status?.conditions?.find((c) => c.type === type);
    expect(cond("AbleToScale")).toMatchObject({ status: "True", reason: "SucceededRescale", message: "the HPA controller was able to update the target scale to 8" });
    expect(cond("ScalingActive")).toMatchObject({ status: "True", reason: "ValidMetricFound" });

    // Load gone: the recommendation drops to 2 at once, but the window holds 8 for 60 s.
    t.metrics.cpuMilli = 0;
    await t.step(15_000);
    expect(await t.replicas()).toBe(8);
    h = await t.hpa();
    expect(cond("AbleToScale")).toMatchObject({ reason: "ScaleDownStabilized" });
    await t.step(30_000);
    expect(await t.replicas()).toBe(8);
    await t.step(30_000);
    expect(await t.replicas()).toBe(2);
    expect(t.events.events.map((e) => e.message)).toContain("New size: 2; reason: All metrics below target");
  });

  it("stays put within tolerance and reports missing metrics as ScalingActive=False", async () => {
    const t = await setup();
    t.metrics.cpuMilli = 52;
    await t.step(0);
    expect(await t.replicas()).toBe(2);
    expect((await t.hpa()).status?.conditions?.find((c) => c.type === "ScalingLimited")).toMatchObject({ status: "False", reason: "DesiredWithinRange" });

    const none = await setup();
    (none.metrics as unknown as { podMetrics: () => PodSample[] }).podMetrics = () => [];
    await none.step(0);
    const h = await none.hpa();
    expect(h.status?.conditions?.find((c) => c.type === "ScalingActive")).toMatchObject({
      status: "False",
      reason: "FailedGetResourceMetric",
      message: "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API",
    });
    expect(none.events.reasons()).toContain("FailedComputeMetricsReplicas");
    expect(await none.replicas()).toBe(2);
  });

  it("brings a target outside min/max back in range and says why", async () => {
    const t = await setup();
    await t.inner.patch(R.deployments, "default", "web", "merge", { spec: { replicas: 12 } });
    t.metrics.cpuMilli = 50;
    await t.step(0);
    expect(await t.replicas()).toBe(8);
    expect(t.events.events.map((e) => e.message)).toContain("New size: 8; reason: Current number of replicas above Spec.MaxReplicas");
  });

  it("reports a missing target", async () => {
    const t = await setup();
    await t.inner.delete(R.deployments, "default", "web");
    await t.step(0);
    const h = await t.hpa();
    expect(h.status?.conditions?.find((c) => c.type === "AbleToScale")).toMatchObject({ status: "False", reason: "FailedGetScale" });
    const gone = await t.inner.delete(R.horizontalpodautoscalers, "default", "web");
    expect(gone.metadata.name).toBe("web");
  });
});

import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { FakeClock } from "../util/clock.js";
import { NodeLifecycleController, TAINT_UNREACHABLE, type LeaseLike, type NodeLike } from "./node-lifecycle.js";
import { tolerates } from "../api/tolerations.js";
import { EventLog, RecordingClient, SnapshotLister, createNode, markReady, newCluster } from "../../test/helpers/controllers.js";
import { isNotFound, rfc3339, type PodLike } from "./util.js";

async function setup() {
  const { client: inner } = await newCluster();
  const client = new RecordingClient(inner);
  const clock = new FakeClock(Date.now());
  await createNode(inner, "n1");
  const renew = async () => {
    const spec = { holderIdentity: "n1", renewTime: new Date(clock.now()).toISOString(), leaseDurationSeconds: 40 };
    try {
      const l = await inner.get<LeaseLike>(R.leases, "kube-node-lease", "n1");
      await inner.update(R.leases, { ...l, spec });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await inner.create(R.leases, "kube-node-lease", { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n1" }, spec });
    }
  };
  const mkPod = async (name: string, tolerations?: unknown[]) => {
    await inner.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { containers: [{ name: "app", image: "nginx" }], ...(tolerations ? { tolerations } : {}) },
    });
    await inner.bindPod("default", name, "n1");
    await markReady(inner, await inner.get(R.pods, "default", name), clock.now());
  };
  const nodes = new SnapshotLister<NodeLike>(inner, R.nodes);
  const leases = new SnapshotLister<LeaseLike>(inner, R.leases);
  const pods = new SnapshotLister<PodLike>(inner, R.pods);
  const events = new EventLog();
  const ctrl = new NodeLifecycleController({ client, nodes, leases, pods, clock, events, gracePeriodMs: 40_000, podEvictionTimeoutMs: 300_000 });
  const run = async () => {
    await Promise.all([nodes.refresh(), leases.refresh(), pods.refresh()]);
    return ctrl.reconcile("n1");
  };
  const node = () => inner.get<NodeLike>(R.nodes, undefined, "n1");
  const podNames = async () => (await inner.list(R.pods, "default")).items.map((p) => p.metadata.name).sort();
  return { inner, client, clock, renew, mkPod, run, node, podNames, events };
}

const ready = (n: NodeLike) => n.status?.conditions?.find((c) => c.type === "Ready");

describe("NodeLifecycleController", () => {
  it("leaves a heartbeating node alone and asks to look again before the grace period ends", async () => {
    const { client, clock, renew, run } = await setup();
    await renew();
    const r1 = await run();
    expect(client.writes).toEqual([]);
    expect(r1.requeueAfterMs).toBe(40_000);
    await clock.advance(30_000);
    await renew();
    expect((await run()).requeueAfterMs).toBe(40_000);
    expect(client.writes).toEqual([]);
  });

  it("marks a silent node Unknown, taints it, evicts pods after the toleration, and recovers", async () => {
    const { client, clock, renew, mkPod, run, node, podNames, events } = await setup();
    await renew();
    await mkPod("plain");
    await mkPod("tolerant", [{ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 }]);
    await mkPod("forever", [{ operator: "Exists" }]);
    await run();
    await clock.advance(41_000);
    const r = await run();
    let n = await node();
    expect(ready(n)).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    expect(n.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual([`${TAINT_UNREACHABLE}:NoExecute`, `${TAINT_UNREACHABLE}:NoSchedule`]);
    expect(events.reasons()).toContain("NodeNotReady");
    const plain = await client.get<PodLike>(R.pods, "default", "plain");
    expect(plain.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    expect(r.requeueAfterMs).toBeGreaterThan(50_000);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(60_000);
    expect(await podNames()).toEqual(["forever", "plain", "tolerant"]);

    await clock.advance(61_000);
    await run();
    expect(await podNames()).toEqual(["forever", "plain"]);
    expect(events.events).toContainEqual(expect.objectContaining({ reason: "TaintManagerEviction", message: "Marking for deletion Pod default/tolerant" }));
    await clock.advance(240_000);
    await run();
    expect(await podNames()).toEqual(["forever"]);
    const evictions = client.of("delete", "pods");
    expect(evictions.every((w) => (w.opts as { gracePeriodSeconds?: number }).gracePeriodSeconds === 0)).toBe(true);

    // Heartbeats return: Ready again, taints gone.
    await renew();
    await run();
    n = await node();
    expect(ready(n)?.status).toBe("True");
    expect(n.spec?.taints ?? []).toEqual([]);
    // Idempotent once settled.
    client.writes = [];
    await run();
    expect(client.writes).toEqual([]);
  });

  it("matches tolerations like Kubernetes", () => {
    const taint = { key: TAINT_UNREACHABLE, effect: "NoExecute" as const, timeAdded: rfc3339(0) };
    expect(tolerates({ operator: "Exists" }, taint)).toBe(true);
    expect(tolerates({ key: TAINT_UNREACHABLE, operator: "Exists", effect: "NoSchedule" }, taint)).toBe(false);
    expect(tolerates({ key: TAINT_UNREACHABLE, value: "" }, taint)).toBe(true);
    expect(tolerates({ key: "other", operator: "Exists" }, taint)).toBe(false);
  });

  it("taints a node by its pressure conditions (TaintNodesByCondition) and lifts the taint when the condition clears", async () => {
    const { inner, renew, run, node } = await setup();
    await renew();
    const setPressure = async (type: string, status: string) => {
      const n = await node();
      const conditions = (n.status?.conditions ?? []).filter((c) => c.type !== type);
      conditions.push({ type, status, reason: status === "True" ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory", message: "" });
      await inner.updateStatus(R.nodes, { ...n, status: { ...n.status, conditions } });
    };
    await setPressure("MemoryPressure", "True");
    await setPressure("DiskPressure", "True");
    await run();
    expect((await node()).spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual(["node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule"]);
    await setPressure("MemoryPressure", "False");
    await run();
    expect((await node()).spec?.taints?.map((t) => t.key)).toEqual(["node.kubernetes.io/disk-pressure"]);
    await setPressure("DiskPressure", "False");
    await run();
    expect((await node()).spec?.taints ?? []).toEqual([]);
  });

  it("a heartbeating node its kubelet reports NotReady (runtime down) gets the not-ready taints and the same eviction timers", async () => {
    const { inner, clock, renew, mkPod, run, node, podNames } = await setup();
    await renew();
    await mkPod("plain");
    await mkPod("tolerant", [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" }]);
    const n = await node();
    const conditions = [{ type: "Ready", status: "False", reason: "KubeletNotReady", message: "container runtime is down, PLEG is not healthy: docker://20.10.24 has not answered for 4s", lastHeartbeatTime: rfc3339(clock.now()), lastTransitionTime: rfc3339(clock.now()) }];
    await inner.updateStatus(R.nodes, { ...n, status: { ...n.status, conditions } });
    const r = await run();
    expect((await node()).spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual(["node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/not-ready:NoSchedule"]);
    expect(ready(await node())?.reason).toBe("KubeletNotReady"); // the kubelet's word stands
    expect(r.requeueAfterMs).toBeGreaterThan(0);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(300_000);
    await clock.advance(200_000);
    await renew();
    await run();
    expect(await podNames()).toEqual(["plain", "tolerant"]);
    await clock.advance(101_000);
    await renew();
    await run();
    expect(await podNames()).toEqual(["tolerant"]);
  });
});

import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { FakeClock } from "../util/clock.js";
import { DaemonSetController, type DaemonSetLike } from "./daemonset.js";
import { CONTROLLER_REVISION_HASH, DAEMON_TOLERATIONS, placement, targetNode } from "./daemonset-nodes.js";
import type { NodeLike } from "./node-lifecycle.js";
import { EventLog, RecordingClient, SnapshotLister, createNode, markReady, newCluster } from "../../test/helpers/controllers.js";
import type { PodLike } from "./util.js";

function dsObject(extra: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image: "busybox:1" }], ...podSpec } },
      ...extra,
    },
  };
}

async function patchNode(client: Client, name: string, patch: Record<string, unknown>): Promise<void> {
  await client.patch(R.nodes, undefined, name, "merge", patch);
}

async function setup(nodes: string[], ds: KubeObject = dsObject()) {
  const { client: inner } = await newCluster();
  const client = new RecordingClient(inner);
  for (const n of nodes) await createNode(inner, n);
  await inner.create(R.daemonsets, "default", ds);
  const daemonSets = new SnapshotLister<DaemonSetLike>(inner, R.daemonsets);
  const pods = new SnapshotLister<PodLike>(inner, R.pods);
  const nodeLister = new SnapshotLister<NodeLike>(inner, R.nodes);
  const events = new EventLog();
  const clock = new FakeClock(Date.now());
  const ctrl = new DaemonSetController({ client, daemonSets, pods, nodes: nodeLister, events, clock });
  let seen = new Map<string, PodLike>();
  const run = async () => {
    await Promise.all([daemonSets.refresh(), pods.refresh(), nodeLister.refresh()]);
    const now = new Map(pods.list().map((p) => [p.metadata.uid!, p]));
    for (const [uid, p] of now) {
      const old = seen.get(uid);
      if (!old) ctrl.podChanged(p, "add");
      else if (old.metadata.resourceVersion !== p.metadata.resourceVersion) ctrl.podChanged(p, "update", old);
    }
    for (const [uid, p] of seen) if (!now.has(uid)) ctrl.podChanged(p, "delete");
    seen = now;
    return ctrl.reconcile("default/agent");
  };
  const livePods = async () => (await inner.list<PodLike>(R.pods, "default")).items.filter((p) => !p.metadata.deletionTimestamp);
  const ds_ = async () => inner.get<DaemonSetLike>(R.daemonsets, "default", "agent");
  /** What the scheduler and agents would do: bind each pod to its pinned node, run it, finish deletions. */
  const kubelet = async () => {
    for (const pod of (await inner.list<PodLike>(R.pods, "default")).items) {
      if (pod.metadata.deletionTimestamp) {
        await inner.delete(R.pods, "default", pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
        continue;
      }
      if (!pod.spec?.nodeName) await inner.bindPod("default", pod.metadata.name!, targetNode(pod)!);
      if (pod.status?.phase !== "Running" && pod.status?.phase !== "Failed") await markReady(inner, await inner.get(R.pods, "default", pod.metadata.name!), clock.now());
    }
  };
  return { inner, client, ctrl, run, livePods, ds: ds_, kubelet, events, clock };
}

describe("DaemonSet placement", () => {
  const node = (labels: Record<string, string>, taints: NodeLike["spec"] extends infer S ? (S extends { taints?: infer T } ? T : never) : never = []): NodeLike => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1", labels },
    spec: { taints },
  });
  it("honours nodeSelector and required node affinity", () => {
    expect(placement(node({ disk: "ssd" }), { spec: { nodeSelector: { disk: "ssd" } } }).shouldRun).toBe(true);
    expect(placement(node({ disk: "hdd" }), { spec: { nodeSelector: { disk: "ssd" } } })).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }] } } };
    expect(placement(node({ zone: "a" }), { spec: { affinity } }).shouldRun).toBe(true);
    expect(placement(node({ zone: "b" }), { spec: { affinity } }).shouldRun).toBe(false);
  });

  it("tolerates node trouble automatically but not other taints", () => {
    expect(placement(node({}, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]), { spec: {} }).shouldRun).toBe(true);
    expect(placement(node({}, [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }]), { spec: {} }).shouldRun).toBe(true);
    // NoSchedule: no new pod, but a running one may stay.
    expect(placement(node({}, [{ key: "dedicated", value: "db", effect: "NoSchedule" }]), { spec: {} })).toEqual({ shouldRun: false, shouldContinueRunning: true });
    // NoExecute: not even the running one.
    expect(placement(node({}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]), { spec: {} })).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const tolerated = { spec: { tolerations: [{ key: "dedicated", operator: "Equal", value: "db" }] } };
    expect(placement(node({}, [{ key: "dedicated", value: "db", effect: "NoExecute" }]), tolerated).shouldRun).toBe(true);
  });
});

describe("DaemonSetController", () => {
  it("creates one pod per node, pinned by matchFields affinity, with the automatic tolerations", async () => {
    const { client, run, livePods, events } = await setup(["n1", "n2", "n3"]);
    await run();
    const pods = await livePods();
    expect(pods.map(targetNode).sort()).toEqual(["n1", "n2", "n3"]);
    const pod = client.of("create", "pods")[0].obj as PodLike;
    expect(pod.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
    expect(pod.metadata.labels?.[CONTROLLER_REVISION_HASH]).toMatch(/^[a-z0-9]+$/);
    expect(pod.metadata.labels?.["pod-template-generation"]).toBe("1");
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: "DaemonSet", name: "agent", controller: true });
    const terms = (pod.spec as any).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toHaveLength(1);
    expect(terms[0].matchFields[0]).toMatchObject({ key: "metadata.name", operator: "In" });
    expect(pod.spec?.nodeName).toBeUndefined(); // the scheduler binds it
    for (const t of DAEMON_TOLERATIONS) expect(pod.spec?.tolerations).toContainEqual(t);
    expect(events.reasons().filter((r) => r === "SuccessfulCreate")).toHaveLength(3);
  });

  it("is idempotent, even against a stale cache (expectations)", async () => {
    const { client, ctrl, run } = await setup(["n1", "n2"]);
    await run();
    client.writes = [];
    // The cache is not refreshed: it still shows no pods (and a stale DaemonSet, whose status write conflicts).
    await ctrl.reconcile("default/agent").catch((e: Error) => expect(e.message).toContain("the object has been modified"));
    expect(client.of("create", "pods")).toEqual([]);
    await run();
    expect(client.of("create", "pods")).toEqual([]);
  });

  it("follows nodes joining and leaving", async () => {
    const { inner, run, livePods, kubelet } = await setup(["n1", "n2"]);
    await run();
    await kubelet();
    await createNode(inner, "n3");
    await run();
    expect((await livePods()).map(targetNode).sort()).toEqual(["n1", "n2", "n3"]);
    await kubelet();
    await inner.delete(R.nodes, undefined, "n2");
    await run();
    // The node is gone, so nobody would finish a graceful deletion: the pod goes at once.
    expect((await inner.list<PodLike>(R.pods, "default")).items.map(targetNode).sort()).toEqual(["n1", "n3"]);
  });

  it("skips nodes that do not match and deletes pods when a node stops matching", async () => {
    const { inner, run, livePods, kubelet, ds } = await setup(["n1", "n2"], dsObject({}, { nodeSelector: { role: "edge" } }));
    await patchNode(inner, "n1", { metadata: { labels: { role: "edge" } } });
    await run();
    expect((await livePods()).map(targetNode)).toEqual(["n1"]);
    await kubelet();
    await run();
    expect((await ds()).status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, numberAvailable: 1, numberMisscheduled: 0 });
    await patchNode(inner, "n1", { metadata: { labels: { role: null } } });
    await run();
    expect(await livePods()).toEqual([]);
  });

  it("leaves a running pod on a NoSchedule-tainted node (misscheduled) but evicts on NoExecute", async () => {
    const { inner, run, livePods, kubelet, ds } = await setup(["n1"]);
    await run();
    await kubelet();
    await patchNode(inner, "n1", { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] } });
    await run();
    await run();
    expect(await livePods()).toHaveLength(1);
    expect((await ds()).status).toMatchObject({ desiredNumberScheduled: 0, numberMisscheduled: 1 });
    await patchNode(inner, "n1", { spec: { taints: [{ key: "dedicated", value: "db", effect: "NoExecute" }] } });
    await run();
    expect(await livePods()).toHaveLength(0);
  });

  it("replaces a failed daemon pod and says so", async () => {
    const { inner, run, livePods, kubelet, events } = await setup(["n1"]);
    await run();
    await kubelet();
    const [pod] = await livePods();
    await inner.updateStatus(R.pods, { ...pod, status: { ...pod.status, phase: "Failed" } });
    await run();
    expect(events.reasons()).toContain("FailedDaemonPod");
    await kubelet(); // finishes the deletion
    await run();
    const now = await livePods();
    expect(now).toHaveLength(1);
    expect(now[0].metadata.uid).not.toBe(pod.metadata.uid);
  });

  it("rolls a new template out one node at a time with maxUnavailable 1", async () => {
    const { inner, run, livePods, kubelet, ds } = await setup(["n1", "n2", "n3"]);
    await run();
    await kubelet();
    await run();
    const before = await ds();
    const oldHash = (await livePods())[0].metadata.labels![CONTROLLER_REVISION_HASH];
    const next = structuredClone(before);
    (next.spec!.template!.spec as any).containers[0].image = "busybox:2";
    await inner.update(R.daemonsets, next);
    const maxOldGone: number[] = [];
    for (let i = 0; i < 20; i++) {
      await run();
      const pods = await inner.list<PodLike>(R.pods, "default");
      const oldLeaving = pods.items.filter((p) => p.metadata.labels![CONTROLLER_REVISION_HASH] === oldHash && p.metadata.deletionTimestamp).length;
      const missing = 3 - pods.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running").length;
      maxOldGone.push(Math.max(oldLeaving, missing));
      await kubelet();
      const live = await livePods();
      if (live.length === 3 && live.every((p) => p.metadata.labels![CONTROLLER_REVISION_HASH] !== oldHash && p.status?.phase === "Running")) break;
    }
    const live = await livePods();
    expect(live.every((p) => p.metadata.labels![CONTROLLER_REVISION_HASH] !== oldHash)).toBe(true);
    expect(live.map(targetNode).sort()).toEqual(["n1", "n2", "n3"]);
    expect(Math.max(...maxOldGone)).toBe(1); // never more than one node without a daemon pod
    await run();
    expect((await ds()).status).toMatchObject({ updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: 2 });
  });

  it("OnDelete leaves old pods alone", async () => {
    const { inner, client, run, kubelet, ds } = await setup(["n1"], dsObject({ updateStrategy: { type: "OnDelete" } }));
    await run();
    await kubelet();
    const next = structuredClone(await ds());
    (next.spec!.template!.spec as any).containers[0].image = "busybox:2";
    await inner.update(R.daemonsets, next);
    client.writes = [];
    await run();
    expect(client.of("delete", "pods")).toEqual([]);
    expect((await ds()).status?.updatedNumberScheduled).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { FakeClock } from "../util/clock.js";
import { podsToDelete } from "./active-pods.js";
import { ReplicaSetController, type ReplicaSetLike } from "./replicaset.js";
import { EventLog, RecordingClient, SnapshotLister, markReady, newCluster } from "../../test/helpers/controllers.js";
import type { PodLike } from "./util.js";

function rsObject(name: string, replicas: number, extra: Partial<NonNullable<ReplicaSetLike["spec"]>> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "nginx:1" }] } },
      ...extra,
    },
  };
}

async function setup(replicas = 3) {
  const { client: inner } = await newCluster();
  const client = new RecordingClient(inner);
  const rs = await inner.create<ReplicaSetLike>(R.replicasets, "default", rsObject("web", replicas));
  const replicaSets = new SnapshotLister<ReplicaSetLike>(inner, R.replicasets);
  const pods = new SnapshotLister<PodLike>(inner, R.pods);
  const events = new EventLog();
  const clock = new FakeClock(Date.now());
  const ctrl = new ReplicaSetController({ client, replicaSets, pods, events, clock });
  // Feed the controller the pod events an informer would deliver between reconciles.
  let seen = new Map<string, PodLike>();
  const run = async () => {
    await replicaSets.refresh();
    await pods.refresh();
    const now = new Map(pods.list().map((p) => [p.metadata.uid!, p]));
    for (const [uid, p] of now) {
      const old = seen.get(uid);
      if (!old) ctrl.podChanged(p, "add");
      else if (old.metadata.resourceVersion !== p.metadata.resourceVersion) ctrl.podChanged(p, "update", old);
    }
    for (const [uid, p] of seen) if (!now.has(uid)) ctrl.podChanged(p, "delete");
    seen = now;
    return ctrl.reconcile("default/web");
  };
  const owned = async () => (await inner.list<PodLike>(R.pods, "default")).items.filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
  return { inner, client, rs, ctrl, run, owned, events, clock };
}

describe("ReplicaSetController", () => {
  it("creates replicas pods from the template with a controller ownerReference", async () => {
    const { client, rs, run, owned, events } = await setup(3);
    await run();
    const creates = client.of("create", "pods");
    expect(creates).toHaveLength(3);
    const pod = creates[0].obj as PodLike;
    expect(pod.metadata.generateName).toBe("web-");
    expect(pod.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(pod.metadata.labels).toEqual({ app: "web" });
    expect(pod.metadata.ownerReferences).toEqual([
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(await owned()).toHaveLength(3);
    expect(events.events.filter((e) => e.reason === "SuccessfulCreate").map((e) => e.message)).toContain(`Created pod: ${pod.metadata.name}`);
  });

  it("is idempotent: a second reconcile with fresh caches writes nothing but status", async () => {
    const { client, run } = await setup(2);
    await run();
    client.writes = [];
    await run();
    expect(client.writes.filter((w) => w.verb !== "updateStatus")).toEqual([]);
    client.writes = [];
    await run();
    expect(client.writes).toEqual([]);
  });

  it("with a stale pod cache, expectations stop a second create batch", async () => {
    const { inner, client, ctrl } = await setup(3);
    const replicaSets = new SnapshotLister<ReplicaSetLike>(inner, R.replicasets);
    const emptyPods = new SnapshotLister<PodLike>(inner, R.pods); // never refreshed: the informer lags
    const lagging = new ReplicaSetController({ client, replicaSets: await replicaSets.refresh(), pods: emptyPods });
    await lagging.reconcile("default/web");
    await replicaSets.refresh();
    await lagging.reconcile("default/web");
    expect(client.of("create", "pods")).toHaveLength(3);
    expect(ctrl.expectations.satisfied("default/web")).toBe(true);
    expect(lagging.expectations.satisfied("default/web")).toBe(false);
  });

  it("even without expectations (another controller), the fresh check prevents duplicates", async () => {
    const { inner, client, run, owned } = await setup(3);
    await run();
    // A second controller whose caches saw nothing yet.
    const other = new ReplicaSetController({
      client,
      replicaSets: await new SnapshotLister<ReplicaSetLike>(inner, R.replicasets).refresh(),
      pods: new SnapshotLister<PodLike>(inner, R.pods),
    });
    await other.reconcile("default/web");
    expect(await owned()).toHaveLength(3);
  });

  it("stops creating at the first refused batch (slowStartBatch) and forgets the creates it never made", async () => {
    const { inner, ctrl, events } = await setup(10);
    // An API that admits exactly two pods (as a full ResourceQuota would): batch 1
    // (one create) succeeds, batch 2 (two creates) has one refused.
    const client = new RecordingClient(inner);
    let admitted = 0;
    const create = client.create.bind(client);
    client.create = (async (info, ns, obj, opts) => {
      if (info === R.pods && ++admitted > 2) throw new Error('pods is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
      return create(info, ns, obj, opts);
    }) as RecordingClient["create"];
    const replicaSets = await new SnapshotLister<ReplicaSetLike>(inner, R.replicasets).refresh();
    const pods = await new SnapshotLister<PodLike>(inner, R.pods).refresh();
    const fresh = new ReplicaSetController({ client, replicaSets, pods, events });
    await expect(fresh.reconcile("default/web")).rejects.toThrow(/exceeded quota/);
    // Batches 1 and 2 ran (3 calls), batch 3 (4 calls) never did.
    expect(events.reasons().filter((r) => r === "SuccessfulCreate")).toHaveLength(2);
    expect(events.reasons().filter((r) => r === "FailedCreate")).toHaveLength(1);
    expect(client.of("create", "pods")).toHaveLength(2);
    // Only the two pods that exist are still expected: once seen, the key is free again.
    expect(fresh.expectations.satisfied("default/web")).toBe(false);
    for (const p of (await inner.list<PodLike>(R.pods, "default")).items) fresh.podChanged(p, "add");
    expect(fresh.expectations.satisfied("default/web")).toBe(true);
    expect(ctrl.expectations.satisfied("default/web")).toBe(true);
  });

  it("deletes surplus pods: unscheduled first, then not ready, then the newest", async () => {
    const { inner, client, run, owned, events } = await setup(4);
    await run();
    await inner.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
    const pods = await owned();
    // pods[0]: unscheduled; pods[1]: bound, pending; pods[2], pods[3]: bound and ready.
    for (const p of pods.slice(1)) await inner.bindPod("default", p.metadata.name!, "n1");
    for (const p of pods.slice(2)) await markReady(inner, await inner.get(R.pods, "default", p.metadata.name!));
    const rs = await inner.get<ReplicaSetLike>(R.replicasets, "default", "web");
    rs.spec!.replicas = 2;
    await inner.update(R.replicasets, rs);
    client.writes = [];
    await run();
    const deleted = client.of("delete", "pods").map((w) => w.name).sort();
    expect(deleted).toEqual([pods[0].metadata.name, pods[1].metadata.name].sort());
    expect(events.reasons()).toContain("SuccessfulDelete");
    // The bound one is terminating (graceful), the unscheduled one is gone.
    const left = await owned();
    expect(left.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort()).toEqual(
      [pods[2].metadata.name, pods[3].metadata.name].sort(),
    );
  });

  it("adopts matching orphans and releases pods whose labels stop matching", async () => {
    const { inner, client, rs, run, owned } = await setup(2);
    await inner.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stray", labels: { app: "web" } },
      spec: { containers: [{ name: "app", image: "nginx:1" }] },
    });
    await run();
    const mine = await owned();
    expect(mine.map((p) => p.metadata.name)).toContain("stray");
    expect(mine).toHaveLength(2);
    expect(client.of("create", "pods")).toHaveLength(1);
    // Relabel the stray pod: it is released and replaced.
    const stray = await inner.get<PodLike>(R.pods, "default", "stray");
    stray.metadata.labels = { app: "other" };
    await inner.update(R.pods, stray);
    await run();
    const released = await inner.get<PodLike>(R.pods, "default", "stray");
    expect(released.metadata.ownerReferences ?? []).toEqual([]);
    await run();
    expect((await owned()).filter((p) => p.metadata.uid !== rs.metadata.uid)).toHaveLength(2);
  });

  it("writes status counts and observedGeneration, honouring minReadySeconds", async () => {
    const { inner, client, run, owned, clock } = await setup(2);
    const rs = await inner.get<ReplicaSetLike>(R.replicasets, "default", "web");
    rs.spec!.minReadySeconds = 10;
    await inner.update(R.replicasets, rs);
    await run();
    for (const p of await owned()) await markReady(inner, p, clock.now());
    const r = await run();
    let status = (await inner.get<ReplicaSetLike>(R.replicasets, "default", "web")).status!;
    expect(status).toMatchObject({ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 0, observedGeneration: 2 });
    expect(r.requeueAfterMs).toBeGreaterThan(0);
    expect(r.requeueAfterMs).toBeLessThanOrEqual(10_000);
    await clock.advance(11_000);
    client.writes = [];
    await run();
    status = (await inner.get<ReplicaSetLike>(R.replicasets, "default", "web")).status!;
    expect(status.availableReplicas).toBe(2);
    expect(client.of("updateStatus", "replicasets")).toHaveLength(1);
  });

  it("a missing ReplicaSet is a state, not an error", async () => {
    const { ctrl } = await setup(1);
    await expect(ctrl.reconcile("default/nope")).resolves.toEqual({});
  });
});

describe("podsToDelete", () => {
  const pod = (name: string, over: Partial<PodLike> & { ready?: boolean; node?: string; created?: string }) =>
    ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, creationTimestamp: over.created ?? "2026-01-01T00:00:00Z" },
      spec: { nodeName: over.node },
      status: {
        phase: over.ready ? "Running" : "Pending",
        conditions: over.ready ? [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:01:00Z" }] : [],
      },
    }) as PodLike;

  it("ranks unscheduled < pending < ready, newest first among equals", () => {
    const pods = [
      pod("ready-old", { node: "n", ready: true, created: "2026-01-01T00:00:00Z" }),
      pod("ready-new", { node: "n", ready: true, created: "2026-01-01T00:00:30Z" }),
      pod("pending", { node: "n" }),
      pod("unscheduled", {}),
    ];
    expect(podsToDelete(pods, 4).map((p) => p.metadata.name)).toEqual(["unscheduled", "pending", "ready-new", "ready-old"]);
    expect(podsToDelete(pods, 0)).toEqual([]);
  });
});

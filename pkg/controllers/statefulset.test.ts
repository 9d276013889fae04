import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { FakeClock } from "../util/clock.js";
import { StatefulSetController, updateRevisionOf, type StatefulSetLike } from "./statefulset.js";
import { CONTROLLER_REVISION_HASH, POD_INDEX_LABEL, POD_NAME_LABEL, claimsFor, statefulPod, templateFromPod } from "./statefulset-pods.js";
import { EventLog, RecordingClient, SnapshotLister, markReady, newCluster } from "../../test/helpers/controllers.js";
import type { PodLike } from "./util.js";
import type { PersistentVolumeClaim } from "../api/storage.js";

function stsObject(replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas,
      serviceName: "nginx",
      selector: { matchLabels: { app: "nginx" } },
      template: {
        metadata: { labels: { app: "nginx" } },
        spec: { containers: [{ name: "nginx", image: "nginx:1", volumeMounts: [{ name: "www", mountPath: "/usr/share/nginx/html" }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      ...extra,
    },
  };
}

async function setup(sts: KubeObject) {
  const { client: inner } = await newCluster();
  const client = new RecordingClient(inner);
  await inner.create(R.statefulsets, "default", sts);
  const statefulSets = new SnapshotLister<StatefulSetLike>(inner, R.statefulsets);
  const pods = new SnapshotLister<PodLike>(inner, R.pods);
  const claims = new SnapshotLister<PersistentVolumeClaim>(inner, R.persistentvolumeclaims);
  const events = new EventLog();
  const clock = new FakeClock(Date.now());
  const ctrl = new StatefulSetController({ client, statefulSets, pods, claims, events, clock });
  const run = async () => {
    await Promise.all([statefulSets.refresh(), pods.refresh(), claims.refresh()]);
    return ctrl.reconcile("default/web");
  };
  const all = async () => (await inner.list<PodLike>(R.pods, "default")).items;
  const names = async () => (await all()).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!).sort();
  /** Bind and ready every pending pod; with finish, also complete graceful deletions. */
  const kubelet = async (finish = true) => {
    for (const pod of await all()) {
      if (pod.metadata.deletionTimestamp) {
        if (finish) await inner.delete(R.pods, "default", pod.metadata.name!, { gracePeriodSeconds: 0 });
        continue;
      }
      if (!pod.spec?.nodeName) await inner.bindPod("default", pod.metadata.name!, "node-1");
      if (pod.status?.phase !== "Running") await markReady(inner, await inner.get(R.pods, "default", pod.metadata.name!), clock.now());
    }
  };
  const sts_ = () => inner.get<StatefulSetLike>(R.statefulsets, "default", "web");
  /** Run controller and kubelet in turns until nothing changes; returns creation/deletion order. */
  const settle = async () => {
    const created: string[] = [];
    const deleted: string[] = [];
    for (let i = 0; i < 50; i++) {
      client.writes = [];
      await run();
      created.push(...client.of("create", "pods").map((w) => w.name));
      deleted.push(...client.of("delete", "pods").map((w) => w.name));
      const before = (await inner.list(R.pods, undefined)).metadata.resourceVersion;
      await kubelet();
      const after = (await inner.list(R.pods, undefined)).metadata.resourceVersion;
      if (before === after && client.writes.filter((w) => w.resource === "pods").length === 0) break;
    }
    await run(); // final status
    return { created, deleted };
  };
  return { inner, client, ctrl, run, names, all, kubelet, settle, sts: sts_, events, clock };
}

async function scale(inner: { patch: RecordingClient["patch"] }, replicas: number): Promise<void> {
  await inner.patch(R.statefulsets, "default", "web", "merge", { spec: { replicas } });
}

describe("StatefulSet pod identity", () => {
  it("names, labels, hostname, subdomain and per-ordinal claim volumes", () => {
    const sts = { ...stsObject(1), metadata: { name: "web", namespace: "default", uid: "u1" } } as StatefulSetLike;
    const pod = statefulPod(sts, sts.spec!.template!, 2, "web-abc");
    expect(pod.metadata.name).toBe("web-2");
    expect(pod.metadata.labels).toEqual({ app: "nginx", [POD_NAME_LABEL]: "web-2", [POD_INDEX_LABEL]: "2", [CONTROLLER_REVISION_HASH]: "web-abc" });
    expect(pod.spec).toMatchObject({ hostname: "web-2", subdomain: "nginx", volumes: [{ name: "www", persistentVolumeClaim: { claimName: "www-web-2" } }] });
    expect(pod.metadata.annotations).toBeUndefined();
    const [claim, ...more] = claimsFor(sts, 2);
    expect(more).toEqual([]);
    expect(claim.metadata).toEqual({ name: "www-web-2", namespace: "default", labels: { app: "nginx" } });
    expect(claim.spec).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } });
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: "StatefulSet", name: "web", uid: "u1", controller: true });
    // The template a pod was made from can be recovered from the pod.
    const back = templateFromPod(pod as PodLike);
    expect(back.metadata?.labels).toEqual({ app: "nginx" });
    expect(back.metadata?.annotations).toBeUndefined();
    expect(back.spec).toEqual(sts.spec!.template!.spec);
  });
});

describe("StatefulSetController", () => {
  it("creates one claim per template and ordinal before the pod, keeps them on scale-down and reuses them on scale-up", async () => {
    const { run, settle, client, inner } = await setup(stsObject(3));
    await run();
    // The claim is written before the pod that mounts it.
    expect(client.writes.filter((w) => w.verb === "create").map((w) => `${w.resource}/${w.name}`)).toEqual(["persistentvolumeclaims/www-web-0", "pods/web-0"]);
    await settle();
    const claims = async () => (await inner.list<PersistentVolumeClaim>(R.persistentvolumeclaims, "default")).items;
    const first = await claims();
    expect(first.map((c) => c.metadata.name).sort()).toEqual(["www-web-0", "www-web-1", "www-web-2"]);
    // Retain (the default retention policy): no owner, so neither scale-down nor the garbage collector removes them.
    expect(first.every((c) => !c.metadata.ownerReferences)).toBe(true);
    await scale(inner, 1);
    await settle();
    expect((await claims()).map((c) => c.metadata.uid).sort()).toEqual(first.map((c) => c.metadata.uid).sort());
    client.writes = [];
    await scale(inner, 3);
    await settle();
    // The same claims (same uids), none created again.
    expect((await claims()).map((c) => c.metadata.uid).sort()).toEqual(first.map((c) => c.metadata.uid).sort());
    expect(client.writes.filter((w) => w.verb === "create" && w.resource === "persistentvolumeclaims")).toEqual([]);
  });

  it("OrderedReady creates web-0, then web-1 only once web-0 is Running and Ready", async () => {
    const { run, names, kubelet, client, events } = await setup(stsObject(3));
    await run();
    expect(await names()).toEqual(["web-0"]);
    await run();
    expect(await names()).toEqual(["web-0"]); // web-0 is not ready yet
    expect(client.of("create", "pods")).toHaveLength(1);
    await kubelet();
    await run();
    expect(await names()).toEqual(["web-0", "web-1"]);
    expect(events.events.map((e) => e.message)).toContain("create Pod web-1 in StatefulSet web successful");
  });

  it("scales 3 → 5 → 2 in order, one pod at a time", async () => {
    const { inner, settle, names, sts } = await setup(stsObject(3));
    expect((await settle()).created).toEqual(["web-0", "web-1", "web-2"]);
    await scale(inner, 5);
    expect((await settle()).created).toEqual(["web-3", "web-4"]);
    expect(await names()).toEqual(["web-0", "web-1", "web-2", "web-3", "web-4"]);
    await scale(inner, 2);
    expect((await settle()).deleted).toEqual(["web-4", "web-3", "web-2"]);
    expect(await names()).toEqual(["web-0", "web-1"]);
    expect((await sts()).status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 2, observedGeneration: 3 });
  });

  it("scale down waits for each pod to finish terminating", async () => {
    const { inner, settle, run, kubelet, all } = await setup(stsObject(3));
    await settle();
    await scale(inner, 1);
    await run();
    await run();
    const terminating = (await all()).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name);
    expect(terminating).toEqual(["web-2"]); // web-1 waits until web-2 is gone
    await kubelet();
    await run();
    expect((await all()).filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name)).toEqual(["web-1"]);
  });

  it("Parallel creates and deletes all at once", async () => {
    const { inner, run, names, kubelet } = await setup(stsObject(3, { podManagementPolicy: "Parallel" }));
    await run();
    expect(await names()).toEqual(["web-0", "web-1", "web-2"]);
    await kubelet();
    await scale(inner, 0);
    await run();
    expect(await names()).toEqual([]);
  });

  it("replaces a failed pod under the same name", async () => {
    const { inner, settle, run, kubelet, all } = await setup(stsObject(2));
    await settle();
    const old = await inner.get<PodLike>(R.pods, "default", "web-1");
    await inner.updateStatus(R.pods, { ...old, status: { ...old.status, phase: "Failed" } });
    await run();
    await kubelet();
    await run();
    const web1 = (await all()).find((p) => p.metadata.name === "web-1")!;
    expect(web1.metadata.uid).not.toBe(old.metadata.uid);
  });

  it("rolls updates out in reverse ordinal order, honouring the partition", async () => {
    const { inner, settle, sts, all } = await setup(stsObject(4, { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } }));
    await settle();
    const first = await sts();
    const rev1 = updateRevisionOf(first);
    expect(first.status).toMatchObject({ currentRevision: rev1, updateRevision: rev1, currentReplicas: 4, updatedReplicas: 4 });
    const next = structuredClone(first);
    (next.spec!.template!.spec as any).containers[0].image = "nginx:2";
    await inner.update(R.statefulsets, next);
    const { deleted, created } = await settle();
    expect(deleted).toEqual(["web-3", "web-2"]);
    expect(created).toEqual(["web-3", "web-2"]); // each recreated at the new revision before the next goes
    const rev2 = updateRevisionOf(await sts());
    const revisions = Object.fromEntries((await all()).map((p) => [p.metadata.name, p.metadata.labels![CONTROLLER_REVISION_HASH]]));
    expect(revisions).toEqual({ "web-0": rev1, "web-1": rev1, "web-2": rev2, "web-3": rev2 });
    expect((await sts()).status).toMatchObject({ currentRevision: rev1, updateRevision: rev2, currentReplicas: 2, updatedReplicas: 2 });

    // A pod below the partition that is recreated keeps the current revision.
    await inner.delete(R.pods, "default", "web-0", { gracePeriodSeconds: 0 });
    await settle();
    const web0 = await inner.get<PodLike>(R.pods, "default", "web-0");
    expect(web0.metadata.labels![CONTROLLER_REVISION_HASH]).toBe(rev1);
    expect((web0.spec as any).containers[0].image).toBe("nginx:1");

    // Partition 0 finishes the rollout: web-1 then web-0, and the update revision becomes current.
    await inner.patch(R.statefulsets, "default", "web", "merge", { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    expect((await settle()).deleted).toEqual(["web-1", "web-0"]);
    expect((await sts()).status).toMatchObject({ currentRevision: rev2, updateRevision: rev2, currentReplicas: 4, updatedReplicas: 4 });
  });

  it("OnDelete never deletes pods for an update", async () => {
    const { inner, settle, client, run, sts } = await setup(stsObject(2, { updateStrategy: { type: "OnDelete" } }));
    await settle();
    const next = structuredClone(await sts());
    (next.spec!.template!.spec as any).containers[0].image = "nginx:2";
    await inner.update(R.statefulsets, next);
    client.writes = [];
    await run();
    expect(client.of("delete", "pods")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { FakeClock } from "../util/clock.js";
import { DeploymentController } from "./deployment.js";
import { getCondition } from "./deployment-status.js";
import { CHANGE_CAUSE, DESIRED_REPLICAS, MAX_REPLICAS, POD_TEMPLATE_HASH, REVISION, REVISION_HISTORY, rollbackTo, templateHash, type DeploymentLike } from "./history.js";
import type { ReplicaSetLike } from "./replicaset.js";
import { EventLog, RecordingClient, Sim, SnapshotLister, deploymentObject, newCluster } from "../../test/helpers/controllers.js";
import type { PodLike } from "./util.js";

/** kubectl's DeploymentStatusViewer.Status (pkg/polymorphichelpers/rollout_status.go). */
function kubectlRolloutStatus(d: DeploymentLike): { msg: string; done: boolean } {
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const cond = getCondition(s, "Progressing");
    if (cond?.reason === "ProgressDeadlineExceeded") throw new Error(`deployment "${d.metadata.name}" exceeded its progress deadline`);
    const want = d.spec?.replicas ?? 1;
    if ((s.updatedReplicas ?? 0) < want) return { msg: `${s.updatedReplicas ?? 0} out of ${want} new replicas have been updated...`, done: false };
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return { msg: `${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas are pending termination...`, done: false };
    if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return { msg: `${s.availableReplicas ?? 0} of ${s.updatedReplicas} updated replicas are available...`, done: false };
    return { msg: `deployment "${d.metadata.name}" successfully rolled out`, done: true };
  }
  return { msg: "Waiting for deployment spec update to be observed...", done: false };
}

async function world() {
  const { client } = await newCluster();
  const sim = new Sim(client, new FakeClock(Date.now()));
  const get = () => client.get<DeploymentLike>(R.deployments, "default", "web");
  const rss = async () => (await client.list<ReplicaSetLike>(R.replicasets, "default")).items;
  const livePods = async () => (await client.list<PodLike>(R.pods, "default")).items.filter((p) => !p.metadata.deletionTimestamp);
  const setImage = async (image: string, annotations?: Record<string, string>) => {
    const d = await get();
    (d.spec!.template!.spec as { containers: Array<{ image: string }> }).containers[0].image = image;
    if (annotations) d.metadata.annotations = { ...(d.metadata.annotations ?? {}), ...annotations };
    await client.update(R.deployments, d);
  };
  return { client, sim, get, rss, livePods, setImage };
}

describe("DeploymentController: one reconcile", () => {
  it("creates the ReplicaSet <name>-<hash> with hash label, revision and replica annotations", async () => {
    const { client: inner } = await newCluster();
    const client = new RecordingClient(inner);
    const d = await inner.create<DeploymentLike>(R.deployments, "default", {
      ...deploymentObject("web", 3, "nginx:1"),
      metadata: { name: "web", namespace: "default", annotations: { [CHANGE_CAUSE]: "first" } },
    });
    const events = new EventLog();
    const ctrl = new DeploymentController({
      client,
      deployments: await new SnapshotLister<DeploymentLike>(inner, R.deployments).refresh(),
      replicaSets: await new SnapshotLister<ReplicaSetLike>(inner, R.replicasets).refresh(),
      pods: await new SnapshotLister<PodLike>(inner, R.pods).refresh(),
      events,
    });
    await ctrl.reconcile("default/web");
    const created = client.of("create", "replicasets");
    expect(created).toHaveLength(1);
    const rs = created[0].obj as ReplicaSetLike;
    const hash = templateHash(d.spec!.template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec!.selector).toEqual({ matchLabels: { app: "web", [POD_TEMPLATE_HASH]: hash } });
    expect(rs.spec!.template!.metadata!.labels).toEqual({ app: "web", [POD_TEMPLATE_HASH]: hash });
    expect(rs.metadata.labels).toEqual({ app: "web", [POD_TEMPLATE_HASH]: hash });
    expect(rs.spec!.replicas).toBe(3);
    expect(rs.metadata.annotations).toMatchObject({ [REVISION]: "1", [DESIRED_REPLICAS]: "3", [MAX_REPLICAS]: "4", [CHANGE_CAUSE]: "first" });
    expect(rs.metadata.ownerReferences![0]).toMatchObject({ kind: "Deployment", name: "web", uid: d.metadata.uid, controller: true, blockOwnerDeletion: true });
    expect(events.events).toContainEqual(expect.objectContaining({ reason: "ScalingReplicaSet", message: `Scaled up replica set web-${hash} from 0 to 3` }));
    const after = await inner.get<DeploymentLike>(R.deployments, "default", "web");
    expect(after.metadata.annotations?.[REVISION]).toBe("1");
    expect(getCondition(after.status, "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetCreated", message: `Created new replica set "web-${hash}"` });
    expect(after.status?.observedGeneration).toBe(1);
  });

  it("the template hash is stable and changes with the template", () => {
    const t = { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } };
    expect(templateHash(t)).toBe(templateHash(structuredClone(t)));
    expect(templateHash(t)).not.toBe(templateHash({ ...t, spec: { containers: [{ name: "c", image: "y" }] } }));
    expect(templateHash(t, 1)).not.toBe(templateHash(t));
  });
});

describe("DeploymentController: rollouts", () => {
  it("rolls an image change out, reports conditions kubectl understands, and rolls back", async () => {
    const { client, sim, get, rss, livePods, setImage } = await world();
    await client.create(R.deployments, "default", deploymentObject("web", 4, "nginx:1"));
    await sim.settle("default", "web");
    let d = await get();
    expect(kubectlRolloutStatus(d)).toEqual({ msg: 'deployment "web" successfully rolled out', done: true });
    expect(getCondition(d.status, "Available")).toMatchObject({ status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." });
    const first = (await rss())[0];

    await setImage("nginx:2", { [CHANGE_CAUSE]: "to v2" });
    await sim.deploymentStep("default", "web");
    d = await get();
    expect(kubectlRolloutStatus(d).done).toBe(false);
    await sim.settle("default", "web");
    d = await get();
    expect(kubectlRolloutStatus(d).done).toBe(true);
    expect(d.metadata.annotations?.[REVISION]).toBe("2");
    expect(getCondition(d.status, "Progressing")).toMatchObject({ status: "True", reason: "NewReplicaSetAvailable" });
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, unavailableReplicas: 0 });
    const all = await rss();
    expect(all).toHaveLength(2);
    const second = all.find((r) => r.metadata.uid !== first.metadata.uid)!;
    expect(second.metadata.annotations).toMatchObject({ [REVISION]: "2", [CHANGE_CAUSE]: "to v2" });
    expect(all.find((r) => r.metadata.uid === first.metadata.uid)!.spec!.replicas).toBe(0);
    const pods = await livePods();
    expect(pods.every((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === second.metadata.labels?.[POD_TEMPLATE_HASH])).toBe(true);
    expect(sim.events.events.some((e) => /^Scaled down replica set web-\w+ from 4 to \d$/.test(e.message))).toBe(true);

    // rollout undo: back to the first template; that ReplicaSet becomes revision 3.
    const res = await rollbackTo(client, d);
    expect(res.revision).toBe(1);
    await sim.settle("default", "web");
    d = await get();
    expect((d.spec!.template!.spec as { containers: Array<{ image: string }> }).containers[0].image).toBe("nginx:1");
    expect(d.spec!.template!.metadata!.labels).toEqual({ app: "web" });
    const back = (await rss()).find((r) => r.metadata.uid === first.metadata.uid)!;
    expect(back.spec!.replicas).toBe(4);
    expect(back.metadata.annotations).toMatchObject({ [REVISION]: "3", [REVISION_HISTORY]: "1" });
    expect(d.metadata.annotations?.[REVISION]).toBe("3");
    expect(await rss()).toHaveLength(2);
    expect((await livePods()).every((p) => p.metadata.labels?.[POD_TEMPLATE_HASH] === back.metadata.labels?.[POD_TEMPLATE_HASH])).toBe(true);
    // Undo again with nothing new: previous revision is 2 (nginx:2).
    const again = await rollbackTo(client, d, 3);
    expect(again.skipped).toBe("skipped rollback (current template already matches revision 3)");
    await expect(rollbackTo(client, d, 9)).rejects.toThrow("unable to find specified revision 9 in history");
  });

  it("Recreate scales the old ReplicaSet to zero and waits for its pods before creating the new one", async () => {
    const { client, sim, rss, setImage } = await world();
    await client.create(R.deployments, "default", deploymentObject("web", 3, "nginx:1", { strategy: { type: "Recreate" } }));
    await sim.settle("default", "web");
    await setImage("nginx:2");
    await sim.deploymentStep("default", "web");
    expect((await rss()).map((r) => r.spec!.replicas)).toEqual([0]);
    await sim.replicaSetStep(0); // pods go terminating (they are bound: graceful)
    await sim.deploymentStep("default", "web");
    expect(await rss()).toHaveLength(1); // old pods still terminating: no new ReplicaSet yet
    for (let i = 0; i < 3; i++) await sim.finishTerminationStep(0);
    await sim.replicaSetStep(0); // status.replicas → 0
    await sim.deploymentStep("default", "web");
    const all = await rss();
    expect(all).toHaveLength(2);
    expect(all.map((r) => r.spec!.replicas).sort()).toEqual([0, 3]);
    await sim.settle("default", "web");
  });

  it("paused: a template change makes no new ReplicaSet, but scaling applies", async () => {
    const { client, sim, get, rss, setImage } = await world();
    await client.create(R.deployments, "default", deploymentObject("web", 2, "nginx:1"));
    await sim.settle("default", "web");
    let d = await get();
    d.spec!.paused = true;
    await client.update(R.deployments, d);
    await setImage("nginx:2");
    d = await get();
    d.spec!.replicas = 5;
    await client.update(R.deployments, d);
    await sim.settle("default", "web");
    const all = await rss();
    expect(all).toHaveLength(1);
    expect(all[0].spec!.replicas).toBe(5);
    d = await get();
    expect(getCondition(d.status, "Progressing")).toMatchObject({ status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" });
    await expect(rollbackTo(client, d)).rejects.toThrow(/paused/);
    d.spec!.paused = false;
    await client.update(R.deployments, d);
    await sim.settle("default", "web");
    expect(await rss()).toHaveLength(2);
    expect(kubectlRolloutStatus(await get()).done).toBe(true);
  });

  it("scaling in the middle of a rollout is proportional across ReplicaSets", async () => {
    const { client, sim, get, rss, setImage } = await world();
    await client.create(R.deployments, "default", deploymentObject("web", 10, "nginx:1", { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
    await sim.settle("default", "web");
    await setImage("nginx:2");
    await sim.deploymentStep("default", "web"); // new RS gets 3 (surge), old goes to 8
    let sizes = (await rss()).map((r) => r.spec!.replicas).sort((a, b) => a! - b!);
    expect(sizes).toEqual([3, 8]);
    const d = await get();
    d.spec!.replicas = 20;
    await client.update(R.deployments, d);
    await sim.deploymentStep("default", "web");
    sizes = (await rss()).map((r) => r.spec!.replicas).sort((a, b) => a! - b!);
    // 11 pods allowed at max 13 → 23 allowed at max 23: 3*23/13 ≈ 5, 8*23/13 ≈ 14, leftover to the largest.
    expect(sizes.reduce((a, b) => a! + b!, 0)).toBe(23);
    expect(sizes).toEqual([5, 18]);
    expect((await rss()).every((r) => r.metadata.annotations?.[DESIRED_REPLICAS] === "20")).toBe(true);
    await sim.settle("default", "web");
    expect((await get()).status).toMatchObject({ replicas: 20, updatedReplicas: 20, availableReplicas: 20 });
  });

  it("revisionHistoryLimit deletes the oldest scaled-down ReplicaSets", async () => {
    const { client, sim, rss, setImage } = await world();
    await client.create(R.deployments, "default", deploymentObject("web", 1, "nginx:1", { revisionHistoryLimit: 1 }));
    await sim.settle("default", "web");
    for (const v of ["2", "3", "4"]) {
      await setImage(`nginx:${v}`);
      await sim.settle("default", "web");
    }
    const all = await rss();
    expect(all).toHaveLength(2);
    expect(all.map((r) => r.metadata.annotations?.[REVISION]).sort()).toEqual(["3", "4"]);
  });

  it("reports ProgressDeadlineExceeded when pods never become ready", async () => {
    const { client, sim, get } = await world();
    await client.create(R.deployments, "default", deploymentObject("web", 2, "nginx:broken", { progressDeadlineSeconds: 10 }));
    await sim.deploymentStep("default", "web");
    await sim.replicaSetStep(0);
    await sim.replicaSetStep(0);
    await sim.deploymentStep("default", "web");
    expect(kubectlRolloutStatus(await get()).done).toBe(false);
    await sim.clock.advance(12_000);
    await sim.deploymentStep("default", "web");
    const d = await get();
    expect(getCondition(d.status, "Progressing")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded" });
    expect(getCondition(d.status, "Available")).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });
    expect(() => kubectlRolloutStatus(d)).toThrow('deployment "web" exceeded its progress deadline');
  });
});

// How many writes the ReplicaSet and Deployment controllers make for two
// everyday operations. The numbers are upper bounds measured on the ownership
// kit (expectations, slowStartBatch, no claim annotation); a regression that
// writes the ReplicaSet per batch again fails here.
import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { FakeClock } from "../util/clock.js";
import type { ReplicaSetLike } from "./replicaset.js";
import { ReplicaSetController } from "./replicaset.js";
import type { PodLike } from "./util.js";
import { RecordingClient, Sim, SnapshotLister, deploymentObject, newCluster } from "../../test/helpers/controllers.js";

describe("controller write counts", () => {
  it("a ReplicaSet scaled from 0 to 100 is written once, for status", async () => {
    const { client: inner } = await newCluster();
    const client = new RecordingClient(inner);
    await inner.create(R.replicasets, "default", {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web", namespace: "default" },
      spec: { replicas: 0, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "nginx:1" }] } } },
    });
    const replicaSets = new SnapshotLister<ReplicaSetLike>(inner, R.replicasets);
    const pods = new SnapshotLister<PodLike>(inner, R.pods);
    const ctrl = new ReplicaSetController({ client, replicaSets, pods, clock: new FakeClock(Date.now()) });
    const seen = new Set<string>();
    const reconcile = async () => {
      await replicaSets.refresh();
      await pods.refresh();
      // The informer's add events, once per pod.
      for (const p of pods.list()) if (!seen.has(p.metadata.uid!)) ctrl.podChanged(p, "add"), seen.add(p.metadata.uid!);
      return ctrl.reconcile("default/web");
    };
    await reconcile();
    const rs = await inner.get<ReplicaSetLike>(R.replicasets, "default", "web");
    rs.spec!.replicas = 100;
    await inner.update(R.replicasets, rs);
    client.writes = [];
    for (let i = 0; i < 5; i++) await reconcile();
    expect(client.of("create", "pods")).toHaveLength(100);
    const rsWrites = client.writes.filter((w) => w.resource === "replicasets");
    expect(rsWrites.map((w) => w.verb)).toEqual(["updateStatus"]);
  });

  // Measured with the claim-annotation controller this replaced: 29 ReplicaSet
  // writes and 88 writes in all (the fake kubelet's binds and pod statuses
  // included); with the kit: 11 and 70.
  it("a 10-pod rolling update writes each ReplicaSet only to scale it and for status", async () => {
    const { client: inner } = await newCluster();
    const client = new RecordingClient(inner);
    const sim = new Sim(client, new FakeClock(Date.now()));
    await inner.create(R.deployments, "default", deploymentObject("web", 10, "nginx:1"));
    await sim.settle("default", "web");
    const d = await inner.get(R.deployments, "default", "web");
    (d.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image = "nginx:2";
    await inner.update(R.deployments, d);
    client.writes = [];
    await sim.settle("default", "web");
    const rsWrites = client.writes.filter((w) => w.resource === "replicasets");
    const objectWrites = client.writes;
    // The ReplicaSet controller never writes a ReplicaSet's spec or metadata: every
    // update is the Deployment controller scaling one.
    const rsUpdates = rsWrites.filter((w) => w.verb === "update");
    expect(rsUpdates.every((w) => (w.obj?.metadata.annotations ?? {})["skiff.dev/replica-claim"] === undefined)).toBe(true);
    expect(rsWrites.length).toBeLessThanOrEqual(12);
    expect(objectWrites.length).toBeLessThanOrEqual(72);
  });
});

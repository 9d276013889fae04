import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { GarbageCollector, gcKey } from "./garbage-collector.js";
import { RecordingClient, SnapshotLister, newCluster } from "../../test/helpers/controllers.js";
import { newControllerRef, isNotFound } from "./util.js";

async function setup() {
  const { client: inner } = await newCluster();
  const client = new RecordingClient(inner);
  const owner = await inner.create(R.replicasets, "default", {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web" },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "nginx" }] } },
    },
  });
  const pod = (name: string, block = true) =>
    inner.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, labels: { app: "web" }, ownerReferences: [{ ...newControllerRef(owner), blockOwnerDeletion: block }] },
      spec: { containers: [{ name: "app", image: "nginx" }] },
    });
  const pods = new SnapshotLister<KubeObject>(inner, R.pods);
  const rss = new SnapshotLister<KubeObject>(inner, R.replicasets);
  const gc = new GarbageCollector({ client, resources: [{ info: R.pods, lister: pods }, { info: R.replicasets, lister: rss }] });
  const run = async (key: string) => {
    await pods.refresh();
    await rss.refresh();
    return gc.reconcile(key);
  };
  const exists = (info: typeof R.pods, name: string) =>
    inner.get(info, "default", name).then(
      () => true,
      (e) => (isNotFound(e) ? false : Promise.reject(e)),
    );
  return { inner, client, owner, pod, run, exists, gc };
}

describe("GarbageCollector", () => {
  it("background: deletes dependents whose owner is gone", async () => {
    const { inner, pod, run, exists } = await setup();
    const p = await pod("p1");
    await inner.delete(R.replicasets, "default", "web", { propagationPolicy: "Background" });
    await run(gcKey(R.pods, p));
    expect(await exists(R.pods, "p1")).toBe(false);
  });

  it("keeps dependents whose owner exists, even if the cache has not seen the owner", async () => {
    const { client, pod, gc, exists } = await setup();
    const p = await pod("p1");
    // Caches empty: the owner is unknown to the collector's listers.
    await gc.reconcile(gcKey(R.pods, p));
    expect(await exists(R.pods, "p1")).toBe(true);
    expect(client.writes).toEqual([]);
  });

  it("only drops the dangling reference when another owner lives", async () => {
    const { inner, owner, run, exists } = await setup();
    const other = await inner.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep" } });
    const p = await inner.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: "shared",
        ownerReferences: [newControllerRef(owner), { apiVersion: "v1", kind: "ConfigMap", name: "keep", uid: other.metadata.uid! }],
      },
      spec: { containers: [{ name: "app", image: "nginx" }] },
    });
    await inner.delete(R.replicasets, "default", "web", {});
    await run(gcKey(R.pods, p));
    expect(await exists(R.pods, "shared")).toBe(true);
    const after = await inner.get(R.pods, "default", "shared");
    expect(after.metadata.ownerReferences?.map((r) => r.name)).toEqual(["keep"]);
  });

  it("orphan: strips the ownerReference from dependents, then lets the owner go", async () => {
    const { inner, owner, pod, run, exists } = await setup();
    await pod("p1");
    await inner.delete(R.replicasets, "default", "web", { propagationPolicy: "Orphan" });
    expect(await exists(R.replicasets, "web")).toBe(true); // held by the "orphan" finalizer
    await run(gcKey(R.replicasets, owner));
    expect(await exists(R.replicasets, "web")).toBe(false);
    const p = await inner.get(R.pods, "default", "p1");
    expect(p.metadata.ownerReferences ?? []).toEqual([]);
  });

  it("foreground: deletes blocking dependents first, then removes the finalizer", async () => {
    const { inner, owner, pod, run, exists } = await setup();
    await pod("p1");
    await pod("p2", false);
    await inner.delete(R.replicasets, "default", "web", { propagationPolicy: "Foreground" });
    const held = await inner.get(R.replicasets, "default", "web");
    expect(held.metadata.finalizers).toContain("foregroundDeletion");
    await run(gcKey(R.replicasets, owner));
    expect(await exists(R.pods, "p1")).toBe(false);
    expect(await exists(R.pods, "p2")).toBe(false);
    // The owner waited while a blocking dependent was still in its cache view.
    expect(await exists(R.replicasets, "web")).toBe(true);
    await run(gcKey(R.replicasets, owner));
    expect(await exists(R.replicasets, "web")).toBe(false);
  });
});

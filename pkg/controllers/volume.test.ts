// The storage controllers against an in-process API server with the default
// admission chain (default class, protection finalizers): binding, local-path
// provisioning, WaitForFirstConsumer, reclaim policies and protection. No
// runtime: the test binds and finishes pods itself, as a scheduler and kubelet would.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { admissionChain } from "../admission/index.js";
import { R } from "../api/kinds.js";
import type { PersistentVolume, PersistentVolumeClaim } from "../api/storage.js";
import type { KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { InformerFactory } from "../client/informer.js";
import { openStore } from "../store/index.js";
import { createNode } from "../../test/helpers/controllers.js";
import { eventually } from "../../test/helpers/eventually.js";
import { startControllers } from "./manager.js";
import { isNotFound } from "./util.js";

let client: InProcessClient;
let dir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "skiff-volume-ctl-"));
  const store = await openStore("memory");
  const registry = new Registry(store, { admission: admissionChain(store) });
  await registry.bootstrap();
  client = new InProcessClient(registry);
  const informers = new InformerFactory(client);
  const ctrl = await startControllers({ client, informers, volumesDir: path.join(dir, "volumes"), onError: () => undefined });
  cleanups.push(async () => {
    await ctrl.stop();
    informers.stopAll();
    registry.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await createNode(client, "node-1");
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const claim = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: "default" },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
});
const hostVolume = (name: string, size: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { storageClassName: "manual", capacity: { storage: size }, accessModes: ["ReadWriteOnce"], hostPath: { path: path.join(dir, "static", name) }, ...extra },
});
const pod = (name: string, claimName: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "data", persistentVolumeClaim: { claimName } }] },
});
const getClaim = (name: string) => client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, "default", name);
const getVolume = (name: string) => client.get<PersistentVolume>(R.persistentvolumes, undefined, name);
const gone = async (p: Promise<unknown>) => p.then(() => false, (e: unknown) => isNotFound(e));
const bound = async (name: string) => {
  const c = await getClaim(name);
  return c.status?.phase === "Bound" ? c : undefined;
};

describe("the PersistentVolume controllers", () => {
  it("binds a claim to the smallest matching volume by class, modes, size and selector", async () => {
    await client.create(R.persistentvolumes, undefined, hostVolume("big", "10Gi", {}, { tier: "fast" }));
    await client.create(R.persistentvolumes, undefined, hostVolume("small", "5Gi", {}, { tier: "fast" }));
    await client.create(R.persistentvolumes, undefined, hostVolume("slow", "4Gi", {}, { tier: "slow" }));
    await client.create(R.persistentvolumes, undefined, hostVolume("rwx", "3Gi", { accessModes: ["ReadWriteMany"] }, { tier: "fast" }));
    await client.create(R.persistentvolumeclaims, "default", claim("db", { storageClassName: "manual", resources: { requests: { storage: "3Gi" } }, selector: { matchLabels: { tier: "fast" } } }));
    const c = await eventually("db bound", () => bound("db"));
    expect(c.spec?.volumeName).toBe("small");
    expect(c.status).toMatchObject({ capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"] });
    expect(c.metadata.annotations).toMatchObject({ "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" });
    const pv = await eventually("small Bound", async () => ((await getVolume("small")).status?.phase === "Bound" ? getVolume("small") : undefined));
    expect(pv.spec?.claimRef).toMatchObject({ namespace: "default", name: "db", uid: c.metadata.uid });
    await eventually("the others Available", async () => (await Promise.all(["big", "slow", "rwx"].map(getVolume))).every((v) => v.status?.phase === "Available"));
    // Nothing left that fits: a second claim waits.
    await client.create(R.persistentvolumeclaims, "default", claim("db2", { storageClassName: "manual", resources: { requests: { storage: "20Gi" } } }));
    await new Promise((r) => setTimeout(r, 100));
    expect((await getClaim("db2")).status?.phase).toBe("Pending");
  });

  it("provisions a directory for the default class once the first consumer is scheduled, on its node", async () => {
    const sc = await eventually("standard StorageClass", () => client.get(R.storageclasses, undefined, "standard").catch(() => undefined));
    expect(sc).toMatchObject({ provisioner: "skiff.dev/local-path", volumeBindingMode: "WaitForFirstConsumer", reclaimPolicy: "Delete" });
    await client.create(R.persistentvolumeclaims, "default", claim("data"));
    const waiting = await getClaim("data");
    expect(waiting.spec?.storageClassName).toBe("standard");
    await new Promise((r) => setTimeout(r, 100));
    expect((await getClaim("data")).status?.phase).toBe("Pending"); // no consumer yet
    expect((await client.list(R.persistentvolumes, undefined)).items).toEqual([]);

    await client.create(R.pods, "default", pod("app", "data"));
    await client.bindPod("default", "app", "node-1");
    const c = await eventually("data bound", () => bound("data"));
    expect(c.metadata.annotations?.["volume.kubernetes.io/selected-node"]).toBe("node-1");
    const pv = await getVolume(c.spec!.volumeName!);
    expect(pv.metadata.name).toBe(`pvc-${c.metadata.uid}`);
    expect(pv.spec).toMatchObject({ capacity: { storage: "1Gi" }, persistentVolumeReclaimPolicy: "Delete", storageClassName: "standard", hostPath: { type: "DirectoryOrCreate" } });
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["node-1"] }] }]);
    expect(pv.spec?.hostPath?.path).toBe(path.join(dir, "volumes", `${pv.metadata.name}_default_data`));
    expect(existsSync(pv.spec!.hostPath!.path!)).toBe(true);
  });

  it("holds a claim in use until its pod is gone, then reclaims its volume: Delete removes the directory", async () => {
    await eventually("standard StorageClass", () => client.get(R.storageclasses, undefined, "standard").catch(() => undefined));
    await client.create(R.persistentvolumeclaims, "default", claim("data"));
    await client.create(R.pods, "default", pod("app", "data"));
    await client.bindPod("default", "app", "node-1");
    const c = await eventually("data bound", () => bound("data"));
    const dirPath = (await getVolume(c.spec!.volumeName!)).spec!.hostPath!.path!;

    await client.delete(R.persistentvolumeclaims, "default", "data");
    const held = await getClaim("data");
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(held.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    await new Promise((r) => setTimeout(r, 150));
    expect(await gone(getClaim("data"))).toBe(false); // the pod still uses it

    await client.delete(R.pods, "default", "app", { gracePeriodSeconds: 0 });
    await eventually("claim gone", () => gone(getClaim("data")));
    await eventually("volume gone", () => gone(getVolume(c.spec!.volumeName!)));
    expect(existsSync(dirPath)).toBe(false);
  });

  it("Retain keeps a released volume and its data; a hand-made volume's claim binds at once (Immediate)", async () => {
    await client.create(R.storageclasses, undefined, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "keep" }, provisioner: "skiff.dev/local-path", reclaimPolicy: "Retain" });
    await client.create(R.persistentvolumeclaims, "default", claim("kept", { storageClassName: "keep" }));
    const c = await eventually("kept bound without a consumer", () => bound("kept"));
    const pv = await getVolume(c.spec!.volumeName!);
    expect(pv.spec?.nodeAffinity).toBeUndefined();
    expect(pv.spec?.persistentVolumeReclaimPolicy).toBe("Retain");
    await client.delete(R.persistentvolumeclaims, "default", "kept");
    await eventually("claim gone", () => gone(getClaim("kept")));
    const released = await eventually("volume Released", async () => ((await getVolume(pv.metadata.name!)).status?.phase === "Released" ? getVolume(pv.metadata.name!) : undefined));
    expect(released.spec?.claimRef?.name).toBe("kept");
    expect(existsSync(pv.spec!.hostPath!.path!)).toBe(true);
    // A Released volume is not offered to a new claim of the same name.
    await client.create(R.persistentvolumeclaims, "default", claim("kept", { storageClassName: "keep" }));
    const again = await eventually("new kept bound", () => bound("kept"));
    expect(again.spec?.volumeName).not.toBe(pv.metadata.name);
    // Deleting the retained volume: the protection finalizer goes (it is not Bound), the data stays.
    await client.delete(R.persistentvolumes, undefined, pv.metadata.name!);
    await eventually("retained volume object gone", () => gone(getVolume(pv.metadata.name!)));
    expect(existsSync(pv.spec!.hostPath!.path!)).toBe(true);
  });

  it("gives a claim made while no default class existed the default class made later (retroactive default)", async () => {
    await eventually("standard StorageClass", () => client.get(R.storageclasses, undefined, "standard").catch(() => undefined));
    await client.delete(R.storageclasses, undefined, "standard");
    await client.create(R.persistentvolumeclaims, "default", claim("early"));
    expect((await getClaim("early")).spec?.storageClassName).toBeUndefined();
    await client.create(R.persistentvolumeclaims, "default", claim("classless", { storageClassName: "" }));
    await client.create(R.storageclasses, undefined, { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "late", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "skiff.dev/local-path" });
    const c = await eventually("early bound", () => bound("early"));
    expect(c.spec?.storageClassName).toBe("late");
    expect((await getClaim("classless")).spec?.storageClassName).toBe(""); // "" means no class, and stays
  });
});

// The storage kinds through the whole write path: defaults, validation with
// field paths, the DefaultStorageClass and StorageObjectInUseProtection plugins.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { newContext, Registry } from "../apiserver/registry.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { admissionChain } from "./index.js";

let store: Store;
let registry: Registry;

beforeEach(async () => {
  store = await openStore("memory");
  registry = new Registry(store, { admission: admissionChain(store) });
  await registry.bootstrap();
});
afterEach(async () => {
  registry.close();
  await store.close();
});

const claim = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: "default" },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, ...spec },
});
const storageClass = (name: string, isDefault: boolean, created?: string): KubeObject => ({
  apiVersion: "storage.k8s.io/v1",
  kind: "StorageClass",
  metadata: { name, ...(isDefault ? { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } } : {}), ...(created ? { creationTimestamp: created } : {}) },
  provisioner: "skiff.dev/local-path",
});
const create = (info: typeof R.pods, ns: string | undefined, obj: KubeObject) => registry.create(info, ns, obj, newContext());

describe("storage kinds on the API", () => {
  it("fills the default class on a new claim, leaves an explicit one and \"\" alone", async () => {
    await create(R.storageclasses, undefined, storageClass("slow", false));
    const none = await create(R.persistentvolumeclaims, "default", claim("before-default"));
    expect((none.spec as { storageClassName?: string }).storageClassName).toBeUndefined();
    await create(R.storageclasses, undefined, storageClass("standard", true));
    const a = await create(R.persistentvolumeclaims, "default", claim("a"));
    const b = await create(R.persistentvolumeclaims, "default", claim("b", { storageClassName: "slow" }));
    const c = await create(R.persistentvolumeclaims, "default", claim("c", { storageClassName: "" }));
    expect([a, b, c].map((x) => (x.spec as { storageClassName?: string }).storageClassName)).toEqual(["standard", "slow", ""]);
    expect(a.status).toEqual({ phase: "Pending" });
    expect(a.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    const sc = await registry.get(R.storageclasses, undefined, "slow");
    expect(sc).toMatchObject({ reclaimPolicy: "Delete", volumeBindingMode: "Immediate" });
  });

  it("defaults a volume to Retain and protects it", async () => {
    const pv = await create(R.persistentvolumes, undefined, {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: "task-pv-volume" },
      spec: { capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/mnt/data" } },
    });
    expect(pv.spec).toMatchObject({ persistentVolumeReclaimPolicy: "Retain", volumeMode: "Filesystem" });
    expect(pv.metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
    expect(pv.status).toEqual({ phase: "Pending" });
  });

  it("refuses bad volumes and claims naming each field, and stores nothing", async () => {
    const badPv = create(R.persistentvolumes, undefined, { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "bad" }, spec: { capacity: { storage: "0" }, accessModes: ["ReadWriteSometimes"], persistentVolumeReclaimPolicy: "Keep" } });
    await expect(badPv).rejects.toThrow(/spec.capacity\[storage\]: Invalid value: "0": must be greater than zero/);
    await expect(badPv).rejects.toThrow(/spec.accessModes\[0\]: Unsupported value: "ReadWriteSometimes"/);
    await expect(badPv).rejects.toThrow(/spec: Required value: must specify a volume type/);
    await expect(badPv).rejects.toThrow(/spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep"/);
    const badPvc = create(R.persistentvolumeclaims, "default", { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "bad", namespace: "default" }, spec: { resources: {} } });
    await expect(badPvc).rejects.toThrow(/spec.accessModes: Required value: at least 1 access mode is required/);
    await expect(badPvc).rejects.toThrow(/spec.resources.requests: Required value/);
    expect((await registry.list(R.persistentvolumes, undefined)).items).toHaveLength(0);
    expect((await registry.list(R.persistentvolumeclaims, "default")).items).toHaveLength(0);
  });

  it("keeps a claim's spec fixed except binding, the class and growth once bound", async () => {
    const c = await create(R.persistentvolumeclaims, "default", claim("grow", { storageClassName: "" }));
    const change = (mut: (spec: Record<string, unknown>) => void) => {
      const next = structuredClone(c);
      mut(next.spec as Record<string, unknown>);
      return registry.update(R.persistentvolumeclaims, "default", "grow", next, newContext());
    };
    await expect(change((s) => (s.accessModes = ["ReadWriteMany"]))).rejects.toThrow(/spec: Forbidden: spec is immutable after creation/);
    await expect(change((s) => (s.resources = { requests: { storage: "2Gi" } }))).rejects.toThrow(/spec is immutable/);
    const bound = await change((s) => (s.volumeName = "pv-1"));
    const again = structuredClone(bound);
    (again.spec as { resources: unknown }).resources = { requests: { storage: "512Mi" } };
    await expect(registry.update(R.persistentvolumeclaims, "default", "grow", again, newContext())).rejects.toThrow(/spec.resources.requests.storage: Forbidden: field can not be less than previous value/);
  });

  it("keeps a StorageClass's provisioner and binding mode fixed", async () => {
    const sc = await create(R.storageclasses, undefined, storageClass("fixed", false));
    const next = { ...structuredClone(sc), provisioner: "example.com/other", volumeBindingMode: "WaitForFirstConsumer" };
    await expect(registry.update(R.storageclasses, undefined, "fixed", next, newContext())).rejects.toThrow(/provisioner: Forbidden: updates to provisioner are forbidden/);
  });
});

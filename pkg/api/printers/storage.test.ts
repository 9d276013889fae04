import { describe, expect, it } from "vitest";
import { tableFor } from "../printers.js";
import type { KubeObject } from "../types.js";

const now = new Date("2026-01-01T01:00:00Z");
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, creationTimestamp: "2026-01-01T00:00:00Z", ...extra });
const rows = (kind: string, objs: KubeObject[], wide = false) => {
  const t = tableFor(kind, objs, { now, includeObject: "None" });
  return { names: t.columnDefinitions.filter((c) => wide || c.priority === 0).map((c) => c.name), cells: t.rows.map((r) => (wide ? r.cells : r.cells.slice(0, -1))) };
};

describe("storage printers (kubectl get pv,pvc,sc columns)", () => {
  it("prints a PersistentVolume as kubectl does, Terminating when deleted", () => {
    const t = rows("PersistentVolume", [
      { apiVersion: "v1", kind: "PersistentVolume", metadata: meta("task-pv-volume"), spec: { capacity: { storage: "10Gi" }, accessModes: ["ReadWriteMany", "ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", storageClassName: "manual", claimRef: { namespace: "default", name: "task-pv-claim" }, volumeMode: "Filesystem" }, status: { phase: "Bound" } },
      { apiVersion: "v1", kind: "PersistentVolume", metadata: meta("gone", { deletionTimestamp: "2026-01-01T00:59:00Z" }), spec: { capacity: { storage: "1024Mi" }, accessModes: ["ReadWriteOnce"], persistentVolumeReclaimPolicy: "Delete" }, status: { phase: "Released" } },
    ]);
    expect(t.names).toEqual(["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age"]);
    expect(t.cells).toEqual([
      ["task-pv-volume", "10Gi", "RWO,RWX", "Retain", "Bound", "default/task-pv-claim", "manual", "<unset>", "", "60m"],
      ["gone", "1Gi", "RWO", "Delete", "Terminating", "", "", "<unset>", "", "60m"],
    ]);
    expect(rows("PersistentVolume", [{ apiVersion: "v1", kind: "PersistentVolume", metadata: meta("x"), spec: { volumeMode: "Filesystem" } }], true).names.at(-1)).toBe("VolumeMode");
  });

  it("prints a claim's capacity and modes only once it is bound", () => {
    const t = rows("PersistentVolumeClaim", [
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta("task-pv-claim"), spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "3Gi" } }, storageClassName: "manual", volumeName: "task-pv-volume" }, status: { phase: "Bound", capacity: { storage: "10Gi" }, accessModes: ["ReadWriteOnce"] } },
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: meta("waiting"), spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, storageClassName: "standard" }, status: { phase: "Pending" } },
    ]);
    expect(t.names).toEqual(["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age"]);
    expect(t.cells).toEqual([
      ["task-pv-claim", "Bound", "task-pv-volume", "10Gi", "RWO", "manual", "<unset>", "60m"],
      ["waiting", "Pending", "", "", "", "standard", "<unset>", "60m"],
    ]);
  });

  it("marks the default StorageClass and fills kubectl's defaults", () => {
    const t = rows("StorageClass", [
      { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: meta("standard", { annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }), provisioner: "skiff.dev/local-path", reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer" },
      { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: meta("bare"), provisioner: "example.com/x" },
    ], true);
    expect(t.names).toEqual(["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"]);
    expect(t.cells).toEqual([
      ["standard (default)", "skiff.dev/local-path", "Delete", "WaitForFirstConsumer", false, "60m"],
      ["bare", "example.com/x", "Delete", "Immediate", false, "60m"],
    ]);
  });
});

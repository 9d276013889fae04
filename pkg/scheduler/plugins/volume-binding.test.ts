import { describe, expect, it } from "vitest";
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from "../../api/storage.js";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { defaultProfile } from "../profile.js";
import { scheduleOne } from "../schedule-one.js";
import { UNBOUND_IMMEDIATE_REASON, VOLUME_NODE_CONFLICT_REASON, withVolumeBinding, type VolumeLookup } from "./volume-binding.js";

const snap = buildSnapshot([makeNode("node-1", { labels: { "kubernetes.io/hostname": "node-1" } }), makeNode("node-2", { labels: { "kubernetes.io/hostname": "node-2" } })]);

const claim = (name: string, o: { volumeName?: string; className?: string; selectedNode?: string; deleting?: boolean } = {}): PersistentVolumeClaim => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace: "default", ...(o.selectedNode ? { annotations: { "volume.kubernetes.io/selected-node": o.selectedNode } } : {}), ...(o.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { volumeName: o.volumeName, storageClassName: o.className },
});
const onNode = (name: string, node: string): PersistentVolume => ({
  apiVersion: "v1",
  kind: "PersistentVolume",
  metadata: { name },
  spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } } },
});
const classes: Record<string, StorageClass> = {
  standard: { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "standard" }, provisioner: "skiff.dev/local-path", volumeBindingMode: "WaitForFirstConsumer" },
  fast: { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" }, provisioner: "x", volumeBindingMode: "Immediate" },
};
const claims: Record<string, PersistentVolumeClaim> = {
  pinned: claim("pinned", { volumeName: "pv-2" }),
  anywhere: claim("anywhere", { volumeName: "pv-free" }),
  later: claim("later", { className: "standard" }),
  chosen: claim("chosen", { className: "standard", selectedNode: "node-1" }),
  immediate: claim("immediate", { className: "fast" }),
  deleting: claim("deleting", { volumeName: "pv-free", deleting: true }),
};
const volumes: Record<string, PersistentVolume> = { "pv-2": onNode("pv-2", "node-2"), "pv-free": { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv-free" }, spec: {} } };
const lookup: VolumeLookup = { claim: (_ns, n) => claims[n], volume: (n) => volumes[n], storageClass: (n) => classes[n] };
const profile = withVolumeBinding(defaultProfile(), lookup);

function schedule(...claimNames: string[]) {
  const pod = makePod("p");
  pod.spec!.volumes = claimNames.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } }));
  return scheduleOne(pod, snap, { profile });
}

describe("VolumeBinding", () => {
  it("pins a pod to the node its bound local volume lives on", () => {
    const res = schedule("pinned");
    expect(res.node).toBe("node-2");
    expect(res.diagnosis.get("node-1")?.reasons).toEqual([VOLUME_NODE_CONFLICT_REASON]);
    expect(schedule("anywhere").node).toBeDefined();
  });

  it("lets an unbound WaitForFirstConsumer claim through, on the node already selected for it", () => {
    expect(schedule("later").node).toBeDefined();
    expect(schedule("chosen").node).toBe("node-1");
  });

  it("holds a pod back for unbound Immediate, missing and deleting claims, with Kubernetes' words", () => {
    expect(schedule("immediate").status.reasons).toEqual([`0/2 nodes are available: ${UNBOUND_IMMEDIATE_REASON}.`]);
    expect(schedule("nope").status.reasons).toEqual(['0/2 nodes are available: persistentvolumeclaim "nope" not found.']);
    expect(schedule("deleting").status.code).toBe("UnschedulableAndUnresolvable");
    // Two claims whose volumes live on different nodes fit nowhere.
    volumes["pv-1"] = onNode("pv-1", "node-1");
    claims.other = claim("other", { volumeName: "pv-1" });
    expect(schedule("pinned", "other").node).toBeUndefined();
  });

  it("costs a pod without claims nothing per node: no state, every node feasible", () => {
    const res = scheduleOne(makePod("plain"), snap, { profile });
    expect(res.feasibleNodes).toBe(2);
  });
});

// Persistent storage's shared vocabulary: the PersistentVolume,
// PersistentVolumeClaim and StorageClass shapes as they travel on the wire, the
// annotations and finalizers Kubernetes names, and the one matching rule the
// binder and the scheduler must agree on (pkg/controller/volume/persistentvolume
// index.go: class, access modes, size, selector, volume mode, node).
import type { V1NodeSelectorTerm } from "@kubernetes/client-node";
import { matchesAnyTerm, type NodeFacts } from "./node-selector.js";
import { Quantity } from "./quantity.js";
import { matchesLabelSelector, type LabelSelectorObject } from "./selector.js";
import type { KubeObject } from "./types.js";

export const DEFAULT_STORAGE_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
/** Set on a WaitForFirstConsumer claim once its first pod has a node: provision or bind there. */
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";
export const STORAGE_PROVISIONER_ANNOTATION = "volume.kubernetes.io/storage-provisioner";
export const BETA_STORAGE_PROVISIONER_ANNOTATION = "volume.beta.kubernetes.io/storage-provisioner";
export const PROVISIONED_BY_ANNOTATION = "pv.kubernetes.io/provisioned-by";
export const BIND_COMPLETED_ANNOTATION = "pv.kubernetes.io/bind-completed";
export const BOUND_BY_CONTROLLER_ANNOTATION = "pv.kubernetes.io/bound-by-controller";
export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";

/** skiff's built-in provisioner: a directory per volume under the cluster's state dir. */
export const LOCAL_PATH_PROVISIONER = "skiff.dev/local-path";
export const DEFAULT_STORAGE_CLASS_NAME = "standard";

export const ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"] as const;
export const RECLAIM_POLICIES = ["Retain", "Delete", "Recycle"] as const;
export const VOLUME_BINDING_MODES = ["Immediate", "WaitForFirstConsumer"] as const;
export const VOLUME_MODES = ["Filesystem", "Block"] as const;

export interface ObjectRefLike {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface PersistentVolume extends KubeObject {
  spec?: {
    capacity?: Record<string, string>;
    accessModes?: string[];
    persistentVolumeReclaimPolicy?: string;
    storageClassName?: string;
    volumeMode?: string;
    claimRef?: ObjectRefLike;
    nodeAffinity?: { required?: { nodeSelectorTerms?: V1NodeSelectorTerm[] } };
    hostPath?: { path?: string; type?: string };
    local?: { path?: string };
    mountOptions?: string[];
    [source: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    accessModes?: string[];
    selector?: LabelSelectorObject;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: string;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string>; conditions?: unknown[] };
}

export interface StorageClass extends KubeObject {
  provisioner?: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
}

/** GetAccessModesAsString: "RWO,ROX,RWX,RWOP" in that fixed order, duplicates once. */
export function accessModesString(modes: readonly string[] | undefined): string {
  const short: Record<string, string> = { ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" };
  return ACCESS_MODES.filter((m) => modes?.includes(m)).map((m) => short[m]).join(",");
}

/** GetPersistentVolumeClaimClass: "" means "no class" (only a class-less volume fits). */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec?.storageClassName ?? "";
}

export function volumeClass(pv: PersistentVolume): string {
  return pv.spec?.storageClassName ?? "";
}

export function isDefaultClass(sc: KubeObject): boolean {
  return sc.metadata.annotations?.[DEFAULT_STORAGE_CLASS_ANNOTATION] === "true";
}

/** The default class among `classes`: the newest of those annotated, as Kubernetes since 1.28. */
export function defaultStorageClass<T extends KubeObject>(classes: readonly T[]): T | undefined {
  const defaults = classes.filter(isDefaultClass);
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  return defaults[0];
}

export function isWaitForFirstConsumer(sc: StorageClass | undefined): boolean {
  return sc?.volumeBindingMode === "WaitForFirstConsumer";
}

/** The storage a claim asks for; zero when unreadable (validation refuses such claims). */
export function requestedStorage(pvc: PersistentVolumeClaim): Quantity {
  return quantityOr0(pvc.spec?.resources?.requests?.storage);
}

export function volumeCapacity(pv: PersistentVolume): Quantity {
  return quantityOr0(pv.spec?.capacity?.storage);
}

function quantityOr0(s: string | undefined): Quantity {
  try {
    return s === undefined ? Quantity.zero : Quantity.parse(String(s));
  } catch {
    return Quantity.zero;
  }
}

/** Does the volume's node affinity admit this node? A volume without affinity is reachable everywhere. */
export function volumeFitsNode(pv: PersistentVolume, node: NodeFacts): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return true;
  return matchesAnyTerm(terms, node);
}

/** Is the claim bound to this volume, by name and (when the volume recorded one) uid? */
export function claimRefMatches(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || ref.name !== pvc.metadata.name || (ref.namespace ?? "") !== (pvc.metadata.namespace ?? "")) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/**
 * Why `pv` cannot serve `pvc` (undefined when it can): checkVolumeSatisfyClaim
 * plus the availability and selector rules of findMatchingVolume.
 */
export function volumeMismatch(pv: PersistentVolume, pvc: PersistentVolumeClaim, node?: NodeFacts): string | undefined {
  if (pv.metadata.deletionTimestamp) return "volume is being deleted";
  const ref = pv.spec?.claimRef;
  if (ref && !claimRefMatches(pv, pvc)) return "volume is reserved for another claim";
  if (!ref && pv.status?.phase && pv.status.phase !== "Available" && pv.status.phase !== "Pending") return `volume is ${pv.status.phase}`;
  if (volumeClass(pv) !== claimClass(pvc)) return "storage class differs";
  const have = pv.spec?.accessModes ?? [];
  if (!(pvc.spec?.accessModes ?? []).every((m) => have.includes(m))) return "access modes do not cover the claim's";
  if (volumeCapacity(pv).cmp(requestedStorage(pvc)) < 0) return "capacity is smaller than the request";
  if ((pv.spec?.volumeMode ?? "Filesystem") !== (pvc.spec?.volumeMode ?? "Filesystem")) return "volume mode differs";
  // A pre-bound volume skips the selector, as in Kubernetes: the user chose it by name.
  if (!ref && pvc.spec?.selector && !matchesLabelSelector(pvc.spec.selector, pv.metadata.labels)) return "labels do not match the claim's selector";
  if (node && !volumeFitsNode(pv, node)) return "volume node affinity does not match the selected node";
  return undefined;
}

/**
 * findBestMatchForClaim: a volume pre-bound to the claim wins; otherwise the
 * smallest volume that satisfies it (so big volumes stay for big claims).
 */
export function bestVolumeFor(pvc: PersistentVolumeClaim, volumes: readonly PersistentVolume[], node?: NodeFacts): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (volumeMismatch(pv, pvc, node) !== undefined) continue;
    if (pv.spec?.claimRef) return pv;
    if (!best || volumeCapacity(pv).cmp(volumeCapacity(best)) < 0) best = pv;
  }
  return best;
}

/** The claim names a pod's volumes refer to, in volume order. */
export function podClaimNames(pod: KubeObject): string[] {
  const volumes = (pod.spec as { volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> } | undefined)?.volumes;
  if (!volumes) return [];
  const out: string[] = [];
  for (const v of volumes) if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
  return out;
}

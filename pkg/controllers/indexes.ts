// Secondary indexes the controllers read from informer caches, so "pods of this
// ReplicaSet" or "dependents of this uid" is a lookup rather than a scan.
import type { KubeObject } from "../api/types.js";
import { controllerRef } from "./util.js";

/** Objects by the uid of their managing controller (ownerReferences[controller=true]). */
export const BY_CONTROLLER_UID = "controllerUid";
/** Objects without a controller, by namespace: adoption candidates. */
export const ORPHANS_BY_NAMESPACE = "orphansByNamespace";
/** Objects by the uid of every owner they reference: the garbage collector's graph. */
export const BY_OWNER_UID = "ownerUid";
/** Pods by spec.nodeName. */
export const BY_NODE_NAME = "nodeName";

export function controllerUidIndex(obj: KubeObject): string[] {
  const ref = controllerRef(obj);
  return ref?.uid ? [ref.uid] : [];
}

export function orphansIndex(obj: KubeObject): string[] {
  return controllerRef(obj) ? [] : [obj.metadata.namespace ?? ""];
}

export function ownerUidIndex(obj: KubeObject): string[] {
  return (obj.metadata.ownerReferences ?? []).map((r) => r.uid).filter((u): u is string => !!u);
}

export function nodeNameIndex(obj: KubeObject): string[] {
  const n = (obj.spec as { nodeName?: string } | undefined)?.nodeName;
  return n ? [n] : [];
}

interface Indexable {
  addIndex(name: string, fn: (obj: KubeObject) => string[]): void;
}

/** Install the indexes the ReplicaSet/Deployment/GC controllers use on an informer. */
export function installOwnerIndexes(informer: Indexable): void {
  informer.addIndex(BY_CONTROLLER_UID, controllerUidIndex);
  informer.addIndex(ORPHANS_BY_NAMESPACE, orphansIndex);
  informer.addIndex(BY_OWNER_UID, ownerUidIndex);
}

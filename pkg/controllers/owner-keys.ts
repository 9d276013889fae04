// One mapping from a pod event to the keys of the controllers that must look
// again, shared by every controller that owns pods (ReplicaSet,
// ReplicationController, Job, DaemonSet, StatefulSet) — Kubernetes writes it
// once per controller as addPod/updatePod/deletePod. It also settles the
// owner's expectations: an add is an observed create, a delete (or the pod
// turning terminating) an observed delete.
import type { LabelSelector } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Lister } from "../client/lister.js";
import { keyOf } from "../client/lister.js";
import type { Expectations } from "./expectations.js";
import { controllerRef, isTerminating, type PodLike } from "./util.js";

export type PodEvent = "add" | "update" | "delete";

export interface PodOwnerKind<T extends KubeObject> {
  /** The ownerReference kind this controller writes ("ReplicaSet", "Job", …). */
  kind: string;
  owners: Lister<T>;
  /** Settled for the owning object's key, when the controller keeps expectations. */
  expectations?: Expectations;
  /** For orphans: the owners that may adopt them. Omitted when the controller adopts nothing. */
  selectorOf?: (owner: T) => LabelSelector | undefined;
}

/** Keys of the owners a pod event concerns: its controller (now and before), or the owners that may adopt it. */
export function ownerKeysForPodEvent<T extends KubeObject>(k: PodOwnerKind<T>, pod: PodLike, event: PodEvent, old?: PodLike): string[] {
  const keys = new Set<string>();
  const ownerKey = (p: PodLike | undefined): string | undefined => {
    const ref = p && controllerRef(p);
    if (!ref || ref.kind !== k.kind) return undefined;
    const owner = k.owners.get(pod.metadata.namespace, ref.name);
    return owner && owner.metadata.uid === ref.uid ? keyOf(owner) : undefined;
  };
  const key = ownerKey(pod);
  if (key) {
    if (event === "add") k.expectations?.creationObserved(key);
    if (event === "delete" || (isTerminating(pod) && !(old && isTerminating(old)))) k.expectations?.deletionObserved(key, pod.metadata.uid!);
    keys.add(key);
  }
  // The controller changed (released, or adopted by another): the old one recounts.
  const oldKey = old && controllerRef(old)?.uid !== controllerRef(pod)?.uid ? ownerKey(old) : undefined;
  if (oldKey) keys.add(oldKey);
  if (!controllerRef(pod) && event !== "delete" && k.selectorOf) {
    for (const owner of k.owners.list(pod.metadata.namespace)) if (k.selectorOf(owner)?.matches(pod.metadata.labels)) keys.add(keyOf(owner));
  }
  return [...keys];
}

// The pods a workload controller owns — Kubernetes' ControllerRefManager
// (ClaimPods), shared by ReplicaSet, ReplicationController, DaemonSet and
// StatefulSet:
// - a pod whose controller reference names the owner's uid and that the
//   owner's selector still matches is owned;
// - one it controls but no longer matches is released (its owner reference
//   removed), so another controller may adopt it;
// - an orphan the selector matches is adopted (owner reference added).
// Adopt and release are merge patches carrying the pod's resourceVersion as a
// precondition: a pod that changed meanwhile is left alone and looked at again
// on the next reconcile, when the cache has caught up.
import { R } from "../api/kinds.js";
import type { LabelSelector } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { BY_CONTROLLER_UID, ORPHANS_BY_NAMESPACE } from "./indexes.js";
import { isConflict, isNotFound, isTerminating, newControllerRef, type PodLike } from "./util.js";

/**
 * Owned pods plus adopted orphans, minus released pods. A terminating owner
 * adopts nothing (as Kubernetes' canAdopt) but still sees the pods it owns.
 * Needs the BY_CONTROLLER_UID and ORPHANS_BY_NAMESPACE indexes on `pods`.
 */
export async function claimPods(client: Client, pods: Lister<PodLike>, owner: KubeObject, selector: LabelSelector): Promise<PodLike[]> {
  const ns = owner.metadata.namespace ?? "";
  const uid = owner.metadata.uid!;
  const owned: PodLike[] = [];
  for (const pod of pods.byIndex(BY_CONTROLLER_UID, uid)) {
    if (pod.metadata.namespace !== ns) continue;
    if (selector.matches(pod.metadata.labels)) owned.push(pod);
    else if (!isTerminating(pod)) await release(client, pod, uid);
  }
  if (isTerminating(owner)) return owned;
  for (const pod of pods.byIndex(ORPHANS_BY_NAMESPACE, ns)) {
    if (isTerminating(pod) || !selector.matches(pod.metadata.labels)) continue;
    const adopted = await adopt(client, pod, owner);
    if (adopted) owned.push(adopted);
  }
  return owned;
}

async function adopt(client: Client, pod: PodLike, owner: KubeObject): Promise<PodLike | undefined> {
  const refs = [...(pod.metadata.ownerReferences ?? []), newControllerRef(owner)];
  try {
    return await client.patch<PodLike>(R.pods, pod.metadata.namespace, pod.metadata.name!, "merge", {
      metadata: { ownerReferences: refs, resourceVersion: pod.metadata.resourceVersion },
    });
  } catch (e) {
    if (isNotFound(e) || isConflict(e)) return undefined;
    throw e;
  }
}

async function release(client: Client, pod: PodLike, ownerUid: string): Promise<void> {
  const refs = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  try {
    await client.patch(R.pods, pod.metadata.namespace, pod.metadata.name!, "merge", {
      metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: pod.metadata.resourceVersion },
    });
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

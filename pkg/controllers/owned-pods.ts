// The pods a workload controller owns (ControllerRefManager.ClaimPods, in
// short): pods whose controller reference names the owner's uid and that its
// selector still matches, plus orphans the selector matches, which are adopted
// by writing the owner reference with a resourceVersion precondition.
import { R } from "../api/kinds.js";
import type { LabelSelector } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { BY_CONTROLLER_UID, ORPHANS_BY_NAMESPACE } from "./indexes.js";
import { isConflict, isNotFound, isTerminating, newControllerRef, type PodLike } from "./util.js";

export async function claimPods(client: Client, pods: Lister<PodLike>, owner: KubeObject, selector: LabelSelector): Promise<PodLike[]> {
  const ns = owner.metadata.namespace ?? "";
  const owned = pods.byIndex(BY_CONTROLLER_UID, owner.metadata.uid!).filter((p) => p.metadata.namespace === ns && selector.matches(p.metadata.labels));
  if (isTerminating(owner)) return owned;
  for (const pod of pods.byIndex(ORPHANS_BY_NAMESPACE, ns)) {
    if (isTerminating(pod) || !selector.matches(pod.metadata.labels)) continue;
    try {
      owned.push(
        await client.patch<PodLike>(R.pods, ns, pod.metadata.name!, "merge", {
          metadata: { ownerReferences: [...(pod.metadata.ownerReferences ?? []), newControllerRef(owner)], resourceVersion: pod.metadata.resourceVersion },
        }),
      );
    } catch (e) {
      // Changed or gone meanwhile: the next reconcile looks again.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
  return owned;
}

// Whether a ReplicaSet update only moved the ReplicaSet controller's own claim
// annotation (replicaset.ts writes it before a batch and clears it after).
// Such an update carries nothing new to reconcile; requeueing on it turned a
// batch that keeps failing (pods refused by a ResourceQuota) into a hot loop —
// two writes per attempt, each an immediate requeue past the rate limiter.
import type { KubeObject } from "../api/types.js";
import { CLAIM_ANNOTATION } from "./replicaset.js";
import { canonicalJson } from "./util.js";

function withoutClaim(o: KubeObject): unknown {
  const annotations = { ...(o.metadata.annotations ?? {}) };
  delete annotations[CLAIM_ANNOTATION];
  const { resourceVersion: _rv, managedFields: _mf, annotations: _a, ...meta } = o.metadata;
  return { ...o, metadata: { ...meta, annotations } };
}

export function onlyClaimChanged(old: KubeObject | undefined, next: KubeObject): boolean {
  if (!old || old === next) return false;
  if ((old.metadata.annotations?.[CLAIM_ANNOTATION] ?? "") === (next.metadata.annotations?.[CLAIM_ANNOTATION] ?? "")) return false;
  return canonicalJson(withoutClaim(old)) === canonicalJson(withoutClaim(next));
}

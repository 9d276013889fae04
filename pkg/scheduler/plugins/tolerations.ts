// Taint/toleration matching, shared by TaintToleration, NodeUnschedulable and
// NodeReady (v1 helper ToleratesTaint).
import type { V1Taint, V1Toleration } from "@kubernetes/client-node";
import type { Pod } from "../framework.js";

/**
 * An empty toleration effect matches every effect; an empty key with Exists
 * matches every taint; Equal (the default operator) also compares values.
 */
export function toleratesTaint(t: V1Toleration, taint: Pick<V1Taint, "key" | "value" | "effect">): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
    case "":
      return (t.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

export function podToleratesTaint(pod: Pod, taint: Pick<V1Taint, "key" | "value" | "effect">): boolean {
  const tolerations = pod.spec?.tolerations;
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** Kubernetes' wording for a taint in a rejection reason: "{key: value}". */
export function untoleratedTaintReason(taint: Pick<V1Taint, "key" | "value">): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

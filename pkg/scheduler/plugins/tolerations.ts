// Taint/toleration matching, shared by TaintToleration, NodeUnschedulable and
// NodeReady (v1 helper ToleratesTaint).
import type { V1Taint } from "@kubernetes/client-node";
import { tolerates, toleratesAny, type TaintKey } from "../../api/tolerations.js";
import type { Pod } from "../framework.js";

/** The matching itself is pkg/api's (one copy for the scheduler and the controllers). */
export { tolerates as toleratesTaint };

export function podToleratesTaint(pod: Pod, taint: TaintKey): boolean {
  return toleratesAny(pod.spec?.tolerations, taint);
}

/** Kubernetes' wording for a taint in a rejection reason: "{key: value}". */
export function untoleratedTaintReason(taint: Pick<V1Taint, "key" | "value">): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`;
}

// NodeReady: only nodes whose Ready condition is True take new pods. In
// Kubernetes the node lifecycle controller expresses this as NoSchedule taints
// (not-ready for False, unreachable for Unknown) that TaintToleration checks;
// skiff checks the condition directly, so a pod is kept off a node that just
// went NotReady even before the taint is written, and reports it with the same
// taint wording and the same toleration escape hatch.
import { SUCCESS, frozenStatus, type FilterPlugin } from "../framework.js";
import { podToleratesTaint, untoleratedTaintReason } from "./tolerations.js";

export const NOT_READY_TAINT_KEY = "node.kubernetes.io/not-ready";
export const UNREACHABLE_TAINT_KEY = "node.kubernetes.io/unreachable";

const NOT_READY = { key: NOT_READY_TAINT_KEY, effect: "NoSchedule" };
const UNREACHABLE = { key: UNREACHABLE_TAINT_KEY, effect: "NoSchedule" };
const REJECT_NOT_READY = frozenStatus("UnschedulableAndUnresolvable", "NodeReady", untoleratedTaintReason(NOT_READY));
const REJECT_UNREACHABLE = frozenStatus("UnschedulableAndUnresolvable", "NodeReady", untoleratedTaintReason(UNREACHABLE));

export const nodeReady = {
  name: "NodeReady",
  filter(_state, pod, node) {
    if (node.ready === "True") return SUCCESS;
    if (node.ready === "Unknown") return podToleratesTaint(pod, UNREACHABLE) ? SUCCESS : REJECT_UNREACHABLE;
    return podToleratesTaint(pod, NOT_READY) ? SUCCESS : REJECT_NOT_READY;
  },
} satisfies FilterPlugin;

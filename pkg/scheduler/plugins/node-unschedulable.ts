// NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that
// tolerate the node.kubernetes.io/unschedulable:NoSchedule taint, which is how
// DaemonSet pods still land on cordoned nodes.
import { SUCCESS, frozenStatus, type FilterPlugin } from "../framework.js";
import { podToleratesTaint } from "./tolerations.js";

export const UNSCHEDULABLE_TAINT_KEY = "node.kubernetes.io/unschedulable";
export const NODE_UNSCHEDULABLE_REASON = "node(s) were unschedulable";
const REJECT = frozenStatus("UnschedulableAndUnresolvable", "NodeUnschedulable", NODE_UNSCHEDULABLE_REASON);
const TAINT = { key: UNSCHEDULABLE_TAINT_KEY, effect: "NoSchedule" };

export const nodeUnschedulable = {
  name: "NodeUnschedulable",
  filter(_state, pod, node) {
    if (!node.unschedulable) return SUCCESS;
    return podToleratesTaint(pod, TAINT) ? SUCCESS : REJECT;
  },
} satisfies FilterPlugin;

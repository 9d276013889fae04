// TaintToleration: NoSchedule and NoExecute taints keep out every pod that
// does not tolerate them (filter); PreferNoSchedule taints only make a node
// less attractive, by how many of them the pod does not tolerate (score).
import type { V1Taint } from "@kubernetes/client-node";
import { SUCCESS, frozenStatus, normalizeByMax, type FilterPlugin, type ScorePlugin, type Status } from "../framework.js";
import { podToleratesTaint, toleratesTaint, untoleratedTaintReason } from "./tolerations.js";

const NAME = "TaintToleration";
/** Per taint object (node objects are immutable), so a rejection costs no string building. */
const rejections = new WeakMap<V1Taint, Status>();

function reject(taint: V1Taint): Status {
  let s = rejections.get(taint);
  if (!s) rejections.set(taint, (s = frozenStatus("UnschedulableAndUnresolvable", NAME, untoleratedTaintReason(taint))));
  return s;
}

export const taintToleration = {
  name: NAME,
  filter(_state, pod, node) {
    for (const taint of node.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!podToleratesTaint(pod, taint)) return reject(taint);
    }
    return SUCCESS;
  },
  score(_state, pod, node) {
    let n = 0;
    for (const taint of node.taints) {
      if (taint.effect !== "PreferNoSchedule") continue;
      // Only tolerations that can apply to PreferNoSchedule count (empty effect matches all).
      const tolerated = (pod.spec?.tolerations ?? []).some(
        (t) => (!t.effect || t.effect === "PreferNoSchedule") && toleratesTaint(t, taint),
      );
      if (!tolerated) n++;
    }
    return n;
  },
  normalize(scores) {
    normalizeByMax(scores, true);
  },
} satisfies FilterPlugin & ScorePlugin;

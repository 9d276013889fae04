// SelectorSpread (lite): spread the pods of one controller (the controlling
// ownerReference, e.g. a ReplicaSet) across nodes, so losing a node loses few
// replicas. Fewer siblings on a node = higher score.
import { normalizeByMax, type ScorePlugin } from "../framework.js";

export const selectorSpread = {
  name: "SelectorSpread",
  preScore(state) {
    // A pod without a controller has no siblings to spread from.
    return state.podInfo.ownerUid !== undefined;
  },
  score(state, _pod, node) {
    const owner = state.podInfo.ownerUid;
    return owner === undefined || node.ownerCounts.size === 0 ? 0 : (node.ownerCounts.get(owner) ?? 0);
  },
  normalize(scores) {
    normalizeByMax(scores, true);
  },
} satisfies ScorePlugin;

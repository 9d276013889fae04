// NodeResourcesLeastAllocated: prefer the node with the most room left after
// placing the pod, averaged over cpu and memory (non-zero requests, so
// best-effort pods spread too). Already 0..100.
import type { ScorePlugin } from "../framework.js";

export function leastAllocatedScore(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * 100) / allocatable);
}

export const leastAllocated = {
  name: "NodeResourcesLeastAllocated",
  score(state, _pod, node) {
    const r = state.podInfo.nonZero;
    const cpu = leastAllocatedScore(node.nonZeroRequested.milliCpu + r.milliCpu, node.allocatable.milliCpu);
    const mem = leastAllocatedScore(node.nonZeroRequested.memory + r.memory, node.allocatable.memory);
    return Math.floor((cpu + mem) / 2);
  },
} satisfies ScorePlugin;

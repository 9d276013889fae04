// NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory use stay
// in proportion after placing the pod, so neither runs out while the other
// idles. Score = (1 − standard deviation of the two fractions) × 100.
import type { ScorePlugin } from "../framework.js";

function fraction(requested: number, allocatable: number): number {
  if (allocatable <= 0) return 1;
  return Math.min(1, requested / allocatable);
}

export const balancedAllocation = {
  name: "NodeResourcesBalancedAllocation",
  score(state, _pod, node) {
    const r = state.podInfo.nonZero;
    const cpu = fraction(node.nonZeroRequested.milliCpu + r.milliCpu, node.allocatable.milliCpu);
    const mem = fraction(node.nonZeroRequested.memory + r.memory, node.allocatable.memory);
    // For two values the standard deviation is half their distance.
    const std = Math.abs(cpu - mem) / 2;
    return Math.floor((1 - std) * 100);
  },
} satisfies ScorePlugin;

// Tests for the resource and spreading score plugins.
import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState } from "../framework.js";
import { balancedAllocation } from "./balanced-allocation.js";
import { leastAllocated, leastAllocatedScore } from "./least-allocated.js";
import { podTopologySpread } from "./pod-topology-spread.js";

const st = (pod: ReturnType<typeof makePod>) => CycleState.for(pod);

describe("NodeResourcesLeastAllocated", () => {
  it("prefers the emptier node", () => {
    const snap = buildSnapshot(
      [makeNode("busy", { cpu: "4", memory: "8Gi" }), makeNode("idle", { cpu: "4", memory: "8Gi" })],
      [makePod("x", { nodeName: "busy", cpu: "3", memory: "6Gi" })],
    );
    const pod = makePod("p", { cpu: "1", memory: "2Gi" });
    expect(leastAllocated.score(st(pod), pod, snap.get("idle")!)).toBe(75);
    expect(leastAllocated.score(st(pod), pod, snap.get("busy")!)).toBe(0);
  });
  it("counts pods without requests with the non-zero defaults", () => {
    const snap = buildSnapshot([makeNode("n", { cpu: "1", memory: "1000Mi" })], [makePod("x", { nodeName: "n" })]);
    // 100m + 100m of 1000m → 80; 200Mi + 200Mi of 1000Mi → 60
    const p = makePod("p");
    expect(leastAllocated.score(st(p), p, snap.get("n")!)).toBe(70);
  });
  it("scores 0 when over capacity or empty", () => {
    expect(leastAllocatedScore(5, 4)).toBe(0);
    expect(leastAllocatedScore(0, 0)).toBe(0);
  });
});

describe("NodeResourcesBalancedAllocation", () => {
  it("prefers the node where cpu and memory use stay even", () => {
    const snap = buildSnapshot([makeNode("n", { cpu: "4", memory: "4Gi" })]);
    const even = makePod("even", { cpu: "2", memory: "2Gi" });
    const skew = makePod("skew", { cpu: "4", memory: "0" });
    expect(balancedAllocation.score(st(even), even, snap.get("n")!)).toBe(100);
    expect(balancedAllocation.score(st(skew), skew, snap.get("n")!)).toBe(50);
  });
});

describe("PodTopologySpread's default constraints (the cluster-level spread)", () => {
  it("prefers nodes with fewer pods of the same controller", () => {
    const snap = buildSnapshot(
      [makeNode("a"), makeNode("b"), makeNode("c")],
      [
        makePod("r1", { nodeName: "a", ownerUid: "rs1" }),
        makePod("r2", { nodeName: "a", ownerUid: "rs1" }),
        makePod("r3", { nodeName: "b", ownerUid: "rs1" }),
        makePod("o1", { nodeName: "c", ownerUid: "other" }),
      ],
    );
    const pod = makePod("new", { ownerUid: "rs1" });
    const state = CycleState.for(pod, snap);
    expect(podTopologySpread.preScore(state, pod)).toBe(true);
    const scores = ["a", "b", "c"].map((name) => ({ name, score: podTopologySpread.score(state, pod, snap.get(name)!) }));
    podTopologySpread.normalize(scores);
    expect(scores[0].score).toBeLessThan(scores[1].score);
    expect(scores[1].score).toBeLessThan(scores[2].score);
    expect(scores[2].score).toBe(100);
  });
  it("skips a pod without a controller", () => {
    const snap = buildSnapshot([makeNode("a")], [makePod("r1", { nodeName: "a", ownerUid: "rs1" })]);
    const lone = makePod("lone");
    expect(podTopologySpread.preScore(CycleState.for(lone, snap), lone)).toBe(false);
  });
});

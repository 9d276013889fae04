import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState } from "../framework.js";
import { taintToleration } from "./taint-toleration.js";
import { toleratesTaint } from "./tolerations.js";

describe("toleratesTaint", () => {
  const taint = { key: "gpu", value: "nvidia", effect: "NoSchedule" };
  it.each([
    [{ key: "gpu", operator: "Equal", value: "nvidia", effect: "NoSchedule" }, true],
    [{ key: "gpu", value: "nvidia" }, true], // empty effect matches all, operator defaults to Equal
    [{ key: "gpu", operator: "Equal", value: "amd" }, false],
    [{ key: "gpu", operator: "Exists" }, true],
    [{ operator: "Exists" }, true],
    [{ operator: "Exists", effect: "NoExecute" }, false],
    [{ key: "other", operator: "Exists" }, false],
  ])("%j → %s", (t, want) => expect(toleratesTaint(t, taint)).toBe(want));
});

describe("TaintToleration", () => {
  const snap = buildSnapshot([
    makeNode("clean"),
    makeNode("gpu", { taints: [{ key: "gpu", value: "nvidia", effect: "NoSchedule" }] }),
    makeNode("evict", { taints: [{ key: "maint", effect: "NoExecute" }] }),
    makeNode("soft", { taints: [{ key: "spot", value: "yes", effect: "PreferNoSchedule" }, { key: "old", effect: "PreferNoSchedule" }] }),
  ]);
  const st = CycleState.for(makePod("any"));
  it("rejects NoSchedule/NoExecute taints the pod does not tolerate, naming the taint", () => {
    expect(taintToleration.filter(st, makePod("p"), snap.get("gpu")!)).toMatchObject({
      code: "UnschedulableAndUnresolvable",
      reasons: ["node(s) had untolerated taint {gpu: nvidia}"],
    });
    expect(taintToleration.filter(st, makePod("p"), snap.get("evict")!).reasons).toEqual(["node(s) had untolerated taint {maint: }"]);
    expect(taintToleration.filter(st, makePod("p"), snap.get("clean")!).code).toBe("Success");
    expect(taintToleration.filter(st, makePod("p"), snap.get("soft")!).code).toBe("Success");
  });
  it("accepts tolerated taints", () => {
    const pod = makePod("p", { tolerations: [{ key: "gpu", operator: "Equal", value: "nvidia", effect: "NoSchedule" }] });
    expect(taintToleration.filter(st, pod, snap.get("gpu")!).code).toBe("Success");
  });
  it("scores PreferNoSchedule taints: fewer untolerated is better", () => {
    const pod = makePod("p");
    const tolerant = makePod("t", { tolerations: [{ key: "spot", operator: "Exists", effect: "PreferNoSchedule" }] });
    expect(taintToleration.score(st, pod, snap.get("soft")!)).toBe(2);
    expect(taintToleration.score(st, tolerant, snap.get("soft")!)).toBe(1);
    expect(taintToleration.score(st, pod, snap.get("clean")!)).toBe(0);
    const scores = [{ name: "clean", score: 0 }, { name: "soft", score: 2 }, { name: "half", score: 1 }];
    taintToleration.normalize(scores);
    expect(scores.map((s) => s.score)).toEqual([100, 0, 50]);
  });
});

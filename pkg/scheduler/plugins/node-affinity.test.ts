import type { V1NodeSelectorRequirement } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState, type Pod } from "../framework.js";
import { NODE_AFFINITY_REASON, nodeAffinity } from "./node-affinity.js";
import { matchesRequirement } from "./node-selector.js";

const snap = buildSnapshot([
  makeNode("a", { labels: { zone: "z1", disk: "ssd", cores: "8" } }),
  makeNode("b", { labels: { zone: "z2", cores: "2" } }),
]);

function passes(pod: Pod, node: string): boolean {
  const st = CycleState.for(pod);
  nodeAffinity.preFilter(st, pod);
  return nodeAffinity.filter(st, pod, snap.get(node)!).code === "Success";
}

function required(...exprs: V1NodeSelectorRequirement[][]): Pod {
  return makePod("p", {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: exprs.map((e) => ({ matchExpressions: e })) } } },
  });
}

describe("matchesRequirement", () => {
  it.each([
    ["In", ["a", "b"], "a", true],
    ["In", ["a"], undefined, false],
    ["NotIn", ["a"], "b", true],
    ["NotIn", ["a"], undefined, true],
    ["NotIn", ["a"], "a", false],
    ["Exists", [], "x", true],
    ["Exists", [], undefined, false],
    ["DoesNotExist", [], undefined, true],
    ["DoesNotExist", [], "", false],
    ["Gt", ["4"], "8", true],
    ["Gt", ["8"], "8", false],
    ["Lt", ["4"], "2", true],
    ["Lt", ["4"], "x", false],
    ["Gt", ["x"], "8", false],
    ["Bogus", [], "x", false],
  ] as const)("%s %j on %s → %s", (operator, values, value, want) => {
    expect(matchesRequirement({ key: "k", operator, values: [...values] }, value)).toBe(want);
  });
});

describe("NodeAffinity filter", () => {
  it("requires every nodeSelector label", () => {
    expect(passes(makePod("p", { nodeSelector: { zone: "z1", disk: "ssd" } }), "a")).toBe(true);
    expect(passes(makePod("p", { nodeSelector: { zone: "z1", disk: "hdd" } }), "a")).toBe(false);
    expect(passes(makePod("p", { nodeSelector: { zone: "z1" } }), "b")).toBe(false);
  });
  it("ORs terms and ANDs expressions", () => {
    const pod = required([{ key: "zone", operator: "In", values: ["z1"] }, { key: "disk", operator: "DoesNotExist" }], [{ key: "cores", operator: "Lt", values: ["4"] }]);
    expect(passes(pod, "a")).toBe(false); // term 1 fails on disk, term 2 on cores
    expect(passes(pod, "b")).toBe(true); // term 2
  });
  it("an empty term matches nothing; matchFields metadata.name works", () => {
    const empty = makePod("p", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } });
    expect(passes(empty, "a")).toBe(false);
    const byName = makePod("p", {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["b"] }] }] } } },
    });
    expect(passes(byName, "a")).toBe(false);
    expect(passes(byName, "b")).toBe(true);
  });
  it("reports Kubernetes' reason", () => {
    const pod = makePod("p", { nodeSelector: { zone: "nowhere" } });
    const st = CycleState.for(pod);
    expect(nodeAffinity.filter(st, pod, snap.get("a")!)).toMatchObject({ code: "UnschedulableAndUnresolvable", reasons: [NODE_AFFINITY_REASON] });
  });
});

describe("NodeAffinity score", () => {
  it("sums the weights of matching preferred terms and normalises by the maximum", () => {
    const pod = makePod("p", {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["z1"] }] } },
            { weight: 5, preference: { matchExpressions: [{ key: "cores", operator: "Gt", values: ["1"] }] } },
          ],
        },
      },
    });
    const st = CycleState.for(pod);
    expect(nodeAffinity.preScore(st, pod)).toBe(true);
    const scores = ["a", "b"].map((name) => ({ name, score: nodeAffinity.score(st, pod, snap.get(name)!) }));
    expect(scores.map((s) => s.score)).toEqual([15, 5]);
    nodeAffinity.normalize(scores);
    expect(scores.map((s) => s.score)).toEqual([100, 33]);
    // Nothing preferred: the plugin asks to be skipped.
    expect(nodeAffinity.preScore(CycleState.for(makePod("q")), makePod("q"))).toBe(false);
  });
});

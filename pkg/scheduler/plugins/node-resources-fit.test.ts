import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState, type Pod } from "../framework.js";
import { nodeResourcesFit } from "./node-resources-fit.js";

function fit(pod: Pod, existing: Pod[], node = makeNode("n", { cpu: "2", memory: "4Gi", pods: 3 })) {
  const snap = buildSnapshot([node], existing);
  return nodeResourcesFit.filter(CycleState.for(pod), pod, snap.get("n")!);
}

describe("NodeResourcesFit", () => {
  it("fits exactly up to allocatable", () => {
    expect(fit(makePod("p", { cpu: "1500m", memory: "3Gi" }), [makePod("a", { nodeName: "n", cpu: "500m", memory: "1Gi" })]).code).toBe("Success");
  });
  it("names every insufficient resource", () => {
    const s = fit(makePod("p", { cpu: "1600m", memory: "3073Mi" }), [makePod("a", { nodeName: "n", cpu: "500m", memory: "1Gi" })]);
    expect(s).toMatchObject({ code: "Unschedulable", reasons: ["Insufficient cpu", "Insufficient memory"], plugin: "NodeResourcesFit" });
    expect(fit(makePod("p", { memory: "5Gi" }), []).reasons).toEqual(["Insufficient memory"]);
  });
  it("counts pods against allocatable pods", () => {
    const existing = [0, 1, 2].map((i) => makePod(`e${i}`, { nodeName: "n" }));
    expect(fit(makePod("p"), existing).reasons).toEqual(["Too many pods"]);
    expect(fit(makePod("p"), existing.slice(1)).code).toBe("Success");
  });
  it("does not check a resource the pod does not request, even on an overcommitted node", () => {
    const hog = makePod("hog", { nodeName: "n", cpu: "3" });
    expect(fit(makePod("p", { memory: "1Gi" }), [hog]).code).toBe("Success");
    expect(fit(makePod("p", { cpu: "1m" }), [hog]).reasons).toEqual(["Insufficient cpu"]);
  });
  it("ignores finished pods on the node", () => {
    const done = makePod("done", { nodeName: "n", cpu: "2" });
    done.status = { phase: "Succeeded" };
    expect(fit(makePod("p", { cpu: "2" }), [done]).code).toBe("Success");
  });
});

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

describe("NodeResourcesFit with extended resources", () => {
  it("refuses a node that does not advertise enough of the resource, in Kubernetes' words", async () => {
    const { buildSnapshot } = await import("../cache.js");
    const { scheduleOne } = await import("../schedule-one.js");
    const pod = makePod("dongle", { extended: { "example.com/dongle": "3" } });
    const nodes = [makeNode("n1"), makeNode("n2"), makeNode("n3")];
    const res = scheduleOne(pod, buildSnapshot(nodes));
    expect(res.status.reasons[0]).toBe("0/3 nodes are available: 3 Insufficient example.com/dongle.");
    // Advertised through status.capacity only, as the documentation's patch does.
    nodes[1].status!.capacity!["example.com/dongle"] = "4";
    const snap = buildSnapshot(nodes);
    expect(scheduleOne(pod, snap).node).toBe("n2");
    snap.assumePod(pod, "n2");
    const second = makePod("dongle-2", { extended: { "example.com/dongle": "2" } });
    expect(scheduleOne(second, snap).diagnosis.get("n2")?.reasons).toEqual(["Insufficient example.com/dongle"]);
  });
  it("does not check ephemeral-storage on a node that does not report it", async () => {
    const { buildSnapshot } = await import("../cache.js");
    const { scheduleOne } = await import("../schedule-one.js");
    const pod = makePod("eph", { extended: { "ephemeral-storage": "2Gi" } });
    expect(scheduleOne(pod, buildSnapshot([makeNode("n1")])).node).toBe("n1");
  });
});

import { describe, expect, it } from "vitest";
import { buildSnapshot } from "./cache.js";
import { makeNode, makePod } from "./fixtures.js";
import { SKIP, SUCCESS, errorStatus, unschedulable, type FilterPlugin, type PreFilterPlugin } from "./framework.js";
import { defaultProfile } from "./profile.js";
import { NO_NODES_MESSAGE, fitErrorMessage, numFeasibleNodesToFind, scheduleOne } from "./schedule-one.js";

describe("scheduleOne", () => {
  it("leaves out the Filter of a plugin whose PreFilter said Skip, and only for that pod", () => {
    let calls = 0;
    const picky: PreFilterPlugin & FilterPlugin = {
      name: "Picky",
      preFilter: (_s, pod) => (pod.metadata.labels?.picky ? SUCCESS : SKIP),
      filter: () => (calls++, SUCCESS),
    };
    const profile = defaultProfile();
    profile.preFilter.push(picky);
    profile.filter.push(picky);
    const snap = buildSnapshot([makeNode("a"), makeNode("b"), makeNode("c")]);
    expect(scheduleOne(makePod("plain"), snap, { profile }).node).toBeDefined();
    expect(calls).toBe(0);
    expect(scheduleOne(makePod("p", { labels: { picky: "yes" } }), snap, { profile }).node).toBeDefined();
    expect(calls).toBe(3);
  });

  it("words a failure exactly as Kubernetes does", () => {
    const snap = buildSnapshot([
      makeNode("a", { memory: "1Gi" }),
      makeNode("b", { memory: "1Gi" }),
      makeNode("c", { ready: "False" }),
      makeNode("d", { ready: "False" }),
      makeNode("e", { ready: "False", memory: "1Gi" }), // not ready AND too small: the taint is reported
    ]);
    const res = scheduleOne(makePod("p", { memory: "2Gi" }), snap);
    expect(res.node).toBeUndefined();
    expect(res.status.code).toBe("Unschedulable");
    expect(res.status.reasons).toEqual([
      "0/5 nodes are available: 2 Insufficient memory, 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.",
    ]);
    expect(res.diagnosis.size).toBe(5);
    expect(res.diagnosis.get("a")).toMatchObject({ plugin: "NodeResourcesFit", reasons: ["Insufficient memory"] });
    expect(res.diagnosis.get("e")).toMatchObject({ plugin: "NodeReady" });
  });

  it("is UnschedulableAndUnresolvable when nothing but a node change could help", () => {
    const res = scheduleOne(makePod("p", { nodeSelector: { disk: "ssd" } }), buildSnapshot([makeNode("a"), makeNode("b", { unschedulable: true })]));
    expect(res.status.code).toBe("UnschedulableAndUnresolvable");
    expect(res.status.reasons[0]).toBe("0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.");
  });

  it("counts each reason of a node once per node, sorted as strings", () => {
    const diag = new Map([
      ["a", unschedulable("F", "Insufficient cpu", "Insufficient memory")],
      ["b", unschedulable("F", "Insufficient cpu")],
    ]);
    expect(fitErrorMessage(12, diag)).toBe("0/12 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.");
  });

  it("says so when there are no nodes", () => {
    const res = scheduleOne(makePod("p"), buildSnapshot([]));
    expect(res.status.reasons).toEqual([NO_NODES_MESSAGE]);
  });

  it("picks the least allocated node and spreads replicas", () => {
    const snap = buildSnapshot(
      [makeNode("a"), makeNode("b"), makeNode("c")],
      [makePod("x", { nodeName: "a", cpu: "2", memory: "4Gi" })],
    );
    const first = scheduleOne(makePod("r0", { cpu: "100m", memory: "100Mi", ownerUid: "rs" }), snap);
    expect(first.node).not.toBe("a");
    const placed = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const pod = makePod(`r${i}`, { cpu: "100m", memory: "100Mi", ownerUid: "rs" });
      const res = scheduleOne(pod, snap);
      snap.assumePod(pod, res.node!);
      placed.add(res.node!);
    }
    expect(placed.size).toBe(3);
  });

  it("honours spec.nodeName and host ports through the default profile", () => {
    const snap = buildSnapshot([makeNode("a"), makeNode("b")], [makePod("web", { nodeName: "a", hostPorts: [{ hostPort: 80 }] })]);
    expect(scheduleOne(makePod("p", { nodeName: "a" }), snap).node).toBe("a");
    expect(scheduleOne(makePod("p", { hostPorts: [{ hostPort: 80 }] }), snap).node).toBe("b");
  });

  it("is deterministic, and the start index decides ties", () => {
    const snap = buildSnapshot(["a", "b", "c", "d"].map((n) => makeNode(n)));
    const pod = makePod("p", { cpu: "1" });
    expect(scheduleOne(pod, snap).node).toBe("a");
    expect(scheduleOne(pod, snap).node).toBe("a");
    expect(scheduleOne(pod, snap, { startIndex: 2 }).node).toBe("c");
  });

  it("samples large clusters but diagnoses every node when the pod fits nowhere", () => {
    const snap = buildSnapshot(Array.from({ length: 1000 }, (_, i) => makeNode(`n${String(i).padStart(4, "0")}`)));
    const fits = scheduleOne(makePod("p", { cpu: "1" }), snap);
    expect(fits.evaluatedNodes).toBe(420);
    expect(fits.feasibleNodes).toBe(420);
    const all = scheduleOne(makePod("p", { cpu: "1" }), snap, { percentageOfNodesToScore: 100 });
    expect(all.evaluatedNodes).toBe(1000);
    const never = scheduleOne(makePod("big", { cpu: "64" }), snap);
    expect(never.diagnosis.size).toBe(1000);
    expect(never.status.reasons[0]).toBe("0/1000 nodes are available: 1000 Insufficient cpu.");
  });

  it("applies a PreFilter rejection to every node and stops on a filter Error", () => {
    const deny: PreFilterPlugin = { name: "Deny", preFilter: () => unschedulable("Deny", "pod is not welcome") };
    const snap = buildSnapshot([makeNode("a"), makeNode("b")]);
    const profile = defaultProfile();
    profile.preFilter.push(deny);
    const res = scheduleOne(makePod("p"), snap, { profile });
    expect(res.diagnosis.size).toBe(2);
    expect(res.status.reasons).toEqual(["0/2 nodes are available: pod is not welcome."]);

    const broken: FilterPlugin = { name: "Broken", filter: () => errorStatus("Broken", "disk on fire") };
    const p2 = defaultProfile();
    p2.filter.push(broken);
    expect(scheduleOne(makePod("p"), snap, { profile: p2 }).status).toMatchObject({ code: "Error", plugin: "Broken" });
  });
});

describe("numFeasibleNodesToFind", () => {
  it.each([
    [0, 0, 0],
    [50, 0, 50],
    [100, 0, 100],
    [1000, 0, 420],
    [5000, 0, 500],
    [10000, 0, 500],
    [1000, 100, 1000],
    [1000, 1, 100],
    [1000, 30, 300],
  ])("%i nodes at %i%% → %i", (n, pct, want) => expect(numFeasibleNodesToFind(n, pct)).toBe(want));
});

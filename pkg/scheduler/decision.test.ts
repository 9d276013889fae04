import { describe, expect, it } from "vitest";
import { buildSnapshot } from "./cache.js";
import { compactDecision, formatBytes, formatMilliCpu, TOP_SCORES } from "./decision.js";
import { makeNode, makePod } from "./fixtures.js";
import { newScoreTrace, type Pod } from "./framework.js";
import { scheduleOne } from "./schedule-one.js";

const GPU_TAINT = [{ key: "gpu", value: "true", effect: "NoSchedule" }];

function decide(pod: Pod, snap: ReturnType<typeof buildSnapshot>, percentageOfNodesToScore?: number) {
  const trace = newScoreTrace();
  const res = scheduleOne(pod, snap, { trace, percentageOfNodesToScore });
  return { res, d: compactDecision(pod, res, trace, snap, { nowMs: Date.parse("2025-01-01T00:00:00Z") }) };
}

describe("compactDecision", () => {
  it("names the plugin and the numbers for every class of rejected node", () => {
    const snap = buildSnapshot(
      [
        makeNode("small-1", { memory: "4Gi" }),
        makeNode("small-2", { memory: "4Gi" }),
        makeNode("gpu-1", { taints: GPU_TAINT }),
        makeNode("cordoned", { unschedulable: true }),
      ],
      [
        // 3.7Gi of 4Gi requested on small-1, 3.5Gi on small-2: 300Mi and 512Mi free.
        makePod("a", { nodeName: "small-1", memory: `${4096 - 300}Mi` }),
        makePod("b", { nodeName: "small-2", memory: "3584Mi" }),
      ],
    );
    const { res, d } = decide(makePod("p", { memory: "600Mi" }), snap);
    expect(res.node).toBeUndefined();
    expect(d.result).toBe("Unschedulable");
    expect(d.message).toMatch(/^0\/4 nodes are available: /);
    expect(d.requests).toEqual({ cpu: "0", memory: "600Mi" });
    const fit = d.rejected.find((c) => c.plugin === "NodeResourcesFit")!;
    // Events keep Kubernetes' wording; the numbers are in the details only.
    expect(fit.reasons).toEqual(["Insufficient memory"]);
    expect(fit).toMatchObject({ count: 2, nodes: ["small-1", "small-2"] });
    expect(fit.details).toEqual(["Insufficient memory: requested 600Mi, 300Mi-512Mi free of 4Gi"]);
    expect(d.rejected.find((c) => c.plugin === "TaintToleration")).toMatchObject({ count: 1, nodes: ["gpu-1"], reasons: ["node(s) had untolerated taint {gpu: true}"] });
    expect(d.rejected.find((c) => c.plugin === "NodeUnschedulable")).toMatchObject({ count: 1, nodes: ["cordoned"] });
    expect(d.rejected.reduce((n, c) => n + c.count, 0)).toBe(4);
    expect(d.scores).toEqual([]);
  });

  it("gives one number, not a range, when every node of the class agrees", () => {
    const snap = buildSnapshot([makeNode("n1", { cpu: "2" }), makeNode("n2", { cpu: "2" })], [makePod("x", { nodeName: "n1", cpu: "1500m" }), makePod("y", { nodeName: "n2", cpu: "1500m" })]);
    const { d } = decide(makePod("p", { cpu: "1" }), snap);
    expect(d.rejected[0].details).toEqual(["Insufficient cpu: requested 1, 500m free of 2"]);
  });

  it("puts the winner first with the top score, each plugin's share adding up to the total", () => {
    const nodes = Array.from({ length: 8 }, (_, i) => makeNode(`n${i}`, { cpu: "4", memory: "8Gi" }));
    // Load every node differently so least-allocated ranks them.
    const pods = nodes.map((n, i) => makePod(`load-${i}`, { nodeName: String(n.metadata.name), cpu: `${(i * 400) % 3000}m`, memory: `${(i * 700) % 6000}Mi` }));
    const snap = buildSnapshot(nodes, pods);
    const { res, d } = decide(makePod("p", { cpu: "100m", memory: "128Mi", ownerUid: "rs-1" }), snap);
    expect(d.result).toBe("Scheduled");
    expect(d.node).toBe(res.node);
    expect(d.scored).toBe(true);
    expect(d.scores).toHaveLength(TOP_SCORES);
    expect(d.scores[0].node).toBe(res.node);
    for (let i = 1; i < d.scores.length; i++) expect(d.scores[i].total).toBeLessThanOrEqual(d.scores[i - 1].total);
    for (const row of d.scores) {
      const sum = Object.values(row.scores).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(row.total, 5);
      expect(Object.keys(row.scores)).toEqual(expect.arrayContaining(["NodeResourcesLeastAllocated", "NodeResourcesBalancedAllocation"]));
    }
    // No preferred affinity, no siblings anywhere, no soft taints: skipped, and said so.
    expect(d.skipped).toMatchObject({ NodeAffinity: "prescore", TaintToleration: "equal", PodTopologySpread: "equal" });
  });

  it("keeps a 1,000-node decision small: classes, not rows", () => {
    const nodes = Array.from({ length: 1000 }, (_, i) =>
      makeNode(`node-${i}`, { memory: i % 3 === 0 ? "2Gi" : "4Gi", taints: i % 10 === 0 ? GPU_TAINT : undefined, unschedulable: i % 97 === 0 }),
    );
    const snap = buildSnapshot(nodes);
    const { d } = decide(makePod("p", { memory: "3Gi" }), snap);
    expect(d.result).toBe("Scheduled");
    const { d: stuck } = decide(makePod("q", { memory: "5Gi" }), snap);
    expect(stuck.rejected.reduce((n, c) => n + c.count, 0)).toBe(1000);
    expect(stuck.rejected.length).toBeLessThanOrEqual(4);
    for (const c of stuck.rejected) expect(c.nodes.length).toBeLessThanOrEqual(5);
    expect(stuck.rejected.find((c) => c.plugin === "NodeResourcesFit")!.details).toEqual(["Insufficient memory: requested 5Gi, 2Gi-4Gi free of 2Gi-4Gi"]);
    expect(JSON.stringify(stuck).length).toBeLessThan(2000);
    expect(JSON.stringify(d).length).toBeLessThan(2000);
  });

  it("does not change what the scheduler decides", () => {
    const nodes = Array.from({ length: 150 }, (_, i) => makeNode(`n${i}`, { cpu: String(2 + (i % 5)) }));
    const snap = buildSnapshot(nodes);
    for (let i = 0; i < 50; i++) {
      const pod = makePod(`p${i}`, { cpu: "500m", ownerUid: "rs" });
      const plain = scheduleOne(pod, snap, { startIndex: i * 7 });
      const traced = scheduleOne(pod, snap, { startIndex: i * 7, trace: newScoreTrace() });
      expect(traced.node).toBe(plain.node);
      snap.assumePod(pod, plain.node!);
    }
  });

  it("says when there was nothing to score", () => {
    const snap = buildSnapshot([makeNode("only"), makeNode("tainted", { taints: GPU_TAINT })]);
    const { d } = decide(makePod("p"), snap);
    expect(d).toMatchObject({ node: "only", scored: false, scores: [{ node: "only", total: 0, scores: {} }] });
  });
});

describe("formatting", () => {
  it("prints quantities the way manifests write them", () => {
    expect(formatBytes(512 * 2 ** 20)).toBe("512Mi");
    expect(formatBytes(1.5 * 2 ** 30)).toBe("1.5Gi");
    expect(formatBytes(4 * 2 ** 30)).toBe("4Gi");
    expect(formatBytes(0)).toBe("0");
    expect(formatBytes(-100 * 2 ** 20)).toBe("-100Mi");
    expect(formatMilliCpu(500)).toBe("500m");
    expect(formatMilliCpu(2000)).toBe("2");
  });
});

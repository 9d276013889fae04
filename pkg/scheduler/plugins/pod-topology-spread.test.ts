// PodTopologySpread as kube-scheduler's tests describe it: skew against the
// least-loaded domain, minDomains, the inclusion policies, matchLabelKeys, and
// the exact FitError text.
import type { V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { scheduleOne } from "../schedule-one.js";

const zoneNodes = () => [
  makeNode("a1", { labels: { zone: "a" } }),
  makeNode("a2", { labels: { zone: "a" } }),
  makeNode("b1", { labels: { zone: "b" } }),
];
const spread = (o: Partial<V1TopologySpreadConstraint> = {}): V1TopologySpreadConstraint[] => [
  { maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } }, ...o },
];
const web = (name: string, o: Parameters<typeof makePod>[1] = {}) => makePod(name, { labels: { app: "web" }, ...o });

describe("PodTopologySpread", () => {
  it("places the next replica in the emptier zone and refuses the fuller one", () => {
    const snap = buildSnapshot(zoneNodes(), [web("w0", { nodeName: "a1" })]);
    const res = scheduleOne(web("w1", { topologySpreadConstraints: spread() }), snap);
    expect(res.node).toBe("b1");
    expect(res.diagnosis.get("a1")?.reasons).toEqual(["node(s) didn't match pod topology spread constraints"]);
  });

  it("leaves the pod Pending with kube-scheduler's message when no zone keeps the skew", () => {
    const nodes = [makeNode("a1", { labels: { zone: "a" } }), makeNode("b1", { labels: { zone: "b" }, unschedulable: true })];
    const snap = buildSnapshot(nodes, [web("w0", { nodeName: "a1" })]);
    const res = scheduleOne(web("w1", { topologySpreadConstraints: spread() }), snap);
    expect(res.node).toBeUndefined();
    expect(res.status.reasons[0]).toBe(
      "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) were unschedulable.",
    );
  });

  it("refuses every node when the topology key is on none of them", () => {
    const snap = buildSnapshot(zoneNodes());
    const res = scheduleOne(web("w", { topologySpreadConstraints: spread({ topologyKey: "rack" }) }), snap);
    expect(res.status.reasons[0]).toBe("0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints (missing required label).");
    expect(res.status.code).toBe("UnschedulableAndUnresolvable");
  });

  it("counts missing domains as empty below minDomains", () => {
    // One zone only, minDomains 2: the global minimum is 0, so zone a takes maxSkew pods and no more.
    const nodes = [makeNode("a1", { labels: { zone: "a" } })];
    const snap = buildSnapshot(nodes, [web("w0", { nodeName: "a1" })]);
    expect(scheduleOne(web("w1", { topologySpreadConstraints: spread({ minDomains: 2 }) }), snap).node).toBeUndefined();
    expect(scheduleOne(web("w1", { topologySpreadConstraints: spread() }), snap).node).toBe("a1");
  });

  it("honours nodeAffinityPolicy and nodeTaintsPolicy when choosing the domains", () => {
    const nodes = [
      makeNode("a1", { labels: { zone: "a", disk: "ssd" } }),
      makeNode("b1", { labels: { zone: "b" }, taints: [{ key: "gpu", effect: "NoSchedule" }] }),
    ];
    const snap = buildSnapshot(nodes, [web("w0", { nodeName: "a1" })]);
    const ssd = { nodeSelector: { disk: "ssd" } };
    // Honor (default): zone b is not the pod's to choose, so zone a is the only domain and takes it.
    expect(scheduleOne(web("w1", { ...ssd, topologySpreadConstraints: spread() }), snap).node).toBe("a1");
    // Ignore: zone b counts with 0 pods, so a1 would make the skew 2.
    expect(scheduleOne(web("w1", { ...ssd, topologySpreadConstraints: spread({ nodeAffinityPolicy: "Ignore" }) }), snap).node).toBeUndefined();
    // Taints: Ignore (default) counts the tainted zone b; Honor drops it.
    expect(scheduleOne(web("w1", { topologySpreadConstraints: spread() }), snap).node).toBeUndefined();
    expect(scheduleOne(web("w1", { topologySpreadConstraints: spread({ nodeTaintsPolicy: "Honor" }) }), snap).node).toBe("a1");
  });

  it("narrows the selector with matchLabelKeys (one revision at a time)", () => {
    const old = web("old", { nodeName: "a1", labels: { app: "web", "pod-template-hash": "v1" } });
    const snap = buildSnapshot(zoneNodes(), [old]);
    const pod = (keys?: string[]) =>
      web("new", { labels: { app: "web", "pod-template-hash": "v2" }, topologySpreadConstraints: spread({ matchLabelKeys: keys }) });
    // Counting the old revision, zone a is full; counting only v2, every zone is empty.
    expect(scheduleOne(pod(), snap).diagnosis.get("a1")).toBeDefined();
    expect(scheduleOne(pod(["pod-template-hash"]), snap).diagnosis.get("a1")).toBeUndefined();
  });

  it("scores ScheduleAnyway constraints: the emptier zone wins without refusing the other", () => {
    const snap = buildSnapshot(zoneNodes(), [web("w0", { nodeName: "a1" }), web("w1", { nodeName: "a2" })]);
    const res = scheduleOne(web("w2", { topologySpreadConstraints: spread({ whenUnsatisfiable: "ScheduleAnyway" }) }), snap);
    expect(res.node).toBe("b1");
    expect(res.feasibleNodes).toBe(3);
  });
});

import { describe, expect, it } from "vitest";
import { makeNode } from "./fixtures.js";
import { nodeChangeHelps } from "./scheduler.js";

describe("nodeChangeHelps", () => {
  it("names the filters a node update can newly satisfy", () => {
    const base = makeNode("n");
    expect([...nodeChangeHelps(base, makeNode("n"))]).toEqual([]);
    expect([...nodeChangeHelps(base, makeNode("n", { cpu: "8" }))]).toEqual(["NodeResourcesFit"]);
    expect([...nodeChangeHelps(base, makeNode("n", { labels: { a: "b" } }))]).toEqual(["NodeAffinity", "PodTopologySpread", "InterPodAffinity"]);
    // An extended resource advertised through status.capacity alone (as the documentation does).
    const dongles = makeNode("n");
    dongles.status!.capacity!["example.com/dongle"] = "4";
    expect([...nodeChangeHelps(base, dongles)]).toEqual(["NodeResourcesFit"]);
    expect([...nodeChangeHelps(makeNode("n", { unschedulable: true }), base)]).toEqual(["NodeUnschedulable"]);
    expect([...nodeChangeHelps(makeNode("n", { ready: "False" }), base)]).toEqual(["NodeReady"]);
    expect([...nodeChangeHelps(makeNode("n", { taints: [{ key: "k", effect: "NoSchedule" }] }), base)]).toEqual(["TaintToleration"]);
  });
  it("ignores heartbeats", () => {
    const a = makeNode("n");
    const b = makeNode("n");
    b.status!.conditions![0].lastHeartbeatTime = "2026-01-01T00:00:10Z";
    expect(nodeChangeHelps(a, b).size).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState } from "../framework.js";
import { nodeUnschedulable } from "./node-unschedulable.js";

describe("NodeUnschedulable", () => {
  const snap = buildSnapshot([makeNode("open"), makeNode("cordoned", { unschedulable: true })]);
  const st = CycleState.for(makePod("any"));
  it("rejects a cordoned node with Kubernetes' reason", () => {
    const s = nodeUnschedulable.filter(st, makePod("p"), snap.get("cordoned")!);
    expect(s).toMatchObject({ code: "UnschedulableAndUnresolvable", reasons: ["node(s) were unschedulable"], plugin: "NodeUnschedulable" });
    expect(nodeUnschedulable.filter(st, makePod("p"), snap.get("open")!).code).toBe("Success");
  });
  it("lets a pod tolerating node.kubernetes.io/unschedulable through", () => {
    const exists = makePod("ds", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
    expect(nodeUnschedulable.filter(st, exists, snap.get("cordoned")!).code).toBe("Success");
    const anything = makePod("any", { tolerations: [{ operator: "Exists" }] });
    expect(nodeUnschedulable.filter(st, anything, snap.get("cordoned")!).code).toBe("Success");
    const wrongEffect = makePod("x", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoExecute" }] });
    expect(nodeUnschedulable.filter(st, wrongEffect, snap.get("cordoned")!).code).not.toBe("Success");
  });
});

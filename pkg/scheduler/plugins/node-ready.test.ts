import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState } from "../framework.js";
import { nodeReady } from "./node-ready.js";

describe("NodeReady", () => {
  const snap = buildSnapshot([
    makeNode("ready"),
    makeNode("notready", { ready: "False" }),
    makeNode("unknown", { ready: "Unknown" }),
    makeNode("silent", { ready: "none" }),
  ]);
  const st = CycleState.for(makePod("any"));
  const pod = makePod("p");
  it("accepts only Ready=True nodes", () => {
    expect(nodeReady.filter(st, pod, snap.get("ready")!).code).toBe("Success");
    expect(nodeReady.filter(st, pod, snap.get("notready")!).reasons).toEqual(["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"]);
    expect(nodeReady.filter(st, pod, snap.get("silent")!).reasons).toEqual(["node(s) had untolerated taint {node.kubernetes.io/not-ready: }"]);
    expect(nodeReady.filter(st, pod, snap.get("unknown")!).reasons).toEqual(["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"]);
  });
  it("honours NoSchedule tolerations of the matching taint, not NoExecute ones", () => {
    const noExec = makePod("d", { tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }] });
    expect(nodeReady.filter(st, noExec, snap.get("notready")!).code).toBe("UnschedulableAndUnresolvable");
    const noSched = makePod("d", { tolerations: [{ key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" }] });
    expect(nodeReady.filter(st, noSched, snap.get("notready")!).code).toBe("Success");
    expect(nodeReady.filter(st, noSched, snap.get("unknown")!).code).not.toBe("Success");
  });
});

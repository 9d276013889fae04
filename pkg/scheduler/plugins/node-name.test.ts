import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState } from "../framework.js";
import { NODE_NAME_REASON, nodeName } from "./node-name.js";

describe("NodeName", () => {
  const snap = buildSnapshot([makeNode("a"), makeNode("b")]);
  it("lets any node through when the pod names none", () => {
    expect(nodeName.filter(CycleState.for(makePod("p")), makePod("p"), snap.get("a")!).code).toBe("Success");
  });
  it("accepts only the named node", () => {
    const pod = makePod("p", { nodeName: "b" });
    expect(nodeName.filter(CycleState.for(pod), pod, snap.get("b")!).code).toBe("Success");
    const s = nodeName.filter(CycleState.for(pod), pod, snap.get("a")!);
    expect(s.code).toBe("UnschedulableAndUnresolvable");
    expect(s.reasons).toEqual([NODE_NAME_REASON]);
  });
});

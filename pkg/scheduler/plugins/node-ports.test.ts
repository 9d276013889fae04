import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import { CycleState } from "../framework.js";
import { NODE_PORTS_REASON, nodePorts } from "./node-ports.js";

function check(existing: NonNullable<Parameters<typeof makePod>[1]>["hostPorts"], wanted: NonNullable<Parameters<typeof makePod>[1]>["hostPorts"]) {
  const snap = buildSnapshot([makeNode("n")], [makePod("old", { nodeName: "n", hostPorts: existing })]);
  const pod = makePod("new", { hostPorts: wanted });
  return nodePorts.filter(CycleState.for(pod), pod, snap.get("n")!);
}

describe("NodePorts", () => {
  it("rejects the same protocol and port", () => {
    expect(check([{ hostPort: 8080 }], [{ hostPort: 8080 }])).toMatchObject({ code: "Unschedulable", reasons: [NODE_PORTS_REASON] });
  });
  it("allows another port or another protocol", () => {
    expect(check([{ hostPort: 8080 }], [{ hostPort: 8081 }]).code).toBe("Success");
    expect(check([{ hostPort: 53, protocol: "UDP" }], [{ hostPort: 53, protocol: "TCP" }]).code).toBe("Success");
    expect(check(undefined, [{ hostPort: 80 }]).code).toBe("Success");
  });
  it("treats 0.0.0.0 as conflicting with every IP, and distinct IPs as free", () => {
    expect(check([{ hostPort: 80, hostIP: "127.0.0.1" }], [{ hostPort: 80, hostIP: "127.0.0.2" }]).code).toBe("Success");
    expect(check([{ hostPort: 80, hostIP: "127.0.0.1" }], [{ hostPort: 80 }]).code).toBe("Unschedulable");
    expect(check([{ hostPort: 80 }], [{ hostPort: 80, hostIP: "127.0.0.1" }]).code).toBe("Unschedulable");
  });
  it("frees a port when its pod goes", () => {
    const snap = buildSnapshot([makeNode("n")], [makePod("old", { nodeName: "n", hostPorts: [{ hostPort: 80 }] })]);
    snap.removePod("default/old");
    const pod = makePod("new", { hostPorts: [{ hostPort: 80 }] });
    expect(nodePorts.filter(CycleState.for(pod), pod, snap.get("n")!).code).toBe("Success");
  });
});

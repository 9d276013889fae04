import { describe, expect, it } from "vitest";
import { nodeReadyStatus } from "./node-readiness.js";
import { nodeStatus } from "./printers/node.js";

describe("nodeReadyStatus", () => {
  it("reads the Ready condition and nothing else", () => {
    const node = { status: { conditions: [{ type: "MemoryPressure", status: "True" }, { type: "Ready", status: "False" }] } };
    expect(nodeReadyStatus(node)).toBe("False");
    expect(nodeReadyStatus({ status: { conditions: [{ type: "Ready", status: "Unknown" }] } })).toBe("Unknown");
  });

  it("is undefined for a node without a Ready condition or without a node", () => {
    expect(nodeReadyStatus({ status: { conditions: [{ type: "DiskPressure", status: "True" }] } })).toBeUndefined();
    expect(nodeReadyStatus({})).toBeUndefined();
    expect(nodeReadyStatus(undefined)).toBeUndefined();
  });

  it("gives `get nodes` its Ready / NotReady / Unknown", () => {
    expect(nodeStatus({ status: { conditions: [{ type: "Ready", status: "True" }] } })).toBe("Ready");
    expect(nodeStatus({ status: { conditions: [{ type: "Ready", status: "Unknown" }] } })).toBe("NotReady");
    expect(nodeStatus({ spec: { unschedulable: true } })).toBe("Unknown,SchedulingDisabled");
  });
});

import { describe, expect, it } from "vitest";
import { nodePrinter, nodeRoles, nodeStatus, type NodeLike } from "./node.js";

const now = new Date("2024-05-01T12:00:00Z");
const ready = (status: string) => ({ conditions: [{ type: "MemoryPressure", status: "False" }, { type: "Ready", status }] });

describe("nodeStatus", () => {
  it("reads the Ready condition", () => {
    expect(nodeStatus({ status: ready("True") })).toBe("Ready");
    expect(nodeStatus({ status: ready("False") })).toBe("NotReady");
    expect(nodeStatus({ status: ready("Unknown") })).toBe("NotReady");
  });

  it("is Unknown without a Ready condition", () => {
    expect(nodeStatus({})).toBe("Unknown");
  });

  it("appends SchedulingDisabled for a cordoned node", () => {
    expect(nodeStatus({ spec: { unschedulable: true }, status: ready("True") })).toBe("Ready,SchedulingDisabled");
    expect(nodeStatus({ spec: { unschedulable: true } })).toBe("Unknown,SchedulingDisabled");
  });
});

describe("nodeRoles", () => {
  it("collects node-role.kubernetes.io/* and kubernetes.io/role labels, sorted", () => {
    const node: NodeLike = {
      metadata: {
        labels: {
          "node-role.kubernetes.io/worker": "",
          "node-role.kubernetes.io/control-plane": "",
          "node-role.kubernetes.io/": "",
          "kubernetes.io/role": "infra",
          "kubernetes.io/hostname": "n1",
        },
      },
    };
    expect(nodeRoles(node)).toEqual(["control-plane", "infra", "worker"]);
  });
});

describe("nodePrinter", () => {
  it("has NAME STATUS ROLES AGE VERSION and five wide columns", () => {
    expect(nodePrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Status", 0],
      ["Roles", 0],
      ["Age", 0],
      ["Version", 0],
      ["Internal-IP", 1],
      ["External-IP", 1],
      ["OS-Image", 1],
      ["Kernel-Version", 1],
      ["Container-Runtime", 1],
    ]);
  });

  it("prints a node row", () => {
    const row = nodePrinter.row(
      {
        metadata: { name: "node-1", creationTimestamp: "2024-04-29T12:00:00Z", labels: { "node-role.kubernetes.io/control-plane": "" } },
        status: {
          ...ready("True"),
          addresses: [{ type: "Hostname", address: "node-1" }, { type: "InternalIP", address: "127.0.0.1" }],
          nodeInfo: { kubeletVersion: "v1.32.0-skiff", osImage: "Debian GNU/Linux 12", kernelVersion: "6.1.0", containerRuntimeVersion: "docker://27.0.3" },
        },
      },
      now,
    );
    expect(row.cells).toEqual([
      "node-1",
      "Ready",
      "control-plane",
      "2d",
      "v1.32.0-skiff",
      "127.0.0.1",
      "<none>",
      "Debian GNU/Linux 12",
      "6.1.0",
      "docker://27.0.3",
    ]);
  });

  it("fills <none> and <unknown> for a node that has reported nothing", () => {
    expect(nodePrinter.row({ metadata: { name: "n" } }, now).cells).toEqual([
      "n",
      "Unknown",
      "<none>",
      "<unknown>",
      "",
      "<none>",
      "<none>",
      "<unknown>",
      "<unknown>",
      "<unknown>",
    ]);
  });
});

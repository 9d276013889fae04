import { beforeAll, describe, expect, it } from "vitest";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { describeNode, podResources } from "./node.js";

beforeAll(() => {
  process.env.TZ = "UTC";
});

const now = new Date("2026-01-01T12:00:00Z");

const node: V1Node = {
  metadata: { name: "n1", labels: { "node-role.kubernetes.io/worker": "", "kubernetes.io/hostname": "n1" }, creationTimestamp: new Date("2026-01-01T00:00:00Z") },
  spec: {
    unschedulable: true,
    podCIDR: "127.128.1.0/24",
    podCIDRs: ["127.128.1.0/24"],
    taints: [
      { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" },
      { key: "dedicated", value: "gpu", effect: "NoExecute" },
    ],
  },
  status: {
    capacity: { cpu: "4", memory: "8Gi", pods: "110" },
    allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
    addresses: [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: "n1" }],
    conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "skiff agent is posting ready status", lastHeartbeatTime: new Date("2026-01-01T11:59:50Z"), lastTransitionTime: new Date("2026-01-01T00:00:10Z") }],
    nodeInfo: { machineID: "m", systemUUID: "s", bootID: "b", kernelVersion: "6.1", osImage: "Debian", operatingSystem: "linux", architecture: "amd64", containerRuntimeVersion: "fake://1", kubeletVersion: "v1.32.0-skiff", kubeProxyVersion: "" },
  },
};

const pod = (name: string, req: Record<string, string>, lim: Record<string, string>): V1Pod => ({
  metadata: { name, namespace: "default", creationTimestamp: new Date("2026-01-01T11:55:00Z") },
  spec: { nodeName: "n1", containers: [{ name: "c", resources: { requests: req, limits: lim } }] },
});

describe("describeNode", () => {
  const out = describeNode(node, {
    now,
    events: [],
    pods: [pod("web-1", { cpu: "500m", memory: "1Gi" }, { cpu: "1", memory: "2Gi" }), pod("db-0", { cpu: "250m" }, {})],
    lease: { spec: { holderIdentity: "n1", renewTime: new Date("2026-01-01T11:59:58Z") } },
  });

  it("shows roles, taints sorted by effect then key, and the cordon", () => {
    expect(out).toContain("Roles:              worker\n");
    expect(out).toContain("Taints:             dedicated=gpu:NoExecute\n                    node.kubernetes.io/unschedulable:NoSchedule\n");
    expect(out).toContain("Unschedulable:      true\n");
    expect(out).toContain("Lease:\n  HolderIdentity:  n1\n  AcquireTime:     <unset>\n  RenewTime:       Thu, 01 Jan 2026 11:59:58 +0000\n");
  });

  it("prints conditions, addresses, capacity and system info", () => {
    expect(out).toContain("  Ready   True    Thu, 01 Jan 2026 11:59:50 +0000   Thu, 01 Jan 2026 00:00:10 +0000   KubeletReady   skiff agent is posting ready status\n");
    expect(out).toMatch(/Addresses:\n  InternalIP:\s+127\.0\.0\.1\n  Hostname:\s+n1\n/);
    expect(out).toMatch(/Capacity:\n  cpu:\s+4\n  memory:\s+8Gi\n  pods:\s+110\nAllocatable:\n  cpu:\s+2\n/);
    expect(out).toMatch(/  Kubelet Version:\s+v1\.32\.0-skiff\n/);
    expect(out).toMatch(/PodCIDR:\s+127\.128\.1\.0\/24\n/);
  });

  it("lists non-terminated pods with their share of allocatable, and the totals", () => {
    expect(out).toMatch(/Non-terminated Pods:\s+\(2 in total\)\n/);
    expect(out).toContain("  default                     web-1    500m (25%)    1 (50%)     1Gi (25%)        2Gi (50%)      5m\n");
    expect(out).toContain("  default                     db-0     250m (12%)    0 (0%)      0 (0%)           0 (0%)         5m\n");
    expect(out).toContain(
      [
        "Allocated resources:",
        "  (Total limits may be over 100 percent, i.e., overcommitted.)",
        "  Resource           Requests    Limits",
        "  --------           --------    ------",
        "  cpu                750m (37%)  1 (50%)",
        "  memory             1Gi (25%)   2Gi (50%)",
        "  ephemeral-storage  0 (0%)      0 (0%)",
        "Events:              <none>",
        "",
      ].join("\n"),
    );
  });
});

describe("podResources", () => {
  it("takes the larger of the containers' sum and any init container, plus overhead", () => {
    const p: V1Pod = {
      spec: {
        containers: [{ name: "a", resources: { requests: { cpu: "100m" } } }, { name: "b", resources: { requests: { cpu: "200m", memory: "1Mi" } } }],
        initContainers: [{ name: "init", resources: { requests: { cpu: "1" } } }],
        overhead: { cpu: "10m" },
      },
    };
    const r = podResources(p, "requests");
    expect(r.cpu.toString()).toBe("1010m");
    expect(r.memory.toString()).toBe("1Mi");
  });
});

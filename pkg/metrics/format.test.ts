import { describe, expect, it } from "vitest";
import { cpuQuantity, memoryQuantity, topCpu, topMemory, windowDuration } from "./format.js";
import { nodeTopRows, podTopHeader, podTopRows } from "./top.js";

describe("metric quantities", () => {
  it("writes cpu in nanocores and memory with binary suffixes, canonical like resource.Quantity", () => {
    expect(cpuQuantity(12345)).toBe("12345n");
    expect(cpuQuantity(5_000_000)).toBe("5m");
    expect(cpuQuantity(2e9)).toBe("2");
    expect(cpuQuantity(0)).toBe("0");
    expect(memoryQuantity(1234 * 1024)).toBe("1234Ki");
    expect(memoryQuantity(64 * 1024 * 1024)).toBe("64Mi");
    expect(memoryQuantity(1000)).toBe("1k");
    expect(windowDuration(15_000)).toBe("15s");
    expect(windowDuration(300)).toBe("300ms");
  });

  it("prints kubectl top cells: millicores rounded up, whole MiB", () => {
    expect(topCpu(250_000_001)).toBe("251m");
    expect(topCpu(0)).toBe("0m");
    expect(topMemory(64 * 1024 * 1024 + 5)).toBe("64Mi");
  });

  it("builds top rows with node percentages of allocatable and per-container rows", () => {
    const rows = nodeTopRows([{ metadata: { name: "node-1" }, usage: { cpu: "500m", memory: "2Gi" } }, { metadata: { name: "x" }, usage: { cpu: "1", memory: "1Mi" } }], new Map([["node-1", { cpu: "4", memory: "8Gi" }]]));
    expect(rows).toEqual([
      ["node-1", "500m", "12%", "2048Mi", "25%"],
      ["x", "1000m", "<unknown>", "1Mi", "<unknown>"],
    ]);
    const pods = [{ metadata: { name: "web", namespace: "a" }, containers: [{ name: "c1", usage: { cpu: "100m", memory: "10Mi" } }, { name: "c2", usage: { cpu: "150m", memory: "20Mi" } }] }];
    expect(podTopRows(pods, {})).toEqual([["web", "250m", "30Mi"]]);
    expect(podTopRows(pods, { containers: true, allNamespaces: true })).toEqual([
      ["a", "web", "c1", "100m", "10Mi"],
      ["a", "web", "c2", "150m", "20Mi"],
    ]);
    expect(podTopHeader({ containers: true, allNamespaces: true })).toEqual(["NAMESPACE", "POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]);
  });
});

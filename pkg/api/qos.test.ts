import { describe, expect, it } from "vitest";
import { qosClass } from "./qos.js";

const c = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ name: "c", resources: { requests, limits } });

describe("qosClass (qos.GetPodQOS)", () => {
  it("BestEffort without cpu/memory requests or limits, zero quantities and other resources included", () => {
    expect(qosClass({ containers: [{ name: "a" }] })).toBe("BestEffort");
    expect(qosClass({ containers: [c({ cpu: "0" }, { "nvidia.com/gpu": "1" })] })).toBe("BestEffort");
  });

  it("Guaranteed when every container's limits equal its requests, in any spelling", () => {
    expect(qosClass({ containers: [c({ cpu: "0.5", memory: "32Mi" }, { cpu: "500m", memory: "32Mi" })] })).toBe("Guaranteed");
    // A missing request is the limit (defaulting sets it).
    expect(qosClass({ containers: [c(undefined, { cpu: "1", memory: "1Gi" })] })).toBe("Guaranteed");
  });

  it("Burstable otherwise, counting init containers", () => {
    expect(qosClass({ containers: [c(undefined, { memory: "32Mi" })] })).toBe("Burstable");
    expect(qosClass({ containers: [c({ cpu: "100m" })] })).toBe("Burstable");
    expect(qosClass({ containers: [c({ cpu: "100m", memory: "1Mi" }, { cpu: "200m", memory: "1Mi" })] })).toBe("Burstable");
    expect(qosClass({ containers: [c(undefined, { cpu: "1", memory: "1Gi" })], initContainers: [{ name: "i" }] })).toBe("Burstable");
  });

  it("never throws on malformed input", () => {
    expect(qosClass(null)).toBe("BestEffort");
    expect(qosClass({ containers: "x" })).toBe("BestEffort");
    expect(qosClass({ containers: [null, { name: "c", resources: { requests: { cpu: "lots" }, limits: [] } }] })).toBe("BestEffort");
  });
});

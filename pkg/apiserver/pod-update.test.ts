import { describe, expect, it } from "vitest";
import { checkPodUpdate } from "./pod-update.js";

const pod = (gates?: string[]) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p" },
  spec: { containers: [{ name: "c", image: "i" }], ...(gates ? { schedulingGates: gates.map((name) => ({ name })) } : {}) },
});

describe("checkPodUpdate: scheduling gates", () => {
  it("lets an update remove gates, one or all", () => {
    expect(() => checkPodUpdate(pod(["a", "b"]), pod(["b"]))).not.toThrow();
    expect(() => checkPodUpdate(pod(["a", "b"]), pod())).not.toThrow();
  });
  it("refuses a new gate as Kubernetes does", () => {
    expect(() => checkPodUpdate(pod(["a"]), pod(["a", "c"]))).toThrow("spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate 'c'");
    expect(() => checkPodUpdate(pod(), pod(["c"]))).toThrow(/only deletion is allowed/);
  });
});

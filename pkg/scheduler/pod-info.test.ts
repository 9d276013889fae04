import { describe, expect, it } from "vitest";
import { makePod } from "./fixtures.js";
import type { Pod } from "./framework.js";
import { DEFAULT_MEMORY_REQUEST, podInfoOf, podRequests } from "./pod-info.js";

function pod(spec: object): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns" }, spec: spec as Pod["spec"] };
}
const c = (name: string, requests?: Record<string, string>, extra: Record<string, unknown> = {}) => ({ name, image: "x", ...(requests ? { resources: { requests } } : {}), ...extra });

describe("podRequests", () => {
  it("adds up the containers", () => {
    const p = pod({ containers: [c("a", { cpu: "250m", memory: "64Mi" }), c("b", { cpu: "1", memory: "1Gi" })] });
    expect(podRequests(p, false)).toEqual({ milliCpu: 1250, memory: (64 + 1024) * 2 ** 20 });
  });
  it("takes the larger of the containers and any one init container", () => {
    const p = pod({ initContainers: [c("init", { cpu: "2", memory: "10Mi" })], containers: [c("a", { cpu: "500m", memory: "1Gi" })] });
    expect(podRequests(p, false)).toEqual({ milliCpu: 2000, memory: 2 ** 30 });
  });
  it("adds restartable (sidecar) init containers to both", () => {
    const p = pod({
      initContainers: [c("sidecar", { cpu: "100m" }, { restartPolicy: "Always" }), c("init", { cpu: "1" })],
      containers: [c("a", { cpu: "500m" })],
    });
    // containers + sidecar = 600m; init runs beside the sidecar = 1100m
    expect(podRequests(p, false).milliCpu).toBe(1100);
  });
  it("adds pod overhead", () => {
    const p = pod({ overhead: { cpu: "50m" }, containers: [c("a", { cpu: "100m" })] });
    expect(podRequests(p, false).milliCpu).toBe(150);
  });
  it("counts missing requests as 0 for fit and as 100m/200Mi for scoring; an explicit 0 stays 0", () => {
    const p = pod({ containers: [c("a"), c("b", { cpu: "0" })] });
    expect(podRequests(p, false)).toEqual({ milliCpu: 0, memory: 0 });
    expect(podRequests(p, true)).toEqual({ milliCpu: 100, memory: 2 * DEFAULT_MEMORY_REQUEST });
  });
});

describe("podInfoOf", () => {
  it("finds host ports, the controller and the priority, and memoises per object", () => {
    const p = makePod("p", { hostPorts: [{ hostPort: 80 }, { hostPort: 53, protocol: "UDP", hostIP: "127.0.0.1" }], ownerUid: "rs", priority: 7 });
    const info = podInfoOf(p);
    expect(info.key).toBe("default/p");
    expect(info.hostPorts).toEqual([{ protocol: "TCP", ip: "0.0.0.0", port: 80 }, { protocol: "UDP", ip: "127.0.0.1", port: 53 }]);
    expect(info.ownerUid).toBe("rs");
    expect(info.priority).toBe(7);
    expect(podInfoOf(p)).toBe(info);
  });
});

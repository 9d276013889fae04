import { describe, expect, it } from "vitest";
import { ReplicaCalculationError, resourceReplicasForAverageValue, resourceReplicasForUtilization, type HpaPod, type PodMetric } from "./hpa-replicas.js";

const NOW = Date.parse("2026-01-01T01:00:00Z");
const LONG_AGO = "2026-01-01T00:00:00Z";

function pod(name: string, opts: { cpu?: string; phase?: string; ready?: boolean; start?: string; readySince?: string; deleting?: boolean } = {}): HpaPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", ...(opts.deleting ? { deletionTimestamp: LONG_AGO } : {}) },
    spec: { containers: [{ name: "c", resources: { requests: { cpu: opts.cpu ?? "100m", memory: "100Mi" } } }] },
    status: {
      phase: opts.phase ?? "Running",
      startTime: opts.start ?? LONG_AGO,
      conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True", lastTransitionTime: opts.readySince ?? LONG_AGO }],
    },
  };
}

function metrics(values: Record<string, number>, at = NOW - 1000): Map<string, PodMetric> {
  return new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestamp: at, windowMs: 15_000 }]));
}

const opts = { nowMs: NOW };

describe("HPA replica calculator", () => {
  it("desired = ceil(current × utilization / target)", () => {
    const pods = [pod("a"), pod("b")];
    const p = resourceReplicasForUtilization(2, 50, "cpu", pods, metrics({ a: 200, b: 200 }), opts);
    expect(p).toMatchObject({ replicas: 8, utilization: 200, rawAverage: 200 });
    expect(resourceReplicasForUtilization(8, 50, "cpu", [pod("a"), pod("b"), pod("c")], metrics({ a: 10, b: 10, c: 10 }), opts).replicas).toBe(1);
  });

  it("does nothing within the 10% tolerance", () => {
    const pods = [pod("a"), pod("b")];
    expect(resourceReplicasForUtilization(2, 50, "cpu", pods, metrics({ a: 54, b: 54 }), opts).replicas).toBe(2);
    expect(resourceReplicasForUtilization(2, 50, "cpu", pods, metrics({ a: 56, b: 56 }), opts).replicas).toBe(3);
  });

  it("leaves out pending, not-ready, deleting and failed pods; counts unready ones as idle when scaling up", () => {
    const pods = [pod("a"), pod("b"), pod("p", { phase: "Pending" }), pod("d", { deleting: true }), pod("f", { phase: "Failed" })];
    // a, b at 200% → ratio 4; the pending pod counts as 0 in the second pass: (200+200+0)/300 = 133% → ceil(2.66 × 3)
    const p = resourceReplicasForUtilization(5, 50, "cpu", pods, metrics({ a: 200, b: 200, d: 500, f: 500 }), opts);
    expect(p.replicas).toBe(8);
    expect(p.utilization).toBe(200);
  });

  it("ignores cpu samples of a pod that just started until a full window after it became ready", () => {
    const fresh = pod("new", { start: "2026-01-01T00:59:00Z", readySince: "2026-01-01T00:59:55Z" });
    const p = resourceReplicasForUtilization(2, 50, "cpu", [pod("a"), fresh], metrics({ a: 50, new: 900 }), opts);
    expect(p.replicas).toBe(2); // only a counts: exactly on target
  });

  it("assumes missing pods use their full request on a scale-down and nothing on a scale-up", () => {
    const pods = [pod("a"), pod("b"), pod("c"), pod("m")];
    // scale-down: a,b,c at 10% → would go to 1; m missing counts as 100% → (10+10+10+100)/400=32% → ceil(0.65×4)=3
    expect(resourceReplicasForUtilization(4, 50, "cpu", pods, metrics({ a: 10, b: 10, c: 10 }), opts).replicas).toBe(3);
    // scale-up: a,b,c at 100% (ratio 2); m counts as 0 → 300/400 = 75% → ratio 1.5 → ceil(1.5 × 4) = 6
    expect(resourceReplicasForUtilization(4, 50, "cpu", pods, metrics({ a: 100, b: 100, c: 100 }), opts).replicas).toBe(6);
  });

  it("refuses without pods, metrics or requests, with Kubernetes' messages", () => {
    expect(() => resourceReplicasForUtilization(2, 50, "cpu", [], new Map(), opts)).toThrow("no pods returned by selector while calculating replica count");
    expect(() => resourceReplicasForUtilization(2, 50, "cpu", [pod("a", { phase: "Pending" })], metrics({}), opts)).toThrow(
      "did not receive metrics for targeted pods (pods might be unready)",
    );
    const noReq = pod("a");
    noReq.spec!.containers![0].resources = {};
    expect(() => resourceReplicasForUtilization(2, 50, "cpu", [noReq], metrics({ a: 10 }), opts)).toThrow(ReplicaCalculationError);
  });

  it("scales on an average value target", () => {
    const pods = [pod("a"), pod("b")];
    // memory in milli-units: 200Mi average against 100Mi target → 4 pods
    const mi = 1024 * 1024 * 1000;
    expect(resourceReplicasForAverageValue(2, 100 * mi, "memory", pods, metrics({ a: 150 * mi, b: 250 * mi }), opts)).toMatchObject({ replicas: 4, rawAverage: 200 * mi });
  });
});

import { describe, expect, it } from "vitest";
import { ScaleHistory, type NormalizeArgs } from "./hpa-behavior.js";

const base = (over: Partial<NormalizeArgs>): NormalizeArgs => ({
  key: "default/web",
  nowMs: 0,
  currentReplicas: 2,
  desiredReplicas: 2,
  minReplicas: 2,
  maxReplicas: 10,
  behavior: undefined,
  defaultDownscaleWindowSeconds: 300,
  ...over,
});

describe("HPA stabilization and rate limits", () => {
  it("holds a scale-down at the highest recommendation of the window", () => {
    const h = new ScaleHistory();
    h.recordInitial("default/web", 8, 0);
    expect(h.normalize(base({ nowMs: 1_000, currentReplicas: 8, desiredReplicas: 8 })).replicas).toBe(8);
    const held = h.normalize(base({ nowMs: 60_000, currentReplicas: 8, desiredReplicas: 2 }));
    expect(held.replicas).toBe(8);
    expect(held.ableToScale.reason).toBe("ScaleDownStabilized");
    // The 8s leave the 300 s window; only 2s remain.
    expect(h.normalize(base({ nowMs: 361_000, currentReplicas: 8, desiredReplicas: 2 })).replicas).toBe(2);
  });

  it("uses the HPA's own scale-down window", () => {
    const h = new ScaleHistory();
    h.recordInitial("k", 8, 0);
    const behavior = { scaleDown: { stabilizationWindowSeconds: 5 } };
    expect(h.normalize(base({ key: "k", nowMs: 3_000, currentReplicas: 8, desiredReplicas: 2, behavior })).replicas).toBe(8);
    expect(h.normalize(base({ key: "k", nowMs: 6_000, currentReplicas: 8, desiredReplicas: 2, behavior })).replicas).toBe(2);
  });

  it("limits scale-up to +100% or +4 pods per 15 s by default, and to maxReplicas", () => {
    const h = new ScaleHistory();
    const first = h.normalize(base({ nowMs: 0, currentReplicas: 2, desiredReplicas: 20 }));
    expect(first.replicas).toBe(6);
    expect(first.scalingLimited).toMatchObject({ status: "True", reason: "ScaleUpLimit" });
    h.recordScale("default/web", 2, 6, 0, undefined);
    expect(h.normalize(base({ nowMs: 5_000, currentReplicas: 6, desiredReplicas: 20 })).replicas).toBe(6);
    const later = h.normalize(base({ nowMs: 16_000, currentReplicas: 6, desiredReplicas: 20 }));
    expect(later.replicas).toBe(10);
    expect(later.scalingLimited).toMatchObject({ status: "True", reason: "TooManyReplicas" });
  });

  it("never goes under minReplicas; a Disabled policy stops that direction", () => {
    const h = new ScaleHistory();
    const low = h.normalize(base({ nowMs: 400_000, currentReplicas: 3, desiredReplicas: 1, defaultDownscaleWindowSeconds: 0 }));
    expect(low).toMatchObject({ replicas: 2, scalingLimited: { status: "True", reason: "TooFewReplicas" } });
    const off = h.normalize(base({ key: "x", nowMs: 0, currentReplicas: 3, desiredReplicas: 9, behavior: { scaleUp: { selectPolicy: "Disabled" } } }));
    expect(off.replicas).toBe(3);
  });
});

// From a metric's recommendation to the replica count the HPA sets
// (normalizeDesiredReplicasWithBehaviors in Kubernetes' horizontal.go):
//
// 1. Stabilization: scale-down takes the highest recommendation of the last
//    scaleDown.stabilizationWindowSeconds (default 300 s), scale-up the lowest of
//    scaleUp's window (default 0), so a brief dip or spike does not flap the size.
// 2. Rate limits: the scaleUp/scaleDown policies (Pods or Percent per period)
//    bound how far one period may move, and min/maxReplicas bound the result.
//
// The history (recommendations, scale events) is per HPA and in memory, as in
// Kubernetes: a restarted controller starts with an empty window.
import { defaultScaleDownRules, defaultScaleUpRules } from "../api/defaults/autoscaling.js";

export interface ScalingPolicy {
  type: "Pods" | "Percent";
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: "Max" | "Min" | "Disabled";
  policies?: ScalingPolicy[];
}

export interface Behavior {
  scaleUp?: ScalingRules;
  scaleDown?: ScalingRules;
}

interface Timestamped {
  value: number;
  at: number;
}

/** A condition the normalisation wants on the HPA (AbleToScale, ScalingLimited). */
export interface ConditionNote {
  status: "True" | "False";
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  ableToScale: ConditionNote;
  scalingLimited: ConditionNote;
}

export interface NormalizeArgs {
  key: string;
  nowMs: number;
  currentReplicas: number;
  desiredReplicas: number;
  minReplicas: number;
  maxReplicas: number;
  behavior: Behavior | undefined;
  /** Used when the HPA sets no scaleDown window (the controller's --horizontal-pod-autoscaler-downscale-stabilization). */
  defaultDownscaleWindowSeconds: number;
}

function rules(given: ScalingRules | undefined, defaults: ScalingRules, window?: number): Required<ScalingRules> {
  return {
    stabilizationWindowSeconds: given?.stabilizationWindowSeconds ?? window ?? defaults.stabilizationWindowSeconds ?? 0,
    selectPolicy: given?.selectPolicy ?? defaults.selectPolicy ?? "Max",
    policies: given?.policies && given.policies.length > 0 ? given.policies : (defaults.policies ?? []),
  };
}

export class ScaleHistory {
  private readonly recommendations = new Map<string, Timestamped[]>();
  private readonly scaleUps = new Map<string, Timestamped[]>();
  private readonly scaleDowns = new Map<string, Timestamped[]>();

  /** The current size counts as a recommendation the first time an HPA is seen (recordInitialRecommendation). */
  recordInitial(key: string, replicas: number, nowMs: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ value: replicas, at: nowMs }]);
  }

  /** Remember a change the controller made, for the rate policies. */
  recordScale(key: string, from: number, to: number, nowMs: number, behavior: Behavior | undefined): void {
    const longest = (r: ScalingRules | undefined, d: ScalingRules) => Math.max(0, ...(r?.policies ?? d.policies ?? []).map((p) => p.periodSeconds));
    if (to > from) {
      const keep = longest(behavior?.scaleUp, defaultScaleUpRules() as ScalingRules) * 1000;
      this.scaleUps.set(key, [...(this.scaleUps.get(key) ?? []).filter((e) => e.at > nowMs - keep), { value: to - from, at: nowMs }]);
    } else if (to < from) {
      const keep = longest(behavior?.scaleDown, defaultScaleDownRules() as ScalingRules) * 1000;
      this.scaleDowns.set(key, [...(this.scaleDowns.get(key) ?? []).filter((e) => e.at > nowMs - keep), { value: from - to, at: nowMs }]);
    }
  }

  forget(key: string): void {
    this.recommendations.delete(key);
    this.scaleUps.delete(key);
    this.scaleDowns.delete(key);
  }

  normalize(a: NormalizeArgs): Normalized {
    const up = rules(a.behavior?.scaleUp, defaultScaleUpRules() as ScalingRules);
    const down = rules(a.behavior?.scaleDown, defaultScaleDownRules() as ScalingRules, a.behavior?.scaleDown?.stabilizationWindowSeconds ?? a.defaultDownscaleWindowSeconds);
    const stabilized = this.stabilize(a, up.stabilizationWindowSeconds, down.stabilizationWindowSeconds);
    const ableToScale: ConditionNote =
      stabilized.replicas !== a.desiredReplicas
        ? { status: "True", reason: stabilized.reason, message: stabilized.message }
        : { status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size" };
    const limited = this.limitRate(a, stabilized.replicas, up, down);
    const scalingLimited: ConditionNote = { status: limited.replicas === stabilized.replicas ? "False" : "True", reason: limited.reason, message: limited.message };
    return { replicas: limited.replicas, ableToScale, scalingLimited };
  }

  /** stabilizeRecommendationWithBehaviors. */
  private stabilize(a: NormalizeArgs, upWindowS: number, downWindowS: number): { replicas: number; reason: string; message: string } {
    const upCutoff = a.nowMs - upWindowS * 1000;
    const downCutoff = a.nowMs - downWindowS * 1000;
    let upRec = a.desiredReplicas;
    let downRec = a.desiredReplicas;
    const recs = this.recommendations.get(a.key) ?? [];
    let oldIndex = -1;
    recs.forEach((r, i) => {
      if (r.at > upCutoff) upRec = Math.min(r.value, upRec);
      if (r.at > downCutoff) downRec = Math.max(r.value, downRec);
      if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
    });
    let replicas = a.currentReplicas;
    if (replicas < upRec) replicas = upRec;
    if (replicas > downRec) replicas = downRec;
    // Record the raw recommendation, reusing a slot that has left both windows.
    if (oldIndex >= 0) recs[oldIndex] = { value: a.desiredReplicas, at: a.nowMs };
    else recs.push({ value: a.desiredReplicas, at: a.nowMs });
    this.recommendations.set(a.key, recs);
    return a.desiredReplicas >= a.currentReplicas
      ? { replicas, reason: "ScaleUpStabilized", message: "recent recommendations were lower than current one, applying the lowest recent recommendation" }
      : { replicas, reason: "ScaleDownStabilized", message: "recent recommendations were higher than current one, applying the highest recent recommendation" };
  }

  private changeIn(events: Timestamped[] | undefined, periodS: number, nowMs: number): number {
    const cutoff = nowMs - periodS * 1000;
    return (events ?? []).filter((e) => e.at > cutoff).reduce((n, e) => n + e.value, 0);
  }

  /** convertDesiredReplicasWithBehaviorRate. */
  private limitRate(a: NormalizeArgs, desired: number, up: Required<ScalingRules>, down: Required<ScalingRules>): { replicas: number; reason: string; message: string } {
    const ups = this.scaleUps.get(a.key);
    const downs = this.scaleDowns.get(a.key);
    if (desired > a.currentReplicas) {
      let limit = this.scaleUpLimit(a, up, ups, downs);
      if (limit < a.currentReplicas) limit = a.currentReplicas; // no further up until old events age out
      let max = a.maxReplicas;
      let reason = "TooManyReplicas";
      let message = "the desired replica count is more than the maximum replica count";
      if (max > limit) {
        max = limit;
        reason = "ScaleUpLimit";
        message = "the desired replica count is increasing faster than the maximum scale rate";
      }
      if (desired > max) return { replicas: max, reason, message };
    } else if (desired < a.currentReplicas) {
      let limit = this.scaleDownLimit(a, down, ups, downs);
      if (limit > a.currentReplicas) limit = a.currentReplicas;
      let min = a.minReplicas;
      let reason = "TooFewReplicas";
      let message = "the desired replica count is less than the minimum replica count";
      if (min < limit) {
        min = limit;
        reason = "ScaleDownLimit";
        message = "the desired replica count is decreasing faster than the maximum scale rate";
      }
      if (desired < min) return { replicas: min, reason, message };
    }
    return { replicas: desired, reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" };
  }

  private scaleUpLimit(a: NormalizeArgs, r: Required<ScalingRules>, ups: Timestamped[] | undefined, downs: Timestamped[] | undefined): number {
    if (r.selectPolicy === "Disabled") return a.currentReplicas;
    const pick = r.selectPolicy === "Min" ? Math.min : Math.max;
    let result = r.selectPolicy === "Min" ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
    for (const p of r.policies) {
      const start = a.currentReplicas - this.changeIn(ups, p.periodSeconds, a.nowMs) + this.changeIn(downs, p.periodSeconds, a.nowMs);
      const proposed = p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = pick(result, proposed);
    }
    return result;
  }

  private scaleDownLimit(a: NormalizeArgs, r: Required<ScalingRules>, ups: Timestamped[] | undefined, downs: Timestamped[] | undefined): number {
    if (r.selectPolicy === "Disabled") return a.currentReplicas;
    const pick = r.selectPolicy === "Min" ? Math.max : Math.min;
    let result = r.selectPolicy === "Min" ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
    for (const p of r.policies) {
      const start = a.currentReplicas - this.changeIn(ups, p.periodSeconds, a.nowMs) + this.changeIn(downs, p.periodSeconds, a.nowMs);
      const proposed = p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = pick(result, proposed);
    }
    return result;
  }
}

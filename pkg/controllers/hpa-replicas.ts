// The HPA replica calculator (Kubernetes' pkg/controller/podautoscaler/
// replica_calculator.go), pure: given the target's pods, their latest metrics
// and the target, how many replicas would bring the metric to the target.
//
//   desired = ceil(currentMetric / target × readyPods), unchanged within ±10%
//
// Pods count like Kubernetes counts them, conservatively: pending and (for cpu)
// not-yet-ready pods are left out, and when some pods have no metrics yet they
// are assumed to use 100% of their request on a scale-down and 0 on a
// scale-up, so missing data can only dampen a change, never cause one.
import { quantityFrom } from "../api/quantity.js";
import type { PodLike } from "./util.js";

export const DEFAULT_TOLERANCE = 0.1;
/** A cpu sample of a pod younger than this may still show its start-up burst. */
export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** A pod not ready within this long of starting counts as "never ready". */
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod's metric value in milli-units (millicores; memory bytes × 1000), as the metrics client reports them. */
export interface PodMetric {
  value: number;
  timestamp: number;
  windowMs: number;
}

export interface HpaPod extends PodLike {
  spec?: PodLike["spec"] & { containers?: Array<{ name?: string; resources?: { requests?: Record<string, string | number> } }> };
  status?: PodLike["status"] & { startTime?: string };
}

export interface CalculatorOptions {
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
  nowMs: number;
}

export interface ReplicaProposal {
  replicas: number;
  /** Utilization targets: average % of request. */
  utilization?: number;
  /** Average value per pod, milli-units. */
  rawAverage: number;
  /** Newest metric timestamp used. */
  timestamp: number;
}

/** The calculator's refusals carry Kubernetes' wording. */
export class ReplicaCalculationError extends Error {
  override name = "ReplicaCalculationError";
}

interface Grouped {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function podReadyCondition(pod: HpaPod): { status: string; lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready");
}

/** groupPods: which pods' metrics to trust. */
export function groupPods(pods: HpaPod[], metrics: Map<string, PodMetric>, resource: string, opts: CalculatorOptions): Grouped {
  const cpuInit = opts.cpuInitializationPeriodMs ?? DEFAULT_CPU_INITIALIZATION_PERIOD_MS;
  const readinessDelay = opts.initialReadinessDelayMs ?? DEFAULT_INITIAL_READINESS_DELAY_MS;
  const g: Grouped = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name ?? "";
    if (pod.metadata.deletionTimestamp || pod.status?.phase === "Failed") {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === "Pending") {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === "cpu") {
      const cond = podReadyCondition(pod);
      const start = pod.status?.startTime ? Date.parse(pod.status.startTime) : NaN;
      let unready: boolean;
      if (!cond || !Number.isFinite(start)) {
        unready = true;
      } else {
        const transition = cond.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : start;
        if (start + cpuInit > opts.nowMs) {
          // Still starting: trust only a full window of samples taken since it became ready.
          unready = cond.status === "False" || metric.timestamp < transition + metric.windowMs;
        } else {
          // Past start-up: ignore it only if it has never been ready.
          unready = cond.status === "False" && start + readinessDelay > transition;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.ready++;
  }
  return g;
}

/** calculatePodRequests: Σ container requests per pod, milli-units; every container must declare one. */
export function podRequests(pods: HpaPod[], resource: string, container?: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      if (container && c.name !== container) continue;
      const raw = c.resources?.requests?.[resource];
      if (raw === undefined) throw new ReplicaCalculationError(`missing request for ${resource} in container ${c.name ?? ""} of Pod ${pod.metadata.name ?? ""}`);
      sum += Number(quantityFrom(raw).milliValue());
    }
    out.set(pod.metadata.name ?? "", sum);
  }
  return out;
}

function utilizationRatio(metrics: Map<string, PodMetric>, requests: Map<string, number>, target: number): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    metricsTotal += m.value;
    requestsTotal += r;
    n++;
  }
  if (requestsTotal === 0) throw new ReplicaCalculationError("no metrics returned matched known pods");
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / target, utilization, rawAverage: Math.trunc(metricsTotal / n) };
}

function usageRatio(metrics: Map<string, PodMetric>, target: number): { ratio: number; average: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const average = Math.trunc(total / metrics.size);
  return { ratio: average / target, average };
}

function newest(metrics: Map<string, PodMetric>): number {
  let t = 0;
  for (const m of metrics.values()) t = Math.max(t, m.timestamp);
  return t;
}

/** GetResourceReplicas: a Utilization target, percent of request. */
export function resourceReplicasForUtilization(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: HpaPod[],
  podMetrics: Map<string, PodMetric>,
  opts: CalculatorOptions,
  container?: string,
): ReplicaProposal {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  if (pods.length === 0) throw new ReplicaCalculationError("no pods returned by selector while calculating replica count");
  const metrics = new Map(podMetrics);
  const g = groupPods(pods, metrics, resource, opts);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  const requests = podRequests(pods, resource, container);
  if (metrics.size === 0) throw new ReplicaCalculationError("did not receive metrics for targeted pods (pods might be unready)");
  const timestamp = newest(metrics);
  const first = utilizationRatio(metrics, requests, targetUtilization);
  const base = { utilization: first.utilization, rawAverage: first.rawAverage, timestamp };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return { replicas: currentReplicas, ...base };
    return { replicas: Math.ceil(first.ratio * g.ready), ...base };
  }
  if (g.missing.size > 0) {
    if (first.ratio < 1) {
      const fallback = Math.max(100, targetUtilization);
      for (const n of g.missing) metrics.set(n, { value: ((requests.get(n) ?? 0) * fallback) / 100, timestamp, windowMs: 0 });
    } else if (first.ratio > 1) {
      for (const n of g.missing) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
  const next = utilizationRatio(metrics, requests, targetUtilization).ratio;
  if (Math.abs(1 - next) <= tolerance || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return { replicas: currentReplicas, ...base };
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return { replicas: currentReplicas, ...base };
  return { replicas, ...base };
}

/** GetRawResourceReplicas: an AverageValue target, milli-units per pod. */
export function resourceReplicasForAverageValue(
  currentReplicas: number,
  targetAverage: number,
  resource: string,
  pods: HpaPod[],
  podMetrics: Map<string, PodMetric>,
  opts: CalculatorOptions,
): ReplicaProposal {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  if (pods.length === 0) throw new ReplicaCalculationError("no pods returned by selector while calculating replica count");
  const metrics = new Map(podMetrics);
  const g = groupPods(pods, metrics, resource, opts);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new ReplicaCalculationError("did not receive metrics for targeted pods (pods might be unready)");
  const timestamp = newest(metrics);
  const first = usageRatio(metrics, targetAverage);
  const base = { rawAverage: first.average, timestamp };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= tolerance) return { replicas: currentReplicas, ...base };
    return { replicas: Math.ceil(first.ratio * g.ready), ...base };
  }
  if (g.missing.size > 0) {
    const v = first.ratio < 1 ? targetAverage : 0;
    if (first.ratio !== 1) for (const n of g.missing) metrics.set(n, { value: v, timestamp, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp, windowMs: 0 });
  const next = usageRatio(metrics, targetAverage).ratio;
  if (Math.abs(1 - next) <= tolerance || (first.ratio < 1 && next > 1) || (first.ratio > 1 && next < 1)) return { replicas: currentReplicas, ...base };
  const replicas = Math.ceil(next * metrics.size);
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return { replicas: currentReplicas, ...base };
  return { replicas, ...base };
}

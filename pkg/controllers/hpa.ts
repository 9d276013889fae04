// The HorizontalPodAutoscaler controller (autoscaling/v2; Kubernetes'
// pkg/controller/podautoscaler/horizontal.go). Every syncPeriod (15 s) per HPA:
// read the target's scale, compute a replica count per metric from the pods'
// latest usage (hpa-replicas.ts), take the largest, stabilise and rate-limit it
// (hpa-behavior.ts), clamp it to min/maxReplicas, write it through the target's
// scale subresource, and report status, conditions (AbleToScale,
// ScalingActive, ScalingLimited) and events ("New size: 8; reason: cpu
// resource utilization (percentage of request) above target").
//
// Resource metrics (cpu, memory; Utilization or AverageValue targets, also per
// container) come from a MetricsReader — the in-process sampler, or anything a
// test supplies. Pods/Object/External metrics need a custom metrics API skiff
// does not have; they are reported as invalid metrics, as Kubernetes does when
// that API is missing.
import { byKind, RESOURCES, type ResourceInfo } from "../api/kinds.js";
import { quantityFrom, Quantity } from "../api/quantity.js";
import { LabelSelector, type LabelSelectorObject } from "../api/selector.js";
import { customScaleOf } from "../api/custom-resources.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import { keyOf, splitKey, type Lister } from "../client/lister.js";
import type { MetricsReader, PodSample } from "../metrics/index.js";
import type { Clock } from "../util/clock.js";
import { ScaleHistory, type Behavior, type ConditionNote } from "./hpa-behavior.js";
import {
  resourceReplicasForAverageValue,
  resourceReplicasForUtilization,
  type CalculatorOptions,
  type HpaPod,
  type PodMetric,
} from "./hpa-replicas.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { canonicalJson, clockOrReal, isConflict, isNotFound, noEvents, rfc3339, type EventSink } from "./util.js";

interface MetricTarget {
  type?: string;
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

export interface HpaMetricSpec {
  type?: string;
  resource?: { name?: string; target?: MetricTarget };
  containerResource?: { name?: string; container?: string; target?: MetricTarget };
  [k: string]: unknown;
}

export interface HpaCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface HpaStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas?: number;
  currentMetrics?: Array<Record<string, unknown>>;
  conditions?: HpaCondition[];
}

export interface HorizontalPodAutoscalerLike extends KubeObject {
  spec?: {
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: HpaMetricSpec[];
    behavior?: Behavior;
  };
  status?: HpaStatus;
}

interface ScaleTarget extends KubeObject {
  spec?: { replicas?: number; selector?: LabelSelectorObject };
  /** A custom kind's selector, as its scale subresource reports it ("app=x"). */
  scaleSelector?: string;
}

/** Custom kinds keep replicas and selector where their CRD's scale subresource says. */
function asScaleTarget(info: ResourceInfo, obj: ScaleTarget): ScaleTarget {
  const paths = info.custom?.scale;
  if (!paths) return obj;
  const scale = customScaleOf(obj, paths);
  return { ...obj, spec: { replicas: scale.spec }, scaleSelector: scale.selector };
}

export interface HpaControllerOptions {
  client: Client;
  hpas: Lister<HorizontalPodAutoscalerLike>;
  pods: Lister<HpaPod>;
  metrics: MetricsReader;
  events?: EventSink;
  clock?: Clock;
  /** How often each HPA is evaluated. Default 15 s. */
  syncPeriodMs?: number;
  /** Scale-down window when an HPA sets none. Default 300 s. */
  downscaleStabilizationMs?: number;
  tolerance?: number;
  /** Kubernetes' --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs?: number;
  /** Kubernetes' --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  initialReadinessDelayMs?: number;
}

interface MetricOutcome {
  replicas: number;
  name: string;
  status: Record<string, unknown>;
}

class MetricError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** The stored kind a scaleTargetRef names (apps/v1 Deployment…), if it has a scale subresource. */
export function scaleTargetInfo(ref: { apiVersion?: string; kind?: string } | undefined): ResourceInfo | undefined {
  if (!ref?.kind) return undefined;
  const info = ref.apiVersion ? byKind(ref.apiVersion, ref.kind) : RESOURCES.find((r) => r.kind === ref.kind && r.subresources.includes("scale"));
  return info?.subresources.includes("scale") ? info : undefined;
}

export class HorizontalPodAutoscalerController implements Reconciler {
  readonly name = "horizontal-pod-autoscaler";
  private readonly clock: Clock;
  private readonly events: EventSink;
  private readonly history = new ScaleHistory();
  private readonly syncPeriodMs: number;

  constructor(private readonly opts: HpaControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
    this.syncPeriodMs = opts.syncPeriodMs ?? 15_000;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const stored = this.opts.hpas.get(namespace, name);
    if (!stored || !namespace) {
      this.history.forget(key);
      return {};
    }
    const hpa = structuredClone(stored);
    const spec = hpa.spec ?? {};
    const status: HpaStatus = (hpa.status = { ...(hpa.status ?? {}) });
    const now = this.clock.now();
    const cond = (type: string, note: ConditionNote) => setCondition(status, type, note, now);
    const minReplicas = spec.minReplicas ?? 1;
    const maxReplicas = spec.maxReplicas ?? minReplicas;

    const info = scaleTargetInfo(spec.scaleTargetRef);
    let target: ScaleTarget | undefined;
    let getError = info ? "" : `no matches for kind "${spec.scaleTargetRef?.kind ?? ""}" in group "${(spec.scaleTargetRef?.apiVersion ?? "").split("/").slice(0, -1).join("/")}"`;
    if (info) {
      try {
        target = asScaleTarget(info, await this.opts.client.get<ScaleTarget>(info, namespace, spec.scaleTargetRef!.name!));
      } catch (e) {
        if (!isNotFound(e)) throw e;
        getError = (e as Error).message;
      }
    }
    if (!target || !info) {
      cond("AbleToScale", { status: "False", reason: "FailedGetScale", message: `the HPA controller was unable to get the target's current scale: ${getError}` });
      this.events.event(hpa, "Warning", "FailedGetScale", getError);
      await this.writeStatus(stored, hpa);
      return { requeueAfterMs: this.syncPeriodMs };
    }
    cond("AbleToScale", { status: "True", reason: "SucceededGetScale", message: "the HPA controller was able to get the target's current scale" });

    const currentReplicas = target.spec?.replicas ?? 1;
    this.history.recordInitial(key, currentReplicas, now);
    let desired = currentReplicas;
    let reason = "";
    let metricStatuses: Array<Record<string, unknown>> = status.currentMetrics ?? [];
    let rescale = false;

    if (currentReplicas === 0 && minReplicas !== 0) {
      desired = 0;
      cond("ScalingActive", { status: "False", reason: "ScalingDisabled", message: "scaling is disabled since the replica count of the target is zero" });
    } else if (currentReplicas > maxReplicas) {
      desired = maxReplicas;
      reason = "Current number of replicas above Spec.MaxReplicas";
    } else if (currentReplicas < minReplicas) {
      desired = minReplicas;
      reason = "Current number of replicas below Spec.MinReplicas";
    } else {
      const computed = this.computeForMetrics(hpa, target, currentReplicas, now, cond);
      metricStatuses = computed.statuses;
      if (!computed.best) {
        status.currentReplicas = currentReplicas;
        status.desiredReplicas = status.desiredReplicas ?? currentReplicas;
        status.currentMetrics = metricStatuses;
        status.observedGeneration = hpa.metadata.generation;
        await this.writeStatus(stored, hpa);
        this.events.event(hpa, "Warning", "FailedComputeMetricsReplicas", computed.error ?? "no metrics");
        return { requeueAfterMs: this.syncPeriodMs };
      }
      desired = computed.best.replicas;
      if (desired > currentReplicas) reason = `${computed.best.name} above target`;
      if (desired < currentReplicas) reason = "All metrics below target";
      const n = this.history.normalize({
        key,
        nowMs: now,
        currentReplicas,
        desiredReplicas: desired,
        minReplicas,
        maxReplicas,
        behavior: spec.behavior,
        defaultDownscaleWindowSeconds: Math.round((this.opts.downscaleStabilizationMs ?? 300_000) / 1000),
      });
      desired = n.replicas;
      cond("AbleToScale", n.ableToScale);
      cond("ScalingLimited", n.scalingLimited);
    }
    rescale = desired !== currentReplicas;

    if (rescale) {
      try {
        await this.opts.client.patch(info, namespace, target.metadata.name!, "merge", { spec: { replicas: desired } }, { subresource: "scale" });
      } catch (e) {
        const msg = (e as Error).message;
        cond("AbleToScale", { status: "False", reason: "FailedUpdateScale", message: `the HPA controller was unable to update the target scale: ${msg}` });
        this.events.event(hpa, "Warning", "FailedRescale", `New size: ${desired}; reason: ${reason}; error: ${msg}`);
        status.currentReplicas = currentReplicas;
        status.currentMetrics = metricStatuses;
        await this.writeStatus(stored, hpa);
        if (isConflict(e)) return { requeueAfterMs: 0 };
        throw e;
      }
      cond("AbleToScale", { status: "True", reason: "SucceededRescale", message: `the HPA controller was able to update the target scale to ${desired}` });
      this.events.event(hpa, "Normal", "SuccessfulRescale", `New size: ${desired}; reason: ${reason}`);
      this.history.recordScale(key, currentReplicas, desired, now, spec.behavior);
      status.lastScaleTime = rfc3339(now);
    }
    status.observedGeneration = hpa.metadata.generation;
    status.currentReplicas = currentReplicas;
    status.desiredReplicas = desired;
    status.currentMetrics = metricStatuses;
    await this.writeStatus(stored, hpa);
    return { requeueAfterMs: this.syncPeriodMs };
  }

  /** computeReplicasForMetrics: the largest proposal over valid metrics; all invalid → no proposal. */
  private computeForMetrics(
    hpa: HorizontalPodAutoscalerLike,
    target: ScaleTarget,
    currentReplicas: number,
    now: number,
    cond: (type: string, note: ConditionNote) => void,
  ): { best?: MetricOutcome; statuses: Array<Record<string, unknown>>; error?: string } {
    const specs = hpa.spec?.metrics ?? [];
    const statuses: Array<Record<string, unknown>> = [];
    let best: MetricOutcome | undefined;
    let invalid = 0;
    let firstError: string | undefined;
    let invalidCondition: ConditionNote | undefined;
    for (const m of specs) {
      try {
        const out = this.computeMetric(hpa.metadata.namespace!, m, target, currentReplicas, now);
        statuses.push(out.status);
        if (!best || out.replicas > best.replicas) best = out;
      } catch (e) {
        const err = e instanceof MetricError ? e : new MetricError("FailedGetResourceMetric", (e as Error).message);
        invalid++;
        firstError ??= err.message;
        invalidCondition ??= { status: "False", reason: err.reason, message: `the HPA was unable to compute the replica count: ${err.message}` };
        this.events.event(hpa, "Warning", err.reason, err.message);
        statuses.push({ type: "" });
      }
    }
    // All metrics failed, or some did and the rest would scale down: no change on partial data.
    if (specs.length === 0 || invalid === specs.length || (invalid > 0 && best && best.replicas < currentReplicas)) {
      cond("ScalingActive", invalidCondition ?? { status: "False", reason: "InvalidMetricSourceType", message: "the HPA has no metrics to scale on" });
      return { statuses, error: `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError ?? "no metrics"}` };
    }
    cond("ScalingActive", { status: "True", reason: "ValidMetricFound", message: `the HPA was able to successfully calculate a replica count from ${best!.name}` });
    return { best, statuses };
  }

  private computeMetric(namespace: string, m: HpaMetricSpec, target: ScaleTarget, currentReplicas: number, now: number): MetricOutcome {
    const isContainer = m.type === "ContainerResource";
    if (m.type !== "Resource" && !isContainer) {
      throw new MetricError("FailedGetExternalMetric", `unsupported metric source type "${m.type ?? ""}": skiff serves only resource metrics (cpu, memory)`);
    }
    const src = isContainer ? m.containerResource : m.resource;
    const resource = src?.name ?? "";
    const container = isContainer ? m.containerResource?.container : undefined;
    const failMetric = (msg: string) =>
      new MetricError(isContainer ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric", msg);
    if (resource !== "cpu" && resource !== "memory") throw failMetric(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);

    let selector: string;
    try {
      if (target.scaleSelector === "") throw new Error("the HPA target's scale is missing a selector");
      selector = target.scaleSelector ?? LabelSelector.fromObject(target.spec?.selector).toString();
    } catch (e) {
      throw failMetric(`couldn't convert selector into a corresponding internal selector object: ${(e as Error).message}`);
    }
    const pods = this.opts.pods.list(namespace, selector);
    const metrics = podMetricMap(this.opts.metrics.podMetrics(namespace), pods, resource, container);
    if (metrics.size === 0) {
      throw failMetric(`failed to get ${resource} utilization: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    }
    const calc: CalculatorOptions = {
      nowMs: now,
      tolerance: this.opts.tolerance,
      cpuInitializationPeriodMs: this.opts.cpuInitializationPeriodMs,
      initialReadinessDelayMs: this.opts.initialReadinessDelayMs,
    };
    const t = src?.target ?? {};
    const label = container ? `${resource} container resource` : `${resource} resource`;
    const statusKey = isContainer ? "containerResource" : "resource";
    const base = isContainer ? { name: resource, container } : { name: resource };
    try {
      if (t.type === "AverageValue" && t.averageValue !== undefined) {
        const targetMilli = Number(quantityFrom(t.averageValue).milliValue());
        const p = resourceReplicasForAverageValue(currentReplicas, targetMilli, resource, pods, metrics, calc);
        return {
          replicas: p.replicas,
          name: label,
          status: { type: m.type, [statusKey]: { ...base, current: { averageValue: Quantity.fromMilli(p.rawAverage).toString() } } },
        };
      }
      const p = resourceReplicasForUtilization(currentReplicas, t.averageUtilization ?? 80, resource, pods, metrics, calc, container);
      return {
        replicas: p.replicas,
        name: `${label} utilization (percentage of request)`,
        status: { type: m.type, [statusKey]: { ...base, current: { averageUtilization: p.utilization, averageValue: Quantity.fromMilli(p.rawAverage).toString() } } },
      };
    } catch (e) {
      throw failMetric(`failed to get ${resource} utilization: ${(e as Error).message}`);
    }
  }

  private async writeStatus(stored: HorizontalPodAutoscalerLike, next: HorizontalPodAutoscalerLike): Promise<void> {
    if (canonicalJson(stored.status ?? {}) === canonicalJson(next.status ?? {})) return;
    try {
      await this.opts.client.updateStatus(mustHpa(), next);
    } catch (e) {
      // Gone meanwhile, or someone else wrote: the next sync writes a fresh status.
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }
}

function mustHpa(): ResourceInfo {
  return RESOURCES.find((r) => r.kind === "HorizontalPodAutoscaler")!;
}

/** Per selected pod, its metric value in milli-units (cpu millicores, memory bytes × 1000). */
export function podMetricMap(samples: PodSample[], pods: HpaPod[], resource: string, container?: string): Map<string, PodMetric> {
  const wanted = new Set(pods.map((p) => p.metadata.name ?? ""));
  const out = new Map<string, PodMetric>();
  for (const s of samples) {
    if (!wanted.has(s.name)) continue;
    const containers = container ? s.containers.filter((c) => c.name === container) : s.containers;
    if (containers.length === 0) continue;
    let value = 0;
    for (const c of containers) value += resource === "cpu" ? Math.ceil(c.cpuNanoCores / 1e6) : c.memoryBytes * 1000;
    out.set(s.name, { value, timestamp: s.timestamp, windowMs: s.windowMs });
  }
  return out;
}

/** setCondition: the transition time moves only when the status does. */
function setCondition(status: HpaStatus, type: string, note: ConditionNote, nowMs: number): void {
  const conditions = status.conditions ?? [];
  const existing = conditions.find((c) => c.type === type);
  const lastTransitionTime = existing && existing.status === note.status && existing.lastTransitionTime ? existing.lastTransitionTime : rfc3339(nowMs);
  const next: HpaCondition = { type, status: note.status, reason: note.reason, message: note.message, lastTransitionTime };
  status.conditions = existing ? conditions.map((c) => (c.type === type ? next : c)) : [...conditions, next];
}

export interface HpaRegistration {
  metrics: MetricsReader;
  events?: EventSink;
  clock?: Clock;
  syncPeriodMs?: number;
  downscaleStabilizationMs?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

/** Wire the controller to shared informers; run it with a ControllerRunner on `enqueue`'s queue. */
export function registerHpaController(informers: InformerFactory, client: Client, enqueue: (key: string) => void, opts: HpaRegistration): HorizontalPodAutoscalerController {
  const hpas = informers.for<HorizontalPodAutoscalerLike>(mustHpa());
  const pods = informers.for<HpaPod>(RESOURCES.find((r) => r.kind === "Pod" && r.group === "")!);
  const ctrl = new HorizontalPodAutoscalerController({ client, hpas: hpas.lister, pods: pods.lister, ...opts });
  const add = (o: KubeObject) => enqueue(keyOf(o));
  // Only spec changes (and new HPAs) need a look now; the controller's own status writes wait for the next sync.
  hpas.addEventHandler({
    add,
    update: (o, n) => {
      if (o.metadata.generation !== n.metadata.generation || canonicalJson(o.spec) !== canonicalJson(n.spec)) add(n);
    },
    delete: add,
  });
  return ctrl;
}

// Small helpers every controller shares: owner references, pod readiness and
// availability (Kubernetes' podutil), int-or-percent arithmetic, and the event
// sink controllers write to.
import { isApiError } from "../api/errors.js";
import type { KubeObject, V1OwnerReference, V1Toleration } from "../api/types.js";
import type { Clock } from "../util/clock.js";
import { realClock } from "../util/clock.js";

/** Where controllers report decisions; EventRecorder (pkg/client/events.ts) satisfies it. */
export interface EventSink {
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
}

/** Drops events: for callers that do not care. */
export const noEvents: EventSink = { event() {} };

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

export interface PodLike extends KubeObject {
  spec?: { nodeName?: string; tolerations?: V1Toleration[]; [k: string]: unknown };
  status?: { phase?: string; conditions?: PodCondition[]; [k: string]: unknown };
}

export function controllerRef(obj: KubeObject): V1OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** An owner reference marking `owner` as the managing controller (metav1.NewControllerRef). */
export function newControllerRef(owner: KubeObject): V1OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !isTerminating(pod);
}

export function podCondition(pod: PodLike, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: PodLike): boolean {
  return podCondition(pod, "Ready")?.status === "True";
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds. */
export function isPodAvailable(pod: PodLike, minReadySeconds: number, nowMs: number): boolean {
  const c = podCondition(pod, "Ready");
  if (c?.status !== "True") return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

/** Milliseconds until a ready pod becomes available (0 when it already is, undefined when not ready). */
export function msUntilAvailable(pod: PodLike, minReadySeconds: number, nowMs: number): number | undefined {
  const c = podCondition(pod, "Ready");
  if (c?.status !== "True") return undefined;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : nowMs;
  return Math.max(0, since + minReadySeconds * 1000 - nowMs);
}

/**
 * intstr.GetScaledValueFromIntOrPercent: "25%" of total, rounded up or down;
 * plain integers (or integer strings) pass through.
 */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return v;
  const s = v.trim();
  if (s.endsWith("%")) {
    const pct = Number(s.slice(0, -1));
    if (!Number.isFinite(pct)) throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
    const raw = (pct * total) / 100;
    return roundUp ? Math.ceil(raw) : Math.floor(raw);
  }
  const n = Number(s);
  if (!Number.isInteger(n)) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  return n;
}

export const isNotFound = (e: unknown): boolean => isApiError(e, "NotFound");
export const isConflict = (e: unknown): boolean => isApiError(e, "Conflict");
export const isAlreadyExists = (e: unknown): boolean => isApiError(e, "AlreadyExists");

export { rfc3339 } from "../api/time.js";

export function clockOrReal(clock?: Clock): Clock {
  return clock ?? realClock;
}

/** Stable JSON (sorted keys, undefined dropped): the input to template hashes and equality. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x === undefined ? null : x)).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

export function creationMs(obj: KubeObject): number {
  const t = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
  return Number.isFinite(t) ? t : 0;
}

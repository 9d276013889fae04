// PodDisruptionBudget arithmetic shared by the disruption controller and the
// eviction API (pkg/controller/disruption, pkg/registry/core/pod/storage/eviction.go):
// which pods a budget covers, and how a minAvailable / maxUnavailable that may be
// a percentage turns into a number of pods.
import { LabelSelector, type LabelSelectorObject } from "./selector.js";
import type { KubeObject } from "./types.js";

export interface PdbSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: LabelSelectorObject | null;
  unhealthyPodEvictionPolicy?: string;
}

export interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  expectedPods?: number;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; observedGeneration?: number }>;
}

export interface PodDisruptionBudget extends KubeObject {
  spec?: PdbSpec;
  status?: PdbStatus;
}

/**
 * Does the budget cover this pod? In policy/v1 a null selector selects nothing
 * and an empty one ({}) every pod in the namespace.
 */
export function pdbSelects(pdb: PodDisruptionBudget, pod: KubeObject): boolean {
  if (pod.metadata.namespace !== pdb.metadata.namespace) return false;
  const sel = pdb.spec?.selector;
  if (sel === undefined || sel === null) return false;
  try {
    return LabelSelector.fromObject(sel).matches(pod.metadata.labels);
  } catch {
    return false;
  }
}

/** intstr.GetScaledValueFromIntOrPercent: "50%" of total, rounded up or down. */
export function scaledValue(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === "number") return v;
  const pct = Number.parseInt(v.replace(/%$/, ""), 10);
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Whether a budget needs its pods' controllers' scale to be computed (percentages, maxUnavailable). */
export function needsControllerScale(spec: PdbSpec | undefined): boolean {
  return spec?.maxUnavailable !== undefined || typeof spec?.minAvailable === "string";
}

/** The Eviction API's refusal text, as Kubernetes words it. */
export const EVICTION_BLOCKED_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget.";

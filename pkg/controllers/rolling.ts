// The arithmetic of a rollout, as pure functions over replica counts (ported from
// kubernetes pkg/controller/deployment/util and rolling.go / sync.go), so it can
// be tested without a cluster. The controller in deployment.ts applies the results.
import { scaledValue } from "./util.js";

export interface RollingParams {
  replicas: number;
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
}

/** ResolveFenceposts: surge rounds up, unavailable rounds down; both zero means unavailable 1. */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function isRolling(d: RollingParams): boolean {
  return (d.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/** deploymentutil.MaxSurge. */
export function maxSurge(d: RollingParams): number {
  if (!isRolling(d)) return 0;
  const ru = d.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge ?? "25%", ru.maxUnavailable ?? "25%", d.replicas).surge;
}

/** deploymentutil.MaxUnavailable (never more than replicas). */
export function maxUnavailable(d: RollingParams): number {
  if (!isRolling(d) || d.replicas === 0) return 0;
  const ru = d.strategy?.rollingUpdate ?? {};
  const { unavailable } = resolveFenceposts(ru.maxSurge ?? "25%", ru.maxUnavailable ?? "25%", d.replicas);
  return Math.min(unavailable, d.replicas);
}

/** What the controller knows about one ReplicaSet when deciding a step. */
export interface RsCounts {
  name: string;
  /** spec.replicas */
  spec: number;
  /** Live (not terminating) pods it has right now. */
  pods: number;
  /** Of those, available ones. */
  available: number;
  createdMs: number;
}

/**
 * Pods this ReplicaSet will have once its controller catches up. Counting the
 * larger of spec and live pods keeps a surge from stacking on top of pods an
 * old ReplicaSet has been told to drop but has not deleted yet.
 */
const committedPods = (rs: RsCounts) => Math.max(rs.spec, rs.pods);
/** Available pods it is sure to keep: its controller deletes unavailable pods first. */
const keptAvailable = (rs: RsCounts) => Math.min(rs.spec, rs.available);

/** NewRSNewReplicas for RollingUpdate: how far the new ReplicaSet may grow now. */
export function newRsReplicas(d: RollingParams, newRs: RsCounts, all: RsCounts[]): number {
  const current = all.reduce((n, rs) => n + committedPods(rs), 0);
  const maxTotal = d.replicas + maxSurge(d);
  if (current >= maxTotal) return newRs.spec;
  const up = Math.min(maxTotal - current, d.replicas - newRs.spec);
  return newRs.spec + Math.max(0, up);
}

/**
 * reconcileOldReplicaSets: new spec.replicas for each old ReplicaSet. First
 * unhealthy replicas go (they block nothing), then healthy ones while the total
 * of available pods stays at or above replicas - maxUnavailable. Oldest first.
 */
export function scaleDownOld(d: RollingParams, newRs: RsCounts, old: RsCounts[]): Map<string, number> {
  const result = new Map<string, number>();
  const oldCount = old.reduce((n, rs) => n + rs.spec, 0);
  if (oldCount === 0) return result;
  const all = [...old, newRs];
  const allPods = all.reduce((n, rs) => n + rs.spec, 0);
  const minAvailable = d.replicas - maxUnavailable(d);
  const newUnavailable = newRs.spec - keptAvailable(newRs);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return result;
  const byAge = [...old].sort((a, b) => a.createdMs - b.createdMs);
  const spec = new Map(byAge.map((rs) => [rs.name, rs.spec]));

  // cleanupUnhealthyReplicas
  let cleaned = 0;
  for (const rs of byAge) {
    if (cleaned >= maxScaledDown) break;
    const s = spec.get(rs.name)!;
    const unhealthy = s - keptAvailable(rs);
    if (s === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    spec.set(rs.name, s - n);
    cleaned += n;
  }
  // scaleDownOldReplicaSetsForRollingUpdate
  const availableNow = all.reduce((n, rs) => n + Math.min(spec.get(rs.name) ?? rs.spec, rs.available), 0);
  if (availableNow > minAvailable) {
    const total = availableNow - minAvailable;
    let done = 0;
    for (const rs of byAge) {
      if (done >= total) break;
      const s = spec.get(rs.name)!;
      if (s === 0) continue;
      const n = Math.min(s, total - done);
      spec.set(rs.name, s - n);
      done += n;
    }
  }
  for (const rs of old) if (spec.get(rs.name) !== rs.spec) result.set(rs.name, spec.get(rs.name)!);
  return result;
}

export interface SizedRs {
  name: string;
  spec: number;
  createdMs: number;
  /** deployment.kubernetes.io/max-replicas as recorded when it was last scaled. */
  maxReplicasAnnotation?: number;
}

/**
 * Proportional scaling (sync.go scale()) when the deployment's replicas change
 * while more than one ReplicaSet has pods: spread the difference in proportion
 * to each ReplicaSet's size, leftovers to the largest. Returns new sizes.
 */
export function proportionalScale(d: RollingParams, active: SizedRs[], statusReplicas: number): Map<string, number> {
  const total = active.reduce((n, rs) => n + rs.spec, 0);
  const surge = maxSurge(d);
  const allowed = d.replicas > 0 ? d.replicas + surge : 0;
  const toAdd = allowed - total;
  const sizes = new Map(active.map((rs) => [rs.name, rs.spec]));
  if (toAdd === 0) return sizes;
  // Scaling up: larger first, newer first on ties; down: larger first, older first.
  const sorted = [...active].sort((a, b) => b.spec - a.spec || (toAdd > 0 ? b.createdMs - a.createdMs : a.createdMs - b.createdMs));
  let added = 0;
  for (const rs of sorted) {
    let proportion = 0;
    if (rs.spec !== 0 && toAdd !== added) {
      let fraction: number;
      if (d.replicas === 0) fraction = -rs.spec;
      else {
        const before = rs.maxReplicasAnnotation && rs.maxReplicasAnnotation > 0 ? rs.maxReplicasAnnotation : statusReplicas;
        fraction = before === 0 ? 0 : Math.round((rs.spec * (d.replicas + surge)) / before) - rs.spec;
      }
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    sizes.set(rs.name, rs.spec + proportion);
    added += proportion;
  }
  const first = sorted[0];
  if (first) sizes.set(first.name, Math.max(0, sizes.get(first.name)! + (toAdd - added)));
  return sizes;
}

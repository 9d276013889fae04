// Which pods a ReplicaSet deletes first when it has too many: Kubernetes'
// controller.ActivePods ordering (pkg/controller/controller_utils.go). The pods
// that matter least to a running service go first, so scaling down never takes
// a ready pod while a pending one exists.
import { creationMs, podCondition, isPodReady, type PodLike } from "./util.js";

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: PodLike): number {
  const statuses = (pod.status?.containerStatuses ?? []) as Array<{ restartCount?: number }>;
  return statuses.reduce((n, s) => Math.max(n, s.restartCount ?? 0), 0);
}

function readySince(pod: PodLike): number {
  const t = podCondition(pod, "Ready")?.lastTransitionTime;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/**
 * Negative when a should be deleted before b:
 * 1. unscheduled before scheduled; 2. Pending before Unknown before Running;
 * 3. not ready before ready; 4. ready for less time before ready for longer;
 * 5. more restarts first; 6. newer before older.
 */
export function compareForDeletion(a: PodLike, b: PodLike): number {
  const aSched = a.spec?.nodeName ? 1 : 0;
  const bSched = b.spec?.nodeName ? 1 : 0;
  if (aSched !== bSched) return aSched - bSched;
  const aPhase = PHASE_RANK[a.status?.phase ?? "Pending"] ?? 0;
  const bPhase = PHASE_RANK[b.status?.phase ?? "Pending"] ?? 0;
  if (aPhase !== bPhase) return aPhase - bPhase;
  const aReady = isPodReady(a) ? 1 : 0;
  const bReady = isPodReady(b) ? 1 : 0;
  if (aReady !== bReady) return aReady - bReady;
  if (aReady && bReady) {
    const d = readySince(b) - readySince(a);
    if (d !== 0) return d;
  }
  const r = restarts(b) - restarts(a);
  if (r !== 0) return r;
  return creationMs(b) - creationMs(a);
}

/** The n pods to delete, best candidates first. */
export function podsToDelete<T extends PodLike>(pods: readonly T[], n: number): T[] {
  if (n <= 0) return [];
  return [...pods].sort(compareForDeletion).slice(0, n);
}

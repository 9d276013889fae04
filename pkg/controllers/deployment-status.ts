// Deployment status and conditions, with the reasons and messages Kubernetes
// uses (pkg/controller/deployment/util, progress.go, sync.go), because
// `kubectl rollout status` and `describe` read them verbatim.
import type { DeploymentCondition, DeploymentLike, DeploymentStatus } from "./history.js";
import type { ReplicaSetLike } from "./replicaset.js";
import { maxUnavailable } from "./rolling.js";
import { rfc3339 } from "./util.js";

export const Reasons = {
  NewReplicaSetCreated: "NewReplicaSetCreated",
  FoundNewReplicaSet: "FoundNewReplicaSet",
  ReplicaSetUpdated: "ReplicaSetUpdated",
  NewReplicaSetAvailable: "NewReplicaSetAvailable",
  ProgressDeadlineExceeded: "ProgressDeadlineExceeded",
  DeploymentPaused: "DeploymentPaused",
  DeploymentResumed: "DeploymentResumed",
  MinimumReplicasAvailable: "MinimumReplicasAvailable",
  MinimumReplicasUnavailable: "MinimumReplicasUnavailable",
  ReplicaSetCreateError: "ReplicaSetCreateError",
} as const;

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: string, status: string, reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = rfc3339(nowMs);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

/** SetDeploymentCondition: same status and reason → unchanged; same status → keep lastTransitionTime. */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const current = getCondition(status, c.type);
  if (current && current.status === c.status && current.reason === c.reason) return;
  const next = { ...c };
  if (current && current.status === c.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

const n = (v: number | undefined) => v ?? 0;

/** calculateStatus (sync.go). */
export function calculateStatus(d: DeploymentLike, all: readonly ReplicaSetLike[], newRs: ReplicaSetLike | undefined, nowMs: number): DeploymentStatus {
  const available = all.reduce((s, rs) => s + n(rs.status?.availableReplicas), 0);
  const total = all.reduce((s, rs) => s + n(rs.spec?.replicas), 0);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: all.reduce((s, rs) => s + n(rs.status?.replicas), 0),
    updatedReplicas: newRs ? n(newRs.status?.replicas) : 0,
    readyReplicas: all.reduce((s, rs) => s + n(rs.status?.readyReplicas), 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const replicas = n(d.spec?.replicas);
  if (available >= replicas - maxUnavailable({ replicas, strategy: d.spec?.strategy })) {
    setCondition(status, newCondition("Available", "True", Reasons.MinimumReplicasAvailable, "Deployment has minimum availability.", nowMs));
  } else {
    setCondition(status, newCondition("Available", "False", Reasons.MinimumReplicasUnavailable, "Deployment does not have minimum availability.", nowMs));
  }
  return status;
}

/** DeploymentComplete: every replica updated and available, and the latest generation observed. */
export function deploymentComplete(d: DeploymentLike, s: DeploymentStatus | undefined): boolean {
  const replicas = n(d.spec?.replicas);
  return (
    n(s?.updatedReplicas) === replicas &&
    n(s?.replicas) === replicas &&
    n(s?.availableReplicas) === replicas &&
    n(s?.observedGeneration) >= n(d.metadata.generation)
  );
}

/** DeploymentProgressing: more updated, ready or available replicas, or fewer old ones, than before. */
export function deploymentProgressing(d: DeploymentLike, next: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = n(old.replicas) - n(old.updatedReplicas);
  const newOld = n(next.replicas) - n(next.updatedReplicas);
  return (
    n(next.updatedReplicas) > n(old.updatedReplicas) ||
    oldOld > newOld ||
    n(next.readyReplicas) > n(old.readyReplicas) ||
    n(next.availableReplicas) > n(old.availableReplicas)
  );
}

/** DeploymentTimedOut: the Progressing condition has not moved for progressDeadlineSeconds. */
export function deploymentTimedOut(d: DeploymentLike, s: DeploymentStatus, nowMs: number): boolean {
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined || deadline === null) return false;
  const c = getCondition(s, "Progressing");
  if (!c) return false;
  if (c.reason === Reasons.NewReplicaSetAvailable) return false;
  if (c.reason === Reasons.ProgressDeadlineExceeded) return true;
  const from = Date.parse(c.lastUpdateTime ?? "");
  return Number.isFinite(from) && from + deadline * 1000 < nowMs;
}

/**
 * syncRolloutStatus's condition logic: returns the new status and, while a
 * rollout is in flight, how long until its progress deadline (for a requeue).
 */
export function rolloutStatus(
  d: DeploymentLike,
  all: readonly ReplicaSetLike[],
  newRs: ReplicaSetLike | undefined,
  nowMs: number,
): { status: DeploymentStatus; requeueAfterMs?: number } {
  const status = calculateStatus(d, all, newRs, nowMs);
  const hasDeadline = d.spec?.progressDeadlineSeconds !== undefined && d.spec?.progressDeadlineSeconds !== null;
  if (!hasDeadline) removeCondition(status, "Progressing");
  const current = getCondition(d.status, "Progressing");
  const complete = status.replicas === status.updatedReplicas && current?.reason === Reasons.NewReplicaSetAvailable;
  if (hasDeadline && !complete) {
    if (deploymentComplete(d, status)) {
      const msg = newRs ? `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` : `Deployment "${d.metadata.name}" has successfully progressed.`;
      setCondition(status, newCondition("Progressing", "True", Reasons.NewReplicaSetAvailable, msg, nowMs));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRs ? `ReplicaSet "${newRs.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
      const c = newCondition("Progressing", "True", Reasons.ReplicaSetUpdated, msg, nowMs);
      // Progress refreshes lastUpdateTime even when the reason stays the same.
      if (current?.status === "True") c.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, "Progressing");
      status.conditions = [...(status.conditions ?? []), c];
    } else if (deploymentTimedOut(d, status, nowMs)) {
      const msg = newRs ? `ReplicaSet "${newRs.metadata.name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
      setCondition(status, newCondition("Progressing", "False", Reasons.ProgressDeadlineExceeded, msg, nowMs));
    }
  }
  // requeueStuckDeployment: look again when the deadline would pass.
  let requeueAfterMs: number | undefined;
  const c = getCondition(status, "Progressing");
  if (hasDeadline && c && c.reason !== Reasons.NewReplicaSetAvailable && c.reason !== Reasons.ProgressDeadlineExceeded && !deploymentComplete(d, status)) {
    const from = Date.parse(c.lastUpdateTime ?? "");
    if (Number.isFinite(from)) requeueAfterMs = Math.max(1000, from + d.spec!.progressDeadlineSeconds! * 1000 - nowMs + 1000);
  }
  return { status, requeueAfterMs };
}

// "Is this Deployment rolled out?" — kubectl's DeploymentStatusViewer
// decision, the one copy `rollout status`, `apply --wait` and `wait` share.
// (The Deployment controller's own DeploymentComplete, which sets the
// NewReplicaSetAvailable reason, is a different, stricter test and stays
// with the controller, as in Kubernetes.)
export type DeploymentRollout =
  /** status.observedGeneration is behind metadata.generation. */
  | { state: "notObserved" }
  /** The Progressing condition says ProgressDeadlineExceeded. */
  | { state: "deadlineExceeded" }
  /** Fewer updated replicas than spec.replicas. */
  | { state: "updating"; updated: number; want: number }
  /** Old replicas still exist. */
  | { state: "terminatingOld"; old: number }
  /** Updated replicas not yet all available. */
  | { state: "becomingAvailable"; available: number; updated: number }
  | { state: "complete" };

/** The wire fields of a Deployment the decision reads (narrow a KubeObject with `as`). */
export interface DeploymentRolloutFields {
  metadata: { name?: string; generation?: number; annotations?: Record<string, string> };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status?: string; reason?: string }>;
  };
}

export function deploymentRollout(d: DeploymentRolloutFields): DeploymentRollout {
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) return { state: "notObserved" };
  if (st.conditions?.find((c) => c.type === "Progressing")?.reason === "ProgressDeadlineExceeded") return { state: "deadlineExceeded" };
  const want = d.spec?.replicas;
  const updated = st.updatedReplicas ?? 0;
  const replicas = st.replicas ?? 0;
  const available = st.availableReplicas ?? 0;
  // kubectl skips this test when spec.replicas is unset (the server always defaults it).
  if (want !== undefined && updated < want) return { state: "updating", updated, want };
  if (replicas > updated) return { state: "terminatingOld", old: replicas - updated };
  if (available < updated) return { state: "becomingAvailable", available, updated };
  return { state: "complete" };
}

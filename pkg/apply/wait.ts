// `apply --wait` and `up -f`: after applying, wait until every workload is
// ready: Deployments, ReplicaSets, StatefulSets and DaemonSets with all their
// pods updated and available, Jobs complete, bare Pods running and ready.
// Polls (one GET per object) rather than watching: a handful of objects, a
// CLI that exits when done.
import { displayRef, type ResourceInfo } from "../api/kinds.js";
import { ApiError } from "../api/errors.js";
import { deploymentRollout, type DeploymentRolloutFields } from "../api/rollout.js";
import { as, type KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";

export interface WaitTarget {
  info: ResourceInfo;
  namespace?: string;
  name: string;
}

export type ReadyState = "ready" | "waiting" | "failed";

export interface Readiness {
  state: ReadyState;
  /** "2/3 available", "Complete", "Running, not ready", "not found yet". */
  message: string;
}

export interface TargetStatus extends WaitTarget {
  /** "deployment.apps/web". */
  ref: string;
  readiness: Readiness;
}

/** Kinds `--wait` waits for; everything else (Services, ConfigMaps…) is ready once applied. */
export const WAITED_KINDS = new Set(["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Pod"]);

interface Status {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  desiredNumberScheduled?: number;
  numberReady?: number;
  updatedNumberScheduled?: number;
  succeeded?: number;
  phase?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  containerStatuses?: Array<{ state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }>;
}

const condition = (s: Status, type: string) => s.conditions?.find((c) => c.type === type && c.status === "True");

/** Whether one object has reached its ready state, and a short progress text. */
export function readinessOf(obj: KubeObject): Readiness {
  const s = (obj.status ?? {}) as Status;
  const spec = (obj.spec ?? {}) as { replicas?: number; completions?: number | null };
  const generation = obj.metadata.generation ?? 0;
  const observed = s.observedGeneration ?? 0;
  const stale = generation > 0 && observed < generation;
  switch (obj.kind) {
    case "Deployment": {
      const want = spec.replicas ?? 1;
      const available = s.availableReplicas ?? 0;
      const msg = `${available}/${want} available`;
      const r = deploymentRollout(as<DeploymentRolloutFields>(obj));
      if (r.state === "notObserved") return { state: "waiting", message: `${msg}, rollout not observed yet` };
      if (r.state === "deadlineExceeded") return { state: "failed", message: `${msg}, progress deadline exceeded` };
      const updated = s.updatedReplicas ?? 0;
      const old = (s.replicas ?? 0) - updated;
      return { state: r.state === "complete" ? "ready" : "waiting", message: old > 0 ? `${updated}/${want} updated, ${old} old pending termination` : msg };
    }
    case "ReplicaSet":
    case "StatefulSet": {
      const want = spec.replicas ?? 1;
      const ready = obj.kind === "ReplicaSet" ? (s.availableReplicas ?? s.readyReplicas ?? 0) : (s.readyReplicas ?? 0);
      const updatedOk = obj.kind === "ReplicaSet" || s.updatedReplicas === undefined || s.updatedReplicas >= want;
      return { state: !stale && ready >= want && updatedOk ? "ready" : "waiting", message: `${ready}/${want} ready` };
    }
    case "DaemonSet": {
      const desired = s.desiredNumberScheduled;
      const ready = s.numberReady ?? 0;
      if (desired === undefined || stale) return { state: "waiting", message: "not scheduled yet" };
      return { state: ready >= desired ? "ready" : "waiting", message: `${ready}/${desired} ready` };
    }
    case "Job": {
      if (condition(s, "Complete")) return { state: "ready", message: "Complete" };
      const failed = condition(s, "Failed");
      if (failed) return { state: "failed", message: `Failed${failed.reason ? ` (${failed.reason})` : ""}` };
      const completions = spec.completions ?? 1;
      return { state: "waiting", message: `${s.succeeded ?? 0}/${completions} succeeded` };
    }
    case "Pod": {
      const phase = s.phase ?? "Pending";
      if (phase === "Succeeded") return { state: "ready", message: "Succeeded" };
      if (phase === "Failed") return { state: "failed", message: "Failed" };
      const reason = s.containerStatuses?.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
      if (phase === "Running" && condition(s, "Ready")) return { state: "ready", message: "Running" };
      return { state: "waiting", message: reason ? `${phase} (${reason})` : phase === "Running" ? "Running, not ready" : phase };
    }
    default:
      return { state: "ready", message: "applied" };
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Called after each round with every target's status. */
  onProgress?: (statuses: TargetStatus[]) => void;
  signal?: AbortSignal;
}

export interface WaitOutcome {
  /** Every target ready. */
  ok: boolean;
  timedOut: boolean;
  statuses: TargetStatus[];
}

/** Only the targets --wait cares about, in order, without duplicates. */
export function waitTargets(objects: Array<{ info: ResourceInfo; namespace?: string; name: string }>): WaitTarget[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const key = `${o.info.kind}/${o.namespace ?? ""}/${o.name}`;
    if (!WAITED_KINDS.has(o.info.kind) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * Poll until every target is ready, one fails for good (a failed Job or Pod),
 * or the timeout passes. Level-based: a target that became ready and then
 * regressed counts as not ready.
 */
export async function waitForReady(client: Pick<Client, "get">, targets: WaitTarget[], opts: WaitOptions): Promise<WaitOutcome> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 500;
  for (;;) {
    const statuses = await Promise.all(
      targets.map(async (t): Promise<TargetStatus> => {
        const ref = displayRef(t.info, t.name);
        try {
          const obj = await client.get(t.info, t.namespace, t.name);
          return { ...t, ref, readiness: readinessOf({ ...obj, kind: t.info.kind }) };
        } catch (e) {
          if (e instanceof ApiError && e.reason === "NotFound") return { ...t, ref, readiness: { state: "waiting", message: "not found yet" } };
          throw e;
        }
      }),
    );
    opts.onProgress?.(statuses);
    if (statuses.every((s) => s.readiness.state === "ready")) return { ok: true, timedOut: false, statuses };
    if (statuses.some((s) => s.readiness.state === "failed")) return { ok: false, timedOut: false, statuses };
    if (Date.now() >= deadline || opts.signal?.aborted) return { ok: false, timedOut: true, statuses };
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), opts.signal);
  }
}

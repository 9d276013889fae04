// The Job controller (kubernetes pkg/controller/job): runs pods from a Job's
// template until enough of them succeed, retrying failures with exponential
// back-off until backoffLimit, and reports it all in status and events the way
// Kubernetes 1.32 does (conditions SuccessCriteriaMet → Complete, or
// FailureTarget → Failed with reason BackoffLimitExceeded / DeadlineExceeded).
//
// Counting finished pods: Kubernetes tracks them with the pod finalizer
// batch.kubernetes.io/job-tracking. skiff keeps it simpler and relies on
// terminal pods staying around (nothing deletes a Succeeded or Failed pod but
// the Job's own deletion): succeeded/failed are counted from the Job's terminal
// pods, and never go down (status holds the maximum ever seen, plus the active
// pods the controller itself deleted when the Job failed). A terminal pod that
// someone deletes by hand before the count reaches it is not counted.
//
// Not implemented: completionMode Indexed (treated as NonIndexed),
// podFailurePolicy, successPolicy, backoffLimitPerIndex, adopting orphan pods.
import { R } from "../api/kinds.js";
import { JOB_LABELS } from "../api/defaults/batch.js";
import type { LabelSelectorObject } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { podsToDelete } from "./active-pods.js";
import { Expectations } from "./expectations.js";
import { BY_CONTROLLER_UID } from "./indexes.js";
import { ownerKeysForPodEvent, type PodEvent } from "./owner-keys.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import {
  canonicalJson,
  clockOrReal,
  creationMs,
  isNotFound,
  isPodReady,
  isTerminating,
  newControllerRef,
  noEvents,
  rfc3339,
  type EventSink,
  type PodLike,
} from "./util.js";

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: JobCondition[];
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface JobLike extends KubeObject {
  spec?: {
    parallelism?: number;
    completions?: number;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    suspend?: boolean;
    manualSelector?: boolean;
    podReplacementPolicy?: string;
    selector?: LabelSelectorObject;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: { restartPolicy?: string; [k: string]: unknown } };
  };
  status?: JobStatus;
}

/** Kubernetes' DefaultJobPodFailureBackOff and the cap the brief (and older Kubernetes) use. */
export const JOB_BACKOFF_BASE_MS = 10_000;
export const JOB_BACKOFF_MAX_MS = 6 * 60_000;

export const JobReasons = {
  backoffLimitExceeded: "BackoffLimitExceeded",
  deadlineExceeded: "DeadlineExceeded",
  completionsReached: "CompletionsReached",
} as const;

const MESSAGES = {
  backoff: "Job has reached the specified backoff limit",
  deadline: "Job was active longer than specified deadline",
  completions: "Reached expected number of succeeded pods",
};

export interface JobControllerOptions {
  client: Client;
  jobs: Lister<JobLike>;
  /** Needs the BY_CONTROLLER_UID index (installOwnerIndexes). */
  pods: Lister<PodLike>;
  clock?: Clock;
  events?: EventSink;
  /** First delay before re-creating a failed pod; doubles per consecutive failure. Default 10 s. */
  backoffBaseMs?: number;
  /** Cap of that delay. Default 6 min. */
  backoffMaxMs?: number;
}

interface Finish {
  type: "Complete" | "Failed";
  reason: string;
  message: string;
}

const hasTrue = (job: JobLike, type: string) => (job.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

/** Complete or Failed: the Job is done and nothing will change it again. */
export function jobFinished(job: JobLike): "Complete" | "Failed" | undefined {
  if (hasTrue(job, "Complete")) return "Complete";
  if (hasTrue(job, "Failed")) return "Failed";
  return undefined;
}

/** When the Job finished (completionTime, or the Failed condition's transition). */
export function jobFinishTime(job: JobLike): number | undefined {
  const t = job.status?.completionTime ?? job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")?.lastTransitionTime;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

function timeMs(t: unknown): number | undefined {
  if (typeof t !== "string") return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

interface ContainerStatusLike {
  restartCount?: number;
  state?: { terminated?: { finishedAt?: string } };
}

function containerStatuses(pod: PodLike): ContainerStatusLike[] {
  const s = pod.status ?? {};
  return [...((s.initContainerStatuses as ContainerStatusLike[] | undefined) ?? []), ...((s.containerStatuses as ContainerStatusLike[] | undefined) ?? [])];
}

/** When a terminal pod finished: its last container's finishedAt, else its Ready transition, else its creation. */
function podFinishMs(pod: PodLike): number {
  let latest: number | undefined;
  for (const c of containerStatuses(pod)) {
    const t = timeMs(c.state?.terminated?.finishedAt);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest ?? timeMs(pod.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime) ?? creationMs(pod);
}

export class JobController implements Reconciler {
  readonly name = "job";
  readonly expectations: Expectations;
  private readonly clock: Clock;
  private readonly events: EventSink;
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(private readonly opts: JobControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
    this.expectations = new Expectations(this.clock);
    this.baseMs = opts.backoffBaseMs ?? JOB_BACKOFF_BASE_MS;
    this.maxMs = opts.backoffMaxMs ?? JOB_BACKOFF_MAX_MS;
  }

  /** Keys to enqueue for a pod event; settles expectations for the Job's own creates and deletes. */
  podChanged(pod: PodLike, event: PodEvent, old?: PodLike): string[] {
    return ownerKeysForPodEvent({ kind: "Job", owners: this.opts.jobs, expectations: this.expectations }, pod, event, old);
  }

  /** Idempotent: converge one Job's pods and status. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const job = this.opts.jobs.get(namespace, name);
    if (!job) {
      this.expectations.delete(key);
      return {};
    }
    if (jobFinished(job)) return this.afterFinish(job);
    if (isTerminating(job)) return {};

    const now = this.clock.now();
    const spec = job.spec ?? {};
    const pods = this.opts.pods.byIndex(BY_CONTROLLER_UID, job.metadata.uid!).filter((p) => p.metadata.namespace === job.metadata.namespace);
    const terminating = pods.filter((p) => isTerminating(p) && !isTerminal(p));
    let active = pods.filter((p) => !isTerminal(p) && !isTerminating(p));
    const succeededPods = pods.filter((p) => p.status?.phase === "Succeeded");
    const failedPods = pods.filter((p) => p.status?.phase === "Failed");
    const old = job.status ?? {};
    const succeeded = Math.max(old.succeeded ?? 0, succeededPods.length);
    let failed = Math.max(old.failed ?? 0, failedPods.length);

    const status: JobStatus = structuredClone(old);
    let conditions = [...(old.conditions ?? [])];
    const suspended = spec.suspend === true;
    let requeue: number | undefined;
    const soon = (ms: number) => (requeue = Math.min(requeue ?? Infinity, Math.max(1, ms)));

    // Suspension: no pods, and the deadline clock restarts on resume.
    if (suspended) {
      if (!hasTrue(job, "Suspended")) {
        conditions = setCondition(conditions, "Suspended", "True", "JobSuspended", "Job suspended", now);
        this.events.event(job, "Normal", "Suspended", "Job suspended");
      }
      await this.deletePods(key, job, active);
      active = [];
      delete status.startTime;
    } else {
      if (hasTrue(job, "Suspended")) {
        conditions = setCondition(conditions, "Suspended", "False", "JobResumed", "Job resumed", now);
        this.events.event(job, "Normal", "Resumed", "Job resumed");
        status.startTime = rfc3339(now);
      }
      status.startTime ??= rfc3339(now);
    }

    // Has it reached an end? A target condition is set first; the final one
    // once its pods have stopped (1.31+), so Complete/Failed mean "nothing runs".
    let finish = finishTarget(conditions);
    if (!finish && !suspended) {
      finish = this.failure(job, failed, active, status.startTime, now);
      if (!finish && this.succeededEnough(job, succeeded, active.length)) finish = { type: "Complete", reason: JobReasons.completionsReached, message: MESSAGES.completions };
      if (finish) {
        const target = finish.type === "Complete" ? "SuccessCriteriaMet" : "FailureTarget";
        conditions = setCondition(conditions, target, "True", finish.reason, finish.message, now);
      }
    }

    if (finish) {
      const stillRunning = active.length + terminating.length;
      if (active.length > 0) {
        // Failed: the pods it deletes count as failed ones, as Kubernetes counts them.
        if (finish.type === "Failed") failed += active.length;
        await this.deletePods(key, job, active);
        active = [];
      }
      if (stillRunning === 0) {
        conditions = setCondition(conditions, finish.type, "True", finish.reason, finish.message, now);
        if (finish.type === "Complete") {
          status.completionTime = rfc3339(now);
          this.events.event(job, "Normal", "Completed", "Job completed");
        } else {
          this.events.event(job, "Warning", finish.reason, finish.message);
        }
      } else {
        soon(1000); // their deletion events bring us back; this is the safety net
      }
    } else if (!suspended) {
      if (this.expectations.satisfied(key)) {
        const r = await this.managePods(key, job, active, terminating, succeeded, failedPods, succeededPods, now);
        active = r.active;
        if (r.requeueAfterMs !== undefined) soon(r.requeueAfterMs);
      } else {
        soon(this.expectations.msUntilExpiry(key) + 1);
      }
      const deadline = spec.activeDeadlineSeconds;
      const start = timeMs(status.startTime);
      if (deadline !== undefined && start !== undefined) soon(start + deadline * 1000 - now);
    }

    status.active = active.length;
    status.ready = active.filter(isPodReady).length;
    status.terminating = terminating.length;
    status.succeeded = succeeded;
    status.failed = failed;
    status.conditions = conditions;
    status.uncountedTerminatedPods ??= {};
    if (status.conditions.length === 0) delete status.conditions;
    if (canonicalJson(status) !== canonicalJson(old)) {
      try {
        await this.opts.client.updateStatus(R.jobs, { ...structuredClone(job), status });
      } catch (e) {
        if (!isNotFound(e)) throw e;
        return {};
      }
    }
    if (jobFinished({ ...job, status }) && job.spec?.ttlSecondsAfterFinished !== undefined) soon(job.spec.ttlSecondsAfterFinished * 1000);
    return requeue === undefined ? {} : { requeueAfterMs: requeue };
  }

  // --- decisions -------------------------------------------------------------

  private failure(job: JobLike, failed: number, active: PodLike[], startTime: string | undefined, now: number): Finish | undefined {
    const limit = job.spec?.backoffLimit ?? 6;
    if (failed > limit || pastBackoffLimitOnFailure(job, active)) {
      return { type: "Failed", reason: JobReasons.backoffLimitExceeded, message: MESSAGES.backoff };
    }
    const deadline = job.spec?.activeDeadlineSeconds;
    const start = timeMs(startTime);
    if (deadline !== undefined && start !== undefined && now - start >= deadline * 1000) {
      return { type: "Failed", reason: JobReasons.deadlineExceeded, message: MESSAGES.deadline };
    }
    return undefined;
  }

  private succeededEnough(job: JobLike, succeeded: number, active: number): boolean {
    const completions = job.spec?.completions;
    if (completions === undefined || completions === null) return succeeded > 0 && active === 0;
    return succeeded >= completions;
  }

  /** Pods to run now: parallelism, capped by the completions still needed, after the failure back-off. */
  private async managePods(
    key: string,
    job: JobLike,
    active: PodLike[],
    terminating: PodLike[],
    succeeded: number,
    failedPods: PodLike[],
    succeededPods: PodLike[],
    now: number,
  ): Promise<{ active: PodLike[]; requeueAfterMs?: number }> {
    const spec = job.spec ?? {};
    const parallelism = spec.parallelism ?? 1;
    let want: number;
    if (spec.completions === undefined || spec.completions === null) want = succeeded > 0 ? active.length : parallelism;
    else want = Math.max(0, Math.min(parallelism, spec.completions - succeeded));

    if (active.length > want) {
      const victims = podsToDelete(active, active.length - want);
      await this.deletePods(key, job, victims);
      const gone = new Set(victims.map((p) => p.metadata.uid));
      return { active: active.filter((p) => !gone.has(p.metadata.uid)) };
    }
    // podReplacementPolicy Failed: a terminating pod still holds its slot until it has stopped.
    const busy = active.length + (spec.podReplacementPolicy === "Failed" ? terminating.length : 0);
    const toCreate = want - busy;
    if (toCreate <= 0) return { active };

    const wait = this.backoffRemaining(failedPods, succeededPods, now);
    if (wait > 0) return { active, requeueAfterMs: wait };

    this.expectations.expect(key, toCreate, []);
    const created: PodLike[] = [];
    let failure: unknown;
    await Promise.all(
      Array.from({ length: toCreate }, async () => {
        try {
          const pod = await this.opts.client.create<PodLike>(R.pods, job.metadata.namespace, podFromTemplate(job));
          created.push(pod);
          this.events.event(job, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
        } catch (e) {
          this.expectations.creationObserved(key);
          failure ??= e;
          this.events.event(job, "Warning", "FailedCreate", `Error creating: ${(e as Error).message}`);
        }
      }),
    );
    if (failure) throw failure;
    return { active: [...active, ...created] };
  }

  /**
   * Exponential back-off after pod failures (Kubernetes' backoffRecord): the
   * n-th consecutive failure since the last success waits base·2^(n-1), capped,
   * counted from the latest failure.
   */
  private backoffRemaining(failedPods: PodLike[], succeededPods: PodLike[], now: number): number {
    if (failedPods.length === 0) return 0;
    const lastSuccess = succeededPods.reduce((m, p) => Math.max(m, podFinishMs(p)), -Infinity);
    const failures = failedPods.map(podFinishMs).filter((t) => t > lastSuccess);
    if (failures.length === 0) return 0;
    const lastFailure = Math.max(...failures);
    const delay = Math.min(this.maxMs, this.baseMs * 2 ** (failures.length - 1));
    return Math.max(0, lastFailure + delay - now);
  }

  private async deletePods(key: string, job: JobLike, pods: PodLike[]): Promise<void> {
    if (pods.length === 0) return;
    this.expectations.expect(key, 0, pods.map((p) => p.metadata.uid!));
    let failure: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.opts.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
          this.events.event(job, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, pod.metadata.uid!);
          if (!isNotFound(e)) failure ??= e;
        }
      }),
    );
    if (failure) throw failure;
  }

  /** A finished Job only waits for its ttlSecondsAfterFinished (the TTL-after-finished controller). */
  private async afterFinish(job: JobLike): Promise<ReconcileResult> {
    const ttl = job.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || isTerminating(job)) return {};
    const finished = jobFinishTime(job) ?? this.clock.now();
    const left = finished + ttl * 1000 - this.clock.now();
    if (left > 0) return { requeueAfterMs: left };
    try {
      await this.opts.client.delete(R.jobs, job.metadata.namespace, job.metadata.name!, { propagationPolicy: "Background", preconditions: { uid: job.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return {};
  }
}

/** A target condition set by an earlier reconcile. */
function finishTarget(conditions: JobCondition[]): Finish | undefined {
  const target = conditions.find((c) => (c.type === "FailureTarget" || c.type === "SuccessCriteriaMet") && c.status === "True");
  if (!target) return undefined;
  return { type: target.type === "FailureTarget" ? "Failed" : "Complete", reason: target.reason ?? "", message: target.message ?? "" };
}

function isTerminal(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

/** restartPolicy OnFailure: container restarts in running pods count toward backoffLimit. */
function pastBackoffLimitOnFailure(job: JobLike, active: PodLike[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== "OnFailure") return false;
  let restarts = 0;
  for (const pod of active) {
    const phase = pod.status?.phase;
    if (phase !== "Running" && phase !== "Pending") continue;
    for (const c of containerStatuses(pod)) restarts += c.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Set a condition; lastTransitionTime moves only when its status changes. */
export function setCondition(conds: JobCondition[], type: string, status: string, reason: string, message: string, now: number): JobCondition[] {
  const t = rfc3339(now);
  const existing = conds.find((c) => c.type === type);
  if (existing && existing.status === status && existing.reason === reason && existing.message === message) return conds;
  const next: JobCondition = { type, status, reason, message, lastProbeTime: t, lastTransitionTime: existing && existing.status === status ? existing.lastTransitionTime : t };
  return existing ? conds.map((c) => (c.type === type ? next : c)) : [...conds, next];
}

/** A pod from the Job's template, owned by it (generateName "<job>-"). */
export function podFromTemplate(job: JobLike): KubeObject {
  const t = structuredClone(job.spec?.template ?? {});
  const labels = { ...(t.metadata?.labels ?? {}) };
  // Without a generated selector (no admission plugin) the controller's own uid label marks its pods.
  if (!job.spec?.selector) {
    labels[JOB_LABELS.controllerUid] ??= job.metadata.uid!;
    labels[JOB_LABELS.jobName] ??= job.metadata.name!;
  }
  const meta: KubeObject["metadata"] = {
    generateName: `${job.metadata.name}-`,
    namespace: job.metadata.namespace,
    labels,
    ownerReferences: [newControllerRef(job)],
  };
  if (t.metadata?.annotations) meta.annotations = t.metadata.annotations;
  return { apiVersion: "v1", kind: "Pod", metadata: meta, spec: t.spec };
}

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
// Indexed Jobs (job-indexes.ts), podFailurePolicy and successPolicy
// (job-policies.ts), backoffLimitPerIndex and maxFailedIndexes (job-tally.ts)
// follow Kubernetes 1.32. Not implemented: adopting orphan pods.
import { R } from "../api/kinds.js";
import { JOB_LABELS } from "../api/defaults/batch.js";
import { podFromTemplate as podFromPodTemplate } from "../api/pod-template.js";
import type { LabelSelectorObject } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { podsToDelete } from "./active-pods.js";
import { formatIndexes, parseIndexes, podIndex, stampIndex } from "./job-indexes.js";
import { matchSuccessPolicy, type PodFailurePolicyRule, type SuccessPolicyRule } from "./job-policies.js";
import { tallyPods, type Tally } from "./job-tally.js";
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
  /** Indexed Jobs: the succeeded indexes, "0-2,4". */
  completedIndexes?: string;
  /** backoffLimitPerIndex: the indexes that failed for good. */
  failedIndexes?: string;
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
    completionMode?: string;
    backoffLimitPerIndex?: number;
    maxFailedIndexes?: number;
    podFailurePolicy?: { rules?: PodFailurePolicyRule[] };
    successPolicy?: { rules?: SuccessPolicyRule[] };
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
  podFailurePolicy: "PodFailurePolicy",
  maxFailedIndexesExceeded: "MaxFailedIndexesExceeded",
  failedIndexes: "FailedIndexes",
  successPolicy: "SuccessPolicy",
} as const;

const MESSAGES = {
  backoff: "Job has reached the specified backoff limit",
  deadline: "Job was active longer than specified deadline",
  completions: "Reached expected number of succeeded pods",
  maxFailedIndexes: "Job has exceeded the specified maximal number of failed indexes",
  failedIndexes: "Job has failed indexes",
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
    const old = job.status ?? {};
    const tally = tallyPods(spec, old, pods);
    const succeeded = tally.succeeded;
    let failed = tally.failed;

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
      finish = this.failure(job, tally, active, status.startTime, now) ?? this.success(job, tally, active.length);
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
        const r = await this.managePods(key, job, active, terminating, tally, succeededPods, now);
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
    if (tally.completedIndexes && tally.completedIndexes.size > 0) status.completedIndexes = formatIndexes(tally.completedIndexes);
    if (tally.failedIndexes) status.failedIndexes = formatIndexes(tally.failedIndexes);
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

  /** Why the Job fails now, in Kubernetes' order: a FailJob rule, the backoff limits, failed indexes, the deadline. */
  private failure(job: JobLike, tally: Tally, active: PodLike[], startTime: string | undefined, now: number): Finish | undefined {
    if (tally.failJob) return { type: "Failed", reason: JobReasons.podFailurePolicy, message: tally.failJob.message };
    const limit = job.spec?.backoffLimit ?? 6;
    if (tally.failed > limit || pastBackoffLimitOnFailure(job, active)) {
      return { type: "Failed", reason: JobReasons.backoffLimitExceeded, message: MESSAGES.backoff };
    }
    const failedIndexes = tally.failedIndexes;
    if (failedIndexes) {
      const max = job.spec?.maxFailedIndexes;
      if (max !== undefined && max !== null && failedIndexes.size > max) {
        return { type: "Failed", reason: JobReasons.maxFailedIndexesExceeded, message: MESSAGES.maxFailedIndexes };
      }
      const processed = (tally.completedIndexes?.size ?? 0) + failedIndexes.size;
      if (failedIndexes.size > 0 && processed >= (job.spec?.completions ?? 0)) {
        return { type: "Failed", reason: JobReasons.failedIndexes, message: MESSAGES.failedIndexes };
      }
    }
    const deadline = job.spec?.activeDeadlineSeconds;
    const start = timeMs(startTime);
    if (deadline !== undefined && start !== undefined && now - start >= deadline * 1000) {
      return { type: "Failed", reason: JobReasons.deadlineExceeded, message: MESSAGES.deadline };
    }
    return undefined;
  }

  /** Done: a successPolicy rule is met (Indexed), or enough pods (indexes) succeeded. */
  private success(job: JobLike, tally: Tally, active: number): Finish | undefined {
    const spec = job.spec ?? {};
    const completions = spec.completions ?? undefined;
    if (tally.completedIndexes && spec.successPolicy?.rules?.length) {
      const message = matchSuccessPolicy(spec.successPolicy.rules, tally.completedIndexes, (t) => parseIndexes(t, completions ?? 0));
      if (message) return { type: "Complete", reason: JobReasons.successPolicy, message };
    }
    const enough = completions === undefined || completions === null ? tally.succeeded > 0 && active === 0 : tally.succeeded >= completions;
    return enough ? { type: "Complete", reason: JobReasons.completionsReached, message: MESSAGES.completions } : undefined;
  }

  /** Pods to run now: parallelism, capped by the completions still needed, after the failure back-off. */
  private async managePods(
    key: string,
    job: JobLike,
    active: PodLike[],
    terminating: PodLike[],
    tally: Tally,
    succeededPods: PodLike[],
    now: number,
  ): Promise<{ active: PodLike[]; requeueAfterMs?: number }> {
    if (tally.completedIndexes) return this.manageIndexedPods(key, job, active, terminating, tally, now);
    const spec = job.spec ?? {};
    const parallelism = spec.parallelism ?? 1;
    const succeeded = tally.succeeded;
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

    const wait = this.backoffRemaining(tally.countedFailedPods, succeededPods, now);
    if (wait > 0) return { active, requeueAfterMs: wait };
    const created = await this.createPods(key, job, Array.from({ length: toCreate }, () => podFromTemplate(job)));
    return { active: [...active, ...created] };
  }

  /**
   * Indexed: one pod per index still to do (not completed, not failed, none
   * running), lowest first, up to parallelism; pods of finished indexes and
   * duplicates go. With backoffLimitPerIndex each index backs off on its own.
   */
  private async manageIndexedPods(key: string, job: JobLike, active: PodLike[], terminating: PodLike[], tally: Tally, now: number): Promise<{ active: PodLike[]; requeueAfterMs?: number }> {
    const spec = job.spec ?? {};
    const completions = spec.completions ?? 0;
    const done = new Set([...(tally.completedIndexes ?? []), ...(tally.failedIndexes ?? [])]);
    const running = new Set<number>();
    const extra: PodLike[] = [];
    for (const p of [...active].sort((a, b) => creationMs(a) - creationMs(b))) {
      const i = podIndex(p);
      if (i === undefined || i >= completions || done.has(i) || running.has(i)) extra.push(p);
      else running.add(i);
    }
    if (extra.length > 0) {
      await this.deletePods(key, job, extra);
      const gone = new Set(extra.map((p) => p.metadata.uid));
      active = active.filter((p) => !gone.has(p.metadata.uid));
    }
    // podReplacementPolicy Failed: an index whose pod is still terminating waits for it.
    if (spec.podReplacementPolicy === "Failed") for (const p of terminating) if (podIndex(p) !== undefined) running.add(podIndex(p)!);
    const perIndex = tally.failedIndexes !== undefined;
    let slots = Math.max(0, (spec.parallelism ?? 1) - running.size);
    const pods = [];
    let requeue: number | undefined;
    for (let i = 0; i < completions && slots > 0; i++) {
      if (done.has(i) || running.has(i)) continue;
      const failures = tally.failuresByIndex.get(i) ?? [];
      const wait = perIndex ? this.backoffRemaining(failures, [], now) : this.backoffRemaining(tally.countedFailedPods, [], now);
      if (wait > 0) {
        requeue = Math.min(requeue ?? Infinity, wait);
        continue;
      }
      const pod = podFromTemplate(job);
      stampIndex(pod, job.metadata.name!, i, perIndex ? failures.length : undefined);
      pods.push(pod);
      slots--;
    }
    const created = await this.createPods(key, job, pods);
    return requeue === undefined ? { active: [...active, ...created] } : { active: [...active, ...created], requeueAfterMs: requeue };
  }

  private async createPods(key: string, job: JobLike, pods: KubeObject[]): Promise<PodLike[]> {
    if (pods.length === 0) return [];
    this.expectations.expect(key, pods.length, []);
    const created: PodLike[] = [];
    let failure: unknown;
    await Promise.all(
      pods.map(async (obj) => {
        try {
          const pod = await this.opts.client.create<PodLike>(R.pods, job.metadata.namespace, obj);
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
    return created;
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
  // Without a generated selector (no admission plugin) the controller's own uid label marks its pods.
  const defaultLabels = job.spec?.selector ? undefined : { [JOB_LABELS.controllerUid]: job.metadata.uid!, [JOB_LABELS.jobName]: job.metadata.name! };
  return podFromPodTemplate(job.spec?.template, { namespace: job.metadata.namespace, generateName: `${job.metadata.name}-`, controllerRef: newControllerRef(job), defaultLabels });
}

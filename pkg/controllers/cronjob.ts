// The CronJob controller (kubernetes pkg/controller/cronjob, "ControllerV2"):
// on each reconcile it works out the most recent scheduled time that has come
// and not yet been run, creates that run's Job, and asks to be woken at the
// next one. Time comes from an injected Clock (tests drive a FakeClock), and
// the wake-up goes through a work queue on the same clock.
//
// A run's Job is named <cronjob>-<scheduled time in minutes since the epoch>,
// so a restarted controller (or two racing ones) can never create a run twice:
// the second create is AlreadyExists.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { keyOf, splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { CronSchedule, isValidTimeZone, rfc3339InZone } from "../api/cron.js";
import { BY_CONTROLLER_UID } from "./indexes.js";
import { jobFinished, type JobLike } from "./job.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { canonicalJson, clockOrReal, controllerRef, isAlreadyExists, isNotFound, isTerminating, newControllerRef, noEvents, rfc3339, type EventSink } from "./util.js";

export const SCHEDULED_TIMESTAMP_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";
/** Kubernetes gives up counting (and warns) beyond this many missed runs. */
const MANY_MISSED = 100;
/** Wake a little after the scheduled minute, as Kubernetes does (nextScheduleTimeDuration). */
const WAKE_SLACK_MS = 100;

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface CronJobLike extends KubeObject {
  spec?: {
    schedule?: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: "Allow" | "Forbid" | "Replace";
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> };
  };
  status?: { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

export interface CronJobControllerOptions {
  client: Client;
  cronJobs: Lister<CronJobLike>;
  /** Needs the BY_CONTROLLER_UID index (installOwnerIndexes). */
  jobs: Lister<JobLike>;
  clock?: Clock;
  events?: EventSink;
}

type Missed = { time: number; many: boolean } | undefined;

/** The run to start now: the latest scheduled time after `earliest` that is not after `now`. */
export function mostRecentScheduleTime(schedule: CronSchedule, timeZone: string | undefined, earliest: number, now: number): Missed {
  const t1 = schedule.next(earliest, timeZone);
  if (t1 === undefined || t1 > now) return undefined;
  let last = t1;
  for (let count = 1; ; count++) {
    const n = schedule.next(last, timeZone);
    if (n === undefined || n > now) return { time: last, many: false };
    last = n;
    if (count >= MANY_MISSED) return { time: latestAtOrBefore(schedule, timeZone, now, Math.max(60_000, (n - t1) / count)), many: true };
  }
}

/** The last scheduled time ≤ now, searching back in growing windows (cheap even after a year's outage). */
function latestAtOrBefore(schedule: CronSchedule, timeZone: string | undefined, now: number, interval: number): number {
  for (let window = interval * 2; ; window *= 2) {
    let t = schedule.next(now - window, timeZone);
    if (t === undefined || t > now) continue;
    for (;;) {
      const n = schedule.next(t, timeZone);
      if (n === undefined || n > now) return t;
      t = n;
    }
  }
}

function timeMs(t: string | undefined): number | undefined {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

export function jobNameFor(cj: CronJobLike, scheduledMs: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduledMs / 60_000)}`;
}

function refOf(job: JobLike): ObjectReference {
  return { apiVersion: "batch/v1", kind: "Job", name: job.metadata.name, namespace: job.metadata.namespace, uid: job.metadata.uid, resourceVersion: job.metadata.resourceVersion };
}

/** getJobFromTemplate2: the Job for one scheduled run. */
export function jobFromTemplate(cj: CronJobLike, scheduledMs: number): KubeObject {
  const template = structuredClone(cj.spec?.jobTemplate ?? {});
  const annotations = { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339InZone(scheduledMs, cj.spec?.timeZone) };
  const metadata: KubeObject["metadata"] = {
    name: jobNameFor(cj, scheduledMs),
    namespace: cj.metadata.namespace,
    annotations,
    ownerReferences: [newControllerRef(cj)],
  };
  if (template.metadata?.labels) metadata.labels = { ...template.metadata.labels };
  return { apiVersion: "batch/v1", kind: "Job", metadata, spec: template.spec ?? {} };
}

export class CronJobController implements Reconciler {
  readonly name = "cronjob";
  private readonly clock: Clock;
  private readonly events: EventSink;

  constructor(private readonly opts: CronJobControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
  }

  /** Keys to enqueue when a Job changes: its owning CronJob's. */
  jobChanged(job: JobLike, old?: JobLike): string[] {
    const keys = new Set<string>();
    for (const j of old ? [job, old] : [job]) {
      const ref = controllerRef(j);
      if (ref?.kind !== "CronJob") continue;
      const cj = this.opts.cronJobs.get(j.metadata.namespace, ref.name);
      if (cj && cj.metadata.uid === ref.uid) keys.add(keyOf(cj));
    }
    return [...keys];
  }

  /** Idempotent: settle the active list and history, start the due run, and say when to look again. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const cj = this.opts.cronJobs.get(namespace, name);
    if (!cj || isTerminating(cj)) return {};
    const now = this.clock.now();
    const children = this.opts.jobs.byIndex(BY_CONTROLLER_UID, cj.metadata.uid!).filter((j) => j.metadata.namespace === cj.metadata.namespace);
    const status = structuredClone(cj.status ?? {});
    status.active = await this.syncActive(cj, children, status);
    const result = await this.scheduleRun(cj, status, now);
    await this.cleanupFinished(cj, children, status);
    if (status.active.length === 0) delete status.active;
    if (canonicalJson(status) !== canonicalJson(cj.status ?? {})) {
      try {
        await this.opts.client.updateStatus(R.cronjobs, { ...structuredClone(cj), status });
      } catch (e) {
        if (!isNotFound(e)) throw e;
        return {};
      }
    }
    return result;
  }

  /** status.active lists exactly the unfinished Jobs this CronJob owns. */
  private async syncActive(cj: CronJobLike, children: JobLike[], status: NonNullable<CronJobLike["status"]>): Promise<ObjectReference[]> {
    let active = [...(status.active ?? [])];
    const listed = (j: JobLike) => active.some((r) => r.uid === j.metadata.uid);
    for (const job of children) {
      const finished = jobFinished(job);
      if (!finished && !listed(job) && !isTerminating(job)) {
        this.events.event(cj, "Warning", "UnexpectedJob", `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
        active.push(refOf(job));
      } else if (finished && listed(job)) {
        active = active.filter((r) => r.uid !== job.metadata.uid);
        this.events.event(cj, "Normal", "SawCompletedJob", `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
      }
      if (finished === "Complete") {
        const done = timeMs(job.status?.completionTime);
        const last = timeMs(status.lastSuccessfulTime);
        if (done !== undefined && (last === undefined || done > last)) status.lastSuccessfulTime = job.status!.completionTime;
      }
    }
    const kept: ObjectReference[] = [];
    for (const ref of active) {
      if (children.some((j) => j.metadata.uid === ref.uid)) {
        kept.push(ref);
        continue;
      }
      // Not in the cache: the cache may lag behind our own create, so ask the API.
      try {
        const live = await this.opts.client.get<JobLike>(R.jobs, cj.metadata.namespace, ref.name ?? "");
        if (live.metadata.uid === ref.uid && !jobFinished(live)) {
          kept.push(ref);
          continue;
        }
        if (live.metadata.uid === ref.uid) continue; // finished: the next event settles history
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      this.events.event(cj, "Normal", "MissingJob", `Active job went missing: ${ref.name}`);
    }
    return kept;
  }

  private async scheduleRun(cj: CronJobLike, status: NonNullable<CronJobLike["status"]>, now: number): Promise<ReconcileResult> {
    const spec = cj.spec ?? {};
    if (spec.suspend) return {};
    const tz = spec.timeZone;
    if (tz !== undefined && tz !== "" && !isValidTimeZone(tz)) {
      this.events.event(cj, "Warning", "UnknownTimeZone", `invalid timeZone: "${tz}": unknown time zone ${tz}`);
      return {};
    }
    let schedule: CronSchedule;
    try {
      schedule = CronSchedule.parse(spec.schedule ?? "");
    } catch (e) {
      this.events.event(cj, "Warning", "UnparseableSchedule", `unparseable schedule: "${spec.schedule}" : ${(e as Error).message}`);
      return {};
    }
    const zone = tz || undefined;
    const wakeAt = (): ReconcileResult => {
      const next = schedule.next(now, zone);
      return next === undefined ? {} : { requeueAfterMs: next - now + WAKE_SLACK_MS };
    };

    let earliest = timeMs(status.lastScheduleTime) ?? timeMs(cj.metadata.creationTimestamp) ?? now;
    const deadline = spec.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
    const due = mostRecentScheduleTime(schedule, zone, earliest, now);
    if (!due) return wakeAt();
    if (due.many) {
      this.events.event(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    }
    if (deadline !== undefined && deadline !== null && due.time + deadline * 1000 < now) {
      this.events.event(cj, "Warning", "MissSchedule", `Missed scheduled time to start a job: ${rfc3339(due.time)}`);
      return wakeAt();
    }
    const jobName = jobNameFor(cj, due.time);
    const active = status.active ?? [];
    if (active.some((r) => r.name === jobName)) return wakeAt();

    if (spec.concurrencyPolicy === "Forbid" && active.length > 0) {
      this.events.event(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
      return wakeAt();
    }
    if (spec.concurrencyPolicy === "Replace") {
      for (const ref of [...active]) {
        await this.deleteJob(cj, ref.name ?? "", ref.uid);
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      }
    }

    let job: JobLike;
    try {
      job = await this.opts.client.create<JobLike>(R.jobs, cj.metadata.namespace, jobFromTemplate(cj, due.time));
      this.events.event(cj, "Normal", "SuccessfulCreate", `Created job ${job.metadata.name}`);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        this.events.event(cj, "Warning", "FailedCreate", `Error creating job: ${(e as Error).message}`);
        throw e;
      }
      // Created before (by us before a restart, or a racing controller): that run is done.
      job = await this.opts.client.get<JobLike>(R.jobs, cj.metadata.namespace, jobName);
      if (controllerRef(job)?.uid !== cj.metadata.uid) return wakeAt();
    }
    if (!jobFinished(job) && !(status.active ?? []).some((r) => r.uid === job.metadata.uid)) status.active = [...(status.active ?? []), refOf(job)];
    const last = timeMs(status.lastScheduleTime);
    if (last === undefined || due.time > last) status.lastScheduleTime = rfc3339(due.time);
    return wakeAt();
  }

  /** Keep only the newest successfulJobsHistoryLimit complete and failedJobsHistoryLimit failed Jobs. */
  private async cleanupFinished(cj: CronJobLike, children: JobLike[], status: NonNullable<CronJobLike["status"]>): Promise<void> {
    const spec = cj.spec ?? {};
    const byOutcome = (o: "Complete" | "Failed") => children.filter((j) => jobFinished(j) === o && !isTerminating(j));
    for (const [jobs, limit] of [
      [byOutcome("Complete"), spec.successfulJobsHistoryLimit],
      [byOutcome("Failed"), spec.failedJobsHistoryLimit],
    ] as const) {
      if (limit === undefined || limit === null || jobs.length <= limit) continue;
      const oldestFirst = [...jobs].sort(byStartTime);
      for (const job of oldestFirst.slice(0, jobs.length - limit)) {
        await this.deleteJob(cj, job.metadata.name!, job.metadata.uid);
        status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata.uid);
      }
    }
  }

  private async deleteJob(cj: CronJobLike, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.opts.client.delete(R.jobs, cj.metadata.namespace, name, { propagationPolicy: "Background", preconditions: uid ? { uid } : undefined });
      this.events.event(cj, "Normal", "SuccessfulDelete", `Deleted job ${name}`);
    } catch (e) {
      if (!isNotFound(e)) {
        this.events.event(cj, "Warning", "FailedDelete", `Deleted job: ${(e as Error).message}`);
        throw e;
      }
    }
  }
}

/** byJobStartTime: started first (jobs not started yet last), then by name. */
function byStartTime(a: JobLike, b: JobLike): number {
  const sa = timeMs(a.status?.startTime);
  const sb = timeMs(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa !== undefined && sb !== undefined && sa !== sb) return sa - sb;
  return (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}


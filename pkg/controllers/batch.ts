// Wiring for the batch/v1 controllers (Job, CronJob), kept out of manager.ts so
// the manager only adds one block: informers and indexes, the event handlers
// that map a pod or Job event to the keys that need work, and the queues.
// The CronJob queue runs on the CronJob clock, so "wake me at the next
// scheduled minute" is measured by the same clock that decides what is due.
import { R } from "../api/kinds.js";
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import { keyOf } from "../client/lister.js";
import { WorkQueue } from "../client/workqueue.js";
import type { Clock } from "../util/clock.js";
import { CronJobController, type CronJobLike } from "./cronjob.js";
import { BY_UID, uidIndex, type MonitoredResource } from "./garbage-collector.js";
import { installOwnerIndexes } from "./indexes.js";
import { JobController, type JobLike } from "./job.js";
import type { Reconciler } from "./runner.js";
import type { EventSink, PodLike } from "./util.js";

export interface BatchControllersOptions {
  client: Client;
  /** Shared informers; the pods informer must already carry installOwnerIndexes. */
  informers: InformerFactory;
  clock: Clock;
  /** The clock CronJob schedules are read against; default `clock`. */
  cronJobClock?: Clock;
  events: (component: string) => EventSink;
  /** First delay before a failed Job pod is replaced (default 10 s; doubles per failure). */
  jobBackoffBaseMs?: number;
  jobBackoffMaxMs?: number;
}

export interface BatchControllers {
  jobs: JobController;
  cronJobs: CronJobController;
  /** Each reconciler with its queue, for the manager's runners. */
  loops: Array<{ reconciler: Reconciler; queue: WorkQueue }>;
  /** Kinds the garbage collector must watch, so deleting a CronJob or Job takes its Jobs and pods along. */
  monitored: MonitoredResource[];
}

export function registerBatchControllers(opts: BatchControllersOptions): BatchControllers {
  const { client, informers, clock } = opts;
  const cronClock = opts.cronJobClock ?? clock;
  const pods = informers.for<PodLike>(R.pods);
  const jobs = informers.for<JobLike>(R.jobs);
  const cronJobs = informers.for<CronJobLike>(R.cronjobs);
  for (const inf of [jobs, cronJobs]) {
    installOwnerIndexes(inf);
    inf.addIndex(BY_UID, uidIndex);
  }

  const jobController = new JobController({
    client,
    jobs: jobs.lister,
    pods: pods.lister,
    clock,
    events: opts.events("job-controller"),
    backoffBaseMs: opts.jobBackoffBaseMs,
    backoffMaxMs: opts.jobBackoffMaxMs,
  });
  const cronJobController = new CronJobController({ client, cronJobs: cronJobs.lister, jobs: jobs.lister, clock: cronClock, events: opts.events("cronjob-controller") });
  const jobQueue = new WorkQueue({ clock, name: "job" });
  const cronQueue = new WorkQueue({ clock: cronClock, name: "cronjob" });

  pods.addEventHandler({
    add: (p) => jobController.podChanged(p, "add").forEach((k) => jobQueue.add(k)),
    update: (old, p) => jobController.podChanged(p, "update", old).forEach((k) => jobQueue.add(k)),
    delete: (p) => jobController.podChanged(p, "delete").forEach((k) => jobQueue.add(k)),
  });
  const jobEvent = (job: JobLike, old?: JobLike) => {
    jobQueue.add(keyOf(job));
    for (const k of cronJobController.jobChanged(job, old)) cronQueue.add(k);
  };
  jobs.addEventHandler({ add: (j) => jobEvent(j), update: (old, j) => jobEvent(j, old), delete: (j) => jobEvent(j) });
  cronJobs.addEventHandler({
    add: (cj) => cronQueue.add(keyOf(cj)),
    update: (_old, cj) => cronQueue.add(keyOf(cj)),
    delete: (cj) => cronQueue.add(keyOf(cj)),
  });

  return {
    jobs: jobController,
    cronJobs: cronJobController,
    loops: [
      { reconciler: jobController, queue: jobQueue },
      { reconciler: cronJobController, queue: cronQueue },
    ],
    monitored: [
      { info: R.jobs, lister: jobs.lister },
      { info: R.cronjobs, lister: cronJobs.lister },
    ],
  };
}

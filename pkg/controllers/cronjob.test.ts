import { describe, expect, it } from "vitest";
import { JobSelectorAdmission } from "../admission/job-selector.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { openStore } from "../store/index.js";
import { FakeClock } from "../util/clock.js";
import { CronSchedule } from "../api/cron.js";
import { CronJobController, mostRecentScheduleTime, SCHEDULED_TIMESTAMP_ANNOTATION, type CronJobLike } from "./cronjob.js";
import type { JobLike } from "./job.js";
import { EventLog, RecordingClient, SnapshotLister } from "../../test/helpers/controllers.js";
import { rfc3339 } from "./util.js";

const NS = "default";
const START = Date.parse("2026-03-01T10:00:30Z");
const minutes = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

function cronJobObject(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name, namespace: NS },
    spec: {
      schedule: "* * * * *",
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { containers: [{ name: "hello", image: "skiff/busybox", command: ["sh", "-c", "date"] }], restartPolicy: "OnFailure" } } },
      },
      ...spec,
    },
  };
}

async function setup(start = START) {
  const clock = new FakeClock(start);
  const store = await openStore("memory");
  const registry = new Registry(store, { admission: [new JobSelectorAdmission()], clock: () => new Date(clock.now()) });
  await registry.bootstrap();
  const api = new InProcessClient(registry);
  const client = new RecordingClient(api);
  const cronJobs = new SnapshotLister<CronJobLike>(api, R.cronjobs);
  const jobs = new SnapshotLister<JobLike>(api, R.jobs);
  const events = new EventLog();
  const newController = () => new CronJobController({ client, cronJobs, jobs, clock, events });
  let ctrl = newController();
  const sync = async (name = "hello") => {
    await cronJobs.refresh();
    await jobs.refresh();
    return ctrl.reconcile(`${NS}/${name}`);
  };
  const jobNames = async () => (await api.list<JobLike>(R.jobs, NS)).items.map((j) => j.metadata.name!).sort();
  const getCronJob = (name = "hello") => api.get<CronJobLike>(R.cronjobs, NS, name);
  /** The Job controller's verdict on a Job. */
  const finishJob = async (name: string, outcome: "Complete" | "Failed") => {
    const job = structuredClone(await api.get<JobLike>(R.jobs, NS, name));
    const t = rfc3339(clock.now());
    job.status = {
      startTime: job.metadata.creationTimestamp,
      conditions: [{ type: outcome, status: "True", lastTransitionTime: t }],
      ...(outcome === "Complete" ? { completionTime: t, succeeded: 1 } : { failed: 1 }),
    };
    await api.updateStatus(R.jobs, job);
  };
  return {
    api,
    client,
    clock,
    events,
    sync,
    jobNames,
    getCronJob,
    finishJob,
    restart: () => (ctrl = newController()),
    create: (obj: KubeObject) => api.create<CronJobLike>(R.cronjobs, NS, obj),
  };
}

describe("CronJobController", () => {
  it("creates one Job per scheduled minute, named after the minute, and wakes for the next", async () => {
    const t = await setup();
    await t.create(cronJobObject("hello"));
    let r = await t.sync();
    expect(await t.jobNames()).toEqual([]);
    expect(r.requeueAfterMs).toBe(30_000 + 100);

    await t.clock.advance(30_000); // 10:01:00
    r = await t.sync();
    const name = `hello-${minutes("2026-03-01T10:01:00Z")}`;
    expect(await t.jobNames()).toEqual([name]);
    expect(r.requeueAfterMs).toBe(60_000 + 100);
    const job = await t.api.get<JobLike>(R.jobs, NS, name);
    expect(job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe("2026-03-01T10:01:00Z");
    expect(job.metadata.labels).toMatchObject({ app: "hello" });
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "hello", controller: true });
    expect((job.spec as { selector?: unknown }).selector).toBeDefined(); // generated at creation
    const cj = await t.getCronJob();
    expect(cj.status?.active).toEqual([expect.objectContaining({ kind: "Job", name, uid: job.metadata.uid })]);
    expect(cj.status?.lastScheduleTime).toBe("2026-03-01T10:01:00Z");
    expect(t.events.reasons()).toEqual(["SuccessfulCreate"]);

    // Same minute again, or a restarted controller that lost its status: never a second Job.
    await t.sync();
    await t.api.updateStatus(R.cronjobs, { ...cj, status: {} });
    t.restart();
    await t.sync();
    expect(await t.jobNames()).toEqual([name]);
    expect((await t.getCronJob()).status?.active).toHaveLength(1);
  });

  it("moves finished Jobs out of active and keeps only the history limits", async () => {
    const t = await setup();
    await t.create(cronJobObject("hello", { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }));
    const created: string[] = [];
    for (let i = 0; i < 6; i++) {
      await t.clock.advance(60_000);
      await t.sync();
      const newest = (await t.jobNames()).filter((n) => !created.includes(n));
      expect(newest).toHaveLength(1);
      created.push(newest[0]);
      // Runs 0, 2, 4 fail; 1, 3, 5 succeed.
      await t.finishJob(newest[0], i % 2 === 0 ? "Failed" : "Complete");
      await t.sync();
      expect((await t.getCronJob()).status?.active).toBeUndefined();
    }
    expect(await t.jobNames()).toEqual([created[3], created[4], created[5]].sort());
    const cj = await t.getCronJob();
    expect(cj.status?.lastSuccessfulTime).toBeDefined();
    expect(t.events.reasons()).toContain("SawCompletedJob");
    expect(t.events.events.filter((e) => e.reason === "SuccessfulDelete").map((e) => e.message)).toEqual([
      `Deleted job ${created[0]}`, // failed: limit 1
      `Deleted job ${created[2]}`,
      `Deleted job ${created[1]}`, // complete: limit 2
    ]);
  });

  it("Forbid skips a run while one is active; Replace deletes the active one", async () => {
    const t = await setup();
    await t.create(cronJobObject("hello", { concurrencyPolicy: "Forbid" }));
    await t.clock.advance(30_000);
    await t.sync();
    await t.clock.advance(60_000);
    await t.sync();
    expect(await t.jobNames()).toHaveLength(1);
    expect(t.events.reasons()).toContain("JobAlreadyActive");

    await t.api.patch(R.cronjobs, NS, "hello", "merge", { spec: { concurrencyPolicy: "Replace" } });
    await t.clock.advance(60_000);
    await t.sync();
    const names = await t.jobNames();
    expect(names).toEqual([`hello-${minutes("2026-03-01T10:03:00Z")}`]);
    expect((await t.getCronJob()).status?.active?.map((r) => r.name)).toEqual(names);
  });

  it("Allow runs overlapping Jobs", async () => {
    const t = await setup();
    await t.create(cronJobObject("hello"));
    for (let i = 0; i < 3; i++) {
      await t.clock.advance(60_000);
      await t.sync();
    }
    expect(await t.jobNames()).toHaveLength(3);
    expect((await t.getCronJob()).status?.active).toHaveLength(3);
  });

  it("after a long outage starts only the latest missed run, with a warning past 100", async () => {
    const t = await setup();
    await t.create(cronJobObject("hello"));
    await t.clock.advance(3 * 3600_000); // 180 missed minutes
    await t.sync();
    expect(await t.jobNames()).toEqual([`hello-${minutes("2026-03-01T13:00:00Z")}`]);
    expect(t.events.reasons()).toEqual(["TooManyMissedTimes", "SuccessfulCreate"]);

    const few = await setup();
    await few.create(cronJobObject("hello"));
    await few.clock.advance(5 * 60_000);
    await few.sync();
    expect(await few.jobNames()).toEqual([`hello-${minutes("2026-03-01T10:05:00Z")}`]);
    expect(few.events.reasons()).toEqual(["SuccessfulCreate"]);
  });

  it("does not start a run later than startingDeadlineSeconds", async () => {
    const t = await setup();
    await t.create(cronJobObject("hello", { schedule: "*/5 * * * *", startingDeadlineSeconds: 10 }));
    await t.clock.advance(5 * 60_000); // 10:05:30, 30 s after 10:05
    await t.sync();
    expect(await t.jobNames()).toEqual([]);
    await t.clock.advance(4 * 60_000 + 35_000); // 10:10:05, in time
    await t.sync();
    expect(await t.jobNames()).toEqual([`hello-${minutes("2026-03-01T10:10:00Z")}`]);
  });

  it("does nothing while suspended", async () => {
    const t = await setup();
    await t.create(cronJobObject("hello", { suspend: true }));
    await t.clock.advance(10 * 60_000);
    expect(await t.sync()).toEqual({});
    expect(await t.jobNames()).toEqual([]);
  });

  it("follows spec.timeZone", async () => {
    const t = await setup(Date.parse("2026-03-01T07:30:00Z"));
    await t.create(cronJobObject("hello", { schedule: "0 9 * * *", timeZone: "Europe/Berlin" }));
    const r = await t.sync();
    expect(r.requeueAfterMs).toBe(30 * 60_000 + 100); // 09:00 in Berlin is 08:00Z
    await t.clock.advance(r.requeueAfterMs!);
    await t.sync();
    const [name] = await t.jobNames();
    expect(name).toBe(`hello-${minutes("2026-03-01T08:00:00Z")}`);
    const job = await t.api.get<JobLike>(R.jobs, NS, name);
    expect(job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe("2026-03-01T09:00:00+01:00");
  });

  it("adopts an unfinished Job it owns but does not list, and drops one that went missing", async () => {
    const t = await setup();
    const cj = await t.create(cronJobObject("hello"));
    await t.api.create(R.jobs, NS, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "manual", annotations: { "cronjob.kubernetes.io/instantiate": "manual" }, ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: cj.metadata.uid!, controller: true }] },
      spec: (cj.spec as { jobTemplate: { spec: unknown } }).jobTemplate.spec,
    });
    await t.sync();
    expect((await t.getCronJob()).status?.active?.map((r) => r.name)).toEqual(["manual"]);
    await t.api.delete(R.jobs, NS, "manual");
    await t.sync();
    expect((await t.getCronJob()).status?.active).toBeUndefined();
    expect(t.events.reasons()).toEqual(["UnexpectedJob", "MissingJob"]);
  });
});

describe("mostRecentScheduleTime", () => {
  it("finds the latest due time exactly, even far back", () => {
    const s = CronSchedule.parse("*/7 * * * *");
    const now = Date.parse("2026-03-01T09:59:00Z");
    const r = mostRecentScheduleTime(s, "UTC", now - 30 * 86_400_000, now)!;
    expect(r.many).toBe(true);
    expect(new Date(r.time).toISOString()).toBe("2026-03-01T09:56:00.000Z");
    const few = mostRecentScheduleTime(s, "UTC", now - 10 * 60_000, now)!;
    expect([new Date(few.time).toISOString(), few.many]).toEqual(["2026-03-01T09:56:00.000Z", false]);
    expect(mostRecentScheduleTime(s, "UTC", now - 2 * 60_000, now)).toBeUndefined();
  });
});

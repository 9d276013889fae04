import { describe, expect, it } from "vitest";
import { JobSelectorAdmission } from "../admission/job-selector.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { openStore } from "../store/index.js";
import { FakeClock } from "../util/clock.js";
import { JobController, type JobLike } from "./job.js";
import { EventLog, RecordingClient, SnapshotLister } from "../../test/helpers/controllers.js";
import { rfc3339, type PodLike } from "./util.js";

const NS = "default";

function jobObject(name: string, spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: NS },
    spec: { template: { spec: { containers: [{ name: "pi", image: "skiff/busybox", command: ["sh", "-c", "echo 3.14159"] }], restartPolicy: "Never", ...podSpec } }, ...spec },
  };
}

async function setup(opts: { admission?: boolean; backoffBaseMs?: number } = {}) {
  const store = await openStore("memory");
  const registry = new Registry(store, { admission: opts.admission === false ? [] : [new JobSelectorAdmission()] });
  await registry.bootstrap();
  const api = new InProcessClient(registry);
  const client = new RecordingClient(api);
  const jobs = new SnapshotLister<JobLike>(api, R.jobs);
  const pods = new SnapshotLister<PodLike>(api, R.pods);
  const events = new EventLog();
  const clock = new FakeClock(Date.parse("2026-03-01T10:00:00Z"));
  const ctrl = new JobController({ client, jobs, pods, clock, events, backoffBaseMs: opts.backoffBaseMs ?? 10_000 });
  // Deliver the pod events an informer would between reconciles (expectations depend on them).
  let seen = new Map<string, PodLike>();
  const refresh = async () => {
    await jobs.refresh();
    await pods.refresh();
    const now = new Map(pods.list().map((p) => [p.metadata.uid!, p]));
    for (const [uid, p] of now) {
      const old = seen.get(uid);
      if (!old) ctrl.podChanged(p, "add");
      else if (old.metadata.resourceVersion !== p.metadata.resourceVersion) ctrl.podChanged(p, "update", old);
    }
    for (const [uid, p] of seen) if (!now.has(uid)) ctrl.podChanged(p, "delete");
    seen = now;
  };
  const sync = async (name = "pi") => {
    await refresh();
    const r = await ctrl.reconcile(`${NS}/${name}`);
    await refresh();
    return r;
  };
  const getJob = (name = "pi") => api.get<JobLike>(R.jobs, NS, name);
  const livePods = async () => (await api.list<PodLike>(R.pods, NS)).items;
  /** The kubelet reports the pod's only container exited. */
  const finish = async (pod: PodLike, exitCode: number) => {
    const next = structuredClone(await api.get<PodLike>(R.pods, NS, pod.metadata.name!));
    const t = rfc3339(clock.now());
    next.status = {
      phase: exitCode === 0 ? "Succeeded" : "Failed",
      containerStatuses: [{ name: "pi", ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", finishedAt: t } } }],
    };
    await api.updateStatus(R.pods, next);
  };
  const create = (obj: KubeObject) => api.create<JobLike>(R.jobs, NS, obj);
  return { api, client, ctrl, clock, events, sync, getJob, livePods, finish, create };
}

const condTypes = (job: JobLike) => (job.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type);

describe("JobController", () => {
  it("runs the pod of a one-shot Job and completes it (SuccessCriteriaMet, then Complete)", async () => {
    const t = await setup();
    const created = await t.create(jobObject("pi", { backoffLimit: 4 }));
    await t.sync();
    const [pod] = await t.livePods();
    expect(await t.livePods()).toHaveLength(1);
    expect(pod.metadata.generateName).toBe("pi-");
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Job", name: "pi", uid: created.metadata.uid, controller: true })]);
    expect(pod.metadata.labels).toMatchObject({ "batch.kubernetes.io/controller-uid": created.metadata.uid, "batch.kubernetes.io/job-name": "pi", "job-name": "pi" });
    let job = await t.getJob();
    expect(job.status).toMatchObject({ active: 1, succeeded: 0, failed: 0, ready: 0, startTime: "2026-03-01T10:00:00Z" });
    expect(t.events.reasons()).toEqual(["SuccessfulCreate"]);

    // Running it again changes nothing: no second pod while the first one runs.
    await t.sync();
    expect(await t.livePods()).toHaveLength(1);

    await t.clock.advance(9_000);
    await t.finish(pod, 0);
    await t.sync();
    job = await t.getJob();
    expect(condTypes(job)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(job.status?.conditions?.[1]).toMatchObject({ reason: "CompletionsReached", message: "Reached expected number of succeeded pods" });
    expect(job.status).toMatchObject({ active: 0, succeeded: 1, failed: 0, completionTime: "2026-03-01T10:00:09Z" });
    expect(t.events.reasons()).toEqual(["SuccessfulCreate", "Completed"]);
    // Finished is final.
    const writes = t.client.writes.length;
    await t.sync();
    expect(t.client.writes.length).toBe(writes);
  });

  it("keeps parallelism pods running until completions succeed", async () => {
    const t = await setup();
    await t.create(jobObject("pi", { completions: 3, parallelism: 2 }));
    await t.sync();
    let pods = await t.livePods();
    expect(pods).toHaveLength(2);
    await t.finish(pods[0], 0);
    await t.sync();
    pods = await t.livePods();
    expect(pods.filter((p) => p.status?.phase !== "Succeeded")).toHaveLength(2);
    for (const p of pods.filter((p) => p.status?.phase !== "Succeeded")) await t.finish(p, 0);
    await t.sync();
    expect(await t.livePods()).toHaveLength(3);
    expect(condTypes(await t.getJob())).toContain("Complete");
    expect((await t.getJob()).status?.succeeded).toBe(3);
  });

  it("retries a failing pod with exponential back-off, then fails with BackoffLimitExceeded", async () => {
    const t = await setup();
    await t.create(jobObject("pi", { backoffLimit: 2 }));
    await t.sync();
    const podCount = async () => (await t.livePods()).length;
    const failLatest = async () => {
      const running = (await t.livePods()).filter((p) => !p.status?.phase || p.status.phase === "Pending");
      expect(running).toHaveLength(1);
      await t.finish(running[0], 1);
    };

    await failLatest(); // failure 1: wait 10 s
    let r = await t.sync();
    expect(await podCount()).toBe(1);
    expect(r.requeueAfterMs).toBe(10_000);
    await t.clock.advance(9_000);
    await t.sync();
    expect(await podCount()).toBe(1);
    await t.clock.advance(1_000);
    await t.sync();
    expect(await podCount()).toBe(2);

    await failLatest(); // failure 2: wait 20 s
    r = await t.sync();
    expect(r.requeueAfterMs).toBe(20_000);
    await t.clock.advance(20_000);
    await t.sync();
    expect(await podCount()).toBe(3);
    expect(condTypes(await t.getJob())).toEqual([]);

    await failLatest(); // failure 3 > backoffLimit 2
    await t.sync();
    const job = await t.getJob();
    expect(condTypes(job)).toEqual(["FailureTarget", "Failed"]);
    expect(job.status?.conditions?.find((c) => c.type === "Failed")).toMatchObject({ reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(job.status).toMatchObject({ failed: 3, succeeded: 0, active: 0 });
    expect(t.events.events.at(-1)).toMatchObject({ type: "Warning", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    await t.clock.advance(600_000);
    await t.sync();
    expect(await podCount()).toBe(3);
  });

  it("caps the back-off", async () => {
    const t = await setup({ backoffBaseMs: 100_000 });
    await t.create(jobObject("pi", { backoffLimit: 10 }));
    await t.sync();
    for (let i = 0; i < 3; i++) {
      const [running] = (await t.livePods()).filter((p) => !p.status?.phase || p.status.phase === "Pending");
      await t.finish(running, 1);
      const r = await t.sync();
      expect(r.requeueAfterMs).toBe([100_000, 200_000, 360_000][i]);
      await t.clock.advance(r.requeueAfterMs!);
      await t.sync();
    }
  });

  it("fails with DeadlineExceeded after activeDeadlineSeconds, deleting its pods first", async () => {
    const t = await setup();
    await t.create(jobObject("pi", { activeDeadlineSeconds: 30 }));
    const r = await t.sync();
    expect(r.requeueAfterMs).toBe(30_000);
    const [pod] = await t.livePods();
    // Bound to a node, the pod terminates gracefully instead of vanishing.
    await t.api.bindPod(NS, pod.metadata.name!, "node-1");
    await t.clock.advance(30_000);
    await t.sync();
    let job = await t.getJob();
    expect(condTypes(job)).toEqual(["FailureTarget"]);
    const [terminating] = await t.livePods();
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    // The kubelet finishes the deletion; only then does the Job fail.
    await t.api.delete(R.pods, NS, pod.metadata.name!, { gracePeriodSeconds: 0 });
    await t.sync();
    job = await t.getJob();
    expect(condTypes(job)).toEqual(["FailureTarget", "Failed"]);
    expect(job.status?.conditions?.find((c) => c.type === "Failed")).toMatchObject({ reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" });
    expect(job.status?.failed).toBe(1);
  });

  it("counts container restarts toward backoffLimit with restartPolicy OnFailure", async () => {
    const t = await setup();
    await t.create(jobObject("pi", { backoffLimit: 2 }, { restartPolicy: "OnFailure" }));
    await t.sync();
    const [pod] = await t.livePods();
    const restarted = async (n: number) => {
      const next = structuredClone(await t.api.get<PodLike>(R.pods, NS, pod.metadata.name!));
      next.status = { phase: "Running", containerStatuses: [{ name: "pi", ready: false, restartCount: n, state: { waiting: { reason: "CrashLoopBackOff" } } }] };
      await t.api.updateStatus(R.pods, next);
      await t.sync();
    };
    await restarted(1);
    expect(condTypes(await t.getJob())).toEqual([]);
    await restarted(2);
    // The pod is deleted first; the Job is Failed once it is gone.
    expect(condTypes(await t.getJob())).toEqual(["FailureTarget"]);
    expect(await t.livePods()).toHaveLength(0);
    await t.sync();
    const job = await t.getJob();
    expect(condTypes(job)).toEqual(["FailureTarget", "Failed"]);
    expect(job.status?.conditions?.find((c) => c.type === "Failed")?.reason).toBe("BackoffLimitExceeded");
    expect(job.status?.failed).toBe(1);
  });

  it("runs nothing while suspended and starts on resume", async () => {
    const t = await setup();
    await t.create(jobObject("pi", { suspend: true }));
    await t.sync();
    expect(await t.livePods()).toHaveLength(0);
    let job = await t.getJob();
    expect(condTypes(job)).toEqual(["Suspended"]);
    expect(job.status?.startTime).toBeUndefined();
    await t.api.patch(R.jobs, NS, "pi", "merge", { spec: { suspend: false } });
    await t.clock.advance(5_000);
    await t.sync();
    job = await t.getJob();
    expect(await t.livePods()).toHaveLength(1);
    expect(job.status?.conditions?.find((c) => c.type === "Suspended")).toMatchObject({ status: "False", reason: "JobResumed" });
    expect(job.status?.startTime).toBe("2026-03-01T10:00:05Z");
    expect(t.events.reasons()).toEqual(["Suspended", "Resumed", "SuccessfulCreate"]);
  });

  it("deletes a finished Job after ttlSecondsAfterFinished, in the background", async () => {
    const t = await setup();
    await t.create(jobObject("pi", { ttlSecondsAfterFinished: 100 }));
    await t.sync();
    await t.finish((await t.livePods())[0], 0);
    const r = await t.sync();
    expect(r.requeueAfterMs).toBe(100_000);
    await t.clock.advance(60_000);
    expect((await t.sync()).requeueAfterMs).toBe(40_000);
    await t.clock.advance(40_000);
    await t.sync();
    await expect(t.getJob()).rejects.toThrow(/not found/);
    expect(t.client.of("delete", "jobs")[0].opts).toMatchObject({ propagationPolicy: "Background" });
  });

  it("with completions unset, finishes when any pod succeeds and the rest have stopped", async () => {
    const t = await setup();
    await t.create({ ...jobObject("queue"), spec: { ...(jobObject("queue").spec as object), parallelism: 2 } });
    await t.sync("queue");
    const pods = await t.livePods();
    expect(pods).toHaveLength(2);
    await t.finish(pods[0], 0);
    await t.sync("queue");
    expect(await t.livePods()).toHaveLength(2); // no replacement once one succeeded
    expect(condTypes(await t.getJob("queue"))).toEqual([]);
    await t.finish(pods[1], 0);
    await t.sync("queue");
    expect(condTypes(await t.getJob("queue"))).toEqual(["SuccessCriteriaMet", "Complete"]);
  });

  it("works without the selector-generating admission plugin", async () => {
    const t = await setup({ admission: false });
    const job = await t.create(jobObject("pi"));
    expect((job.spec as Record<string, unknown>).selector).toBeUndefined();
    await t.sync();
    const [pod] = await t.livePods();
    expect(pod.metadata.labels).toMatchObject({ "batch.kubernetes.io/controller-uid": job.metadata.uid });
    await t.finish(pod, 0);
    await t.sync();
    expect(condTypes(await t.getJob())).toEqual(["SuccessCriteriaMet", "Complete"]);
  });
});

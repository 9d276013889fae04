// The Job API beyond counting pods: Indexed completion, podFailurePolicy
// (FailJob / Ignore / Count / FailIndex), backoffLimitPerIndex with
// maxFailedIndexes, and successPolicy — reconcile by reconcile, kubelet
// reports written by hand.
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
const INDEX = "batch.kubernetes.io/job-completion-index";

function jobObject(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "work", namespace: NS },
    spec: { template: { spec: { containers: [{ name: "main", image: "skiff/busybox" }], restartPolicy: "Never" } }, ...spec },
  };
}

async function setup() {
  const store = await openStore("memory");
  const registry = new Registry(store, { admission: [new JobSelectorAdmission()] });
  await registry.bootstrap();
  const api = new InProcessClient(registry);
  const client = new RecordingClient(api);
  const jobs = new SnapshotLister<JobLike>(api, R.jobs);
  const pods = new SnapshotLister<PodLike>(api, R.pods);
  const events = new EventLog();
  const clock = new FakeClock(Date.parse("2026-03-01T10:00:00Z"));
  const ctrl = new JobController({ client, jobs, pods, clock, events, backoffBaseMs: 10_000 });
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
  const sync = async () => {
    await refresh();
    const r = await ctrl.reconcile(`${NS}/work`);
    await refresh();
    return r;
  };
  const getJob = () => api.get<JobLike>(R.jobs, NS, "work");
  const allPods = async () => (await api.list<PodLike>(R.pods, NS)).items;
  const running = async () => (await allPods()).filter((p) => !p.status?.phase || p.status.phase === "Pending" || p.status.phase === "Running");
  const byIndex = async (i: number) => (await running()).find((p) => p.metadata.annotations?.[INDEX] === String(i));
  /** The kubelet reports the pod finished: its container's exit code, and any extra pod conditions. */
  const finish = async (pod: PodLike | undefined, exitCode: number, conditions: Array<{ type: string; status: string }> = []) => {
    if (!pod) throw new Error("no such pod");
    const next = structuredClone(await api.get<PodLike>(R.pods, NS, pod.metadata.name!));
    next.status = {
      phase: exitCode === 0 ? "Succeeded" : "Failed",
      conditions,
      containerStatuses: [{ name: "main", ready: false, restartCount: 0, state: { terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", finishedAt: rfc3339(clock.now()) } } }],
    };
    await api.updateStatus(R.pods, next);
  };
  const create = (spec: Record<string, unknown>) => api.create<JobLike>(R.jobs, NS, jobObject(spec));
  return { api, clock, events, sync, getJob, allPods, running, byIndex, finish, create };
}

const trueConditions = (job: JobLike) => (job.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type);
const condition = (job: JobLike, type: string) => job.status?.conditions?.find((c) => c.type === type);

describe("Indexed Jobs", () => {
  it("give each pod its index (annotation, label, env, hostname) and complete when every index succeeded", async () => {
    const t = await setup();
    await t.create({ completions: 3, parallelism: 2, completionMode: "Indexed" });
    await t.sync();
    const pods = await t.running();
    expect(pods.map((p) => p.metadata.annotations?.[INDEX]).sort()).toEqual(["0", "1"]);
    const zero = (await t.byIndex(0))!;
    expect(zero.metadata.generateName).toBe("work-0-");
    expect(zero.metadata.labels?.[INDEX]).toBe("0");
    const spec = zero.spec as { hostname?: string; containers: Array<{ env?: unknown[] }> };
    expect(spec.hostname).toBe("work-0");
    expect(spec.containers[0].env).toEqual([{ name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: `metadata.annotations['${INDEX}']` } } }]);

    await t.finish(await t.byIndex(1), 0);
    await t.sync();
    let job = await t.getJob();
    expect(job.status).toMatchObject({ completedIndexes: "1", succeeded: 1, active: 2 });
    expect((await t.running()).map((p) => p.metadata.annotations?.[INDEX]).sort()).toEqual(["0", "2"]);

    await t.finish(await t.byIndex(0), 0);
    await t.finish(await t.byIndex(2), 0);
    await t.sync();
    job = await t.getJob();
    expect(trueConditions(job)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(job.status).toMatchObject({ completedIndexes: "0-2", succeeded: 3, failed: 0, active: 0 });
  });

  it("successPolicy: the Job succeeds once the listed indexes did, and the other pods are stopped", async () => {
    const t = await setup();
    await t.create({ completions: 5, parallelism: 5, completionMode: "Indexed", successPolicy: { rules: [{ succeededIndexes: "0", succeededCount: 1 }] } });
    await t.sync();
    expect(await t.running()).toHaveLength(5);
    await t.finish(await t.byIndex(0), 0);
    await t.sync();
    let job = await t.getJob();
    expect(condition(job, "SuccessCriteriaMet")).toMatchObject({ status: "True", reason: "SuccessPolicy", message: "Matched rules at index 0" });
    expect(condition(job, "Complete")).toBeUndefined();
    // The remaining pods were deleted; once they are gone the Job is Complete.
    expect(await t.allPods()).toHaveLength(1);
    await t.sync();
    job = await t.getJob();
    expect(condition(job, "Complete")).toMatchObject({ status: "True", reason: "SuccessPolicy" });
    expect(job.status).toMatchObject({ completedIndexes: "0", succeeded: 1, failed: 0 });
  });
});

describe("podFailurePolicy", () => {
  const rules = [
    { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
    { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
    { action: "Count", onExitCodes: { operator: "In", values: [1] } },
  ];

  it("FailJob: an exit code in the list fails the Job at once, naming the container and rule", async () => {
    const t = await setup();
    await t.create({ backoffLimit: 6, podFailurePolicy: { rules } });
    await t.sync();
    const [pod] = await t.running();
    await t.finish(pod, 42);
    await t.sync();
    const job = await t.getJob();
    const message = `Container main for pod default/${pod.metadata.name} failed with exit code 42 matching FailJob rule at index 0`;
    expect(condition(job, "FailureTarget")).toMatchObject({ status: "True", reason: "PodFailurePolicy", message });
    expect(condition(job, "Failed")).toMatchObject({ status: "True", reason: "PodFailurePolicy", message });
    expect(job.status).toMatchObject({ failed: 1, active: 0 });
  });

  it("Ignore: a disrupted pod is replaced without counting toward backoffLimit; Count counts", async () => {
    const t = await setup();
    await t.create({ backoffLimit: 0, podFailurePolicy: { rules } });
    await t.sync();
    const [first] = await t.running();
    await t.finish(first, 137, [{ type: "DisruptionTarget", status: "True" }]);
    await t.sync();
    let job = await t.getJob();
    expect(trueConditions(job)).toEqual([]);
    expect(job.status).toMatchObject({ failed: 0, active: 1 });
    const [second] = await t.running();
    expect(second.metadata.name).not.toBe(first.metadata.name);

    await t.finish(second, 1);
    await t.sync();
    job = await t.getJob();
    expect(condition(job, "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded" });
    expect(job.status?.failed).toBe(1);
  });

  it("FailIndex with backoffLimitPerIndex: that index fails, the others run on, and the Job fails with FailedIndexes", async () => {
    const t = await setup();
    await t.create({
      completions: 3,
      parallelism: 3,
      completionMode: "Indexed",
      backoffLimitPerIndex: 1,
      podFailurePolicy: { rules: [{ action: "FailIndex", onExitCodes: { operator: "In", values: [3] } }] },
    });
    await t.sync();
    let job = await t.getJob();
    expect(job.status?.failedIndexes).toBe("");
    await t.finish(await t.byIndex(1), 3);
    await t.sync();
    job = await t.getJob();
    expect(job.status).toMatchObject({ failedIndexes: "1", failed: 1 });
    expect(await t.byIndex(1)).toBeUndefined(); // not retried despite backoffLimitPerIndex 1
    await t.finish(await t.byIndex(0), 0);
    await t.finish(await t.byIndex(2), 0);
    await t.sync();
    job = await t.getJob();
    expect(condition(job, "Failed")).toMatchObject({ status: "True", reason: "FailedIndexes", message: "Job has failed indexes" });
    expect(job.status).toMatchObject({ completedIndexes: "0,2", failedIndexes: "1", succeeded: 2, failed: 1 });
  });
});

describe("backoffLimitPerIndex", () => {
  it("retries an index after its own back-off, marks it failed past the limit, and maxFailedIndexes ends the Job", async () => {
    const t = await setup();
    await t.create({ completions: 2, parallelism: 2, completionMode: "Indexed", backoffLimitPerIndex: 1, maxFailedIndexes: 0 });
    await t.sync();
    await t.finish(await t.byIndex(0), 1);
    const r = await t.sync();
    let job = await t.getJob();
    expect(job.status).toMatchObject({ failedIndexes: "", failed: 1, active: 1 });
    expect(r.requeueAfterMs).toBe(10_000);
    expect(await t.byIndex(0)).toBeUndefined();
    t.clock.advance(10_000);
    await t.sync();
    const retry = await t.byIndex(0);
    expect(retry?.metadata.annotations?.["batch.kubernetes.io/job-index-failure-count"]).toBe("1");
    await t.finish(retry, 1);
    await t.sync();
    job = await t.getJob();
    expect(condition(job, "FailureTarget")).toMatchObject({ status: "True", reason: "MaxFailedIndexesExceeded", message: "Job has exceeded the specified maximal number of failed indexes" });
    expect(job.status?.failedIndexes).toBe("0");
  });
});

describe("podReplacementPolicy on an Indexed Job", () => {
  for (const [policy, replacedAtOnce] of [
    ["TerminatingOrFailed", true],
    ["Failed", false],
  ] as const) {
    it(`${policy}: a terminating pod's index is ${replacedAtOnce ? "replaced at once" : "replaced only once the pod is gone"}; status.terminating counts it`, async () => {
      const t = await setup();
      await t.create({ completions: 2, parallelism: 2, completionMode: "Indexed", podReplacementPolicy: policy });
      await t.sync();
      const zero = (await t.byIndex(0))!;
      // Bound to a node, the pod terminates gracefully instead of vanishing.
      await t.api.bindPod(NS, zero.metadata.name!, "node-1");
      await t.api.delete(R.pods, NS, zero.metadata.name!);
      await t.sync();
      const job = await t.getJob();
      expect(job.status?.terminating).toBe(1);
      const replacement = (await t.running()).filter((p) => p.metadata.annotations?.[INDEX] === "0" && !p.metadata.deletionTimestamp);
      expect(replacement.length).toBe(replacedAtOnce ? 1 : 0);
      await t.api.delete(R.pods, NS, zero.metadata.name!, { gracePeriodSeconds: 0 });
      await t.sync();
      const after = (await t.running()).filter((p) => p.metadata.annotations?.[INDEX] === "0");
      expect(after).toHaveLength(1);
    });
  }
});

// Jobs and CronJobs on a whole cluster with the fake runtime (two nodes): a
// Job whose container exits 0 completes and `skiff wait` sees it; a failing
// Job stops at its backoffLimit; a CronJob, driven by a FakeClock the test
// advances minute by minute, creates Jobs and keeps only its history limit;
// `skiff create job --from=cronjob/…` runs a CronJob's template by hand.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cmd/skiff.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import type { JobLike } from "../../pkg/controllers/job.js";
import { behaviours } from "../../pkg/runtime/fake-behaviour.js";
import { FakeRuntime } from "../../pkg/runtime/fake.js";
import { FakeClock } from "../../pkg/util/clock.js";

const NS = "default";

function job(name: string, image: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: { template: { spec: { containers: [{ name, image, command: ["sh", "-c", "echo 3.14159"] }], restartPolicy: "Never" } }, ...spec },
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const conditions = (j: JobLike) => (j.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type);

describe("Jobs and CronJobs on a fake-runtime cluster", () => {
  let dir: string;
  let cluster: Cluster;
  const cronClock = new FakeClock(Date.now());

  /** Run the CLI in this process against the cluster; returns exit code and output. */
  async function skiff(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const out = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
    const err = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
    try {
      const code = await main(["node", "skiff", "--kubeconfig", join(dir, "kubeconfig"), ...args]);
      return { code, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  const getJob = (name: string) => cluster.client.get<JobLike>(R.jobs, NS, name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-batch-"));
    const runtime = new FakeRuntime({
      behaviours: [
        { match: { image: "skiff/pi:1" }, behaviour: behaviours.exitAfter(200, 0) },
        { match: { image: "skiff/fail:1" }, behaviour: behaviours.exitAfter(100, 1) },
        { match: { image: "skiff/hello:1" }, behaviour: behaviours.exitAfter(100, 0) },
      ],
    });
    cluster = await startCluster({
      stateDir: dir,
      store: "memory",
      port: 0,
      nodes: 2,
      runtime: "fake",
      containerRuntime: runtime,
      proxy: false,
      batch: { cronJobClock: cronClock, jobBackoffBaseMs: 200 },
      onError: () => undefined,
    });
  }, 60_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("completes a Job whose container exits 0, and `skiff wait` says so", async () => {
    await cluster.client.create(R.jobs, NS, job("pi", "skiff/pi:1", { backoffLimit: 4 }));
    const waited = await skiff("wait", "--for=condition=complete", "job/pi", "--timeout=60s");
    expect(waited.stderr).toBe("");
    expect(waited).toMatchObject({ code: 0, stdout: "job.batch/pi condition met\n" });

    const pi = await getJob("pi");
    expect(conditions(pi)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(pi.status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
    expect(pi.status?.completionTime).toBeDefined();
    // The API server generated the selector and labels at creation.
    const uid = pi.metadata.uid!;
    expect(pi.spec?.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(pi.metadata.labels).toMatchObject({ "batch.kubernetes.io/job-name": "pi", "controller-uid": uid });
    const pods = (await cluster.client.list(R.pods, NS, { labelSelector: "job-name=pi" })).items;
    expect(pods.map((p) => (p.status as { phase?: string }).phase)).toEqual(["Succeeded"]);

    const table = await skiff("get", "jobs");
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    expect(table.stdout).toMatch(/^pi\s+Complete\s+1\/1\s+\S+\s+\S+$/m);
  }, 90_000);

  it("stops a failing Job at its backoffLimit with BackoffLimitExceeded", async () => {
    await cluster.client.create(R.jobs, NS, job("bad", "skiff/fail:1", { backoffLimit: 2 }));
    const failed = await skiff("wait", "--for=condition=Failed", "job/bad", "--timeout=60s");
    expect(failed).toMatchObject({ code: 0, stdout: "job.batch/bad condition met\n" });
    const bad = await getJob("bad");
    expect(bad.status?.conditions?.find((c) => c.type === "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(bad.status?.failed).toBe(3);
    const pods = (await cluster.client.list(R.pods, NS, { labelSelector: "job-name=bad" })).items;
    expect(pods).toHaveLength(3);
    const events = (await cluster.client.list(R.events, NS)).items as Array<KubeObject & { reason?: string; involvedObject?: { name?: string } }>;
    expect(events.some((e) => e.reason === "BackoffLimitExceeded" && e.involvedObject?.name === "bad")).toBe(true);

    const timedOut = await skiff("wait", "--for=condition=complete", "job/bad", "--timeout=1s");
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain("timed out waiting for the condition on jobs/bad");
  }, 90_000);

  it("runs a CronJob every minute of a driven clock and keeps only its history limit", async () => {
    await cluster.client.create(R.cronjobs, NS, {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "hello" },
      spec: {
        schedule: "* * * * *",
        successfulJobsHistoryLimit: 2,
        jobTemplate: { spec: { template: { spec: { containers: [{ name: "hello", image: "skiff/hello:1", command: ["sh", "-c", "date; echo Hello"] }], restartPolicy: "OnFailure" } } } },
      },
    });
    const owned = async () =>
      ((await cluster.client.list<JobLike>(R.jobs, NS)).items).filter((j) => j.metadata.ownerReferences?.some((r) => r.kind === "CronJob" && r.name === "hello"));
    const seen = new Set<string>();
    for (let minute = 1; minute <= 4; minute++) {
      // Move the CronJob clock on in 5 s steps until the next scheduled minute has come and its Job appears.
      const fresh = await until(`run ${minute}`, async () => {
        const found = (await owned()).find((j) => !seen.has(j.metadata.name!));
        if (!found) await cronClock.advance(5_000);
        return found;
      });
      seen.add(fresh.metadata.name!);
      expect(fresh.metadata.name).toBe(`hello-${Math.floor(Date.parse(fresh.metadata.annotations!["batch.kubernetes.io/cronjob-scheduled-timestamp"]) / 60_000)}`);
      await until(`run ${minute} to complete`, async () => conditions(await getJob(fresh.metadata.name!)).includes("Complete"));
    }
    expect(seen.size).toBe(4);
    // Only the two newest successful runs stay, and the others' pods go with them.
    const newest = [...seen].sort().slice(-2);
    await until("history cleanup", async () => JSON.stringify((await owned()).map((j) => j.metadata.name).sort()) === JSON.stringify(newest));
    await until("pods of deleted runs collected", async () => {
      const pods = (await cluster.client.list(R.pods, NS)).items.filter((p) => p.metadata.name!.startsWith("hello-"));
      return pods.length === 2 && pods.every((p) => newest.some((n) => p.metadata.name!.startsWith(`${n}-`)));
    });
    const cj = await cluster.client.get(R.cronjobs, NS, "hello");
    const status = cj.status as { lastScheduleTime?: string; lastSuccessfulTime?: string; active?: unknown[] };
    expect(status.lastScheduleTime).toBeDefined();
    expect(status.lastSuccessfulTime).toBeDefined();
    expect(status.active).toBeUndefined();
    const table = await skiff("get", "cronjobs");
    expect(table.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/m);
    expect(table.stdout).toMatch(/^hello\s+\* \* \* \* \*\s+<none>\s+False\s+0\s+/m);
  }, 120_000);

  it("creates a Job from a CronJob's template, and from an image and command", async () => {
    await cluster.client.patch(R.cronjobs, NS, "hello", "merge", { spec: { suspend: true } });
    const created = await skiff("create", "job", "by-hand", "--from=cronjob/hello");
    expect(created).toMatchObject({ code: 0, stdout: "job.batch/by-hand created\n" });
    const manual = await getJob("by-hand");
    expect(manual.metadata.annotations?.["cronjob.kubernetes.io/instantiate"]).toBe("manual");
    expect(manual.metadata.ownerReferences?.[0]).toMatchObject({ kind: "CronJob", name: "hello", controller: true });
    expect((await skiff("wait", "--for=condition=complete", "job/by-hand", "--timeout=60s")).code).toBe(0);

    const fromImage = await skiff("create", "job", "one-off", "--image=skiff/pi:1", "--", "sh", "-c", "echo 3.14159; exit 0");
    expect(fromImage).toMatchObject({ code: 0, stdout: "job.batch/one-off created\n" });
    const oneOff = await getJob("one-off");
    const container = (oneOff.spec?.template?.spec as { containers: Array<{ name: string; image: string; command: string[] }> }).containers[0];
    expect(container).toMatchObject({ name: "one-off", image: "skiff/pi:1", command: ["sh", "-c", "echo 3.14159; exit 0"] });
    expect((await skiff("wait", "--for=jsonpath={.status.succeeded}=1", "job/one-off", "--timeout=60s")).code).toBe(0);

    // `create -f` still works next to the subcommand.
    const file = join(dir, "cm.yaml");
    (await import("node:fs")).writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: still-works\ndata: {a: b}\n");
    expect(await skiff("create", "-f", file)).toMatchObject({ code: 0, stdout: "configmap/still-works created\n" });

    const deleted = skiff("wait", "--for=delete", "job/one-off", "--timeout=30s");
    await cluster.client.delete(R.jobs, NS, "one-off", { propagationPolicy: "Background" });
    expect(await deleted).toMatchObject({ code: 0, stdout: "job.batch/one-off deleted\n" });
  }, 90_000);
});

// The soak: `skiff up` (fake runtime, 3 nodes, sqlite) in its own process;
// 5 deployments rolling over and over, a client scaling them, 100 watchers.
// Reports API latency (p50/p99), the server's RSS growth after warm-up, and
// every error; at the end every deployment must settle at the last replicas
// and template written ("lost" counts the ones that do not). Then rewrites
// docs/reliability.md (report.ts).
//
//   node dist/test/reliability/soak.js [--minutes N (≤ 10) | --seconds N] [--watchers N] [--report-only]
//
// Built by `tsc -p test/reliability/tsconfig.json` (npm run test:reliability).
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { loadKubeconfig } from "../../pkg/client/kubeconfig.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import type { ClientWatch } from "../../pkg/client/client.js";
import { ApiError } from "../../pkg/api/errors.js";
import { writeReport, type SoakResult } from "./report.js";

// dist/test/reliability/soak.js → the repository root is three levels up.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const CLI = join(ROOT, "dist/cmd/skiff.js");
const RESULTS = join(ROOT, "test/reliability/results");
const DOC = join(ROOT, "docs/reliability.md");
const DEPLOYMENTS = 5;
const NODES = 3;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Heap size after each full garbage collection of the skiff process (MiB), from --trace-gc. */
const liveHeap: Array<{ t: number; mib: number }> = [];

interface Expected {
  replicas: number;
  roll: number;
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  if (process.argv.includes("--report-only")) {
    const { lost } = writeReport(RESULTS, DOC);
    console.log(`wrote ${DOC} (lost: ${lost})`);
    return;
  }
  const minutes = Math.min(10, Number(arg("minutes") ?? "0") || 0);
  const seconds = minutes > 0 ? minutes * 60 : Math.min(600, Number(arg("seconds") ?? "60") || 60);
  const watcherCount = Number(arg("watchers") ?? "100") || 100;

  const home = mkdtempSync(join(tmpdir(), "skiff-soak-"));
  // --trace-gc prints every collection; after a full (mark-compact) one the heap holds only
  // what is alive, which is the memory figure that tells growth from garbage.
  const up = spawn(process.execPath, ["--trace-gc", CLI, "up", "--port", "0", "--runtime", "fake", "--nodes", String(NODES)], {
    env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let upOut = "";
  let pendingLine = "";
  up.stdout.on("data", (d: Buffer) => {
    const text = pendingLine + d.toString("utf8");
    const lines = text.split("\n");
    pendingLine = lines.pop() ?? "";
    for (const line of lines) {
      const m = /Mark-Compact[^>]*-> ([\d.]+) \(/.exec(line);
      if (m) liveHeap.push({ t: Date.now(), mib: Number(m[1]) });
      else if (!line.includes("ms: Scavenge") && upOut.length < 100_000) upOut += line + "\n";
    }
  });
  up.stderr.on("data", (d) => (upOut.length < 100_000 ? (upOut += d) : undefined));
  const stopUp = async () => {
    if (up.exitCode !== null) return;
    up.kill("SIGTERM");
    await new Promise((r) => up.once("exit", r));
  };
  process.on("exit", () => up.kill("SIGKILL"));
  try {
    const started = Date.now();
    while (!upOut.includes("Press Ctrl-C")) {
      if (up.exitCode !== null) throw new Error(`skiff up exited:\n${upOut}`);
      if (Date.now() - started > 120_000) throw new Error(`skiff up did not start:\n${upOut}`);
      await sleep(100);
    }
    const conn = loadKubeconfig(join(home, "kubeconfig"));
    const client = new HttpClient(conn);
    const result = await soak(client, () => new HttpClient(conn), up.pid!, seconds, watcherCount);
    client.close();
    writeFileSync(join(RESULTS, "soak.json"), JSON.stringify(result, null, 2) + "\n");
    // A full-length run is kept apart, so a quick run does not erase its record (as bench/ does).
    if (seconds >= 600) writeFileSync(join(RESULTS, "soak.full.json"), JSON.stringify(result, null, 2) + "\n");
    const { lost } = writeReport(RESULTS, DOC);
    console.log(
      `soak ${Math.round(result.seconds)} s: ${result.requests} requests, ${result.errors} errors, p99 ${result.latencyMs.p99.toFixed(1)} ms, ` +
        `RSS ${result.rssMiB.baseline.toFixed(0)} → ${result.rssMiB.end.toFixed(0)} MiB (${result.rssMiB.growthPct.toFixed(1)} %), ` +
        `live heap ${result.liveHeapMiB?.first.toFixed(0)} → ${result.liveHeapMiB?.last.toFixed(0)} MiB (${result.liveHeapMiB?.growthPct.toFixed(1)} %), lost ${result.lost}; wrote ${DOC} (lost overall: ${lost})`,
    );
    if (result.errors > 0 || result.lost > 0 || !result.settled) process.exitCode = 1;
  } finally {
    await stopUp();
    rmSync(home, { recursive: true, force: true });
  }
}

function deployment(i: number, replicas: number, roll: number): KubeObject {
  const name = `soak-${i}`;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "skiff/busybox:latest", env: [{ name: "ROLL", value: String(roll) }] }] } },
    },
  } as KubeObject;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function soak(client: HttpClient, newClient: () => HttpClient, pid: number, seconds: number, watcherCount: number): Promise<SoakResult> {
  const expected = new Map<string, Expected>();
  const latencies: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let requests = 0;
  let rollouts = 0;
  let scalings = 0;
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T | undefined> => {
    const t0 = performance.now();
    requests++;
    try {
      const v = await f();
      latencies.push(performance.now() - t0);
      return v;
    } catch (e) {
      errors++;
      if (errorSamples.length < 10) errorSamples.push(`${what}: ${(e as Error).message}`);
      return undefined;
    }
  };

  for (let i = 0; i < DEPLOYMENTS; i++) {
    await client.create(R.deployments, "default", deployment(i, 3, 0));
    expected.set(`soak-${i}`, { replicas: 3, roll: 0 });
  }

  // Watchers: pods, deployments and replica sets, resuming from the last version seen.
  let stopping = false;
  let watchEvents = 0;
  let watchReconnects = 0;
  let watchRelists = 0;
  const watchClients = Array.from({ length: Math.ceil(watcherCount / 50) }, newClient);
  const live = new Set<ClientWatch>();
  const kinds = [R.pods, R.deployments, R.replicasets, R.events];
  const watcher = async (n: number) => {
    const info = kinds[n % kinds.length];
    const c = watchClients[n % watchClients.length];
    let rv = "";
    while (!stopping) {
      try {
        if (!rv) rv = (await c.list(info, "default")).metadata.resourceVersion ?? "";
        const w = await c.watch(info, "default", { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 60 + (n % 30) }, (ev) => {
          watchEvents++;
          const v = (ev.object as KubeObject).metadata?.resourceVersion;
          if (v) rv = v;
        });
        live.add(w);
        const { error } = await w.done;
        live.delete(w);
        if (stopping) break;
        if (error instanceof ApiError && (error.reason === "Gone" || error.reason === "Expired")) {
          watchRelists++;
          rv = "";
        } else {
          watchReconnects++; // the server's timeoutSeconds ended it: normal
        }
      } catch (e) {
        if (stopping) break;
        errors++;
        if (errorSamples.length < 10) errorSamples.push(`watch ${info.plural}: ${(e as Error).message}`);
        await sleep(500);
      }
    }
  };
  const watchers = Array.from({ length: watcherCount }, (_, n) => watcher(n));

  const deadline = Date.now() + seconds * 1000;
  // Warm-up: JIT, heap sizing and the store's replay ring filling up (the last 10,000 writes,
  // about two minutes of this load) come first.
  const warmupEnd = Date.now() + Math.max(30_000, seconds * 250);
  const rss: Array<{ t: number; mib: number }> = [];
  const sampler = setInterval(() => rss.push({ t: Date.now(), mib: rssMiB(pid) }), 2_000);

  const roller = async () => {
    let i = 0;
    while (Date.now() < deadline) {
      const name = `soak-${i++ % DEPLOYMENTS}`;
      const e = expected.get(name)!;
      const roll = e.roll + 1;
      const ok = await timed("roll", () =>
        client.patch(R.deployments, "default", name, "strategic", { spec: { template: { spec: { containers: [{ name: "c", env: [{ name: "ROLL", value: String(roll) }] }] } } } }),
      );
      if (ok) {
        e.roll = roll;
        rollouts++;
      }
      await sleep(600);
    }
  };
  const scaler = async () => {
    while (Date.now() < deadline) {
      const name = `soak-${Math.floor(Math.random() * DEPLOYMENTS)}`;
      const replicas = 2 + Math.floor(Math.random() * 4);
      const ok = await timed("scale", () => client.patch(R.deployments, "default", name, "merge", { spec: { replicas } }, { subresource: "scale" }));
      if (ok) {
        expected.get(name)!.replicas = replicas;
        scalings++;
      }
      await sleep(400);
    }
  };
  const reader = async () => {
    while (Date.now() < deadline) {
      await timed("list pods", () => client.list(R.pods, "default"));
      await timed("get deployment", () => client.get(R.deployments, "default", `soak-${Math.floor(Math.random() * DEPLOYMENTS)}`));
      await timed("list nodes", () => client.list(R.nodes, undefined));
      await sleep(100);
    }
  };
  await Promise.all([roller(), scaler(), reader(), reader()]);
  clearInterval(sampler);
  const runSeconds = seconds;

  // Settle: every deployment reaches the last replicas and template written, with exactly that many pods.
  const settleDeadline = Date.now() + 180_000;
  let settled = false;
  let lost = DEPLOYMENTS;
  while (Date.now() < settleDeadline) {
    lost = 0;
    for (const [name, e] of expected) {
      const d = (await client.get(R.deployments, "default", name).catch(() => undefined)) as (KubeObject & { spec: { replicas: number; template: { spec: { containers: Array<{ env: Array<{ value: string }> }> } } }; status?: Record<string, number> }) | undefined;
      const pods = (await client.list(R.pods, "default", { labelSelector: `app=${name}` }).catch(() => ({ items: [] }))).items;
      const st = d?.status ?? {};
      const good =
        !!d &&
        d.spec.replicas === e.replicas &&
        d.spec.template.spec.containers[0].env[0].value === String(e.roll) &&
        st.observedGeneration === d.metadata.generation &&
        st.updatedReplicas === e.replicas &&
        st.availableReplicas === e.replicas &&
        st.replicas === e.replicas &&
        pods.length === e.replicas;
      if (!good) lost++;
    }
    if (lost === 0) {
      settled = true;
      break;
    }
    await sleep(1_000);
  }

  // What the cluster holds at the end: anything growing without bound shows here.
  const objectCounts: Record<string, number> = {};
  for (const info of [R.pods, R.replicasets, R.events, R.endpoints]) {
    objectCounts[info.plural] = (await client.list(info, undefined).catch(() => ({ items: [] }))).items.length;
  }

  stopping = true;
  for (const w of live) w.stop();
  await Promise.race([Promise.all(watchers), sleep(10_000)]);
  for (const c of watchClients) c.close();

  const sorted = [...latencies].sort((a, b) => a - b);
  // RSS saw-tooths with garbage collection (V8 collects lazily: ±50 MiB over a minute or two
  // here), so single samples or medians mostly measure where in the cycle they fell. What is
  // still alive shows in the floor after a collection: compare the lowest RSS of the first
  // third of the samples after warm-up with the lowest of the last third.
  const afterWarmup = rss.filter((s) => s.t >= warmupEnd);
  const third = Math.max(2, Math.floor(afterWarmup.length / 3));
  const baseline = Math.min(...afterWarmup.slice(0, third).map((s) => s.mib));
  const end = Math.min(...afterWarmup.slice(-third).map((s) => s.mib));
  // Live heap: the median heap after full collections in the first and the last third after warm-up.
  const heapAfter = liveHeap.filter((s) => s.t >= warmupEnd && s.t <= deadline);
  const span = (deadline - warmupEnd) / 3;
  const heapFirst = medianOf(heapAfter.filter((s) => s.t < warmupEnd + span).map((s) => s.mib));
  const heapLast = medianOf(heapAfter.filter((s) => s.t >= deadline - span).map((s) => s.mib));
  return {
    time: new Date().toISOString(),
    seconds: runSeconds,
    nodes: NODES,
    deployments: DEPLOYMENTS,
    watchers: watcherCount,
    requests,
    errors,
    errorSamples,
    latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN },
    rssMiB: { baseline, end, max: Math.max(...rss.map((s) => s.mib)), growthPct: ((end - baseline) / baseline) * 100 },
    liveHeapMiB: { first: heapFirst, last: heapLast, growthPct: ((heapLast - heapFirst) / heapFirst) * 100, fullCollections: heapAfter.length },
    rssSamples: rss.filter((_, i) => i % Math.max(1, Math.ceil(rss.length / 60)) === 0).map((s) => [Math.round((s.t - rss[0].t) / 1000), Math.round(s.mib)]),
    rollouts,
    scalings,
    watchEvents,
    watchReconnects,
    watchRelists,
    settled,
    lost,
    objectCounts,
    host: `${cpus().length} × ${cpus()[0]?.model.trim().split(" ").slice(0, 2).join(" ") ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  };
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});

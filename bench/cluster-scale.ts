// bench:cluster-scale — the whole cluster (control plane, controllers,
// scheduler, node agents, proxy: startCluster) on the fake runtime, at scale
// (issue 3):
//
//   node dist/bench/cluster-scale.js           100 nodes, a 200-replica Deployment, then scaled to 1,000
//   node dist/bench/cluster-scale.js --full    1,000 nodes, a 1,000-replica Deployment, then scaled to 10,000
//   [--nodes N] [--replicas N] [--scale-to N] [--store sqlite|memory] [--timeout-seconds 600]
//
// Measured: startCluster with N nodes (control plane up and every node
// registered), create → all replicas Running, scale → all Running, and the
// process's resident memory with every pod Running (target < 500 MB at 1,000
// nodes and 10,000 pods). Pods are counted through an in-process watch, so the
// counting costs almost nothing next to what is measured. The store is sqlite
// in a temp state dir by default — what `skiff up` gives a user.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import type { Client } from "../pkg/client/client.js";
import { startCluster } from "../pkg/cluster/cluster.js";
import { argInt, hasFlag, printTable, writeResult } from "./lib.js";

const full = hasFlag("--full");
const nodeCount = argInt("--nodes", full ? 1_000 : 100);
const replicas = argInt("--replicas", full ? 1_000 : 200);
const scaleTo = argInt("--scale-to", full ? 10_000 : 1_000);
const storeAt = process.argv.indexOf("--store");
const storeKind = storeAt >= 0 ? process.argv[storeAt + 1] : "sqlite";
/** Every phase gives up after this long, with a message saying where it stood. */
const PHASE_LIMIT_MS = argInt("--timeout-seconds", 600) * 1000;
const TARGET_RSS_MB = 500;
const NAMESPACE = "default";
const NAME = "scale";

function deployment(n: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: NAME, namespace: NAMESPACE },
    spec: {
      replicas: n,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: {
          containers: [
            { name: "main", image: "skiff/busybox:latest", command: ["sleep", "3600"], resources: { requests: { cpu: "10m", memory: "16Mi" } } },
          ],
        },
      },
    },
  } as KubeObject;
}

/** Pods of the deployment by phase, kept current by one watch. */
class PodCounter {
  private readonly phase = new Map<string, string>();
  private running = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private stopWatch: (() => void) | undefined;

  async start(client: Client): Promise<void> {
    // "" = the current state first, as ADDED events, then changes.
    const w = await client.watch(R.pods, NAMESPACE, { labelSelector: `app=${NAME}`, resourceVersion: "" }, (ev) => {
      if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
      const uid = String(ev.object.metadata.uid);
      const before = this.phase.get(uid);
      const now = ev.type === "DELETED" ? undefined : ((ev.object as { status?: { phase?: string } }).status?.phase ?? "Pending");
      if (before === "Running") this.running--;
      if (now === "Running") this.running++;
      if (now === undefined) this.phase.delete(uid);
      else this.phase.set(uid, now);
      this.check();
    });
    this.stopWatch = () => w.stop();
    void w.done.then(({ error }) => {
      if (error && this.stopWatch) console.error(`pod watch ended: ${error.message} (counts may lag)`);
    });
  }

  stop(): void {
    const s = this.stopWatch;
    this.stopWatch = undefined;
    s?.();
  }

  summary(): string {
    const by = new Map<string, number>();
    for (const p of this.phase.values()) by.set(p, (by.get(p) ?? 0) + 1);
    return [...by].map(([p, n]) => `${n} ${p}`).join(", ") || "no pods";
  }

  /** Resolves once at least n pods are Running; rejects after PHASE_LIMIT_MS. */
  async waitRunning(n: number, what: string): Promise<void> {
    if (this.running >= n) return;
    let timer: NodeJS.Timeout | undefined;
    const t0 = performance.now();
    // a progress line every 10 s, so a slow run shows where it stands
    const tick = setInterval(() => console.error(`  ${Math.round((performance.now() - t0) / 1000)} s: ${this.summary()}`), 10_000);
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ n, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`aborted after ${PHASE_LIMIT_MS / 1000} s waiting for ${what}: ${this.summary()}`)), PHASE_LIMIT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      clearInterval(tick);
    }
  }

  private check(): void {
    const ready = this.waiters.filter((w) => this.running >= w.n);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => this.running < w.n);
    for (const w of ready) w.resolve();
  }
}

/** A full GC on demand without --expose-gc on the command line (the flag applies to new contexts). */
function gcFunction(): () => void {
  setFlagsFromString("--expose_gc");
  return runInNewContext("gc") as () => void;
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

function memory(): { rssMiB: number; heapUsedMiB: number; externalMiB: number } {
  const m = process.memoryUsage();
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external) };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(start);
  return Math.round((u.user + u.system) / 1e4) / 100;
}

async function main(): Promise<void> {
  if (storeKind !== "sqlite" && storeKind !== "memory") throw new Error(`--store must be sqlite or memory, not ${storeKind}`);
  console.log(`cluster-scale benchmark: ${nodeCount} fake nodes, ${replicas} replicas then ${scaleTo}, ${storeKind} store`);
  const stateDir = mkdtempSync(join(tmpdir(), "skiff-bench-scale-"));
  const registered: Array<{ n: number; at: number }> = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const cluster = await Promise.race([
    startCluster({
      stateDir,
      store: storeKind,
      port: 0,
      nodes: nodeCount,
      runtime: "fake",
      log: (line) => {
        // "  300/1000 nodes registered" every 100 nodes: the registration rate
        const m = /(\d+)\/\d+ nodes registered/.exec(line);
        if (m) registered.push({ n: Number(m[1]), at: performance.now() });
      },
      onError: (c, e) => console.error(`${c}: ${e.message}`),
    }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`aborted: startCluster with ${nodeCount} nodes took over ${PHASE_LIMIT_MS / 1000} s`)), PHASE_LIMIT_MS).unref()),
  ]);
  const startSeconds = (performance.now() - t0) / 1000;
  const startCpu = cpuSecondsSince(cpu0);
  // Nodes per second between the first and the last "registered" line (excludes control-plane start).
  const first = registered[0];
  const last = registered[registered.length - 1];
  const nodesPerSec = first && last && last.n > first.n ? Math.round(((last.n - first.n) * 1000) / (last.at - first.at)) : undefined;
  const afterStart = memory();
  console.error(`cluster up with ${nodeCount} nodes in ${startSeconds.toFixed(2)} s${nodesPerSec ? ` (${nodesPerSec} nodes/s)` : ""}; RSS ${afterStart.rssMiB} MiB`);

  const counter = new PodCounter();
  let closed = false;
  try {
    const client = cluster.client;
    const readyNodes = (await client.list(R.nodes, undefined)).items.length;
    await counter.start(client);

    const c1 = process.cpuUsage();
    const t1 = performance.now();
    await client.create(R.deployments, NAMESPACE, deployment(replicas));
    await counter.waitRunning(replicas, `${replicas} replicas Running`);
    const createSeconds = (performance.now() - t1) / 1000;
    const createCpu = cpuSecondsSince(c1);
    const atReplicas = memory();
    console.error(`${replicas} replicas Running in ${createSeconds.toFixed(2)} s; RSS ${atReplicas.rssMiB} MiB`);

    const c2 = process.cpuUsage();
    const t2 = performance.now();
    await client.patch(R.deployments, NAMESPACE, NAME, "merge", { spec: { replicas: scaleTo } });
    await counter.waitRunning(scaleTo, `${scaleTo} replicas Running after scaling`);
    const scaleSeconds = (performance.now() - t2) / 1000;
    const scaleCpu = cpuSecondsSince(c2);
    const atScale = memory();
    // RSS right then depends on when V8 last collected; after a full GC is the floor.
    gcFunction()();
    const afterGc = memory();
    console.error(`scaled to ${scaleTo} Running in ${scaleSeconds.toFixed(2)} s; RSS ${atScale.rssMiB} MiB`);

    const rssTargetApplies = nodeCount >= 1_000 && scaleTo >= 10_000;
    const rows = [
      ["measurement", "result", "target"],
      [`startCluster: control plane + ${nodeCount} nodes registered`, `${startSeconds.toFixed(2)} s (${startCpu} cpu-s)`, ""],
      ["  node registration rate", nodesPerSec ? `${nodesPerSec} nodes/s` : "n/a (< 200 nodes)", ""],
      [`Deployment of ${replicas}: create → all Running`, `${createSeconds.toFixed(2)} s (${Math.round(replicas / createSeconds)} pods/s, ${createCpu} cpu-s)`, ""],
      [`scale ${replicas} → ${scaleTo}: all Running`, `${scaleSeconds.toFixed(2)} s (${Math.round((scaleTo - replicas) / scaleSeconds)} pods/s, ${scaleCpu} cpu-s)`, ""],
      [`RSS with ${nodeCount} nodes, no pods`, `${afterStart.rssMiB} MiB`, ""],
      [`RSS with ${nodeCount} nodes, ${replicas} pods`, `${atReplicas.rssMiB} MiB`, ""],
      [`RSS with ${nodeCount} nodes, ${scaleTo} pods`, `${atScale.rssMiB} MiB (heap ${atScale.heapUsedMiB} MiB)`, rssTargetApplies ? `< ${TARGET_RSS_MB} MB` : `< ${TARGET_RSS_MB} MB at 1,000 / 10,000`],
    ];
    rows.push(["  after a full GC", `${afterGc.rssMiB} MiB (heap ${afterGc.heapUsedMiB} MiB)`, ""]);
    printTable(`cluster-scale: startCluster on the fake runtime, ${storeKind} store, ${nodeCount} nodes (${readyNodes} registered)`, rows);
    const rssMet = atScale.rssMiB * 2 ** 20 < TARGET_RSS_MB * 1e6;
    const result = {
      nodes: nodeCount,
      replicas,
      scaleTo,
      store: storeKind,
      runtime: "fake",
      startClusterSeconds: round(startSeconds),
      startClusterCpuSeconds: startCpu,
      nodesPerSec,
      createToRunningSeconds: round(createSeconds),
      createCpuSeconds: createCpu,
      scaleToRunningSeconds: round(scaleSeconds),
      scaleCpuSeconds: scaleCpu,
      memory: { afterStart, atReplicas, atScale, afterGc },
      targets: { rssMB: TARGET_RSS_MB, applies: rssTargetApplies, met: rssMet },
    };
    if (rssTargetApplies) console.log(`target (RSS < ${TARGET_RSS_MB} MB with ${nodeCount} nodes and ${scaleTo} pods): ${rssMet ? "met" : "NOT met"}`);

    // Shutting down is work a user waits for too (Ctrl-C on `skiff up`): time it.
    counter.stop();
    const t3 = performance.now();
    await cluster.close({ removeContainers: true });
    const closeSeconds = round((performance.now() - t3) / 1000);
    closed = true;
    console.log(`cluster.close({ removeContainers: true }) with ${scaleTo} pods: ${closeSeconds} s`);
    writeResult("cluster-scale", { ...result, closeSeconds });
    if (full) writeResult("cluster-scale.full", { ...result, closeSeconds });
  } finally {
    counter.stop();
    if (!closed) await cluster.close({ removeContainers: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().then(
  // Timers of a thousand agents may linger briefly after close: leave now.
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);

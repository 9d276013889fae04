// bench:scheduler — place pods onto fake nodes with mixed requests.
//
//   node dist/bench/scheduler.js          1,000 pods onto 100 nodes
//   node dist/bench/scheduler.js --full   10,000 pods onto 1,000 nodes (issue 3)
//   [--pods N] [--nodes N] [--no-events] [--cycle-only] [--decisions]
//
// --decisions records every decision for `skiff why` (decision-store.ts): the
// cycle pays for the score trace and the capture, end to end also for filing
// the captures in the scheduler's bounded in-memory store. Compare with and
// without to see what they cost.
//
// Three measurements:
// - cycle: scheduleOne + assume over an in-memory snapshot, no I/O — the
//   scheduler's own cost per pod (target ≥ 5,000 pods/s at full size);
// - the same cycle with every pod carrying a hard topology spread over zones
//   (maxSkew 1) and required anti-affinity against its own replicas per node
//   (issue 25): PodTopologySpread and InterPodAffinity count per domain in
//   PreFilter, so this shows what those counts cost, as a ratio to the plain run;
// - end to end: an in-process registry on the sqlite store in a temp dir,
//   informers, the Scheduler with its event recorder; the clock runs from
//   the first pod create until the last bind is written (target ≥ 1,000 pods/s).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../pkg/api/kinds.js";
import { Registry } from "../pkg/apiserver/registry.js";
import { EventRecorder } from "../pkg/client/events.js";
import { InProcessClient } from "../pkg/client/in-process.js";
import { InformerFactory } from "../pkg/client/informer.js";
import { buildSnapshot } from "../pkg/scheduler/cache.js";
import { captureDecision, compactCapture, type DecisionCapture } from "../pkg/scheduler/decision.js";
import { DecisionRecorder } from "../pkg/scheduler/decision-store.js";
import { newScoreTrace } from "../pkg/scheduler/framework.js";
import { makeNode, makePod } from "../pkg/scheduler/fixtures.js";
import type { Node, Pod } from "../pkg/scheduler/framework.js";
import { scheduleOne } from "../pkg/scheduler/schedule-one.js";
import { Scheduler } from "../pkg/scheduler/scheduler.js";
import { openStore } from "../pkg/store/index.js";
import { argInt, hasFlag, printTable, writeResult } from "./lib.js";

const full = hasFlag("--full");
const podCount = argInt("--pods", full ? 10_000 : 1_000);
const nodeCount = argInt("--nodes", full ? 1_000 : 100);
const withEvents = !hasFlag("--no-events");
/** Profiling aid: skip the end-to-end part. */
const cycleOnly = hasFlag("--cycle-only");
const withDecisions = hasFlag("--decisions");

const CPU = ["100m", "250m", "500m", "1"];
const MEM = ["128Mi", "256Mi", "512Mi", "1Gi"];
const ZONES = ["zone-a", "zone-b", "zone-c"];

/** Three node sizes, three zones, every 20th node tainted for GPUs. */
function fakeNode(i: number): Node {
  const size = i % 3;
  return makeNode(`node-${String(i).padStart(5, "0")}`, {
    cpu: ["16", "32", "64"][size],
    memory: ["32Gi", "64Gi", "128Gi"][size],
    pods: 110,
    labels: { "topology.kubernetes.io/zone": ZONES[i % 3], ...(i % 20 === 0 ? { gpu: "true" } : {}) },
    taints: i % 20 === 0 ? [{ key: "gpu", value: "true", effect: "NoSchedule" }] : undefined,
  });
}

/** Mixed requests: 10% request nothing, 10% pin a zone, 2% want a GPU node; replicas of 50 owners. */
function fakePod(i: number): Pod {
  const none = i % 10 === 9;
  return makePod(`pod-${i}`, {
    cpu: none ? undefined : CPU[i % CPU.length],
    memory: none ? undefined : MEM[(i >> 2) % MEM.length],
    nodeSelector: i % 10 === 3 ? { "topology.kubernetes.io/zone": ZONES[i % 3] } : i % 50 === 7 ? { gpu: "true" } : undefined,
    tolerations: i % 50 === 7 ? [{ key: "gpu", operator: "Exists", effect: "NoSchedule" }] : undefined,
    ownerUid: `rs-${i % 50}`,
  });
}

/** The same pod with issue 25's constraints: spread its replicas over zones, one per node. */
function constrainedPod(i: number): Pod {
  const pod = fakePod(i);
  const app = String(pod.metadata.ownerReferences?.[0]?.uid);
  const selector = { matchLabels: { app } };
  pod.metadata.labels = { app };
  pod.spec!.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: selector }];
  pod.spec!.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: selector }] } };
  return pod;
}

function cycleBench(makePodAt: (i: number) => Pod = fakePod): { podsPerSec: number; seconds: number; cpuSeconds: number; podsPerCpuSec: number; unschedulable: number } {
  const nodes = Array.from({ length: nodeCount }, (_, i) => fakeNode(i));
  const pods = Array.from({ length: podCount }, (_, i) => makePodAt(i));
  // Warm-up on a throw-away snapshot so the JIT has compiled the hot paths.
  const warm = buildSnapshot(nodes);
  for (let i = 0; i < Math.min(500, podCount); i++) {
    const r = scheduleOne(pods[i], warm, { startIndex: i });
    if (r.node) warm.assumePod(pods[i], r.node);
  }
  const snap = buildSnapshot(nodes);
  let start = 0;
  let unschedulable = 0;
  const trace = withDecisions ? newScoreTrace() : undefined;
  const sample: DecisionCapture[] = [];
  let captured = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const pod of pods) {
    const r = scheduleOne(pod, snap, { startIndex: start, trace });
    start = (start + r.evaluatedNodes) % nodeCount;
    // What DecisionRecorder.record() does synchronously; compaction waits for a reader.
    if (trace) {
      const c = captureDecision(pod, r, trace, snap, { nowMs: 0 });
      if (captured++ % 100 === 0) sample.push(c);
    }
    if (r.node) snap.assumePod(pod, r.node);
    else unschedulable++;
  }
  const seconds = (performance.now() - t0) / 1000;
  // CPU time as well: on a busy machine wall time also counts other processes' turns.
  const used = process.cpuUsage(cpu0);
  const cpuSeconds = (used.user + used.system) / 1e6;
  if (sample.length > 0) {
    const bytes = sample.reduce((n, c) => n + JSON.stringify(compactCapture(c)).length, 0);
    console.log(`decision records: ${Math.round(bytes / sample.length)} bytes per compacted record on average (a sample of ${sample.length})`);
  }
  return { podsPerSec: podCount / seconds, seconds, cpuSeconds, podsPerCpuSec: podCount / cpuSeconds, unschedulable };
}

async function endToEndBench(): Promise<{ podsPerSec: number; seconds: number; cpuSeconds: number; createSeconds: number; bound: number; overcommitted: number }> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-bench-scheduler-"));
  const store = await openStore(`sqlite:${join(dir, "skiff.db")}`);
  try {
    const registry = new Registry(store);
    await registry.bootstrap();
    const client = new InProcessClient(registry);
    for (let i = 0; i < nodeCount; i++) await client.create(R.nodes, undefined, fakeNode(i));
    const informers = new InformerFactory(client);
    const recorder = withEvents ? new EventRecorder(client, "default-scheduler") : undefined;
    const decisions = withDecisions ? new DecisionRecorder() : undefined;
    const scheduler = new Scheduler({ client, informers, recorder, decisions });
    await scheduler.start();

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < podCount; i++) {
      const pod = fakePod(i);
      delete pod.metadata.uid;
      await client.create(R.pods, "default", pod);
    }
    const createSeconds = (performance.now() - t0) / 1000;
    while (scheduler.stats().bound < podCount) {
      await new Promise((r) => setTimeout(r, 2));
      if (performance.now() - t0 > 600_000) throw new Error(`only ${scheduler.stats().bound}/${podCount} bound after 10 minutes`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu0);
    const cpuSeconds = (used.user + used.system) / 1e6;

    // Check the result through the API, not the scheduler's own cache.
    const list = await client.list<Pod>(R.pods, "default");
    const perNode = new Map<string, number>();
    for (const p of list.items) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    const bound = [...perNode.values()].reduce((a, b) => a + b, 0);
    const overcommitted = [...perNode.values()].filter((n) => n > 110).length;

    await scheduler.stop();
    await recorder?.flush();
    if (decisions) console.log(`decision records: ${decisions.recorded} recorded, ${decisions.size()} kept in memory`);
    informers.stopAll();
    return { podsPerSec: podCount / seconds, seconds, cpuSeconds, createSeconds, bound, overcommitted };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // The machine's load when the run began: on a shared box wall-clock pods/s says as much about the neighbours.
  const load1m = loadavg()[0];
  console.log(`scheduler benchmark: ${podCount} pods onto ${nodeCount} nodes${withEvents ? "" : " (no events)"}${withDecisions ? " (decision records on)" : ""}`);
  const cycle = cycleBench();
  const constrained = cycleBench(constrainedPod);
  const ratio = constrained.podsPerCpuSec / cycle.podsPerCpuSec;
  if (cycleOnly) {
    for (const [label, c] of [["cycle", cycle], ["cycle with spread + anti-affinity", constrained]] as const) {
      console.log(`${label}: ${Math.round(c.podsPerSec)} pods/s (${c.seconds.toFixed(2)} s wall, ${c.cpuSeconds.toFixed(2)} s cpu = ${Math.round(c.podsPerCpuSec)} pods/cpu-s; ${c.unschedulable} unschedulable)`);
    }
    console.log(`spread + anti-affinity / plain, per CPU second: ${ratio.toFixed(2)}`);
    return;
  }
  const e2e = await endToEndBench();
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  printTable(`scheduler: ${podCount} pods onto ${nodeCount} nodes`, [
    ["measurement", "result", "target (full size)"],
    ["scheduling cycle alone (scheduleOne + assume)", `${Math.round(cycle.podsPerSec)} pods/s (${cycle.seconds.toFixed(2)} s)`, "≥ 5,000 pods/s"],
    ["  per CPU second (ignores other processes)", `${Math.round(cycle.podsPerCpuSec)} pods/s`, ""],
    ["cycle, every pod with zone spread + per-node anti-affinity", `${Math.round(constrained.podsPerSec)} pods/s (${constrained.seconds.toFixed(2)} s; ${constrained.unschedulable} unschedulable)`, ""],
    ["  per CPU second, and its ratio to the plain cycle", `${Math.round(constrained.podsPerCpuSec)} pods/s (${ratio.toFixed(2)}×)`, ""],
    ["end to end (create pods → all bound, sqlite)", `${Math.round(e2e.podsPerSec)} pods/s (${e2e.seconds.toFixed(2)} s)`, "≥ 1,000 pods/s"],
    ["  of which creating the pods", `${e2e.createSeconds.toFixed(2)} s`, ""],
    ["  per CPU second (ignores other processes)", `${Math.round(podCount / e2e.cpuSeconds)} pods/s`, ""],
    ["pods bound (checked through the API)", `${e2e.bound}/${podCount}`, ""],
    ["process RSS after the run", `${Math.round(rssMiB)} MiB`, ""],
  ]);
  writeResult("scheduler", {
    pods: podCount,
    nodes: nodeCount,
    events: withEvents,
    decisions: withDecisions,
    cycle: { podsPerSec: Math.round(cycle.podsPerSec), seconds: round(cycle.seconds), podsPerCpuSec: Math.round(cycle.podsPerCpuSec), unschedulable: cycle.unschedulable },
    cycleSpreadAntiAffinity: {
      podsPerSec: Math.round(constrained.podsPerSec),
      seconds: round(constrained.seconds),
      podsPerCpuSec: Math.round(constrained.podsPerCpuSec),
      unschedulable: constrained.unschedulable,
      ratioToPlainPerCpuSec: round(ratio),
    },
    endToEnd: { podsPerSec: Math.round(e2e.podsPerSec), seconds: round(e2e.seconds), podsPerCpuSec: Math.round(podCount / e2e.cpuSeconds), createSeconds: round(e2e.createSeconds), bound: e2e.bound, overcommittedNodes: e2e.overcommitted },
    rssMiB: Math.round(rssMiB),
    loadAverage1m: round(load1m),
  });
  if (e2e.bound !== podCount || e2e.overcommitted > 0) process.exitCode = 1;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

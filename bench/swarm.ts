// bench:swarm — skiff beside a real peer, Docker Swarm mode on the same
// engine, and the raw engine underneath both, on the same three workloads:
//
//   create      N replicas → all Running                 (skiff: a Deployment; Swarm: `docker service create --replicas N`)
//   scale       N → M replicas, the new ones Running      (`kubectl scale` / `docker service scale`)
//   rolling     M replicas replaced B at a time, start-first: all new Running, no old left
//               (skiff: maxSurge B / maxUnavailable 0; Swarm: `docker service update` --update-parallelism B --update-order start-first)
//
//   node dist/bench/swarm.js                    N=20, M=50, B=5, one pass
//   node dist/bench/swarm.js --full             the same sizes, three passes, medians
//   [--replicas N] [--scale-to M] [--batch B] [--passes P] [--timeout-seconds S]
//
// Raw engine: the least work the engine must do for the same result, through
// dockerode: N (then M−N) parallel create+start, and for the rolling update,
// batches of B (create+start B new, then stop+remove B old).
//
// Fairness:
// - One engine, swarm mode active for all three (initialised here with
//   `--advertise-addr 127.0.0.1`, left at the end if it was not active before,
//   even on failure; a swarm that was already active is used and left alone).
// - Swarm gets the image by ID: for a tag it tries a registry pull before every
//   task (and only logs the failure), which is not orchestration cost.
// - The container stops at once on SIGTERM (`sleep` as PID 1 ignores it, and
//   every replacement would then wait out a grace period); grace 1 s everywhere.
// - Each side gets an untimed one-replica warm-up. skiff's side is watched
//   over HTTPS, as `kubectl get -w` would; Swarm's tasks are polled every 50 ms
//   (the CLI polls too), so Swarm's figures include up to 50 ms of polling.
// - "No old left" is stricter for skiff: old pods gone from the API (their
//   containers removed); for Swarm, old tasks shut down (Swarm keeps stopped
//   task containers as history until the service is removed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Dockerode from "dockerode";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import type { Client } from "../pkg/client/client.js";
import { HttpClient } from "../pkg/client/http-client.js";
import { loadKubeconfig } from "../pkg/client/kubeconfig.js";
import { startCluster, type Cluster } from "../pkg/cluster/cluster.js";
import { argInt, hasFlag, printTable, writeResult } from "./lib.js";

const IMAGE = "skiff/busybox:latest";
/** A long-running container that exits on SIGTERM, so a replacement costs no grace period. */
const COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];
const NAMESPACE = "default";
const POLL_MS = 50;
/** Label on the baseline's containers and on our services, so cleanup finds exactly ours. */
const BENCH_LABEL = "skiff.bench";

const full = hasFlag("--full");
const replicas = argInt("--replicas", 20);
const scaleTo = argInt("--scale-to", 50);
const batch = argInt("--batch", 5);
const passes = argInt("--passes", full ? 3 : 1);
const PHASE_LIMIT_MS = argInt("--timeout-seconds", 300) * 1000;
const runId = `${process.pid}-${Date.now().toString(36)}`;

export interface Workload {
  create: number;
  scale: number;
  rolling: number;
}
type System = "skiff" | "swarm" | "raw";
const ROWS: Array<keyof Workload> = ["create", "scale", "rolling"];

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + PHASE_LIMIT_MS;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`gave up after ${PHASE_LIMIT_MS / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

// ---- skiff ------------------------------------------------------------------------

function deployment(name: string, n: number, generation: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NAMESPACE, labels: { app: name } },
    spec: {
      replicas: n,
      selector: { matchLabels: { app: name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: batch, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "main", image: IMAGE, imagePullPolicy: "IfNotPresent", command: COMMAND, env: [{ name: "GENERATION", value: String(generation) }] }],
        },
      },
    },
  } as KubeObject;
}

interface PodState {
  generation: string;
  running: boolean;
}

/** The pods of one app, kept current by a watch over HTTPS (relists when it ends); waits check a predicate on every change. */
class PodTracker {
  readonly pods = new Map<string, PodState>();
  private waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  private stopped = false;
  private current: { stop(): void } | undefined;

  constructor(
    private readonly client: Client,
    private readonly selector: string,
  ) {}

  async start(): Promise<void> {
    const list = await this.client.list(R.pods, NAMESPACE, { labelSelector: this.selector });
    this.pods.clear();
    for (const p of list.items) this.observe("ADDED", p);
    const w = await this.client.watch(R.pods, NAMESPACE, { labelSelector: this.selector, resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
      this.observe(ev.type, ev.object);
    });
    this.current = w;
    void w.done.then(() => {
      if (!this.stopped) void this.start(); // server timeout or a broken stream: relist and watch again
    });
    this.check();
  }

  stop(): void {
    this.stopped = true;
    this.current?.stop();
  }

  count(f: (p: PodState) => boolean): number {
    let n = 0;
    for (const p of this.pods.values()) if (f(p)) n++;
    return n;
  }

  async waitFor(what: string, pred: () => boolean): Promise<void> {
    if (pred()) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push({ pred, resolve })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`gave up after ${PHASE_LIMIT_MS / 1000} s waiting for ${what} (${this.pods.size} pods)`)), PHASE_LIMIT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private observe(type: string, pod: KubeObject): void {
    const uid = String(pod.metadata.uid);
    if (type === "DELETED") this.pods.delete(uid);
    else {
      const spec = pod.spec as { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> } | undefined;
      const generation = spec?.containers?.[0]?.env?.find((e) => e.name === "GENERATION")?.value ?? "?";
      const running = (pod.status as { phase?: string } | undefined)?.phase === "Running" && !pod.metadata.deletionTimestamp;
      this.pods.set(uid, { generation, running });
    }
    this.check();
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.pred());
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

async function skiffPass(api: Client, name: string, n: number, m: number): Promise<Workload> {
  const tracker = new PodTracker(api, `app=${name}`);
  await tracker.start();
  const runningOf = (gen: string) => tracker.count((p) => p.running && p.generation === gen);
  try {
    const t0 = performance.now();
    await api.create(R.deployments, NAMESPACE, deployment(name, n, 1));
    await tracker.waitFor(`${n} pods Running`, () => runningOf("1") >= n);
    const create = seconds(t0);
    if (m === n) return { create, scale: NaN, rolling: NaN };

    const t1 = performance.now();
    await api.patch(R.deployments, NAMESPACE, name, "merge", { spec: { replicas: m } });
    await tracker.waitFor(`${m} pods Running`, () => runningOf("1") >= m);
    const scale = seconds(t1);

    const t2 = performance.now();
    const env = [{ name: "GENERATION", value: "2" }];
    await api.patch(R.deployments, NAMESPACE, name, "strategic", { spec: { template: { spec: { containers: [{ name: "main", env }] } } } });
    await tracker.waitFor(`${m} new pods Running, no old ones`, () => runningOf("2") >= m && tracker.count((p) => p.generation === "1") === 0);
    const rolling = seconds(t2);
    return { create, scale, rolling };
  } finally {
    await api.delete(R.deployments, NAMESPACE, name, { propagationPolicy: "Background" }).catch(() => undefined);
    await tracker.waitFor(`the pods of ${name} to be deleted`, () => tracker.pods.size === 0).catch((e: unknown) => console.error(String(e)));
    tracker.stop();
  }
}

// ---- Swarm ------------------------------------------------------------------------

type Task = { Status?: { State?: string }; DesiredState?: string; Spec?: { ContainerSpec?: { Env?: string[] } } };
const TERMINAL = new Set(["complete", "shutdown", "failed", "rejected", "remove", "orphaned"]);

function serviceSpec(name: string, imageRef: string, n: number, generation: number): Dockerode.ServiceSpec {
  return {
    Name: name,
    Labels: { [BENCH_LABEL]: runId },
    TaskTemplate: {
      ContainerSpec: { Image: imageRef, Command: COMMAND, Env: [`GENERATION=${generation}`], StopGracePeriod: 1e9, Labels: { [BENCH_LABEL]: runId } },
    },
    Mode: { Replicated: { Replicas: n } },
    // Delay 0 between batches; Monitor (how long each new task is watched for failure) at its minimum.
    UpdateConfig: { Parallelism: batch, Delay: 0, Order: "start-first", FailureAction: "continue", Monitor: 1e6 },
  } as Dockerode.ServiceSpec;
}

async function tasksOf(docker: Dockerode, serviceId: string): Promise<Task[]> {
  return (await docker.listTasks({ filters: { service: [serviceId] } })) as Task[];
}

const generationOf = (t: Task) => t.Spec?.ContainerSpec?.Env?.find((e) => e.startsWith("GENERATION="))?.slice("GENERATION=".length);
const taskRunning = (t: Task, gen: string) => t.Status?.State === "running" && t.DesiredState === "running" && generationOf(t) === gen;

async function swarmUpdate(docker: Dockerode, id: string, change: (spec: Dockerode.ServiceSpec) => void): Promise<void> {
  const svc = docker.getService(id);
  const info = (await svc.inspect()) as { Version: { Index: number }; Spec: Dockerode.ServiceSpec };
  change(info.Spec);
  // dockerode sends `opts` as both query and body unless split like this.
  await svc.update({ _query: { version: info.Version.Index }, _body: info.Spec } as unknown as Dockerode.ServiceSpec);
}

async function swarmPass(docker: Dockerode, imageRef: string, name: string, n: number, m: number): Promise<Workload> {
  let id: string | undefined;
  try {
    const t0 = performance.now();
    id = ((await docker.createService(serviceSpec(name, imageRef, n, 1))) as unknown as { id: string }).id;
    const sid = id;
    const running = async (gen: string) => (await tasksOf(docker, sid)).filter((t) => taskRunning(t, gen)).length;
    await until(`${n} tasks of ${name} running`, async () => (await running("1")) >= n);
    const create = seconds(t0);
    if (m === n) return { create, scale: NaN, rolling: NaN };

    const t1 = performance.now();
    await swarmUpdate(docker, sid, (s) => (s.Mode = { Replicated: { Replicas: m } }));
    await until(`${m} tasks of ${name} running`, async () => (await running("1")) >= m);
    const scale = seconds(t1);

    const t2 = performance.now();
    await swarmUpdate(docker, sid, (s) => ((s.TaskTemplate as { ContainerSpec: { Env?: string[] } }).ContainerSpec.Env = ["GENERATION=2"]));
    await until(`${m} new tasks of ${name} running, no old ones`, async () => {
      const tasks = await tasksOf(docker, sid);
      const fresh = tasks.filter((t) => taskRunning(t, "2")).length;
      const old = tasks.filter((t) => generationOf(t) === "1" && !TERMINAL.has(t.Status?.State ?? "")).length;
      return fresh >= m && old === 0;
    });
    const rolling = seconds(t2);
    return { create, scale, rolling };
  } finally {
    if (id) await removeService(docker, id);
  }
}

async function removeService(docker: Dockerode, id: string): Promise<void> {
  await docker
    .getService(id)
    .remove()
    .catch(() => undefined);
  // Swarm removes the task containers asynchronously; wait, so the next measurement starts on a quiet engine.
  await until(`the containers of service ${id} to be removed`, async () => (await docker.listContainers({ all: true, filters: { label: [`com.docker.swarm.service.id=${id}`] } })).length === 0).catch(
    (e: unknown) => console.error(String(e)),
  );
}

// ---- raw engine ---------------------------------------------------------------------

async function rawStart(docker: Dockerode, n: number, generation: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = await docker.createContainer({ Image: IMAGE, Cmd: COMMAND, Env: [`GENERATION=${generation}`], Labels: { [BENCH_LABEL]: runId }, StopTimeout: 1, HostConfig: { RestartPolicy: { Name: "no" } } });
      await c.start();
      return c.id;
    }),
  );
}

async function rawStopRemove(docker: Dockerode, ids: string[]): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const c = docker.getContainer(id);
      await c.stop({ t: 1 }).catch(() => undefined);
      await c.remove({ force: true });
    }),
  );
}

async function rawPass(docker: Dockerode, n: number, m: number): Promise<Workload> {
  const t0 = performance.now();
  const ids = await rawStart(docker, n, 1);
  const create = seconds(t0);
  if (m === n) {
    await rawStopRemove(docker, ids);
    return { create, scale: NaN, rolling: NaN };
  }
  const t1 = performance.now();
  ids.push(...(await rawStart(docker, m - n, 1)));
  const scale = seconds(t1);

  const t2 = performance.now();
  const fresh: string[] = [];
  for (let i = 0; i < ids.length; i += batch) {
    const old = ids.slice(i, i + batch);
    fresh.push(...(await rawStart(docker, old.length, 2)));
    await rawStopRemove(docker, old);
  }
  const rolling = seconds(t2);
  await rawStopRemove(docker, fresh);
  return { create, scale, rolling };
}

// ---- orchestration ------------------------------------------------------------------

interface SwarmSetup {
  initialised: boolean;
  hadGwBridge: boolean;
}

async function enterSwarm(docker: Dockerode): Promise<SwarmSetup> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  const hadGwBridge = (await docker.listNetworks({ filters: { name: ["docker_gwbridge"] } })).some((n) => n.Name === "docker_gwbridge");
  if (info.Swarm?.LocalNodeState === "active") {
    if (!info.Swarm.ControlAvailable) throw new Error("this engine is a swarm worker, not a manager: services cannot be created here");
    console.error("swarm mode was already active on this engine: using it, and leaving it active");
    return { initialised: false, hadGwBridge };
  }
  await docker.swarmInit({ ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1" });
  return { initialised: true, hadGwBridge };
}

async function leaveSwarm(docker: Dockerode, setup: SwarmSetup): Promise<void> {
  if (!setup.initialised) return;
  await docker.swarmLeave({ force: true }).catch((e: unknown) => console.error(`swarm leave: ${(e as Error).message}`));
  // swarm init made docker_gwbridge and leaving keeps it; remove it unless it was there before.
  if (!setup.hadGwBridge) await docker.getNetwork("docker_gwbridge").remove().catch(() => undefined);
}

async function sweep(docker: Dockerode): Promise<number> {
  const services = (await docker.listServices({ filters: { label: [`${BENCH_LABEL}=${runId}`] } }).catch(() => [])) as Array<{ ID: string }>;
  for (const s of services) await removeService(docker, s.ID);
  const left = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return services.length + left.length;
}

async function main(): Promise<void> {
  if (scaleTo < replicas) throw new Error(`--scale-to (${scaleTo}) must be at least --replicas (${replicas})`);
  const docker = new Dockerode();
  await docker.ping().catch(() => {
    throw new Error("Docker is not answering on /var/run/docker.sock: start it with `bash scripts/docker-up.sh`");
  });
  const image = (await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`image ${IMAGE} is missing: \`bash scripts/docker-up.sh\` imports it`);
    })) as { Id: string };

  console.log(`swarm benchmark: ${replicas} replicas, scale to ${scaleTo}, rolling update ${batch} at a time, ${passes} pass(es); skiff vs Docker Swarm vs the raw engine`);
  const stateDir = mkdtempSync(join(tmpdir(), "skiff-bench-swarm-"));
  let cluster: Cluster | undefined;
  let api: HttpClient | undefined;
  let swarm: SwarmSetup | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      api?.close();
      await cluster?.close({ removeContainers: true }).catch(() => undefined);
      const swept = await sweep(docker).catch(() => 0);
      if (swept > 0) console.error(`cleanup: removed ${swept} leftover service(s)/container(s)`);
      if (swarm) await leaveSwarm(docker, swarm);
      rmSync(stateDir, { recursive: true, force: true });
    })());
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const runs: Record<System, Workload[]> = { skiff: [], swarm: [], raw: [] };
  try {
    swarm = await enterSwarm(docker);
    cluster = await startCluster({ stateDir, store: "sqlite", port: 0, nodes: 1, runtime: "docker", onError: (c, e) => console.error(`${c}: ${e.message}`) });
    api = new HttpClient(loadKubeconfig(cluster.controlPlane.paths.kubeconfig));

    // Warm-up, untimed: one replica each way.
    await skiffPass(api, `warmup-${runId}`, 1, 1);
    await swarmPass(docker, image.Id, `skiff-bench-warmup-${runId}`, 1, 1);
    await rawPass(docker, 1, 1);

    const client = api;
    const measure: Record<System, (pass: number) => Promise<Workload>> = {
      skiff: (pass) => skiffPass(client, `swarm-bench-${pass}`, replicas, scaleTo),
      swarm: (pass) => swarmPass(docker, image.Id, `skiff-bench-${runId}-${pass}`, replicas, scaleTo),
      raw: () => rawPass(docker, replicas, scaleTo),
    };
    const order: System[] = ["skiff", "swarm", "raw"];
    for (let pass = 1; pass <= passes; pass++) {
      // A different system goes first each pass, so a drifting machine load favours none of them.
      for (const system of [...order.slice((pass - 1) % 3), ...order.slice(0, (pass - 1) % 3)]) {
        const w = await measure[system](pass);
        console.error(`pass ${pass} ${system.padEnd(5)}: ${fmtWorkload(w)}`);
        runs[system].push(w);
      }
    }
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }

  const labels: Record<keyof Workload, string> = {
    create: `${replicas} replicas → all Running`,
    scale: `scale ${replicas} → ${scaleTo}`,
    rolling: `rolling update of ${scaleTo}, ${batch} at a time`,
  };
  const rows = ROWS.map((w) => {
    const [skiff, sw, raw] = (["skiff", "swarm", "raw"] as const).map((s) => round(median(runs[s].map((r) => r[w]))));
    return { workload: w, label: labels[w], skiffSeconds: skiff, swarmSeconds: sw, rawSeconds: raw, skiffToSwarm: round(skiff / sw, 2), skiffToRaw: round(skiff / raw, 2), skiffWins: skiff < sw };
  });
  printTable(`swarm: skiff vs Docker Swarm vs the raw engine, ${IMAGE}, one engine (median of ${passes})`, [
    ["workload", "skiff (s)", "Swarm (s)", "raw engine (s)", "skiff / Swarm", "skiff / raw", "faster"],
    ...rows.map((r) => [r.label, r.skiffSeconds.toFixed(2), r.swarmSeconds.toFixed(2), r.rawSeconds.toFixed(2), `${r.skiffToSwarm.toFixed(2)}×`, `${r.skiffToRaw.toFixed(2)}×`, r.skiffWins ? "skiff" : "Swarm"]),
  ]);
  const result = {
    image: IMAGE,
    command: COMMAND,
    replicas,
    scaleTo,
    batch,
    passes,
    strategy: { skiff: `maxSurge ${batch}, maxUnavailable 0`, swarm: `parallelism ${batch}, order start-first, delay 0` },
    rows,
    runs,
  };
  writeResult("swarm", result);
  if (full) writeResult("swarm.full", result);
}

function fmtWorkload(w: Workload): string {
  return ROWS.map((k) => `${k} ${Number.isFinite(w[k]) ? w[k].toFixed(2) : "—"} s`).join(", ");
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);

// bench:startup — apply a Deployment of N busybox pods (`sleep 3600`) to a
// cluster on Docker and time until all N are Running; in the same run, time N
// parallel create+start of the same image straight through dockerode (what
// `docker run -d` does), the raw engine baseline. Target (issue 4): skiff ≤ 1.3×
// the raw engine at 20 replicas.
//
//   node dist/bench/startup.js [--replicas 20]   one size
//   node dist/bench/startup.js --full            1, 10, 20 and 50 replicas (issue 12)
//
// The cluster is startCluster() with the docker runtime (sqlite store in a temp
// state dir, HTTPS API on a free port); the deployment is created and watched
// over HTTPS, as `skiff apply` and `kubectl get -w` would. One node agent runs
// under a node name unique to this run (not startCluster's `node-1`): an agent
// sweeps every container labelled with its node name whose pod it does not
// know, so a second cluster on the same engine calling its node `node-1` (an
// e2e test, a user's `skiff up`) would lose its containers to ours and we to
// theirs. Both sides get one untimed warm-up container first, so neither pays
// for a cold engine or a cold JIT.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Dockerode from "dockerode";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { Agent } from "../pkg/agent/agent.js";
import type { Client } from "../pkg/client/client.js";
import { EventRecorder } from "../pkg/client/events.js";
import { HttpClient } from "../pkg/client/http-client.js";
import { InformerFactory } from "../pkg/client/informer.js";
import { loadKubeconfig } from "../pkg/client/kubeconfig.js";
import { startCluster, type Cluster } from "../pkg/cluster/cluster.js";
import { setUpPodNetwork, type PodNetworkSetup } from "../pkg/cluster/pod-network.js";
import { DockerRuntime } from "../pkg/runtime/docker.js";
import { LABELS } from "../pkg/runtime/runtime.js";
import { argInt, hasFlag, printTable, writeResult } from "./lib.js";

const IMAGE = "skiff/busybox:latest";
const NAMESPACE = "default";
const TARGET_RATIO = 1.3;
/** Any single phase (all Running, all gone) gives up after this long. */
const PHASE_LIMIT_MS = argInt("--timeout-seconds", 300) * 1000;

const full = hasFlag("--full");
const sizes = full ? [1, 10, 20, 50] : [argInt("--replicas", 20)];
const runId = `${process.pid}-${Date.now().toString(36)}`;
const nodeName = `bench-startup-${runId}`;
/** Label on the baseline's containers, so cleanup finds exactly ours. */
const RAW_LABEL = "skiff.bench";

interface Milestones {
  /** Seconds from the create call until the last pod object existed / was bound / was Running. */
  allCreated: number;
  allBound: number;
  allRunning: number;
  /** Median pod's create→Running time as seen by the watch. */
  medianPodRunning: number;
}

interface Point {
  replicas: number;
  skiffSeconds: number;
  rawSeconds: number;
  ratio: number;
  skiff: Milestones;
  raw: { createSeconds: number; startSeconds: number };
  at: string;
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function deployment(name: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NAMESPACE, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          // sleep as PID 1 ignores SIGTERM: without this every delete would wait the default 30 s.
          terminationGracePeriodSeconds: 1,
          containers: [
            // IfNotPresent, as `docker run` does: `:latest` would otherwise mean Always,
            // and a pull attempt against an unreachable registry is not what we time here.
            { name: "main", image: IMAGE, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] },
          ],
        },
      },
    },
  } as KubeObject;
}

/**
 * Watches the pods matching `selector` (list, then watch from its version;
 * relists if the watch ends) and resolves when `until(pods)` holds. Keeps the
 * first time each pod was seen, bound and Running.
 */
async function watchPods(
  client: Client,
  selector: string,
  until: (pods: Map<string, PodSeen>) => boolean,
  what: string,
  t0: number,
): Promise<Map<string, PodSeen>> {
  const pods = new Map<string, PodSeen>();
  const observe = (type: string, pod: KubeObject) => {
    const uid = String(pod.metadata.uid);
    if (type === "DELETED") {
      pods.delete(uid);
      return;
    }
    const now = seconds(t0);
    const seen = pods.get(uid) ?? { created: now };
    const spec = (pod as { spec?: { nodeName?: string } }).spec;
    const phase = (pod as { status?: { phase?: string } }).status?.phase;
    if (spec?.nodeName && seen.bound === undefined) seen.bound = now;
    if (phase === "Running" && seen.running === undefined) seen.running = now;
    seen.phase = phase;
    pods.set(uid, seen);
  };
  const deadline = performance.now() + PHASE_LIMIT_MS;
  for (;;) {
    const list = await client.list(R.pods, NAMESPACE, { labelSelector: selector });
    const live = new Set(list.items.map((p) => String(p.metadata.uid)));
    for (const uid of [...pods.keys()]) if (!live.has(uid)) pods.delete(uid);
    for (const p of list.items) observe("ADDED", p);
    if (until(pods)) return pods;
    let resolveMet!: () => void;
    const met = new Promise<void>((r) => (resolveMet = r));
    const w = await client.watch(R.pods, NAMESPACE, { labelSelector: selector, resourceVersion: list.metadata.resourceVersion }, (ev) => {
      if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
      observe(ev.type, ev.object);
      if (until(pods)) resolveMet();
    });
    const left = deadline - performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      met.then(() => "met" as const),
      w.done.then(() => "ended" as const),
      new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), Math.max(0, left)))),
    ]);
    clearTimeout(timer);
    w.stop();
    if (outcome === "met") return pods;
    if (outcome === "timeout") {
      const phases = [...pods.values()].map((p) => p.phase ?? "?").join(", ");
      throw new Error(`gave up after ${PHASE_LIMIT_MS / 1000} s waiting for ${what} (pods: ${pods.size} [${phases}])`);
    }
    // the watch ended (server timeout, expired version): relist and watch again
  }
}

interface PodSeen {
  created: number;
  bound?: number;
  running?: number;
  phase?: string;
}

/** Apply a Deployment of n replicas; seconds until all n pods are Running. */
async function skiffStartup(api: Client, name: string, n: number): Promise<Milestones> {
  const selector = `app=${name}`;
  const t0 = performance.now();
  const watching = watchPods(api, selector, (pods) => [...pods.values()].filter((p) => p.running !== undefined).length >= n, `${n} pods of ${name} Running`, t0);
  await api.create(R.deployments, NAMESPACE, deployment(name, n));
  const pods = await watching;
  const allRunning = seconds(t0);
  const running = [...pods.values()].filter((p) => p.running !== undefined);
  const max = (f: (p: PodSeen) => number | undefined) => Math.max(...running.map((p) => f(p) ?? NaN));
  const perPod = running.map((p) => p.running! - p.created).sort((a, b) => a - b);
  return {
    allCreated: round(max((p) => p.created)),
    allBound: round(max((p) => p.bound)),
    allRunning: round(allRunning),
    medianPodRunning: round(perPod[Math.floor((perPod.length - 1) / 2)]),
  };
}

/** Delete the deployment and wait until its pods are gone (the agent removes their containers first). */
async function deleteAndWait(api: Client, name: string): Promise<void> {
  await api.delete(R.deployments, NAMESPACE, name, { propagationPolicy: "Background" }).catch(() => undefined);
  await watchPods(api, `app=${name}`, (pods) => pods.size === 0, `the pods of ${name} to be deleted`, performance.now());
}

/** n parallel create+start through dockerode: `docker run -d IMAGE sleep 3600`, n times at once. */
async function rawStartup(docker: Dockerode, n: number): Promise<{ seconds: number; createSeconds: number; startSeconds: number; ids: string[] }> {
  const ids: string[] = [];
  const t0 = performance.now();
  let lastCreated = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const c = await docker.createContainer({ Image: IMAGE, Cmd: ["sleep", "3600"], Labels: { [RAW_LABEL]: runId }, HostConfig: { RestartPolicy: { Name: "no" } } });
      ids.push(c.id);
      lastCreated = Math.max(lastCreated, seconds(t0));
      await c.start();
    }),
  );
  const total = seconds(t0);
  return { seconds: total, createSeconds: lastCreated, startSeconds: total, ids };
}

async function removeContainers(docker: Dockerode, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
}

/** Whatever is left with our node's or our baseline's label. */
async function sweep(docker: Dockerode): Promise<number> {
  const left = [
    ...(await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${nodeName}`] } })),
    ...(await docker.listContainers({ all: true, filters: { label: [`${RAW_LABEL}=${runId}`] } })),
  ];
  await removeContainers(
    docker,
    left.map((c) => c.Id),
  );
  return left.length;
}

async function main(): Promise<void> {
  const docker = new Dockerode();
  try {
    await docker.ping();
  } catch {
    throw new Error("Docker is not answering on /var/run/docker.sock: start it with `bash scripts/docker-up.sh`");
  }
  await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`image ${IMAGE} is missing: \`bash scripts/docker-up.sh\` imports it`);
    });

  console.log(`startup benchmark: ${sizes.join(", ")} replica(s) of ${IMAGE} on Docker, node ${nodeName}`);
  const stateDir = mkdtempSync(join(tmpdir(), "skiff-bench-startup-"));
  let cluster: Cluster | undefined;
  let agent: Agent | undefined;
  let runtime: DockerRuntime | undefined;
  let podNet: PodNetworkSetup | undefined;
  let informers: InformerFactory | undefined;
  let api: HttpClient | undefined;
  const deployments: string[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (api) for (const d of deployments) await deleteAndWait(api, d).catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`));
      api?.close();
      await agent?.stop({ leaveContainers: false }).catch(() => undefined);
      informers?.stopAll();
      await podNet?.remove();
      await runtime?.close().catch(() => undefined);
      await cluster?.close({ removeContainers: true }).catch(() => undefined);
      const swept = await sweep(docker).catch(() => 0);
      if (swept > 0) console.error(`cleanup: removed ${swept} leftover container(s)`);
      rmSync(stateDir, { recursive: true, force: true });
    })());
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const points: Point[] = [];
  try {
    const clusterT0 = performance.now();
    // nodes: 0 — the agent is ours, below, wired exactly as startCluster wires its own.
    cluster = await startCluster({ stateDir, store: "sqlite", port: 0, nodes: 0, runtime: "docker", onError: (c, e) => console.error(`${c}: ${e.message}`) });
    runtime = new DockerRuntime({ docker });
    informers = new InformerFactory(cluster.client);
    const podInformer = informers.for(R.pods);
    await podInformer.start();
    // Pods on a pod network of their own, as startCluster's agents run them: sandbox + app container each.
    podNet = await setUpPodNetwork(runtime, `bench-${nodeName}`);
    agent = new Agent({
      podNetwork: podNet?.podNetwork,
      client: cluster.client,
      runtime,
      nodeName,
      podInformer,
      recorder: new EventRecorder(cluster.client, "kubelet"),
      stateDir: join(cluster.controlPlane.paths.dir, "agents", nodeName),
      onError: (e) => console.error(`agent ${nodeName}: ${e.message}`),
    });
    await agent.start();
    const clusterSeconds = seconds(clusterT0);
    api = new HttpClient(loadKubeconfig(cluster.controlPlane.paths.kubeconfig));

    // Warm-up, untimed: one container each way.
    deployments.push("warmup");
    await skiffStartup(api, "warmup", 1);
    await deleteAndWait(api, "warmup");
    deployments.pop();
    await removeContainers(docker, (await rawStartup(docker, 1)).ids);

    for (const n of sizes) {
      const name = `startup-${n}`;
      deployments.push(name);
      const skiff = await skiffStartup(api, name, n);
      console.error(`${n} replica(s): skiff ${skiff.allRunning} s (created ${skiff.allCreated} s, bound ${skiff.allBound} s)`);
      await deleteAndWait(api, name);
      deployments.pop();

      const raw = await rawStartup(docker, n);
      await removeContainers(docker, raw.ids);
      console.error(`${n} replica(s): raw engine ${round(raw.seconds)} s`);
      points.push({
        replicas: n,
        skiffSeconds: skiff.allRunning,
        rawSeconds: round(raw.seconds),
        ratio: round(skiff.allRunning / raw.seconds, 2),
        skiff,
        raw: { createSeconds: round(raw.createSeconds), startSeconds: round(raw.startSeconds) },
        at: new Date().toISOString(),
      });
    }

    const rows = [["replicas", "skiff apply → all Running (s)", "raw engine create+start (s)", "ratio", "target", "skiff: all created / bound (s)", "median pod (s)"]];
    for (const p of points) {
      rows.push([
        String(p.replicas),
        p.skiffSeconds.toFixed(2),
        p.rawSeconds.toFixed(2),
        `${p.ratio.toFixed(2)}×`,
        `≤ ${TARGET_RATIO}×`,
        `${p.skiff.allCreated.toFixed(2)} / ${p.skiff.allBound.toFixed(2)}`,
        p.skiff.medianPodRunning.toFixed(2),
      ]);
    }
    printTable(`startup: Deployment of N × ${IMAGE} (sleep 3600) on Docker, 1 node; baseline N parallel dockerode create+start`, rows);
    const headline = points.find((p) => p.replicas === 20) ?? points[points.length - 1];
    const result = {
      image: IMAGE,
      store: "sqlite",
      api: "HTTPS (HttpClient)",
      imagePullPolicy: "IfNotPresent",
      clusterStartSeconds: round(clusterSeconds),
      points,
      headline: { replicas: headline.replicas, skiffSeconds: headline.skiffSeconds, rawSeconds: headline.rawSeconds, ratio: headline.ratio },
      targets: { ratio: TARGET_RATIO, met: headline.ratio <= TARGET_RATIO },
    };
    console.log(`target (skiff ≤ ${TARGET_RATIO}× the raw engine at ${headline.replicas} replicas): ${result.targets.met ? "met" : "NOT met"}`);
    writeResult("startup", result);
    if (full) writeResult("startup.full", result);
  } finally {
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

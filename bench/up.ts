// bench:up — the two performance targets of issue 6, measured in one run:
//
//  1. `skiff up --runtime fake --nodes 3` until GET /healthz answers, next to
//     `node -e 0` (bare Node.js start-up) on the same machine in the same run.
//     Target: skiff ≤ 5× node. Reported for a fresh state dir (first run: the
//     CA and serving certificate are made) and a reused one (every later run).
//  2. `skiff get pods` round trip with 1,000 pods, next to `kubectl get pods`
//     against the same server. Target: skiff ≤ 3× kubectl.
//
//   node dist/bench/up.js [--runs 7] [--pods 1000]
//
// Every process is spawned the way a user starts it (node dist/cmd/skiff.js …)
// and timed from spawn to the answer (1) or to exit (2). Medians are reported;
// runs alternate so background noise hits both sides alike.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { R } from "../pkg/api/kinds.js";
import { HttpClient } from "../pkg/client/http-client.js";
import { loadKubeconfig } from "../pkg/client/kubeconfig.js";
import { argInt, percentile, printTable, writeResult } from "./lib.js";

const CLI = fileURLToPath(new URL("../cmd/skiff.js", import.meta.url));
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const RUNS = argInt("--runs", 7);
const PODS = argInt("--pods", 1000);
const UP_TARGET = 5;
const GET_TARGET = 3;

const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 0.5);
const round = (ms: number) => Math.round(ms * 10) / 10;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    // Timing only: the CA does not exist before the first start, so do not verify it here.
    const req = https.get({ host: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
  });
}

/** Spawn `skiff up` and poll /healthz every 2 ms; returns ms from spawn to the first 200. */
async function timeUp(home: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, "up", "--runtime", "fake", "--nodes", "3", "--port", String(port)], {
    env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" },
    stdio: "ignore",
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`skiff up exited ${child.exitCode}`);
      if (await healthz(port)) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 2));
      if (performance.now() - t0 > 60_000) throw new Error("skiff up: no answer within 60 s");
    }
  } finally {
    await stop(child);
  }
}

function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

async function benchUp() {
  const node: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const warmHome = mkdtempSync(join(tmpdir(), "skiff-bench-up-"));
  try {
    await timeUp(warmHome); // untimed: makes the PKI and warms the file cache
    for (let i = 0; i < RUNS; i++) {
      node.push(timeProcess(process.execPath, ["-e", "0"], process.env).ms);
      warm.push(await timeUp(warmHome));
      const coldHome = mkdtempSync(join(tmpdir(), "skiff-bench-up-cold-"));
      try {
        cold.push(await timeUp(coldHome));
      } finally {
        rmSync(coldHome, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(warmHome, { recursive: true, force: true });
  }
  return { node, cold, warm };
}

async function benchGet() {
  const home = mkdtempSync(join(tmpdir(), "skiff-bench-get-"));
  const kubeHome = mkdtempSync(join(tmpdir(), "skiff-bench-kube-"));
  const port = await freePort();
  // The control plane only (no nodes): pods stay Pending, nothing else writes while we measure.
  const up = spawn(process.execPath, [CLI, "up", "--runtime", "fake", "--nodes", "0", "--store", "memory", "--port", String(port)], {
    env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" },
    stdio: "ignore",
  });
  try {
    const deadline = Date.now() + 60_000;
    while (!(await healthz(port))) {
      if (Date.now() > deadline || up.exitCode !== null) throw new Error("control plane did not start");
      await new Promise((r) => setTimeout(r, 20));
    }
    const client = new HttpClient(loadKubeconfig(join(home, "kubeconfig")));
    try {
      for (let i = 0; i < PODS; i += 25) {
        await Promise.all(
          Array.from({ length: Math.min(25, PODS - i) }, (_, j) =>
            client.create(R.pods, "default", {
              apiVersion: "v1",
              kind: "Pod",
              metadata: { name: `bench-${String(i + j).padStart(4, "0")}`, labels: { app: "bench" } },
              spec: { containers: [{ name: "c", image: "skiff/busybox:latest", command: ["sleep", "3600"] }] },
            }),
          ),
        );
      }
    } finally {
      client.close();
    }
    const skiffEnv = { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" };
    const kubeEnv = { ...process.env, KUBECONFIG: join(home, "kubeconfig"), HOME: kubeHome };
    const haveKubectl = existsSync(KUBECTL);
    // Untimed warm-up: kubectl fills its discovery cache, both warm the page cache.
    const ours = timeProcess(process.execPath, [CLI, "get", "pods"], skiffEnv);
    const theirs = haveKubectl ? timeProcess(KUBECTL, ["get", "pods"], kubeEnv) : undefined;
    const rows = ours.stdout.trimEnd().split("\n").length - 1;
    const skiff: number[] = [];
    const kubectl: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      skiff.push(timeProcess(process.execPath, [CLI, "get", "pods"], skiffEnv).ms);
      if (haveKubectl) kubectl.push(timeProcess(KUBECTL, ["get", "pods"], kubeEnv).ms);
    }
    return { skiff, kubectl, rows, kubectlRows: theirs ? theirs.stdout.trimEnd().split("\n").length - 1 : undefined, sameOutputShape: theirs ? theirs.stdout.split("\n")[0] === ours.stdout.split("\n")[0] : undefined };
  } finally {
    await stop(up);
    rmSync(home, { recursive: true, force: true });
    rmSync(kubeHome, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`bench:up — ${RUNS} runs each; ${PODS} pods for the get round trip`);
  const up = await benchUp();
  const get = await benchGet();
  const nodeMs = median(up.node);
  const warmMs = median(up.warm);
  const coldMs = median(up.cold);
  const skiffGet = median(get.skiff);
  const kubectlGet = get.kubectl.length ? median(get.kubectl) : NaN;
  const upRatio = warmMs / nodeMs;
  const getRatio = skiffGet / kubectlGet;
  printTable("skiff up --runtime fake --nodes 3 until /healthz answers (median ms)", [
    ["what", "ms", "× node -e 0", `target ≤ ${UP_TARGET}×`],
    ["node -e 0", String(round(nodeMs)), "1", ""],
    ["skiff up (state dir reused)", String(round(warmMs)), upRatio.toFixed(2), upRatio <= UP_TARGET ? "met" : "MISSED"],
    ["skiff up (fresh state dir: makes CA + cert)", String(round(coldMs)), (coldMs / nodeMs).toFixed(2), coldMs / nodeMs <= UP_TARGET ? "met" : "MISSED"],
  ]);
  printTable(`get pods with ${get.rows} pods (median ms, process start to exit)`, [
    ["what", "ms", "× kubectl", `target ≤ ${GET_TARGET}×`],
    ["kubectl get pods", Number.isNaN(kubectlGet) ? "n/a (no kubectl)" : String(round(kubectlGet)), "1", ""],
    ["skiff get pods", String(round(skiffGet)), Number.isNaN(getRatio) ? "n/a" : getRatio.toFixed(2), Number.isNaN(getRatio) ? "" : getRatio <= GET_TARGET ? "met" : "MISSED"],
  ]);
  writeResult("up", {
    runs: RUNS,
    up: {
      command: "node dist/cmd/skiff.js up --runtime fake --nodes 3 --port P (sqlite store)",
      until: "GET /healthz answers 200",
      nodeStartupMs: round(nodeMs),
      warmStateDirMs: round(warmMs),
      freshStateDirMs: round(coldMs),
      ratioWarm: Number(upRatio.toFixed(2)),
      ratioFresh: Number((coldMs / nodeMs).toFixed(2)),
      target: `≤ ${UP_TARGET}× node -e 0`,
      met: upRatio <= UP_TARGET,
      samplesMs: { node: up.node.map(round), warm: up.warm.map(round), fresh: up.cold.map(round) },
    },
    getPods: {
      pods: get.rows,
      skiffMs: round(skiffGet),
      kubectlMs: Number.isNaN(kubectlGet) ? null : round(kubectlGet),
      ratio: Number.isNaN(getRatio) ? null : Number(getRatio.toFixed(2)),
      target: `≤ ${GET_TARGET}× kubectl get pods`,
      met: Number.isNaN(getRatio) ? null : getRatio <= GET_TARGET,
      kubectlRows: get.kubectlRows ?? null,
      sameHeader: get.sameOutputShape ?? null,
      samplesMs: { skiff: get.skiff.map(round), kubectl: get.kubectl.map(round) },
    },
  });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

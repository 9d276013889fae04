// bench:proxy — an HTTP backend measured directly and through the ServiceProxy
// in the same run, at several connection counts. Three processes (the backend,
// the proxy, the load generator) so the proxy's CPU is not shared with either
// end; everything listens on 127.0.0.0/8.
//
//   node dist/bench/proxy.js [--full] [--seconds N] [--connections 1,10,50]
//
// The load generator is node:http with a keep-alive Agent (autocannon is not a
// dependency and wrk is not assumed): `c` loops each send a request, wait for
// the response and send the next, for a fixed time after a short warm-up.
import { fork, type ChildProcess } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { argInt, hasFlag, percentile, printTable, writeResult } from "./lib.js";

const BACKEND = { host: "127.128.200.1", port: 8080 };
const CLUSTER_IP = "127.96.200.1";
const SERVICE_PORT = 80;
const BODY = "hello from the backend\n";
const WARMUP_MS = 500;

interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

type Msg = { type: "ready" } | { type: "result"; result: LoadResult } | { type: "stats"; cpuMs: number; stats: unknown };

// ---- roles ------------------------------------------------------------------------

async function runBackend(): Promise<void> {
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(BODY) });
    res.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(BACKEND.port, BACKEND.host, resolve));
  process.send!({ type: "ready" } satisfies Msg);
}

async function runProxy(): Promise<void> {
  // The real thing: registry, informers and ServiceProxy, with a selectorless
  // Service and hand-written Endpoints pointing at the backend.
  const { openStore } = await import("../pkg/store/index.js");
  const { Registry } = await import("../pkg/apiserver/registry.js");
  const { InProcessClient } = await import("../pkg/client/in-process.js");
  const { InformerFactory } = await import("../pkg/client/informer.js");
  const { ServiceProxy } = await import("../pkg/proxy/proxy.js");
  const { R } = await import("../pkg/api/kinds.js");
  const registry = new Registry(await openStore("memory"));
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  await client.create(R.services, "default", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "bench", namespace: "default" },
    spec: { clusterIP: CLUSTER_IP, ports: [{ port: SERVICE_PORT, targetPort: BACKEND.port }] },
  });
  await client.create(R.endpoints, "default", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "bench", namespace: "default" },
    subsets: [{ addresses: [{ ip: BACKEND.host }], ports: [{ port: BACKEND.port }] }],
  });
  const informers = new InformerFactory(client);
  const proxy = new ServiceProxy({ client, informers });
  await proxy.start();
  process.on("message", (m: { type: string }) => {
    if (m.type === "stats") {
      const u = process.cpuUsage();
      process.send!({ type: "stats", cpuMs: (u.user + u.system) / 1000, stats: proxy.stats() } satisfies Msg);
    }
  });
  process.send!({ type: "ready" } satisfies Msg);
}

async function runLoad(host: string, port: number, connections: number, ms: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const latencies: number[] = [];
  let requests = 0;
  let errors = 0;
  const start = performance.now();
  const measureFrom = start + WARMUP_MS;
  const end = measureFrom + ms;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.request({ host, port, path: "/", agent }, (res) => {
        res.on("data", () => {});
        res.on("end", () => {
          const t1 = performance.now();
          if (t0 >= measureFrom && t1 <= end) {
            requests++;
            latencies.push(t1 - t0);
          }
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const seconds = ms / 1000;
  const result: LoadResult = {
    requests,
    errors,
    seconds,
    rps: Math.round(requests / seconds),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
  };
  process.send!({ type: "result", result } satisfies Msg);
}

// ---- orchestration ----------------------------------------------------------------

const self = fileURLToPath(import.meta.url);

function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function start(role: string, args: string[] = []): { child: ChildProcess; next: () => Promise<Msg> } {
  const child = fork(self, ["--role", role, ...args], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const queue: Msg[] = [];
  const waiting: Array<(m: Msg) => void> = [];
  child.on("message", (m: Msg) => {
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  const next = () =>
    new Promise<Msg>((resolve, reject) => {
      const m = queue.shift();
      if (m) return resolve(m);
      waiting.push(resolve);
      child.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
    });
  return { child, next };
}

async function load(host: string, port: number, connections: number, ms: number): Promise<LoadResult> {
  const gen = start("load", [host, String(port), String(connections), String(ms)]);
  const m = await gen.next();
  gen.child.kill();
  if (m.type !== "result") throw new Error(`unexpected message from load generator: ${m.type}`);
  return m.result;
}

async function proxyCpuMs(proxy: ReturnType<typeof start>): Promise<number> {
  proxy.child.send({ type: "stats" });
  const m = await proxy.next();
  return m.type === "stats" ? m.cpuMs : NaN;
}

async function main(): Promise<void> {
  const full = hasFlag("--full");
  const ms = argInt("--seconds", 5) * 1000;
  const listAt = process.argv.indexOf("--connections");
  // --connections 1,10: only these levels (the CI smoke runs one short point)
  const levels = listAt >= 0 ? process.argv[listAt + 1].split(",").map(Number) : full ? [1, 10, 50, 100] : [1, 10, 50];
  const backend = start("backend");
  const proxy = start("proxy");
  try {
    await backend.next();
    await proxy.next();
    const points = [];
    for (const c of levels) {
      const direct = await load(BACKEND.host, BACKEND.port, c, ms);
      const cpuBefore = await proxyCpuMs(proxy);
      const proxied = await load(CLUSTER_IP, SERVICE_PORT, c, ms);
      const cpuAfter = await proxyCpuMs(proxy);
      const point = {
        connections: c,
        direct,
        proxied,
        throughputRatio: round(proxied.rps / direct.rps, 3),
        addedP99Ms: round(proxied.p99Ms - direct.p99Ms),
        // Proxy CPU per proxied request (warm-up included in the numerator, so slightly high).
        proxyCpuUsPerRequest: round(((cpuAfter - cpuBefore) * 1000) / Math.max(1, proxied.requests), 1),
      };
      points.push(point);
      console.error(`c=${c}: direct ${direct.rps} req/s p99 ${direct.p99Ms} ms · proxy ${proxied.rps} req/s p99 ${proxied.p99Ms} ms`);
    }
    const rows = [["connections", "direct req/s", "direct p99 ms", "proxy req/s", "proxy p99 ms", "ratio", "added p99 ms", "proxy CPU µs/req"]];
    for (const p of points) {
      rows.push([
        String(p.connections),
        String(p.direct.rps),
        p.direct.p99Ms.toFixed(2),
        String(p.proxied.rps),
        p.proxied.p99Ms.toFixed(2),
        `${(p.throughputRatio * 100).toFixed(0)}%`,
        p.addedP99Ms.toFixed(2),
        String(p.proxyCpuUsPerRequest),
      ]);
    }
    printTable(`proxy: node:http keep-alive backend, direct vs through ServiceProxy (${ms / 1000} s per point)`, rows);
    const at50 = points.find((p) => p.connections === 50);
    const targets = at50
      ? { throughputRatioAt50: at50.throughputRatio, addedP99MsAt50: at50.addedP99Ms, met: at50.throughputRatio >= 0.7 && at50.addedP99Ms <= 1 }
      : undefined;
    if (targets) console.log(`target at 50 connections (≥70% throughput, ≤1 ms added p99): ${targets.met ? "met" : "NOT met"}`);
    writeResult("proxy", { secondsPerPoint: ms / 1000, loadGenerator: "node:http keep-alive Agent", points, targets });
  } finally {
    backend.child.kill();
    proxy.child.kill();
  }
}

const roleAt = process.argv.indexOf("--role");
const role = roleAt >= 0 ? process.argv[roleAt + 1] : undefined;
const rest = roleAt >= 0 ? process.argv.slice(roleAt + 2) : [];
const run =
  role === "backend"
    ? runBackend()
    : role === "proxy"
      ? runProxy()
      : role === "load"
        ? runLoad(rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3]))
        : main();
run.catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

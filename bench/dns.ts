// bench:dns — queries per second and latency of the cluster DNS, measured with
// a real load generator (Debian's dnsperf) on loopback, against a baseline in
// the same run: a bare dns-packet server that answers every question with one
// fixed A record (the floor of decoding and encoding in Node). The cluster DNS
// answers from informer caches over a real in-process API server holding
// `--services` Services; the query file mixes Service A, SRV, NXDOMAIN and
// pod names, as pods with `ndots:5` search paths ask them.
//
//   node dist/bench/dns.js [--full] [--seconds N] [--services N]
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as packet from "dns-packet";
import { argInt, hasFlag, percentile, printTable, writeResult } from "./lib.js";

interface PerfResult {
  qps: number;
  completed: number;
  lost: number;
  avgMs: number;
  p99Ms: number;
}

const DNSPERF = process.env.DNSPERF ?? "dnsperf";

function haveDnsperf(): boolean {
  return spawnSync(DNSPERF, ["-h"], { stdio: "ignore" }).error === undefined;
}

/** dnsperf -v prints one line per answer ("> NOERROR name type latency"); the summary gives the rate. */
async function dnsperf(port: number, queryFile: string, seconds: number): Promise<PerfResult> {
  const child = spawn(DNSPERF, ["-s", "127.0.0.1", "-p", String(port), "-d", queryFile, "-l", String(seconds), "-q", "50", "-t", "5", "-v"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  await new Promise((r) => child.on("close", r));
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
  const latencies = [...out.matchAll(/^> \S+ \S+ \S+ ([0-9.]+)$/gm)].map((m) => Number(m[1]) * 1000).sort((a, b) => a - b);
  return {
    qps: num(/Queries per second:\s+([0-9.]+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    avgMs: num(/Average Latency \(s\):\s+([0-9.]+)/) * 1000,
    p99Ms: latencies.length ? percentile(latencies, 0.99) : NaN,
  };
}

async function baselineServer(): Promise<{ port: number; close(): void }> {
  const sock = createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const q = packet.decode(msg);
    const answers = (q.questions ?? []).map((qq) => ({ type: "A" as const, name: qq.name, ttl: 5, data: "10.96.0.1" }));
    sock.send(packet.encode({ type: "response", id: q.id, flags: packet.AUTHORITATIVE_ANSWER, questions: q.questions, answers }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  return { port: sock.address().port, close: () => sock.close() };
}

async function clusterServer(services: number): Promise<{ port: number; close(): Promise<void> }> {
  const { openStore } = await import("../pkg/store/index.js");
  const { Registry } = await import("../pkg/apiserver/registry.js");
  const { InProcessClient } = await import("../pkg/client/in-process.js");
  const { InformerFactory } = await import("../pkg/client/informer.js");
  const { InformerClusterView } = await import("../pkg/dns/informer-view.js");
  const { DnsServer } = await import("../pkg/dns/server.js");
  const { R } = await import("../pkg/api/kinds.js");
  const registry = new Registry(await openStore("memory"));
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  for (let i = 0; i < services; i++) {
    await client.create(R.services, "default", { apiVersion: "v1", kind: "Service", metadata: { name: `svc-${i}`, namespace: "default" }, spec: { ports: [{ name: "http", port: 80 }] } });
  }
  const informers = new InformerFactory(client);
  const view = new InformerClusterView(informers, "cluster.local");
  await view.start();
  const server = new DnsServer({ view, host: "127.0.0.1", port: 0 });
  await server.start();
  return {
    port: server.address.port,
    close: async () => {
      await server.stop();
      informers.stopAll();
      registry.close();
    },
  };
}

function queryFile(dir: string, services: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const svc = `svc-${i % services}`;
    lines.push(`${svc}.default.svc.cluster.local A`);
    // What a pod's resolver tries first for "svc-N.other" with ndots:5: a miss, answered with the SOA.
    if (i % 4 === 0) lines.push(`${svc}.other.default.svc.cluster.local A`);
    if (i % 8 === 0) lines.push(`_http._tcp.${svc}.default.svc.cluster.local SRV`);
  }
  const file = join(dir, "queries.txt");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

async function main(): Promise<void> {
  const full = hasFlag("--full");
  const seconds = argInt("--seconds", full ? 10 : 2);
  const services = argInt("--services", full ? 1000 : 100);
  if (!haveDnsperf()) {
    console.log("bench:dns skipped: dnsperf is not installed (Debian: apt-get install dnsperf)");
    writeResult("dns", { skipped: "dnsperf is not installed", seconds, services });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "skiff-bench-dns-"));
  try {
    const file = queryFile(dir, services);
    const base = await baselineServer();
    const baseline = await dnsperf(base.port, file, seconds);
    base.close();
    const cluster = await clusterServer(services);
    const skiff = await dnsperf(cluster.port, file, seconds);
    await cluster.close();
    const ratio = skiff.qps / baseline.qps;
    printTable(`Cluster DNS vs a bare dns-packet server, dnsperf -q 50, ${seconds} s each, ${services} Services`, [
      ["server", "queries/s", "avg (ms)", "p99 (ms)", "lost"],
      ["cluster DNS", skiff.qps.toFixed(0), skiff.avgMs.toFixed(2), skiff.p99Ms.toFixed(2), String(skiff.lost)],
      ["baseline", baseline.qps.toFixed(0), baseline.avgMs.toFixed(2), baseline.p99Ms.toFixed(2), String(baseline.lost)],
      ["ratio", `${(ratio * 100).toFixed(0)}%`, "", "", ""],
    ]);
    writeResult("dns", { seconds, services, outstanding: 50, skiff, baseline, ratio });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

// bench:api — create N pods through the HTTPS API with C concurrent clients on
// the sqlite store (a real `skiff up` child process), then list them. The
// baseline, measured in the same run, is raw better-sqlite3 inserts of the same
// JSON documents (one transaction per row, same pragmas).
//
//   node dist/bench/api.js [--count 10000] [--concurrency 50]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rawInsertBaseline } from "../pkg/store/sqlite.js";
import { loadKubeconfig } from "../pkg/client/kubeconfig.js";
import { RestClient } from "../pkg/client/rest.js";
import { argInt, percentile, printTable, writeResult, progress } from "./lib.js";

const count = argInt("--count", 10_000);
const concurrency = argInt("--concurrency", 50);

function podDoc(i: number): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `bench-${i}`, labels: { app: "bench", shard: String(i % 10) } },
    spec: {
      containers: [{ name: "main", image: "skiff/busybox:latest", command: ["sleep", "3600"], resources: { requests: { cpu: "10m", memory: "8Mi" } } }],
    },
  };
}

async function startServer(home: string, port: number): Promise<() => Promise<void>> {
  const server = fileURLToPath(new URL("./api-server.js", import.meta.url));
  // SKIFF_BENCH_NODE_ARGS="--cpu-prof" profiles the server side.
  const nodeArgs = (process.env.SKIFF_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, server, home, String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`the API server exited with ${code}`)));
  });
  return () =>
    new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "skiff-bench-api-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const stop = await startServer(home, port);
  try {
    const client = new RestClient(loadKubeconfig(join(home, "kubeconfig")));
    const latencies: number[] = [];
    let next = 0;
    const bar = progress("creating pods", count);
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const i = next++;
          if (i >= count) return;
          const s = process.hrtime.bigint();
          await client.request("POST", "/api/v1/namespaces/default/pods", { body: podDoc(i) });
          latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
          bar.tick();
        }
      }),
    );
    const createSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    bar.done();

    const l0 = process.hrtime.bigint();
    let listed = 0;
    let cont: string | undefined;
    do {
      const page = await client.request<{ items: unknown[]; metadata: { continue?: string } }>("GET", "/api/v1/namespaces/default/pods", { query: { limit: 500, continue: cont } });
      listed += page.items.length;
      cont = page.metadata.continue;
    } while (cont);
    const listSeconds = Number(process.hrtime.bigint() - l0) / 1e9;
    client.close();
    if (listed !== count) throw new Error(`listed ${listed} pods, created ${count}`);

    // Baseline: the same documents, as the server stored them in size, straight into sqlite.
    const docs = Array.from({ length: count }, (_, i) => JSON.stringify(podDoc(i)));
    const raw = rawInsertBaseline(join(home, "raw.db"), docs);

    latencies.sort((a, b) => a - b);
    const createsPerSec = count / createSeconds;
    const rawPerSec = count / raw.seconds;
    const result = {
      count,
      concurrency,
      createsPerSec: Math.round(createsPerSec),
      p50Ms: +percentile(latencies, 0.5).toFixed(2),
      p99Ms: +percentile(latencies, 0.99).toFixed(2),
      listSeconds: +listSeconds.toFixed(3),
      rawInsertsPerSec: Math.round(rawPerSec),
      ratioToRaw: +(createsPerSec / rawPerSec).toFixed(3),
      targets: { ratioToRaw: 0.25, p99Ms: 50 },
    };
    printTable(`API: ${count} pod creates over HTTPS, ${concurrency} concurrent clients, sqlite store`, [
      ["measure", "skiff", "baseline (raw sqlite)", "ratio"],
      ["creates/s", String(result.createsPerSec), String(result.rawInsertsPerSec), result.ratioToRaw.toFixed(3)],
      ["create p50 (ms)", String(result.p50Ms), "", ""],
      ["create p99 (ms)", String(result.p99Ms), "", ""],
      [`list ${count} pods, pages of 500 (s)`, String(result.listSeconds), "", ""],
    ]);
    writeResult("api", result);
  } finally {
    await stop();
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

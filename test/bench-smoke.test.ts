// Every benchmark at a CI size, so none can rot: each bench script runs as a
// child process with tiny sizes and must exit 0 and write its JSON. No timing
// is asserted (CI machines differ). Results and rendered docs go to a temp
// dir (SKIFF_BENCH_RESULTS_DIR / SKIFF_BENCH_DOCS_DIR), never over the record
// in bench/results and docs/. The Docker benchmarks skip, loudly, without an
// engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { dockerOrWarn } from "./helpers/docker.js";

const run = promisify(execFile);
const BENCH = fileURLToPath(new URL("../dist/bench/", import.meta.url));
const docker = await dockerOrWarn("the Docker benchmark smokes (startup, swarm)");
await docker?.close();

describe("benchmarks at CI size", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "skiff-bench-smoke-"));
    env = { ...process.env, SKIFF_BENCH_RESULTS_DIR: join(dir, "results"), SKIFF_BENCH_DOCS_DIR: join(dir, "docs") };
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs dist/bench/<script> and returns the JSON it wrote. */
  async function bench(script: string, result: string, args: string[]): Promise<Record<string, unknown>> {
    try {
      await run(process.execPath, [join(BENCH, script), ...args], { env, timeout: 150_000, maxBuffer: 16 * 2 ** 20 });
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      throw new Error(`${script} ${args.join(" ")} exited ${err.code}:\n${err.stdout}\n${err.stderr}`);
    }
    const file = join(dir, "results", `${result}.json`);
    expect(existsSync(file), `${script} wrote ${file}`).toBe(true);
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  }

  it("api", async () => {
    const r = await bench("api.js", "api", ["--count", "200", "--concurrency", "10"]);
    expect(r.count).toBe(200);
  }, 180_000);

  it("scheduler", async () => {
    const r = await bench("scheduler.js", "scheduler", ["--pods", "50", "--nodes", "10"]);
    expect(r).toMatchObject({ pods: 50, nodes: 10 });
    // Issue 25: the constrained cycle beside the plain one, same run, and the load it ran under.
    expect((r.cycleSpreadAntiAffinity as { podsPerSec: number }).podsPerSec).toBeGreaterThan(0);
    expect(typeof r.loadAverage1m).toBe("number");
  }, 180_000);

  it("cluster-scale", async () => {
    const r = await bench("cluster-scale.js", "cluster-scale", ["--nodes", "5", "--replicas", "10", "--scale-to", "20", "--timeout-seconds", "120"]);
    expect(r).toMatchObject({ nodes: 5, replicas: 10, scaleTo: 20 });
  }, 180_000);

  it("protobuf decode vs JSON", async () => {
    const r = await bench("protobuf.js", "protobuf", ["--iterations", "200", "--rounds", "1"]);
    expect(r.ratio).toBeGreaterThan(0);
  }, 180_000);

  it("proxy", async () => {
    const r = await bench("proxy.js", "proxy", ["--seconds", "1", "--connections", "2"]);
    expect((r.points as unknown[]).length).toBe(1);
  }, 180_000);

  it("dns (dnsperf; a skipped result without it)", async () => {
    const r = await bench("dns.js", "dns", ["--seconds", "1", "--services", "10"]);
    expect(r.services).toBe(10);
    if (!r.skipped) expect((r.skiff as { qps: number }).qps).toBeGreaterThan(0);
  }, 180_000);

  it.skipIf(!docker)("startup (Docker)", async () => {
    const r = await bench("startup.js", "startup", ["--replicas", "2", "--timeout-seconds", "120"]);
    expect((r.points as Array<{ replicas: number }>)[0].replicas).toBe(2);
  }, 180_000);

  it.skipIf(!docker)("swarm (Docker)", async () => {
    const r = await bench("swarm.js", "swarm", ["--replicas", "2", "--scale-to", "3", "--batch", "2", "--timeout-seconds", "120"]);
    expect((r.rows as unknown[]).length).toBe(3);
  }, 180_000);

  it("renders the docs and the chart from whatever results exist", async () => {
    await run(process.execPath, [join(BENCH, "run.js"), "--docs-only"], { env, timeout: 60_000 });
    const md = readFileSync(join(dir, "docs", "benchmarks.md"), "utf8");
    for (const name of ["api", "scheduler", "startup", "proxy", "cluster-scale", "swarm"]) expect(md).toContain(`## ${name}`);
    expect(md).toContain("cycle, every pod with zone spread (maxSkew 1) + per-node anti-affinity (pods/s)");
    expect(readFileSync(join(dir, "docs", "benchmarks.svg"), "utf8")).toMatch(/^<\?xml[\s\S]*<\/svg>\n$/);
  }, 90_000);
});

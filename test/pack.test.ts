// The published package works: `npm pack` makes a tarball with dist/ inside
// (a plain `npm pack` runs `prepare`, i.e. tsc, first); `npm install -g --prefix <empty dir>` of
// that tarball gives a `skiff` bin that prints its version, starts a cluster
// on sqlite (better-sqlite3 compiled by the install) and answers a request.
//
// The install resolves dependencies from the npm cache first (--prefer-offline)
// and compiles better-sqlite3 from source (no prebuilt binary is reachable),
// so the whole test takes 1–3 minutes on 2 cores; it is opt-in:
// SKIFF_TEST_PACK=1 (.ci/run sets it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const enabled = process.env.SKIFF_TEST_PACK === "1";
if (!enabled) console.warn("\n*** SKIPPING the npm pack / install -g test: set SKIFF_TEST_PACK=1 (1–3 minutes; .ci/run does) ***\n");

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string };

describe.skipIf(!enabled)("npm pack + npm install -g of the tarball", () => {
  let dir: string;
  let prefix: string;
  let tarball: string;
  let files: string[] = [];
  let up: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-pack-"));
    prefix = join(dir, "prefix");
    // --ignore-scripts: `npm test` has just built dist/, and `prepare` (tsc) rewriting dist/ here would race
    // the other test files that run dist/cmd/skiff.js. A plain `npm pack` runs prepare and packs the same files.
    const packed = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, timeout: 300_000, maxBuffer: 64 * 2 ** 20 });
    const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, info[0].filename);
    files = info[0].files.map((f) => f.path);
    // A clean prefix: nothing of this checkout's node_modules is visible to the installed package.
    await run("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: dir, timeout: 600_000, maxBuffer: 64 * 2 ** 20 });
  }, 900_000);

  afterAll(async () => {
    if (up && up.exitCode === null) {
      up.kill("SIGKILL");
      await new Promise((r) => up!.once("exit", r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("packs the compiled CLI and what it reads at run time, not the sources or tests", () => {
    expect(files).toContain("package.json");
    expect(files).toContain("README.md");
    expect(files).toContain("dist/cmd/skiff.js");
    expect(files.some((f) => f.startsWith("manifests/"))).toBe(true);
    expect(files.some((f) => f.endsWith(".test.js"))).toBe(false);
    expect(files.some((f) => f.endsWith(".ts"))).toBe(false);
  });

  it("installs a skiff bin that prints its version", async () => {
    const bin = join(prefix, "bin", "skiff");
    expect(existsSync(bin)).toBe(true);
    const { stdout } = await run(bin, ["version", "--client"], { cwd: dir, env: { ...process.env, SKIFF_HOME: join(dir, "home") } });
    expect(stdout).toContain(pkg.version);
  });

  it("starts a cluster on sqlite with the installed bin and answers through it", async () => {
    const bin = join(prefix, "bin", "skiff");
    const state = join(dir, "state");
    const env = { ...process.env, SKIFF_HOME: state };
    up = spawn(bin, ["up", "--runtime", "fake", "--nodes", "1", "--port", "0", "--state-dir", state], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    up.stdout!.on("data", (d) => (out += d));
    up.stderr!.on("data", (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner after 60 s:\n${out}`)), 60_000);
      const check = () => {
        if (out.includes("skiff is up")) {
          clearTimeout(timer);
          resolve();
        }
      };
      up!.stdout!.on("data", check);
      up!.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`skiff up exited ${code}:\n${out}`));
      });
    });
    expect(out).toMatch(/store:\s+sqlite /);
    const kubeconfig = join(state, "kubeconfig");
    const nodes = await waitFor(async () => {
      const r = await run(bin, ["get", "nodes", "--kubeconfig", kubeconfig], { cwd: dir, env });
      return r.stdout.includes("node-1") ? r.stdout : undefined;
    });
    expect(nodes).toMatch(/node-1\s+Ready/);

    const exited = new Promise<number | null>((r) => up!.once("exit", r));
    up.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});

async function waitFor<T>(f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

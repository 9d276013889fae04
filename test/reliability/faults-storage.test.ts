// Storage faults: a damaged or truncated sqlite file, a full disk (a 3 MiB
// tmpfs as the state dir) and a read-only state dir. (Turning the file system
// read-only under a running skiff cannot be staged: Linux refuses to remount
// read-only while files are open for writing. The full disk covers that path:
// the same 503, from the same code.) skiff must refuse to start
// with a message naming the file and the cause (exit 1), or refuse writes with
// a 503 that says the store cannot write, keep serving reads, lose nothing it
// acknowledged, and recover once the disk has room again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, unlinkSync, existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../../pkg/api/kinds.js";
import { ApiError } from "../../pkg/api/errors.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { clientFor, kill9, killAll, startUp, upFails, type Up } from "./cli-helpers.js";
import { recordResult } from "./helpers.js";

const ARGS = ["--runtime", "fake", "--nodes", "1"];
const cm = (name: string, size = 100): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { v: "x".repeat(size) } }) as KubeObject;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "skiff-storage-"));
});
afterAll(() => {
  killAll();
  for (const m of mounts) {
    try {
      execFileSync("umount", ["-l", m]);
    } catch {
      // already gone
    }
  }
  rmSync(root, { recursive: true, force: true });
});

/** A home with some objects, stopped cleanly (the WAL checkpointed into the main file). */
async function populated(name: string, count = 40): Promise<string> {
  const home = join(root, name);
  const up = await startUp(home, ARGS);
  const client = clientFor(home);
  for (let i = 0; i < count; i++) await client.create(R.configmaps, "default", cm(`keep-${i}`, 500));
  client.rest.close();
  up.proc.kill("SIGTERM");
  await up.exited;
  return home;
}

describe("a damaged store file", () => {
  it("refuses to start on a file with a destroyed page, naming the file", async () => {
    const home = await populated("corrupt-page");
    const db = join(home, "skiff.db");
    const bytes = readFileSync(db);
    const at = bytes.indexOf("keep-20");
    expect(at).toBeGreaterThan(0);
    const page = Math.floor(at / 4096) * 4096;
    const fd = openSync(db, "r+");
    writeSync(fd, randomBytes(4096), 0, 4096, page);
    closeSync(fd);
    const r = await upFails(home, ARGS);
    recordResult({ kind: "fault", fault: "sqlite file with a page overwritten by garbage", refusedToStart: r.code === 1, message: lastLine(r.output) });
    expect(r.code).toBe(1);
    expect(r.output).toContain(`cannot open skiff store ${db}`);
    expect(r.output).toMatch(/corrupt|malformed|not a database/);
    expect(r.output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  }, 180_000);

  it("refuses to start on a truncated file", async () => {
    const home = await populated("truncated");
    const db = join(home, "skiff.db");
    truncateSync(db, Math.floor(statSync(db).size / 2) + 123);
    const r = await upFails(home, ARGS);
    recordResult({ kind: "fault", fault: "sqlite file truncated to half", refusedToStart: r.code === 1, message: lastLine(r.output) });
    expect(r.code).toBe(1);
    expect(r.output).toContain(`cannot open skiff store ${db}`);
    expect(r.output).not.toMatch(/\n\s+at /);
  }, 180_000);

  it("refuses to start on a file that is not a database at all", async () => {
    const home = await populated("garbage", 1);
    writeFileSync(join(home, "skiff.db"), randomBytes(20_000));
    const r = await upFails(home, ARGS);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/cannot open skiff store .*(not a database|corrupt)/);
  }, 180_000);

  it("starts from a torn write-ahead log (kill -9, then the log's tail cut off) and serves a consistent earlier state", async () => {
    const home = join(root, "torn-wal");
    const up = await startUp(home, ARGS);
    const client = clientFor(home);
    for (let i = 0; i < 30; i++) await client.create(R.configmaps, "default", cm(`w-${i}`, 3000));
    client.rest.close();
    await kill9(up);
    const wal = join(home, "skiff.db-wal");
    expect(existsSync(wal)).toBe(true);
    truncateSync(wal, Math.floor(statSync(wal).size * 0.7) + 17);
    const again = await startUp(home, ARGS);
    const c2 = clientFor(home);
    const names = (await c2.list(R.configmaps, "default")).items.map((o) => o.metadata.name!).filter((n) => n.startsWith("w-"));
    // A prefix of what was written: w-0 … w-k with no gaps, every object intact.
    const idx = names.map((n) => Number(n.slice(2))).sort((a, b) => a - b);
    expect(idx).toEqual(idx.map((_, i) => i));
    for (const o of (await c2.list(R.configmaps, "default")).items) {
      if (o.metadata.name!.startsWith("w-")) expect((o as unknown as { data: { v: string } }).data.v).toBe("x".repeat(3000));
    }
    recordResult({
      kind: "fault",
      fault: "write-ahead log torn after kill -9 (30% cut off)",
      startedWithPrefix: idx.length,
      of: 30,
      note: "started and served a consistent prefix, every object intact; the writes in the cut-off tail were destroyed by the injected damage, not by skiff",
    });
    c2.rest.close();
    await kill9(again);
  }, 180_000);
});

const mounts: string[] = [];
function mountTmpfs(dir: string, sizeMiB: number): boolean {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0700`, "tmpfs", dir], { stdio: "pipe" });
    mounts.push(dir);
    return true;
  } catch (e) {
    console.warn(`!! SKIPPING tmpfs fault tests: cannot mount a tmpfs (${(e as Error).message.split("\n")[0]})`);
    return false;
  }
}

function lastLine(s: string): string {
  return s.trim().split("\n").filter(Boolean).pop() ?? "";
}

describe("a full disk", () => {
  let up: Up | undefined;
  afterAll(async () => {
    if (up) await kill9(up);
  });

  it("refuses writes with 503 saying the disk is full, keeps serving reads, and recovers when space returns", async (ctx) => {
    const home = join(root, "full");
    if (!mountTmpfs(home, 3)) return ctx.skip();
    up = await startUp(home, ARGS);
    const client = clientFor(home);
    const ballast = join(home, "ballast");
    // Fill most of the disk; what is left fills up with objects.
    writeFileSync(ballast, Buffer.alloc(1024 * 1024));
    const acked: string[] = [];
    let failure: ApiError | undefined;
    for (let i = 0; i < 500 && !failure; i++) {
      try {
        await client.create(R.configmaps, "default", cm(`fill-${i}`, 20_000));
        acked.push(`fill-${i}`);
      } catch (e) {
        failure = e as ApiError;
      }
    }
    expect(failure, "the disk never filled").toBeDefined();
    expect(failure!.reason).toBe("ServiceUnavailable");
    expect(failure!.message).toMatch(/the store cannot save changes: the disk is full/);
    // Reads still work, and show exactly what was acknowledged.
    const listed = (await client.list(R.configmaps, "default")).items.map((o) => o.metadata.name!).filter((n) => n.startsWith("fill-"));
    expect(listed.sort()).toEqual([...acked].sort());
    // Room again: writes work without a restart.
    unlinkSync(ballast);
    await client.create(R.configmaps, "default", cm("after-full", 10));
    client.rest.close();
    await kill9(up);
    up = await startUp(home, ARGS);
    const c2 = clientFor(home);
    const after = new Set((await c2.list(R.configmaps, "default")).items.map((o) => o.metadata.name!));
    const lost = [...acked, "after-full"].filter((n) => !after.has(n));
    recordResult({ kind: "fault", fault: "disk full (3 MiB tmpfs state dir)", acknowledged: acked.length + 1, lost: lost.length, status: 503 });
    expect(lost).toEqual([]);
    c2.rest.close();
  }, 240_000);
});

describe("a read-only state dir", () => {
  it("refuses to start with a message naming the read-only file system", async (ctx) => {
    const home = join(root, "ro");
    if (!mountTmpfs(home, 8)) return ctx.skip();
    const up = await startUp(home, ARGS);
    const client = clientFor(home);
    await client.create(R.configmaps, "default", cm("before-ro"));
    client.rest.close();
    up.proc.kill("SIGTERM");
    await up.exited;
    execFileSync("mount", ["-o", "remount,ro", home]);
    const r = await upFails(home, ARGS);
    recordResult({ kind: "fault", fault: "read-only state dir at start", refusedToStart: r.code === 1, message: lastLine(r.output) });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/read-only file system/i);
    expect(r.output).not.toMatch(/\n\s+at /);
  }, 180_000);
});

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LockHeldError, acquireLockFile, isAlive } from "./lockfile.js";

let dir = "";
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = "";
});
function lockPath(): string {
  dir = mkdtempSync(join(tmpdir(), "skiff-lock-"));
  return join(dir, "skiff.db.lock");
}

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const pid = Number(r.stdout);
  expect(isAlive(pid)).toBe(false);
  return pid;
}

describe("acquireLockFile", () => {
  it("writes our pid, refuses a second holder, and releases idempotently", () => {
    const p = lockPath();
    const lock = acquireLockFile(p);
    expect(readFileSync(p, "utf8").trim()).toBe(String(process.pid));
    expect(readdirSync(dir)).toEqual(["skiff.db.lock"]); // no temp files left behind
    let err: unknown;
    try {
      acquireLockFile(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as LockHeldError).pid).toBe(process.pid);
    expect((err as Error).message).toContain(`${p} is held by running process ${process.pid} (this process)`);
    lock.release();
    lock.release();
    expect(existsSync(p)).toBe(false);
    acquireLockFile(p).release();
  });

  it("takes over a lock whose process is dead", () => {
    const p = lockPath();
    writeFileSync(p, `${deadPid()}\n`);
    const lock = acquireLockFile(p);
    expect(readFileSync(p, "utf8").trim()).toBe(String(process.pid));
    lock.release();
  });

  it("takes over a lock file with no pid in it", () => {
    const p = lockPath();
    writeFileSync(p, "");
    acquireLockFile(p).release();
    expect(existsSync(p)).toBe(false);
  });

  it("does not delete a lock that someone else took over meanwhile", () => {
    const p = lockPath();
    const lock = acquireLockFile(p);
    writeFileSync(p, "424242\n"); // as if another process had stolen it
    lock.release();
    expect(readFileSync(p, "utf8")).toBe("424242\n");
  });
});

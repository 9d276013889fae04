// A pid lock file: one skiff process owns a state file at a time, so two
// `skiff up` on the same state dir fail with a message instead of interleaving
// writes. The file holds the owner's pid; a lock whose pid is no longer running
// (the owner crashed or was killed) is taken over.
//
// Known gap: if two processes find the same dead owner at the same instant, both
// may unlink and one may remove the other's fresh lock. Starting two skiffs in
// the same millisecond right after a crash is rare enough to accept.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";

export class LockHeldError extends Error {
  override name = "LockHeldError";
  constructor(
    readonly lockPath: string,
    readonly pid: number,
  ) {
    super(
      `${lockPath} is held by running process ${pid}` +
        (pid === process.pid ? " (this process)" : "") +
        `; stop that process first (or delete the lock file if ${pid} is not skiff)`,
    );
  }
}

export interface FileLock {
  readonly path: string;
  /** Remove the lock if it is still ours; idempotent. */
  release(): void;
}

/** Take the lock or throw LockHeldError. Steals a lock whose pid is dead. */
export function acquireLockFile(lockPath: string): FileLock {
  const mine = `${process.pid}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    // Write the pid to a private file and hard-link it into place: link() fails
    // when the name exists, and a lock file is never seen half-written.
    const tmp = `${lockPath}.${process.pid}.tmp`;
    writeFileSync(tmp, mine);
    try {
      linkSync(tmp, lockPath);
      return lockHandle(lockPath, mine);
    } catch (err) {
      if (!isCode(err, "EEXIST")) throw err;
    } finally {
      unlinkQuietly(tmp);
    }
    const owner = readOwner(lockPath);
    if (owner === "gone") continue; // released between our link and our read
    if (owner !== "garbage" && isAlive(owner)) throw new LockHeldError(lockPath, owner);
    unlinkQuietly(lockPath); // dead owner or unreadable content: take over
  }
  throw new Error(`could not acquire ${lockPath}: it keeps changing (another process is racing for it)`);
}

function lockHandle(path: string, content: string): FileLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Only remove the file if nobody stole it from us meanwhile.
      try {
        if (readFileSync(path, "utf8") === content) unlinkSync(path);
      } catch (err) {
        if (!isCode(err, "ENOENT")) throw err;
      }
    },
  };
}

function readOwner(path: string): number | "gone" | "garbage" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (isCode(err, "ENOENT")) return "gone";
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : "garbage";
}

/** Signal 0 checks existence; EPERM means it exists but belongs to another user. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isCode(err, "EPERM");
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (!isCode(err, "ENOENT")) throw err;
  }
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === code;
}

// Every skiff process on a machine gets its own block of loopback addresses
// and node ports, so two clusters at once (two `skiff up`, parallel test files)
// never hand out the same service IP, node port or pod range: on loopback those
// would collide in the proxy's listeners and in Docker's port publishing.
//
// Block k: services 127.(96+k).0.0/16, node pod ranges starting at /24 number
// k·512 inside 127.128.0.0/10, node ports starting at 30000 + k·86. Block 0 is
// the documented default, so a single cluster looks exactly as DESIGN.md says.
// A block is claimed with an exclusive lock file holding the pid; a lock whose
// process is gone is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BLOCKS = 32;
let claimed: number | undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function tryLock(file: string): boolean {
  try {
    const fd = openSync(file, "wx", 0o644);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") return false;
    const pid = Number(readFileSync(file, "utf8").trim());
    if (pid === process.pid) return true;
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) return false;
    rmSync(file, { force: true });
    return tryLock(file);
  }
}

/** This process's block (claimed on first call, held until exit). SKIFF_ADDRESS_BLOCK pins one. */
export function addressBlock(): number {
  if (claimed !== undefined) return claimed;
  const pinned = process.env.SKIFF_ADDRESS_BLOCK;
  if (pinned !== undefined && /^\d+$/.test(pinned) && Number(pinned) < BLOCKS) return (claimed = Number(pinned));
  const dir = join(tmpdir(), "skiff-address-blocks");
  try {
    mkdirSync(dir, { recursive: true });
    for (let k = 0; k < BLOCKS; k++) {
      const file = join(dir, `${k}.lock`);
      if (tryLock(file)) {
        claimed = k;
        process.once("exit", () => rmSync(file, { force: true }));
        return k;
      }
    }
  } catch {
    // No writable temp dir: fall back to the default block.
  }
  return (claimed = 0);
}

export function serviceCidr(): { base: number; text: string } {
  const second = 96 + addressBlock();
  return { base: ((127 << 24) | (second << 16)) >>> 0, text: `127.${second}.0.0/16` };
}

/** Where this process starts looking for free node /24s and node ports. */
export function podRangeStart(): number {
  return addressBlock() * 512;
}

export function nodePortStart(min: number, max: number): number {
  return min + ((addressBlock() * 86) % (max - min + 1));
}

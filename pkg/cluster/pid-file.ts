// The files that let `skiff down` and `skiff status` find a running `skiff up`
// (foreground or --detach): $SKIFF_HOME/skiff.pid, skiff.log, and skiff.stop,
// a one-shot request read by the running process when it gets SIGTERM (so
// `down` can ask it to remove its containers, which only its agents know).
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./state-dir.js";

export interface DaemonPaths {
  pidFile: string;
  logFile: string;
  stopRequest: string;
}

export function daemonPaths(stateDir: string): DaemonPaths {
  return { pidFile: join(stateDir, "skiff.pid"), logFile: join(stateDir, "skiff.log"), stopRequest: join(stateDir, "skiff.stop") };
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function readPid(stateDir: string): number | undefined {
  const { pidFile } = daemonPaths(stateDir);
  if (!existsSync(pidFile)) return undefined;
  const n = parseInt(readFileSync(pidFile, "utf8").trim(), 10);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** The pid of a live skiff for this state dir; a stale file (crash, kill -9) counts as none. */
export function runningPid(stateDir: string): number | undefined {
  const pid = readPid(stateDir);
  return pid !== undefined && pid !== process.pid && processAlive(pid) ? pid : undefined;
}

export function writePidFile(stateDir: string, pid = process.pid): void {
  writeFileAtomic(daemonPaths(stateDir).pidFile, `${pid}\n`, 0o644);
}

/** Remove the pid file only if it still names this process (a newer skiff may have replaced it). */
export function releasePidFile(stateDir: string, pid = process.pid): void {
  if (readPid(stateDir) === pid) rmSync(daemonPaths(stateDir).pidFile, { force: true });
}

export interface StopRequest {
  removeContainers: boolean;
}

export function writeStopRequest(stateDir: string, req: StopRequest): void {
  writeFileSync(daemonPaths(stateDir).stopRequest, JSON.stringify(req) + "\n", { mode: 0o600 });
}

/** Read and delete the stop request; without one (Ctrl-C, plain kill) containers stay for adoption. */
export function takeStopRequest(stateDir: string): StopRequest {
  const { stopRequest } = daemonPaths(stateDir);
  if (!existsSync(stopRequest)) return { removeContainers: false };
  try {
    const req = JSON.parse(readFileSync(stopRequest, "utf8")) as Partial<StopRequest>;
    return { removeContainers: req.removeContainers === true };
  } catch {
    return { removeContainers: false };
  } finally {
    rmSync(stopRequest, { force: true });
  }
}

// `skiff up --detach`, `skiff down` and `skiff status`: a cluster in the
// background, found again through $SKIFF_HOME/skiff.pid.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { statePaths, volumesDir } from "../../pkg/cluster/paths.js";
import { daemonPaths, processAlive, readPid, releasePidFile, runningPid, writeStopRequest } from "../../pkg/cluster/pid-file.js";
import { loadKubeconfig, type ClusterConnection } from "../../pkg/client/kubeconfig.js";
import { ExitError } from "../context.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /healthz over the cluster's TLS; true when it answers "ok". */
export function apiHealthy(server: string, caPem: string | undefined, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(`${server}/healthz`, { ca: caPem, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(res.statusCode === 200 && body.trim() === "ok"));
      res.on("error", () => resolve(false));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/** Arguments for the background child: the same `up`, minus --detach and the manifests (the parent applies those). */
export function childArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--detach" || a === "-d") continue;
    if (a === "-f" || a === "--filename") {
      i++;
      continue;
    }
    if (a.startsWith("--filename=") || (a.startsWith("-f") && a.length > 2 && !a.startsWith("--"))) continue;
    out.push(a);
  }
  return out;
}

/** The banner the child printed, between "skiff is up" and "Press Ctrl-C". */
function bannerFrom(log: string): string | undefined {
  const start = log.indexOf("skiff is up");
  const end = log.indexOf("Press Ctrl-C to stop.", start);
  if (start < 0 || end < 0) return undefined;
  return log.slice(start, end);
}

export interface DetachOptions {
  stateDir: string;
  /** Give up waiting for the API after this long. */
  timeoutMs?: number;
}

/**
 * Start `skiff up` again as a detached child (stdout and stderr to skiff.log),
 * wait until it has written its pid file and /healthz answers, then print its
 * banner. Returns the connection for applying manifests.
 */
export async function runDetached(o: DetachOptions, argv: string[]): Promise<ClusterConnection> {
  const existing = runningPid(o.stateDir);
  if (existing) throw new ExitError(1, `error: skiff is already running for ${o.stateDir} (pid ${existing}) - \`skiff status\` shows it, \`skiff down\` stops it`);
  const paths = daemonPaths(o.stateDir);
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  const logFd = openSync(paths.logFile, "w", 0o600);
  const script = process.argv[1];
  const child = spawn(process.execPath, [...process.execArgv, script, "up", ...childArgs(argv)], {
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, NO_COLOR: "1", SKIFF_HOME: process.env.SKIFF_HOME ?? o.stateDir },
  });
  closeSync(logFd);
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code ?? -1));
  child.unref();
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  const log = () => (existsSync(paths.logFile) ? readFileSync(paths.logFile, "utf8") : "");
  for (;;) {
    if (exited !== undefined) {
      throw new ExitError(1, `error: skiff up exited (code ${exited}) before the API answered; its log (${paths.logFile}):\n${log().trimEnd()}`);
    }
    const banner = bannerFrom(log());
    if (banner && runningPid(o.stateDir) === child.pid) {
      const conn = loadKubeconfig(statePaths(o.stateDir).kubeconfig);
      if (await apiHealthy(conn.server, conn.caPem)) {
        process.stdout.write(`${banner}Running in the background (pid ${child.pid}); log: ${paths.logFile}\nStop it with \`skiff down\`; \`skiff status\` shows it.\n`);
        return conn;
      }
    }
    if (Date.now() > deadline) {
      try {
        process.kill(child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      throw new ExitError(1, `error: the API did not answer within ${Math.round((o.timeoutMs ?? 120_000) / 1000)}s; stopped the background skiff. Its log (${paths.logFile}):\n${log().trimEnd()}`);
    }
    await sleep(100);
  }
}

export interface DownOptions {
  stateDir: string;
  /** Default true: remove the containers this cluster's agents started. */
  removeContainers: boolean;
  /** Also delete the local-path provisioner's volume directories (<state dir>/volumes). Default: keep them. */
  removeVolumes?: boolean;
  timeoutMs?: number;
}

export async function runDown(o: DownOptions): Promise<void> {
  const pid = runningPid(o.stateDir);
  if (!pid) {
    // A pid file left by a crash or kill -9 names nothing: clear it.
    if (readPid(o.stateDir) !== undefined) rmSync(daemonPaths(o.stateDir).pidFile, { force: true });
    process.stdout.write(`skiff is not running (no live process in ${daemonPaths(o.stateDir).pidFile})${removeVolumes(o)}\n`);
    return;
  }
  writeStopRequest(o.stateDir, { removeContainers: o.removeContainers });
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  while (processAlive(pid)) {
    if (Date.now() > deadline) {
      throw new ExitError(1, `error: skiff (pid ${pid}) is still stopping after ${Math.round((o.timeoutMs ?? 120_000) / 1000)}s; run \`skiff down\` again, or kill -9 ${pid} (containers then stay until the next \`skiff up\` adopts them)`);
    }
    await sleep(100);
  }
  releasePidFile(o.stateDir, pid);
  process.stdout.write(`skiff stopped (pid ${pid})${o.removeContainers ? "; its containers were removed" : "; containers kept (the next `skiff up` adopts them)"}${removeVolumes(o)}\n`);
}

/**
 * Volumes outlive the cluster, as Docker's do, unless asked (`--volumes`). Only
 * the data goes: the PersistentVolume objects stay in the store, and the next
 * `skiff up` mounts empty directories for them.
 */
function removeVolumes(o: DownOptions): string {
  const dir = volumesDir(o.stateDir);
  if (!existsSync(dir)) return "";
  if (!o.removeVolumes) return `; volumes kept in ${dir} (\`skiff down --volumes\` removes them)`;
  rmSync(dir, { recursive: true, force: true });
  return "; its volumes were removed";
}

export async function runStatus(o: { stateDir: string }): Promise<void> {
  const pid = runningPid(o.stateDir);
  const paths = daemonPaths(o.stateDir);
  if (!pid) throw new ExitError(1, `skiff is not running for ${o.stateDir} - start it with \`skiff up\` (or \`skiff up --detach\`)`);
  const lines = [`skiff is running (pid ${pid})`];
  let conn: ClusterConnection | undefined;
  try {
    conn = loadKubeconfig(statePaths(o.stateDir).kubeconfig);
  } catch {
    conn = undefined;
  }
  const healthy = conn ? await apiHealthy(conn.server, conn.caPem) : false;
  lines.push(`  API server:  ${conn?.server ?? "unknown (no kubeconfig)"} (${healthy ? "healthy" : "not answering"})`);
  if (conn && healthy) {
    const nodes = await nodeSummary(conn).catch(() => undefined);
    if (nodes) lines.push(`  nodes:       ${nodes}`);
    lines.push(`  dashboard:   ${conn.server}/ui`);
  }
  lines.push(`  state dir:   ${o.stateDir}`);
  if (existsSync(paths.logFile)) lines.push(`  log:         ${paths.logFile}`);
  process.stdout.write(lines.join("\n") + "\n");
  if (!healthy) throw new ExitError(1);
}

async function nodeSummary(conn: ClusterConnection): Promise<string> {
  const { RestClient } = await import("../../pkg/client/rest.js");
  const client = new RestClient(conn);
  try {
    const list = await client.request<{ items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }>("GET", "/api/v1/nodes");
    const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    return `${list.items.length} (${ready} Ready)`;
  } finally {
    client.close();
  }
}

// What a fake container does, chosen per image, container name or pod name.
// Rules are merged in order (later rules win field by field), so a test can set
// an image-wide default and override one container.
import type { ContainerSpec, ExecResult } from "./runtime.js";
import { LABELS, normalizeImageRef } from "./runtime.js";

export interface FakeExecContext {
  /** Virtual ms since the container started running. */
  runningForMs: number;
}

export interface FakeBehaviour {
  /** Exit on its own after this many ms of running, with exitCode (default 0). */
  exitAfterMs?: number;
  exitCode?: number;
  /** Killed by the OOM killer after this many ms of running: exit 137, reason OOMKilled, an "oom" event. */
  oomAfterMs?: number;
  /** Runs until stopped, even if an earlier rule said otherwise. */
  neverExit?: boolean;
  /** start() takes this long; the container shows "created" meanwhile. */
  startDelayMs?: number;
  /** start() fails the way Docker does when the command cannot run (exit 127, message). */
  startError?: string;
  /** SIGTERM is ignored, so stop() ends with SIGKILL after its timeout (exit 137). */
  ignoreSigterm?: boolean;
  /** After SIGTERM the process needs this long to shut down, then exits with exitCodeOnTerm. */
  shutdownMs?: number;
  /** Exit code after a handled SIGTERM; default 143 (128 + 15), like a process killed by it. */
  exitCodeOnTerm?: number;
  /** ensureImage fails like a registry without that repository. */
  missingImage?: boolean;
  /** A pull takes this long. */
  pullDelayMs?: number;
  /** Lines written when it starts; default: command and args joined by spaces (nothing if neither). */
  logLines?: string[];
  /** While running, write logLine(n) every logEveryMs (n = 1, 2, …). */
  logEveryMs?: number;
  logLine?: (n: number) => string;
  /** Simulated load for stats(); memory above the memory limit means OOMKilled. */
  cpuMilli?: number;
  memoryBytes?: number;
  /** Outcome of exec (probes); "timeout" never answers. Default: see defaultExec. */
  exec?: (cmd: string[], ctx: FakeExecContext) => ExecResult | "timeout";
  /** With serveHttp: start listening only after this many ms of running (slow readiness). */
  serveAfterMs?: number;
  /** With serveHttp: status code per request path; default 200. */
  httpStatus?: (path: string, ctx: FakeExecContext) => number;
}

export interface FakeMatch {
  image?: string;
  /** The Kubernetes container name (label skiff.container). */
  container?: string;
  /** The pod name (label skiff.pod-name). */
  pod?: string;
  /** The engine-level container name. */
  name?: string;
}

export interface FakeBehaviourRule {
  /** Every given field must match; {} matches everything. */
  match: FakeMatch;
  /** A function sees the spec, e.g. to crash only while skiff.restart-count < 3. */
  behaviour: FakeBehaviour | ((spec: ContainerSpec) => FakeBehaviour);
}

/** Presets for the common faults. */
export const behaviours = {
  exitAfter: (ms: number, exitCode = 0): FakeBehaviour => ({ exitAfterMs: ms, exitCode }),
  /** Every container of the image crashes after ms, restart after restart. */
  crashLoop: (ms = 0, exitCode = 1): FakeBehaviour => ({ exitAfterMs: ms, exitCode }),
  oomAfter: (ms: number): FakeBehaviour => ({ oomAfterMs: ms }),
  slowStart: (ms: number): FakeBehaviour => ({ startDelayMs: ms }),
  missingImage: (): FakeBehaviour => ({ missingImage: true }),
  neverExit: (): FakeBehaviour => ({ neverExit: true }),
  ignoreSigterm: (): FakeBehaviour => ({ ignoreSigterm: true }),
};

function ruleMatches(m: FakeMatch, spec: ContainerSpec): boolean {
  if (m.image !== undefined && normalizeImageRef(m.image) !== normalizeImageRef(spec.image)) return false;
  if (m.container !== undefined && spec.labels[LABELS.container] !== m.container) return false;
  if (m.pod !== undefined && spec.labels[LABELS.podName] !== m.pod) return false;
  if (m.name !== undefined && spec.name !== m.name) return false;
  return true;
}

/** Merges the behaviours of all matching rules, later ones winning. */
export function resolveBehaviour(rules: readonly FakeBehaviourRule[], spec: ContainerSpec): FakeBehaviour {
  let out: FakeBehaviour = {};
  for (const r of rules) {
    if (!ruleMatches(r.match, spec)) continue;
    const b = typeof r.behaviour === "function" ? r.behaviour(spec) : r.behaviour;
    out = { ...out, ...b };
    if (b.neverExit) {
      out.exitAfterMs = undefined;
      out.oomAfterMs = undefined;
    } else if (b.exitAfterMs !== undefined || b.oomAfterMs !== undefined) {
      out.neverExit = undefined; // a later, more specific rule makes it exit after all
    }
  }
  return out;
}

/** Image-level behaviour (pulls), from rules that only constrain the image. */
export function resolveImageBehaviour(rules: readonly FakeBehaviourRule[], image: string): FakeBehaviour {
  const ref = normalizeImageRef(image);
  let out: FakeBehaviour = {};
  for (const r of rules) {
    const m = r.match;
    if (m.container !== undefined || m.pod !== undefined || m.name !== undefined) continue;
    if (m.image !== undefined && normalizeImageRef(m.image) !== ref) continue;
    if (typeof r.behaviour === "function") continue; // needs a container spec
    out = { ...out, ...r.behaviour };
  }
  return out;
}

/**
 * Exec without a configured behaviour: `true` → 0, `false` → 1, `echo a b` → "a b\n",
 * `sh -c "exit N"` → N, anything else → 0. Enough for exec probes in agent tests.
 */
export function defaultExec(cmd: string[]): ExecResult {
  const ok = (stdout = ""): ExecResult => ({ exitCode: 0, stdout, stderr: "" });
  if (cmd[0] === "false") return { exitCode: 1, stdout: "", stderr: "" };
  if (cmd[0] === "echo") return ok(cmd.slice(1).join(" ") + "\n");
  if ((cmd[0] === "sh" || cmd[0] === "/bin/sh") && cmd[1] === "-c" && cmd[2] !== undefined) {
    const m = /^\s*exit\s+(\d+)\s*$/.exec(cmd[2]);
    if (m) return { exitCode: Number(m[1]), stdout: "", stderr: "" };
  }
  return ok();
}

/** What a fake container writes when it starts, unless configured. */
export function defaultLogLines(spec: ContainerSpec): string[] {
  const words = [...(spec.command ?? []), ...(spec.args ?? [])];
  return words.length > 0 ? [words.join(" ")] : [];
}

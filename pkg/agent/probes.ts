// Liveness, readiness and startup probes with the Kubernetes fields and
// defaults (initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1,
// successThreshold 1, failureThreshold 3). A ProbeWorker runs one probe of one
// container instance on the injected clock and reports every outcome; the pod
// worker turns results into readiness, restarts and events.
//
// httpGet and tcpSocket go to the pod IP (where the runtime publishes the
// container's ports); their network timeouts run on real time because the
// network does, while scheduling (delay, period) uses the injected clock.
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { V1Container, V1Probe } from "@kubernetes/client-node";
import type { Clock, TimerHandle } from "../util/clock.js";
import { ExecTimeoutError, type ContainerId, type ContainerRuntime } from "../runtime/runtime.js";
import { resolvePort } from "./container-spec.js";

export type ProbeKind = "liveness" | "readiness" | "startup";

export interface ProbeOutcome {
  ok: boolean;
  /** Why it failed, in the kubelet's words ("HTTP probe failed with statuscode: 500"). */
  message: string;
}

export interface ProbeTarget {
  runtime: ContainerRuntime;
  containerId: ContainerId;
  podIP: string;
  container: V1Container;
}

/** Test hooks: replace the probe's own timing (all in ms). */
export interface ProbeTimingOverrides {
  initialDelayMs?: number;
  periodMs?: number;
  timeoutMs?: number;
}

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function probeTiming(p: V1Probe, kind: ProbeKind, o: ProbeTimingOverrides = {}): ProbeTiming {
  return {
    initialDelayMs: o.initialDelayMs ?? (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: o.periodMs ?? (p.periodSeconds || 10) * 1000,
    timeoutMs: o.timeoutMs ?? (p.timeoutSeconds || 1) * 1000,
    // liveness and startup must use 1 (validation enforces it in Kubernetes)
    successThreshold: kind === "readiness" ? p.successThreshold || 1 : 1,
    failureThreshold: p.failureThreshold || 3,
  };
}

const KIND_TITLE: Record<ProbeKind, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export function probeTitle(kind: ProbeKind): string {
  return KIND_TITLE[kind];
}

/** Runs a probe once. Never throws: every failure becomes ok=false with a message. */
export async function runProbe(p: V1Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    if (p.exec) return await execProbe(p.exec.command ?? [], target, timeoutMs);
    if (p.httpGet) {
      const port = resolvePort(p.httpGet.port as number | string, target.container);
      if (port === undefined) return { ok: false, message: `unknown port name ${String(p.httpGet.port)}` };
      return await httpProbe({
        scheme: p.httpGet.scheme === "HTTPS" ? "https" : "http",
        host: p.httpGet.host || target.podIP,
        port,
        path: p.httpGet.path || "/",
        headers: Object.fromEntries((p.httpGet.httpHeaders ?? []).map((h) => [h.name, h.value])),
        timeoutMs,
      });
    }
    if (p.tcpSocket) {
      const port = resolvePort(p.tcpSocket.port as number | string, target.container);
      if (port === undefined) return { ok: false, message: `unknown port name ${String(p.tcpSocket.port)}` };
      return await tcpProbe(p.tcpSocket.host || target.podIP, port, timeoutMs);
    }
    if (p.grpc) return { ok: false, message: "grpc probes are not supported by skiff" };
    return { ok: false, message: "probe has no handler" };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

async function execProbe(cmd: string[], t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  try {
    const r = await t.runtime.exec(t.containerId, cmd, { timeoutMs });
    if (r.exitCode === 0) return { ok: true, message: "" };
    const out = `${r.stdout}${r.stderr}`.trim();
    return { ok: false, message: out || `command ${JSON.stringify(cmd)} exited with ${r.exitCode}` };
  } catch (e) {
    if (e instanceof ExecTimeoutError) return { ok: false, message: `command timed out: "${cmd.join(" ")}" timed out after ${timeoutMs / 1000}s` };
    return { ok: false, message: (e as Error).message };
  }
}

interface HttpTarget {
  scheme: "http" | "https";
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** 200–399 is success, like the kubelet (redirects are not followed). */
export function httpProbe(t: HttpTarget): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const lib = t.scheme === "https" ? https : http;
    const url = `${t.scheme}://${t.host.includes(":") ? `[${t.host}]` : t.host}:${t.port}${t.path.startsWith("/") ? t.path : `/${t.path}`}`;
    const req = lib.get(url, { headers: { "User-Agent": "kube-probe/1.32", Accept: "*/*", ...t.headers }, timeout: t.timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      res.on("error", () => undefined);
      if (code >= 200 && code < 400) resolve({ ok: true, message: "" });
      else resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on("timeout", () => {
      req.destroy();
      resolve({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on("error", (e) => resolve({ ok: false, message: `Get "${url}": ${e.message}` }));
  });
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (o: ProbeOutcome) => {
      clearTimeout(timer);
      s.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` }), timeoutMs);
    s.once("connect", () => done({ ok: true, message: "" }));
    s.once("error", (e) => done({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

export interface ProbeReport {
  kind: ProbeKind;
  containerId: ContainerId;
  outcome: ProbeOutcome;
  /** The probe's overall result after this attempt (thresholds applied). */
  result: boolean;
  /** True when result differs from before this attempt. */
  changed: boolean;
  /** failureThreshold consecutive failures reached: a liveness or startup probe now restarts the container. */
  failedOut: boolean;
}

/**
 * Runs one probe of one container instance until stop(). Attempts never
 * overlap: the next starts a period after the previous ended.
 */
export class ProbeWorker {
  /** Liveness starts passing; readiness and startup start failing, as in Kubernetes. */
  result: boolean;
  private successes = 0;
  private failures = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly timing: ProbeTiming;

  constructor(
    readonly kind: ProbeKind,
    private readonly probe: V1Probe,
    private readonly target: ProbeTarget,
    private readonly clock: Clock,
    overrides: ProbeTimingOverrides,
    private readonly onReport: (r: ProbeReport) => void,
    /** Attempts are skipped while this says false (startup gates liveness and readiness). */
    private readonly gate: () => boolean = () => true,
  ) {
    this.result = kind === "liveness";
    this.timing = probeTiming(probe, kind, overrides);
  }

  /** Idempotent. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.schedule(this.timing.initialDelayMs);
  }

  /** Idempotent; an attempt in flight is ignored when it ends. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => void this.attempt(), ms);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    if (!this.gate()) {
      this.schedule(this.timing.periodMs);
      return;
    }
    const outcome = await runProbe(this.probe, this.target, this.timing.timeoutMs);
    if (this.stopped) return;
    const before = this.result;
    if (outcome.ok) {
      this.failures = 0;
      this.successes++;
      if (this.successes >= this.timing.successThreshold) this.result = true;
    } else {
      this.successes = 0;
      this.failures++;
      if (this.failures >= this.timing.failureThreshold) this.result = false;
    }
    const changed = before !== this.result;
    const failedOut = !outcome.ok && this.failures >= this.timing.failureThreshold;
    this.onReport({ kind: this.kind, containerId: this.target.containerId, outcome, result: this.result, changed, failedOut });
    // A startup probe is done once it passed. A failed liveness or startup probe
    // gets the container killed; its next instance gets new workers.
    if (this.kind === "startup" && this.result) return this.stop();
    if (this.kind !== "readiness" && failedOut) return this.stop();
    this.schedule(this.timing.periodMs);
  }
}

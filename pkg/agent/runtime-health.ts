// The kubelet's runtime status check (and what PLEG health stands for): the
// agent pings its container runtime every few seconds; once the engine has not
// answered for downAfterMs the node is not ready, with a message naming the
// runtime, and every pod on it is marked not ready so endpoints stop sending it
// traffic. The monitor only keeps the state; the agent acts on transitions.
import type { Clock } from "../util/clock.js";
import type { PodStatusWire } from "./types.js";
import { rfc3339 } from "./types.js";

/** How often the runtime is pinged. The kubelet checks runtime status every 5 s; 10 s is our budget to NotReady. */
export const DEFAULT_RUNTIME_CHECK_MS = 2_000;
/**
 * Silence after which the runtime counts as down: at least two missed checks,
 * so a slow ping on a loaded machine is not an outage; with the 2 s period the
 * node is NotReady at most ~7 s after the engine went away.
 */
export const DEFAULT_RUNTIME_DOWN_AFTER_MS = 5_000;

export type RuntimeTransition = "down" | "up" | undefined;

export interface RuntimeHealthOptions {
  clock: Clock;
  /** e.g. "docker://20.10.24": named in the node's Ready message. */
  runtimeVersion: () => string;
  downAfterMs?: number;
}

export class RuntimeHealth {
  private lastOk: number;
  private isDown = false;
  private lastError = "";

  constructor(private readonly opts: RuntimeHealthOptions) {
    this.lastOk = opts.clock.now();
  }

  get down(): boolean {
    return this.isDown;
  }

  /**
   * Feed one check's outcome; returns the transition it caused, if any.
   * Idempotent for repeated equal outcomes (only the first "down"/"up" is reported).
   */
  observe(ok: boolean, error = ""): RuntimeTransition {
    const now = this.opts.clock.now();
    if (ok) {
      this.lastOk = now;
      if (!this.isDown) return undefined;
      this.isDown = false;
      return "up";
    }
    this.lastError = error;
    if (this.isDown || now - this.lastOk < (this.opts.downAfterMs ?? DEFAULT_RUNTIME_DOWN_AFTER_MS)) return undefined;
    this.isDown = true;
    return "down";
  }

  /**
   * The node's Ready=False message while down, shaped like the kubelet's
   * ("container runtime is down, PLEG is not healthy: …") but naming the runtime.
   */
  message(): string {
    const silentS = Math.round((this.opts.clock.now() - this.lastOk) / 1000);
    const why = this.lastError ? `: ${this.lastError}` : "";
    return `container runtime is down, PLEG is not healthy: ${this.opts.runtimeVersion()} has not answered for ${silentS}s${why}`;
  }
}

/**
 * The pod's status with Ready and ContainersReady False and every container
 * not ready (what endpoints read), or undefined when it is not ready already
 * or finished. Container states are left as last seen: with the engine gone
 * nobody knows better, and Kubernetes leaves them too.
 */
export function notReadyStatus(status: Partial<PodStatusWire> | undefined, now: number): Partial<PodStatusWire> | undefined {
  if (!status || status.phase === "Succeeded" || status.phase === "Failed") return undefined;
  const ready = status.conditions?.find((c) => c.type === "Ready");
  const anyReadyContainer = (status.containerStatuses ?? []).some((c) => c.ready);
  if ((!ready || ready.status === "False") && !anyReadyContainer) return undefined;
  const next = structuredClone(status);
  const names = (next.containerStatuses ?? []).map((c) => c.name);
  for (const c of next.containerStatuses ?? []) c.ready = false;
  for (const c of next.conditions ?? []) {
    if (c.type !== "Ready" && c.type !== "ContainersReady") continue;
    if (c.status !== "False") c.lastTransitionTime = rfc3339(now);
    c.status = "False";
    c.reason = "ContainersNotReady";
    c.message = `containers with unready status: [${names.join(" ")}]`;
  }
  return next;
}

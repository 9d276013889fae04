// Kubernetes' per-container restart back-off (client-go flowcontrol.Backoff as the
// kubelet uses it): the first restart after a crash is immediate, then each crash
// waits base, 2×base, 4×base… up to max. An entry whose last restart lies more
// than resetAfterMs before the crash (the container ran that long) starts over.
import type { Clock } from "../util/clock.js";

export interface BackoffConfig {
  baseMs: number;
  maxMs: number;
  /** A container that ran this long before failing is back at baseMs (Kubernetes: 2 × max = 10 min). */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    readonly config: BackoffConfig = DEFAULT_BACKOFF,
  ) {}

  /** The delay the key currently waits (0 when unknown). */
  get(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  /**
   * True while a failure at eventTime (epoch ms) must still wait before the next try.
   * Read-only.
   */
  isInBackOffSince(key: string, eventTime: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) return false;
    return this.clock.now() - eventTime < e.backoffMs;
  }

  /** When the wait for a failure at eventTime ends (epoch ms). */
  readyAt(key: string, eventTime: number): number {
    return eventTime + this.get(key);
  }

  /** Record a retry now: the next failure waits base (new or expired entry) or twice as long as the last. */
  next(key: string, eventTime: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventTime)) {
      this.entries.set(key, { backoffMs: this.config.baseMs, lastUpdate: this.clock.now() });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.config.maxMs);
    e.lastUpdate = this.clock.now();
  }

  /** Forget the key (success, or the pod is gone). Idempotent. */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forget every key with this prefix (all containers of one pod). */
  resetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  private expired(e: Entry, eventTime: number): boolean {
    return eventTime - e.lastUpdate > this.config.resetAfterMs;
  }
}

/** Go's time.Duration.String(): "10s", "1m20s", "5m0s", "200ms" (the kubelet's messages use it). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000 && ms % 1000 !== 0) return `${ms / 1000}s`;
  const totalS = Math.round(ms / 1000);
  if (totalS < 60) return `${totalS}s`;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

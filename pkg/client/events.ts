// Records core/v1 Events ("Scheduled", "ScalingReplicaSet", "Killing"…) that
// `skiff describe` and `get events` show. Like client-go's EventRecorder it is
// fire-and-forget: a controller never waits for or fails on an event.
//
// Two protections keep a misbehaving object from flooding the store:
// - aggregation: the same (object, type, reason, message) seen again within ten
//   minutes bumps count and lastTimestamp of the existing Event (a PATCH)
//   instead of creating another one;
// - a per-object token bucket (client-go's EventSourceObjectSpamFilter): a burst
//   of 25, then one event per refill interval; the rest are dropped.
import { randomBytes } from "node:crypto";
import os from "node:os";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { realClock, type Clock } from "../util/clock.js";
import type { Client } from "./client.js";
import { rfc3339 } from "../api/time.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorderOptions {
  clock?: Clock;
  /** source.host; defaults to this machine's host name. */
  host?: string;
  /** Aggregate repeats seen within this window. Default 10 minutes. */
  aggregateWindowMs?: number;
  /** Per-object burst. Default 25. */
  burst?: number;
  /** One more token per object this often. Default 5 s. */
  refillMs?: number;
  /** How many (object, reason, message) series and objects to remember. Default 4096 each. */
  maxTracked?: number;
  /** Told about failed writes, which are otherwise dropped. */
  onError?: (e: Error) => void;
}

interface Series {
  namespace: string;
  name: string;
  count: number;
  lastSeen: number;
  /** Writes for one series run in order, so a PATCH never overtakes its CREATE. */
  chain: Promise<void>;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class EventRecorder {
  private readonly clock: Clock;
  private readonly host: string;
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly onError: (e: Error) => void;
  private readonly series: Lru<Series>;
  private readonly buckets: Lru<Bucket>;
  private readonly pending = new Set<Promise<void>>();
  /** Events dropped by the rate limit (for tests and metrics). */
  dropped = 0;

  constructor(
    private readonly client: Client,
    readonly component: string,
    opts: EventRecorderOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.host = opts.host ?? os.hostname();
    this.windowMs = opts.aggregateWindowMs ?? 10 * 60_000;
    this.burst = opts.burst ?? 25;
    this.refillMs = opts.refillMs ?? 5_000;
    this.onError = opts.onError ?? (() => undefined);
    const max = opts.maxTracked ?? 4096;
    this.series = new Lru(max);
    this.buckets = new Lru(max);
  }

  /** Record an event about obj. Never throws and never waits; see flush(). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    try {
      this.record(obj, type, reason, message);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Wait for every write started so far (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const meta = obj.metadata;
    const objId = meta.uid ?? `${obj.kind}/${meta.namespace ?? ""}/${meta.name ?? ""}`;
    if (!this.takeToken(objId)) {
      this.dropped++;
      return;
    }
    const now = this.clock.now();
    const seriesKey = `${objId}\u0000${type}\u0000${reason}\u0000${message}`;
    const existing = this.series.get(seriesKey);
    if (existing && now - existing.lastSeen <= this.windowMs) {
      existing.count++;
      existing.lastSeen = now;
      const count = existing.count;
      this.enqueue(existing, () => this.bump(existing, obj, type, reason, message, count, now));
      return;
    }
    const s: Series = {
      namespace: meta.namespace || "default",
      name: `${meta.name ?? "unknown"}.${randomBytes(8).toString("hex")}`,
      count: 1,
      lastSeen: now,
      chain: Promise.resolve(),
    };
    this.series.set(seriesKey, s);
    this.enqueue(s, () => this.create(s, obj, type, reason, message, 1, now));
  }

  private enqueue(s: Series, write: () => Promise<void>): void {
    const p = s.chain.then(write).catch((e: unknown) => this.fail(e));
    s.chain = p;
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async create(s: Series, obj: KubeObject, type: EventType, reason: string, message: string, count: number, now: number): Promise<void> {
    const ts = rfc3339(now);
    const meta = obj.metadata;
    const involved: Record<string, unknown> = { kind: obj.kind, name: meta.name, uid: meta.uid, apiVersion: obj.apiVersion, resourceVersion: meta.resourceVersion };
    // Cluster-scoped objects (nodes) have no namespace; their events live in "default".
    if (meta.namespace) involved.namespace = meta.namespace;
    const ev: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: s.name, namespace: s.namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      source: { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count,
    };
    try {
      await this.client.create(R.events, s.namespace, ev);
    } catch (e) {
      if (isApiError(e, "AlreadyExists")) return; // a retry of ours already landed
      throw e;
    }
  }

  private async bump(s: Series, obj: KubeObject, type: EventType, reason: string, message: string, count: number, now: number): Promise<void> {
    try {
      await this.client.patch(R.events, s.namespace, s.name, "merge", { count, lastTimestamp: rfc3339(now) });
    } catch (e) {
      // The first write failed or someone deleted the event: start it again.
      if (!isApiError(e, "NotFound")) throw e;
      s.name = `${obj.metadata.name ?? "unknown"}.${randomBytes(8).toString("hex")}`;
      await this.create(s, obj, type, reason, message, count, now);
    }
  }

  /** Token bucket per object: burst tokens, one back every refillMs. */
  private takeToken(objId: string): boolean {
    const now = this.clock.now();
    let b = this.buckets.get(objId);
    if (!b) {
      b = { tokens: this.burst, updated: now };
      this.buckets.set(objId, b);
    } else if (this.refillMs > 0) {
      const gained = Math.floor((now - b.updated) / this.refillMs);
      if (gained > 0) {
        b.tokens = Math.min(this.burst, b.tokens + gained);
        // Keep the remainder so slow, steady events still earn their tokens.
        b.updated = b.tokens === this.burst ? now : b.updated + gained * this.refillMs;
      }
    }
    if (b.tokens < 1) return false;
    b.tokens--;
    return true;
  }

  private fail(e: unknown): void {
    try {
      this.onError(e instanceof Error ? e : new Error(String(e)));
    } catch {
      // Recording events must never break the caller.
    }
  }
}

/** Least-recently-used map of bounded size (a Map keeps insertion order). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }
}

/** Event timestamps are metav1.Time: RFC 3339 with whole seconds. */

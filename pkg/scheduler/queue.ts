// The scheduling queue (kube-scheduler's PriorityQueue, simplified). Every
// pending pod is in exactly one place:
//
//   activeQ        ready to be scheduled; highest spec.priority first, then oldest
//   backoffQ       failed recently; waits out its back-off (1 s doubling to 10 s)
//   unschedulable  fitted nowhere; waits for a cluster event that could change
//                  that (node added, pod deleted…) — never retried by polling,
//                  except one slow safety flush (default 60 s) in case an event
//                  was missed
//   inFlight       popped; being scheduled or bound
//
// Back-off keeps a burst of events (say 500 pods deleted) from rescheduling the
// same unschedulable pod 500 times in a row.
import { realClock, type Clock, type TimerHandle } from "../util/clock.js";
import type { Pod } from "./framework.js";
import { KeyedHeap } from "./heap.js";
import { podInfoOf } from "./pod-info.js";

export interface QueuedPod {
  pod: Pod;
  key: string;
  /** Scheduling attempts so far (incremented by pop). */
  attempts: number;
  /** Plugins that rejected the pod on its last attempt; empty = unknown, any event may help. */
  rejectedBy: ReadonlySet<string>;
  /** When the last attempt failed (clock ms). */
  lastFailureAt: number;
  /** When it entered the unschedulable set. */
  unschedulableSince: number;
  /** The queue's move counter when the pod was popped (see addUnschedulable). */
  cycle: number;
  /** The pod's spec or labels changed while it was in flight. */
  changedInFlight: boolean;
  readonly priority: number;
  readonly createdMs: number;
  readonly seq: number;
}

/** A change in the cluster, and which plugins' rejections it could reverse. */
export interface ClusterEvent {
  label: string;
  helps: "all" | ReadonlySet<string>;
}

export interface SchedulingQueueOptions {
  clock?: Clock;
  /** First back-off after a failed attempt. Default 1 s. */
  initialBackoffMs?: number;
  /** Back-off cap. Default 10 s. */
  maxBackoffMs?: number;
  /** A pod left unschedulable this long is retried even without an event. Default 60 s. */
  unschedulableFlushMs?: number;
}

export interface QueueStats {
  active: number;
  backoff: number;
  unschedulable: number;
  inFlight: number;
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly flushMs: number;

  private readonly active = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => a.priority > b.priority || (a.priority === b.priority && (a.createdMs < b.createdMs || (a.createdMs === b.createdMs && a.seq < b.seq))),
  );
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => this.readyAt(a) < this.readyAt(b),
  );
  /** Insertion order is unschedulableSince order, so the first entry is always the next to flush. */
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly inFlight = new Map<string, QueuedPod>();

  private seq = 0;
  /** Bumped by every cluster event. */
  private moveCycle = 0;
  private waiters: Array<() => void> = [];
  private closed = false;
  private backoffTimer: { at: number; handle: TimerHandle } | undefined;
  private flushTimer: TimerHandle | undefined;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1_000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.flushMs = opts.unschedulableFlushMs ?? 60_000;
  }

  /** A pending pod appeared (or reappeared). Idempotent: a known pod is updated instead. */
  add(pod: Pod): void {
    if (this.closed) return;
    const key = podInfoOf(pod).key;
    if (this.has(key)) {
      this.update(pod);
      return;
    }
    const created = Date.parse(pod.metadata.creationTimestamp ?? "");
    this.pushActive({
      pod,
      key,
      attempts: 0,
      rejectedBy: new Set(),
      lastFailureAt: 0,
      unschedulableSince: 0,
      cycle: 0,
      changedInFlight: false,
      priority: podInfoOf(pod).priority,
      createdMs: Number.isNaN(created) ? 0 : created,
      seq: this.seq++,
    });
  }

  /**
   * A newer version of a pending pod. An unschedulable pod whose spec or
   * labels changed gets another chance; a status-only change (such as our own
   * PodScheduled condition) does not, or every failure would retry itself.
   */
  update(pod: Pod): void {
    if (this.closed) return;
    const key = podInfoOf(pod).key;
    const inFlight = this.inFlight.get(key);
    if (inFlight) {
      if (specChanged(inFlight.pod, pod)) inFlight.changedInFlight = true;
      inFlight.pod = pod;
      return;
    }
    const waiting = this.active.get(key) ?? this.backoff.get(key);
    if (waiting) {
      waiting.pod = pod;
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      const changed = specChanged(parked.pod, pod);
      parked.pod = pod;
      if (changed) {
        this.unschedulable.delete(key);
        this.requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  /** The pod is gone, bound, or no longer ours. Idempotent. */
  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key) || this.inFlight.has(key);
  }

  /** Take the most important active pod without waiting. */
  tryPop(): QueuedPod | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    q.attempts++;
    q.cycle = this.moveCycle;
    q.changedInFlight = false;
    this.inFlight.set(q.key, q);
    return q;
  }

  /** Wait for an active pod; undefined once the queue is closed. */
  async pop(): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const q = this.tryPop();
      if (q) return q;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** The pod is bound (or given up on): it leaves the queue. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The pod fitted nowhere. It waits for a cluster event that could help one
   * of rejectedBy — unless an event already came while it was being scheduled
   * (or the pod itself changed), in which case it is retried after back-off
   * rather than missing that event.
   */
  addUnschedulable(q: QueuedPod, rejectedBy: ReadonlySet<string>): void {
    if (this.inFlight.get(q.key) !== q) return; // deleted meanwhile
    this.inFlight.delete(q.key);
    q.rejectedBy = rejectedBy;
    q.lastFailureAt = this.clock.now();
    if (this.closed) return;
    if (q.changedInFlight || this.moveCycle > q.cycle) {
      this.pushBackoff(q);
      return;
    }
    q.unschedulableSince = this.clock.now();
    this.unschedulable.set(q.key, q);
    if (!this.flushTimer) this.armFlush();
  }

  /** The attempt failed for another reason (an error, a failed bind): retry after back-off. */
  addBackoff(q: QueuedPod): void {
    if (this.inFlight.get(q.key) !== q) return;
    this.inFlight.delete(q.key);
    q.lastFailureAt = this.clock.now();
    q.rejectedBy = new Set();
    if (!this.closed) this.pushBackoff(q);
  }

  /** Something changed in the cluster: wake the unschedulable pods it could help. */
  moveOnEvent(ev: ClusterEvent): void {
    this.moveCycle++;
    if (this.unschedulable.size === 0) return;
    for (const [key, q] of this.unschedulable) {
      if (!helps(ev, q.rejectedBy)) continue;
      this.unschedulable.delete(key);
      this.requeue(q);
    }
  }

  stats(): QueueStats {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** Wake pop() with undefined and stop the timers. */
  close(): void {
    this.closed = true;
    this.backoffTimer?.handle.cancel();
    this.backoffTimer = undefined;
    this.flushTimer?.cancel();
    this.flushTimer = undefined;
    this.wakeAll();
  }

  /** kube-scheduler's calculateBackoffDuration: initial × 2^(attempts−1), capped. */
  backoffMs(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts && d < this.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.maxBackoffMs);
  }

  // --- internals ----------------------------------------------------------------

  private readyAt(q: QueuedPod): number {
    return q.lastFailureAt + this.backoffMs(q.attempts);
  }

  private requeue(q: QueuedPod): void {
    if (this.readyAt(q) <= this.clock.now()) this.pushActive(q);
    else this.pushBackoff(q);
  }

  private pushActive(q: QueuedPod): void {
    this.active.push(q);
    this.wakeAll();
  }

  private pushBackoff(q: QueuedPod): void {
    this.backoff.push(q);
    this.armBackoff();
  }

  private wakeAll(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  /** One timer, at the earliest back-off expiry. */
  private armBackoff(): void {
    const head = this.backoff.peek();
    if (!head || this.closed) return;
    const at = this.readyAt(head);
    if (this.backoffTimer && this.backoffTimer.at <= at) return;
    this.backoffTimer?.handle.cancel();
    const handle = this.clock.setTimeout(() => {
      this.backoffTimer = undefined;
      const now = this.clock.now();
      for (let h = this.backoff.peek(); h && this.readyAt(h) <= now; h = this.backoff.peek()) {
        this.backoff.pop();
        this.pushActive(h);
      }
      this.armBackoff();
    }, at - this.clock.now());
    this.backoffTimer = { at, handle };
  }

  /** One timer, for the longest-waiting unschedulable pod. */
  private armFlush(): void {
    const first = this.unschedulable.values().next().value;
    if (!first || this.closed) return;
    const due = first.unschedulableSince + this.flushMs;
    this.flushTimer = this.clock.setTimeout(() => {
      this.flushTimer = undefined;
      const now = this.clock.now();
      for (const [key, q] of this.unschedulable) {
        if (q.unschedulableSince + this.flushMs > now) break;
        this.unschedulable.delete(key);
        this.requeue(q);
      }
      this.armFlush();
    }, due - this.clock.now());
  }
}

function helps(ev: ClusterEvent, rejectedBy: ReadonlySet<string>): boolean {
  if (ev.helps === "all" || rejectedBy.size === 0) return true;
  for (const p of rejectedBy) if (ev.helps.has(p)) return true;
  return false;
}

/** What matters for scheduling: the spec and the labels (status and metadata bookkeeping do not). */
export function specChanged(a: Pod, b: Pod): boolean {
  if (a === b) return false;
  return JSON.stringify(a.spec) !== JSON.stringify(b.spec) || JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {});
}

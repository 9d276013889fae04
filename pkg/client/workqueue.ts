// A rate-limited work queue shaped like client-go's workqueue: controllers put
// object keys on it from informer events and workers take them off.
//
// Guarantees (STYLE.md §1):
// - de-duplication: a key added many times before a worker takes it is handed
//   out once;
// - exclusivity: a key a worker holds (between get() and done()) is never handed
//   to another worker; if it is added again meanwhile it is queued once more
//   when done() is called, so the latest state is always reconciled;
// - FIFO among waiting keys;
// - per-key exponential back-off for failures (addRateLimited), reset by forget.
import { realClock, type Clock, type TimerHandle } from "../util/clock.js";

export interface WorkQueueOptions {
  /** First retry delay of addRateLimited; doubles per failure. Default 5 ms. */
  baseDelayMs?: number;
  /** Cap of the back-off. Default 1000 s, as client-go's default controller rate limiter. */
  maxDelayMs?: number;
  clock?: Clock;
  /** For logs and metrics only. */
  name?: string;
}

interface Delayed {
  at: number;
  timer: TimerHandle;
}

export class WorkQueue {
  readonly name: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: Clock;

  // FIFO of waiting keys: an array with a moving head, compacted now and then,
  // so taking a key is O(1) even with tens of thousands queued.
  private items: string[] = [];
  private head = 0;
  /** Keys that need processing (queued, or re-added while being processed). */
  private readonly dirty = new Set<string>();
  /** Keys a worker holds right now. */
  private readonly processing = new Set<string>();
  /** get() calls waiting for a key. */
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  /** addAfter timers; only the earliest per key is kept. */
  private readonly delayed = new Map<string, Delayed>();
  private readonly failures = new Map<string, number>();
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    this.clock = opts.clock ?? realClock;
    this.name = opts.name ?? "queue";
  }

  /** Number of keys waiting to be handed out (not counting held or delayed ones). */
  get length(): number {
    return this.items.length - this.head;
  }

  /** True after shutDown(). */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Queue key now. Idempotent while the key waits; ignored after shutDown(). */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A held key goes back on the queue in done(), never to a second worker.
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Queue key after ms of the clock's time. Of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimeout(() => {
      // Only the timer still registered for the key may fire it.
      if (this.delayed.get(key)?.timer !== timer) return;
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** The delay the next addRateLimited(key) would use (base·2^failures, capped). */
  backoffFor(key: string): number {
    const n = this.failures.get(key) ?? 0;
    // 2 ** n overflows to Infinity for large n, and min() still caps it.
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** n);
  }

  /** Queue key after its per-key exponential back-off and count one more failure. */
  addRateLimited(key: string): void {
    const delay = this.backoffFor(key);
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    this.addAfter(key, delay);
  }

  /** Reset key's failure count (call after a successful reconcile). Idempotent. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times key has been rate-limited since the last forget(). */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * Wait for a key and hold it until done(key). Resolves undefined once the
   * queue is shut down and no keys are left waiting.
   */
  get(): Promise<string | undefined> {
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Release a key taken with get(). If it was re-added meanwhile it is queued again. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    if (this.dirty.has(key)) this.push(key);
  }

  /**
   * Stop accepting keys and cancel delayed ones. Workers blocked in get() wake
   * with undefined; keys already waiting are still handed out until drained.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    // Waiters exist only while the queue is empty, so all of them get undefined.
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private push(key: string): void {
    const w = this.waiters.shift();
    if (w) {
      // Hand the key straight to a waiting worker.
      this.dirty.delete(key);
      this.processing.add(key);
      w(key);
      return;
    }
    this.items.push(key);
  }

  private take(): string | undefined {
    if (this.head >= this.items.length) return undefined;
    const key = this.items[this.head++] as string;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}

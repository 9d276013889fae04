// Runs one reconciler with N workers over a WorkQueue (STYLE.md §1): a key
// comes off the queue, reconcile(key) makes the world match the declared state,
// and the outcome decides whether and when the key comes back.
import { isApiError } from "../api/errors.js";
import type { WorkQueue } from "../client/workqueue.js";

export interface ReconcileResult {
  /** Look again after this long (polling, e.g. a deadline); never used to retry errors. */
  requeueAfterMs?: number;
}

export interface Reconciler {
  readonly name: string;
  /**
   * Level-triggered and idempotent: re-read desired and actual state for key
   * ("namespace/name" or "name") and make them match. May be called any number
   * of times for the same key, never concurrently for one key. A missing object
   * is a state, not an error: return {}. Throw to be retried with back-off; throw
   * TerminalError for a failure that retrying cannot fix. signal aborts on stop().
   */
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult>;
}

/** A failure retrying cannot fix (bad spec, …): logged, never retried. */
export class TerminalError extends Error {
  override name = "TerminalError";
}

export interface ControllerRunnerOptions {
  /** Parallel workers; the queue still guarantees one worker per key. Default 2. */
  workers?: number;
  /** Told about every failed reconcile except Conflicts (the normal optimistic-concurrency path). */
  onError?: (key: string, e: Error) => void;
}

export class ControllerRunner {
  private readonly workers: number;
  private readonly onError: (key: string, e: Error) => void;
  private readonly abort = new AbortController();
  private running: Promise<void>[] = [];
  private started = false;

  constructor(
    private readonly reconciler: Reconciler,
    private readonly queue: WorkQueue,
    opts: ControllerRunnerOptions = {},
  ) {
    this.workers = Math.max(1, opts.workers ?? 2);
    this.onError = opts.onError ?? ((key, e) => console.error(`[${reconciler.name}] reconcile ${key} failed: ${e.message}`));
  }

  /** Start the workers. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.workers; i++) this.running.push(this.work());
  }

  /** Shut the queue down, abort in-flight reconciles' signal and wait for them to return. Idempotent. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    this.abort.abort();
    await Promise.all(this.running);
  }

  private async work(): Promise<void> {
    const signal = this.abort.signal;
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      if (signal.aborted) {
        // Stopping: keys still queued are left for the next start, not run now.
        this.queue.done(key);
        return;
      }
      try {
        await this.processOne(key, signal);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async processOne(key: string, signal: AbortSignal): Promise<void> {
    let result: ReconcileResult | undefined;
    try {
      result = await this.reconciler.reconcile(key, signal);
    } catch (raw) {
      const e = raw instanceof Error ? raw : new Error(String(raw));
      if (signal.aborted) return; // aborted by stop(): not a failure to retry
      if (e instanceof TerminalError) {
        this.report(key, e);
        this.queue.forget(key);
        return;
      }
      // Conflict means someone else wrote first: re-read and try again soon.
      // It goes through the same back-off, which starts at a few milliseconds.
      if (!isApiError(e, "Conflict")) this.report(key, e);
      this.queue.addRateLimited(key);
      return;
    }
    this.queue.forget(key);
    const after = result?.requeueAfterMs;
    if (after !== undefined && after >= 0 && Number.isFinite(after)) this.queue.addAfter(key, after);
  }

  private report(key: string, e: Error): void {
    try {
      this.onError(key, e);
    } catch {
      // A broken logger must not stop the worker.
    }
  }
}

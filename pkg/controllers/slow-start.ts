// Kubernetes' slowStartBatch (pkg/controller/replicaset): run `count` calls in
// batches of 1, 2, 4, … concurrently, and stop at the first batch with a
// failure. When every create is refused (a ResourceQuota, an admission
// webhook, a bad template) this costs one failed call instead of `count`,
// and the controller's expectations are lowered for the calls never made.

export interface SlowStartResult {
  /** Calls that resolved. */
  succeeded: number;
  /** Calls never made because an earlier batch failed (or the signal aborted). */
  skipped: number;
  /** The first failure, if any batch failed. */
  error?: unknown;
}

/** `fn(i)` for i in [0, count), in doubling batches starting at `initialBatch`. */
export async function slowStartBatch(
  count: number,
  initialBatch: number,
  fn: (index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<SlowStartResult> {
  let done = 0;
  let succeeded = 0;
  for (let size = Math.min(count, initialBatch); size > 0; size = Math.min(2 * size, count - done)) {
    if (signal?.aborted) break;
    const results = await Promise.allSettled(Array.from({ length: size }, (_, i) => fn(done + i)));
    done += size;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    succeeded += results.filter((r) => r.status === "fulfilled").length;
    if (failed) return { succeeded, skipped: count - done, error: failed.reason };
  }
  return { succeeded, skipped: count - done };
}

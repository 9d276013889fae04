// The one way tests wait: poll a probe until it returns something truthy.
// Errors thrown by the probe count as "not yet" (the last one is reported on
// timeout). With a FakeClock the wait is in that clock's time: each round
// advances it, so a test of timers and back-off never sleeps for real.
import type { FakeClock } from "../../pkg/util/clock.js";

export interface EventuallyOptions {
  /** Wait in this clock's time, advancing it by everyMs per round. */
  clock?: FakeClock;
  /** Give up after this long (default 10 s; real or virtual, as the clock says). */
  timeoutMs?: number;
  /** Pause between probes (default 20 ms real, or the clock step). */
  everyMs?: number;
}

type Falsy = undefined | null | false | 0 | "";

export async function eventually<T>(what: string, probe: () => T | Falsy | Promise<T | Falsy>, opts: EventuallyOptions = {}): Promise<T> {
  const clock = opts.clock;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const everyMs = opts.everyMs ?? 20;
  const now = () => (clock ? clock.now() : Date.now());
  const deadline = now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    if (now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    if (clock) await clock.advance(everyMs);
    else await new Promise((r) => setTimeout(r, everyMs));
  }
}

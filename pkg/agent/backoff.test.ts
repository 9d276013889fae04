import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.js";
import { Backoff, goDuration } from "./backoff.js";

describe("Backoff (kubelet semantics)", () => {
  it("lets the first retry go at once, then doubles up to max", async () => {
    const clock = new FakeClock(0);
    const b = new Backoff(clock, { baseMs: 10_000, maxMs: 40_000, resetAfterMs: 600_000 });
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const failedAt = clock.now();
      if (b.isInBackOffSince("k", failedAt)) {
        waits.push(b.get("k"));
        await clock.advance(b.readyAt("k", failedAt) - clock.now());
        expect(b.isInBackOffSince("k", failedAt)).toBe(false);
      } else waits.push(0);
      b.next("k", failedAt);
      await clock.advance(1000); // runs a second, then fails again
    }
    expect(waits).toEqual([0, 10_000, 20_000, 40_000, 40_000, 40_000]);
  });

  it("starts over when the last retry was longer ago than resetAfterMs", async () => {
    const clock = new FakeClock(0);
    const b = new Backoff(clock, { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 60_000 });
    b.next("k", 0);
    b.next("k", 0);
    expect(b.get("k")).toBe(20_000);
    await clock.advance(61_000);
    expect(b.isInBackOffSince("k", clock.now())).toBe(false);
    b.next("k", clock.now());
    expect(b.get("k")).toBe(10_000);
    b.resetPrefix("k");
    expect(b.get("k")).toBe(0);
  });

  it("formats durations like Go", () => {
    expect(goDuration(10_000)).toBe("10s");
    expect(goDuration(80_000)).toBe("1m20s");
    expect(goDuration(300_000)).toBe("5m0s");
    expect(goDuration(200)).toBe("200ms");
    expect(goDuration(1500)).toBe("1.5s");
  });
});

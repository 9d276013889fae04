import { describe, expect, it } from "vitest";
import { slowStartBatch } from "./slow-start.js";

describe("slowStartBatch", () => {
  it("runs batches of 1, 2, 4, … and all calls when none fails", async () => {
    const batches: number[][] = [];
    let inFlight: number[] = [];
    const r = await slowStartBatch(10, 1, async (i) => {
      inFlight.push(i);
      await Promise.resolve();
      if (inFlight.length > 0) batches.push(inFlight), (inFlight = []);
    });
    expect(r).toEqual({ succeeded: 10, skipped: 0 });
    expect(batches.map((b) => b.length)).toEqual([1, 2, 4, 3]);
  });

  it("stops after the first batch with a failure and reports what it skipped", async () => {
    const calls: number[] = [];
    const boom = new Error("refused");
    const r = await slowStartBatch(20, 1, async (i) => {
      calls.push(i);
      if (i === 4) throw boom;
    });
    // Batches [0], [1,2], [3..6]: the third fails; 13 calls are never made.
    expect(calls.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(r).toEqual({ succeeded: 6, skipped: 13, error: boom });
  });

  it("makes no call for zero and none after the signal aborts", async () => {
    expect(await slowStartBatch(0, 1, async () => undefined)).toEqual({ succeeded: 0, skipped: 0 });
    const ac = new AbortController();
    let n = 0;
    const r = await slowStartBatch(7, 1, async () => {
      if (++n === 3) ac.abort();
    }, ac.signal);
    expect(r).toEqual({ succeeded: 3, skipped: 4 });
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.js";
import { WorkQueue } from "./workqueue.js";

/** Let resolved promises run. */
const settle = () => new Promise((r) => setImmediate(r));

describe("WorkQueue", () => {
  it("hands out a key added many times before processing only once", async () => {
    const q = new WorkQueue();
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.length).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.length).toBe(0);
  });

  it("is FIFO", async () => {
    const q = new WorkQueue();
    for (const k of ["c", "a", "b", "d"]) q.add(k);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push((await q.get())!);
    expect(got).toEqual(["c", "a", "b", "d"]);
  });

  it("never gives a held key to a second worker; a re-add is queued after done()", async () => {
    const q = new WorkQueue();
    q.add("a");
    const first = await q.get();
    expect(first).toBe("a");
    q.add("a"); // changed while being processed
    q.add("b");
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await settle();
    expect(second).toBe("b"); // not "a": a is still held
    let third: string | undefined;
    void q.get().then((k) => (third = k));
    await settle();
    expect(third).toBeUndefined(); // a waits for done()
    q.done("a");
    await settle();
    expect(third).toBe("a");
  });

  it("wakes a waiting get() when a key is added", async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add("x");
    expect(await p).toBe("x");
  });

  it("shutDown wakes every waiting get() with undefined and drains queued keys first", async () => {
    const q = new WorkQueue();
    const waiting = [q.get(), q.get(), q.get()];
    q.shutDown();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined, undefined]);

    const q2 = new WorkQueue();
    q2.add("a");
    q2.shutDown();
    q2.add("b"); // ignored after shutdown
    expect(await q2.get()).toBe("a");
    expect(await q2.get()).toBeUndefined();
  });

  it("addAfter fires when the fake clock reaches the delay; the earliest delay wins", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter("a", 100);
    q.addAfter("a", 500); // later: ignored
    q.addAfter("b", 300);
    q.addAfter("b", 50); // earlier: replaces
    await clock.advance(49);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe("b");
    await clock.advance(50);
    expect(await q.get()).toBe("a");
    await clock.advance(1000);
    expect(q.length).toBe(0); // the superseded timers did not fire again
  });

  it("shutDown cancels delayed keys", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter("a", 10);
    q.shutDown();
    await clock.advance(100);
    expect(await q.get()).toBeUndefined();
  });

  it("addRateLimited backs off base·2^failures, capped, and forget resets it", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 100 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = clock.now();
      q.addRateLimited("k");
      // Step 1 ms at a time to find exactly when the key becomes available.
      while (q.length === 0) await clock.advance(1);
      delays.push(clock.now() - start);
      expect(await q.get()).toBe("k");
      q.done("k");
    }
    expect(delays).toEqual([10, 20, 40, 80, 100, 100]);
    expect(q.numRequeues("k")).toBe(6);
    q.forget("k");
    expect(q.numRequeues("k")).toBe(0);
    expect(q.backoffFor("k")).toBe(10);
    expect(q.backoffFor("other")).toBe(10);
  });

  it("default back-off starts at 5 ms and caps at 1000 s", () => {
    const q = new WorkQueue();
    expect(q.backoffFor("k")).toBe(5);
    for (let i = 0; i < 100; i++) q.addRateLimited("k");
    expect(q.backoffFor("k")).toBe(1_000_000);
    q.shutDown();
  });

  it("property: random add/get/done interleavings never hand one key to two workers and lose no add", async () => {
    const keys = ["a", "b", "c", "d"];
    const op = fc.oneof(
      fc.record({ t: fc.constant("add" as const), k: fc.constantFrom(...keys) }),
      fc.record({ t: fc.constant("get" as const) }),
      fc.record({ t: fc.constant("done" as const), i: fc.nat(10) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const q = new WorkQueue();
        const held: string[] = [];
        let time = 0;
        const lastAdd = new Map<string, number>();
        const lastHandout = new Map<string, number>();
        let violation = "";
        const onKey = (k: string | undefined) => {
          if (k === undefined) return;
          if (held.includes(k)) violation = `key ${k} handed out while held`;
          held.push(k);
          lastHandout.set(k, ++time);
        };
        for (const o of ops) {
          if (o.t === "add") {
            q.add(o.k);
            lastAdd.set(o.k, ++time);
          } else if (o.t === "get") {
            void q.get().then(onKey);
          } else if (held.length > 0) {
            const [k] = held.splice(o.i % held.length, 1);
            q.done(k!);
          }
          await Promise.resolve();
          await Promise.resolve();
          if (violation) throw new Error(violation);
          // Dedup: never more queued entries than distinct keys.
          expect(q.length).toBeLessThanOrEqual(keys.length);
        }
        // Drain: finish everything held and keep taking until nothing is left.
        for (;;) {
          while (held.length > 0) q.done(held.shift()!);
          await settle();
          if (q.length === 0 && held.length === 0) break;
          void q.get().then(onKey);
          await settle();
        }
        if (violation) throw new Error(violation);
        q.shutDown(); // wakes the getters still waiting
        await settle();
        // Liveness: every add was followed by a hand-out of that key.
        for (const [k, t] of lastAdd) expect(lastHandout.get(k) ?? 0).toBeGreaterThan(t);
      }),
      { numRuns: 300 },
    );
  });
});

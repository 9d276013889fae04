import { describe, expect, it } from "vitest";
import { errors } from "../api/errors.js";
import { WorkQueue } from "../client/workqueue.js";
import { FakeClock } from "../util/clock.js";
import { ControllerRunner, TerminalError, type ReconcileResult, type Reconciler } from "./runner.js";

const settle = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

/** A reconciler driven by a script: fn decides each call's outcome. */
function scripted(fn: (key: string, call: number, signal: AbortSignal) => Promise<ReconcileResult>): Reconciler & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: "test",
    calls,
    reconcile(key, signal) {
      calls.push(key);
      return fn(key, calls.length, signal);
    },
  };
}

describe("ControllerRunner", () => {
  it("reconciles queued keys and forgets them on success", async () => {
    const q = new WorkQueue();
    const r = scripted(async () => ({}));
    const runner = new ControllerRunner(r, q, { workers: 3 });
    runner.start();
    q.add("ns/a");
    q.add("ns/b");
    await settle();
    expect(r.calls.sort()).toEqual(["ns/a", "ns/b"]);
    await runner.stop();
  });

  it("retries a failing key with growing back-off, then forgets it after success", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 10 });
    const errorsSeen: string[] = [];
    const times: number[] = [];
    const r = scripted(async (_k, call) => {
      times.push(clock.now());
      if (call <= 3) throw new Error(`boom ${call}`);
      return {};
    });
    const runner = new ControllerRunner(r, q, { onError: (_k, e) => errorsSeen.push(e.message) });
    runner.start();
    const t0 = clock.now();
    q.add("k");
    await settle();
    expect(r.calls).toHaveLength(1);
    expect(q.numRequeues("k")).toBe(1);
    await clock.advance(9);
    expect(r.calls).toHaveLength(1);
    await clock.advance(1); // 10 ms
    await settle();
    expect(r.calls).toHaveLength(2);
    await clock.advance(20);
    await settle();
    expect(r.calls).toHaveLength(3);
    await clock.advance(40);
    await settle();
    expect(r.calls).toHaveLength(4);
    expect(times.map((t) => t - t0)).toEqual([0, 10, 30, 70]);
    expect(errorsSeen).toEqual(["boom 1", "boom 2", "boom 3"]);
    expect(q.numRequeues("k")).toBe(0); // forgotten after success
    await clock.advance(10_000);
    expect(r.calls).toHaveLength(4); // no further retries
    await runner.stop();
  });

  it("retries conflicts through the rate limiter without reporting them", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock, baseDelayMs: 5 });
    const reported: Error[] = [];
    const r = scripted(async (_k, call) => {
      if (call === 1) throw errors.conflict("apps", "replicasets", "web");
      return {};
    });
    const runner = new ControllerRunner(r, q, { onError: (_k, e) => reported.push(e) });
    runner.start();
    q.add("ns/web");
    await settle();
    expect(q.numRequeues("ns/web")).toBe(1);
    await clock.advance(5);
    await settle();
    expect(r.calls).toEqual(["ns/web", "ns/web"]);
    expect(reported).toEqual([]);
    await runner.stop();
  });

  it("does not retry a TerminalError and reports it", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const reported: string[] = [];
    const r = scripted(async () => {
      throw new TerminalError("spec is nonsense");
    });
    const runner = new ControllerRunner(r, q, { onError: (k, e) => reported.push(`${k}: ${e.message}`) });
    runner.start();
    q.add("k");
    await settle();
    await clock.advance(100_000);
    await settle();
    expect(r.calls).toEqual(["k"]);
    expect(reported).toEqual(["k: spec is nonsense"]);
    expect(q.numRequeues("k")).toBe(0);
    await runner.stop();
  });

  it("requeues after requeueAfterMs on success", async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    const r = scripted(async (_k, call) => (call === 1 ? { requeueAfterMs: 1000 } : {}));
    const runner = new ControllerRunner(r, q);
    runner.start();
    q.add("k");
    await settle();
    await clock.advance(999);
    expect(r.calls).toHaveLength(1);
    await clock.advance(1);
    await settle();
    expect(r.calls).toHaveLength(2);
    await runner.stop();
  });

  it("never runs one key on two workers at once", async () => {
    const q = new WorkQueue();
    let active = 0;
    let maxActive = 0;
    const r = scripted(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await settle(1);
      active--;
      return {};
    });
    const runner = new ControllerRunner(r, q, { workers: 8 });
    runner.start();
    for (let i = 0; i < 20; i++) {
      q.add("same");
      await settle(1);
    }
    await settle(5);
    expect(maxActive).toBe(1);
    expect(r.calls.length).toBeGreaterThan(1);
    await runner.stop();
  });

  it("stop() aborts the signal and waits for in-flight reconciles; queued keys are not started", async () => {
    const q = new WorkQueue();
    let finished = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sawAbort = false;
    const r = scripted(async (_k, _c, signal) => {
      signal.addEventListener("abort", () => (sawAbort = true));
      await gate;
      finished = true;
      return {};
    });
    const runner = new ControllerRunner(r, q, { workers: 1 });
    runner.start();
    q.add("a");
    await settle();
    q.add("b");
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await settle();
    expect(sawAbort).toBe(true);
    expect(stopped).toBe(false); // still waiting for "a"
    release();
    await stopping;
    expect(finished).toBe(true);
    expect(r.calls).toEqual(["a"]);
  });
});

import { describe, expect, it } from "vitest";
import type { NodeStats } from "../agent/logs.js";
import { FakeClock } from "../util/clock.js";
import { MetricsSampler, type StatsSource } from "./sampler.js";

function source(nodeName: string, clock: FakeClock, pods: Array<{ ns: string; name: string; cpu: number; mem: number }>): StatsSource & { fail: boolean; calls: number } {
  const s = {
    nodeName,
    fail: false,
    calls: 0,
    async stats(): Promise<NodeStats> {
      s.calls++;
      if (s.fail) throw new Error("engine down");
      const ps = pods.map((p) => ({ namespace: p.ns, name: p.name, uid: `${p.ns}/${p.name}`, cpuNanoCores: p.cpu, memoryBytes: p.mem, containers: [{ name: "c", cpuNanoCores: p.cpu, memoryBytes: p.mem }] }));
      return { nodeName, timestamp: clock.now(), cpuNanoCores: ps.reduce((n, p) => n + p.cpuNanoCores, 0), memoryBytes: ps.reduce((n, p) => n + p.memoryBytes, 0), pods: ps };
    },
  };
  return s;
}

describe("metrics sampler", () => {
  it("samples every node each interval and serves the latest round", async () => {
    const clock = new FakeClock();
    const n1 = source("node-1", clock, [{ ns: "a", name: "web", cpu: 250e6, mem: 64 * 2 ** 20 }]);
    const n2 = source("node-2", clock, [{ ns: "b", name: "db", cpu: 1e9, mem: 2 ** 30 }]);
    const errors: string[] = [];
    const sampler = new MetricsSampler({ sources: () => [n1, n2], clock, intervalMs: 15_000, onError: (n, e) => errors.push(`${n}: ${e.message}`) });
    const rounds: number[] = [];
    sampler.onSnapshot((s) => void rounds.push(s.timestamp));
    sampler.start();
    await sampler.idle();
    expect(n1.calls).toBe(1);
    expect(sampler.nodeMetrics().map((n) => [n.nodeName, n.cpuNanoCores])).toEqual([
      ["node-1", 250e6],
      ["node-2", 1e9],
    ]);
    expect(sampler.podMetrics("a").map((p) => [p.name, p.nodeName, p.windowMs])).toEqual([["web", "node-1", 15_000]]);
    expect(sampler.podMetrics().map((p) => p.name)).toEqual(["web", "db"]);

    await clock.advance(15_000);
    await sampler.idle();
    await clock.advance(15_000);
    await sampler.idle();
    expect(n1.calls).toBe(3);
    expect(rounds.map((t) => t - rounds[0])).toEqual([0, 15_000, 30_000]);

    n2.fail = true;
    await clock.advance(15_000);
    await sampler.idle();
    expect(sampler.nodeMetrics().map((n) => n.nodeName)).toEqual(["node-1"]);
    expect(errors).toEqual(["node-2: engine down"]);

    await sampler.stop();
    await clock.advance(60_000);
    expect(n1.calls).toBe(4);
  });

  it("uses the time since the previous round as the window, capped at two intervals", async () => {
    const clock = new FakeClock();
    const sampler = new MetricsSampler({ sources: () => [], clock, intervalMs: 10_000 });
    expect((await sampler.sampleNow()).windowMs).toBe(10_000);
    await clock.advance(4_000);
    expect((await sampler.sampleNow()).windowMs).toBe(4_000);
    await clock.advance(3_600_000);
    expect((await sampler.sampleNow()).windowMs).toBe(20_000);
  });
});

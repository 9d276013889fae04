import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { newCluster } from "../../test/helpers/controllers.js";
import { FakeClock } from "../util/clock.js";
import { UsageAccountant } from "./accountant.js";
import { MetricsSampler, type StatsSource } from "./sampler.js";
import { cpuSeconds, recordFromConfigMap, totals } from "./usage-record.js";

describe("usage accountant", () => {
  it("records one sample per namespace per round in kube-system, bounded, summing exactly", async () => {
    const { client } = await newCluster();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    let load = 300e6;
    const node: StatsSource = {
      nodeName: "n1",
      async stats() {
        const pods = [
          { namespace: "a", name: "p1", uid: "1", cpuNanoCores: load, memoryBytes: 2 ** 20, containers: [] },
          { namespace: "a", name: "p2", uid: "2", cpuNanoCores: 100e6, memoryBytes: 2 ** 20, containers: [] },
          { namespace: "b", name: "p3", uid: "3", cpuNanoCores: 1e9, memoryBytes: 0, containers: [] },
        ];
        return { nodeName: "n1", timestamp: clock.now(), cpuNanoCores: 0, memoryBytes: 0, pods };
      },
    };
    const sampler = new MetricsSampler({ sources: () => [node], clock, intervalMs: 15_000 });
    const accountant = new UsageAccountant({ client, retention: { maxSamples: 3, maxHours: 24 } });
    sampler.onSnapshot((s) => accountant.record(s));
    sampler.start();
    await sampler.idle();
    for (let i = 0; i < 5; i++) {
      if (i === 2) load = 900e6;
      await clock.advance(15_000);
      await sampler.idle();
    }
    await sampler.stop();
    const list = await client.list(R.configmaps, "kube-system", { labelSelector: "skiff.dev/usage-record=true" });
    const recs = new Map(list.items.map((cm: KubeObject) => [recordFromConfigMap(cm).namespace, recordFromConfigMap(cm)]));
    expect([...recs.keys()].sort()).toEqual(["a", "b"]);
    const a = recs.get("a")!;
    expect(a.samples).toHaveLength(3);
    expect(a.hourly.reduce((n, h) => n + h.samples, 0)).toBe(3);
    // rounds 0,1,2 at 400m; rounds 3,4,5 at 1000m; 15 s each: 3×6 + 3×15 = 63 cpu-seconds
    expect(cpuSeconds(totals(a))).toBe("63");
    expect(cpuSeconds(totals(recs.get("b")!))).toBe("90");
    expect(totals(a).maxPods).toBe(2);
  });
});

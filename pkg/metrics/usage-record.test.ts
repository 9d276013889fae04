import { describe, expect, it } from "vitest";
import { addSample, cpuSeconds, decodeRecord, emptyRecord, encodeRecord, HOUR_MS, memoryByteHours, memoryGiBHours, totals, type UsageSample } from "./usage-record.js";
import { parseDuration, usageRows } from "./usage-report.js";

const sample = (t: number, cpu: number, mem: number, pods = 1, windowMs = 15_000): UsageSample => ({ t, windowMs, cpuNanoCores: cpu, memoryBytes: mem, pods });

describe("usage records", () => {
  it("adds up cpu-seconds and memory byte-hours exactly", () => {
    let rec = emptyRecord("team-a");
    // 750m for four 15 s rounds = 45 cpu-seconds; 192Mi for 60 s = 192Mi/60 byte-hours
    for (let i = 0; i < 4; i++) rec = addSample(rec, sample(i * 15_000, 750e6, 192 * 2 ** 20, 2));
    const t = totals(rec);
    expect(cpuSeconds(t)).toBe("45");
    expect(t.memoryByteMs).toBe(192n * 2n ** 20n * 60_000n);
    expect(memoryByteHours(t)).toBe("3355443.200");
    expect(memoryGiBHours(t)).toBe("0.003125");
    expect(t.maxPods).toBe(2);
    expect(t.samples).toBe(4);
    expect(cpuSeconds(totals(addSample(emptyRecord("x"), sample(0, 1, 0))))).toBe("0.000000015");
  });

  it("keeps at most maxSamples rounds and rolls older ones into hourly totals without losing any", () => {
    let rec = emptyRecord("a");
    const policy = { maxSamples: 4, maxHours: 2 };
    const all: UsageSample[] = [];
    for (let i = 0; i < 10; i++) {
      const s = sample(i * 30 * 60_000, (i + 1) * 1e8, 1000 * (i + 1));
      all.push(s);
      rec = addSample(rec, s, policy);
    }
    expect(rec.samples).toHaveLength(4);
    // 6 rolled up rounds over 3 hours, of which the newest 2 hours are kept.
    expect(rec.hourly.map((h) => [h.hour / HOUR_MS, h.samples])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    const kept = all.slice(2);
    const expectCpu = kept.reduce((n, s) => n + BigInt(s.cpuNanoCores) * BigInt(s.windowMs), 0n);
    expect(totals(rec).cpuNanocoreMs).toBe(expectCpu);
    // --since counts raw rounds at or after it and hourly totals whose hour starts at or after it.
    expect(totals(rec, 2 * HOUR_MS).samples).toBe(2 + 4);
  });

  it("round-trips through ConfigMap data and survives damage", () => {
    let rec = emptyRecord("a");
    for (let i = 0; i < 6; i++) rec = addSample(rec, sample(i * HOUR_MS, 2e9, 5), { maxSamples: 2, maxHours: 10 });
    const back = decodeRecord(encodeRecord(rec));
    expect(back).toEqual(rec);
    expect(decodeRecord({ namespace: "a", samples: "not json", hourly: "[{}]" })).toEqual(emptyRecord("a"));
  });

  it("reports rows per namespace and parses --since", () => {
    const cm = (ns: string, cpu: number) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `usage-${ns}` }, data: encodeRecord(addSample(emptyRecord(ns), sample(1000, cpu, 0))) });
    const rows = usageRows([cm("b", 2e9), cm("a", 1e9)]);
    expect(rows.map((r) => [r.namespace, r.cpuSeconds])).toEqual([
      ["a", "15"],
      ["b", "30"],
    ]);
    expect(usageRows([cm("b", 2e9)], { namespace: "a" })).toEqual([]);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("7d")).toBe(7 * 86_400_000);
    expect(() => parseDuration("soon")).toThrow("invalid duration");
  });
});

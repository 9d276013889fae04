// `skiff usage`: per-namespace totals from the usage records (usage-record.ts).
import type { KubeObject } from "../api/types.js";
import { cpuSeconds, memoryByteHours, memoryGiBHours, recordFromConfigMap, totals, type UsageTotals } from "./usage-record.js";

export const USAGE_COLUMNS = ["NAMESPACE", "CPU-SECONDS", "MEMORY-BYTE-HOURS", "MEMORY-GIB-HOURS", "PODS", "SAMPLES"];

export interface UsageRow {
  namespace: string;
  cpuSeconds: string;
  memoryByteHours: string;
  memoryGiBHours: string;
  /** Most pods running at once in the period. */
  pods: number;
  samples: number;
  totals: UsageTotals;
}

/** Rows for the records' namespaces (or just `namespace`), sorted by namespace. */
export function usageRows(records: KubeObject[], opts: { namespace?: string; sinceMs?: number } = {}): UsageRow[] {
  return records
    .map(recordFromConfigMap)
    .filter((r) => opts.namespace === undefined || r.namespace === opts.namespace)
    .map((r) => {
      const t = totals(r, opts.sinceMs);
      return {
        namespace: r.namespace,
        cpuSeconds: cpuSeconds(t),
        memoryByteHours: memoryByteHours(t),
        memoryGiBHours: memoryGiBHours(t),
        pods: t.maxPods,
        samples: t.samples,
        totals: t,
      };
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace));
}

export function usageCells(r: UsageRow): string[] {
  return [r.namespace, r.cpuSeconds, r.memoryByteHours, r.memoryGiBHours, String(r.pods), String(r.samples)];
}

/** "90s", "15m", "1h", "2h30m", "7d" → milliseconds; throws on anything else. */
export function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let consumed = 0;
  for (const m of s.trim().matchAll(re)) {
    total += parseFloat(m[1]) * unit[m[2]];
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== s.trim().length) throw new Error(`invalid duration "${s}": use e.g. 90s, 15m, 1h, 7d`);
  return total;
}

// What `kubectl top` prints, from metrics.k8s.io objects (kubectl's
// pkg/metricsutil/metrics_printer.go): cpu in whole millicores, memory in whole
// MiB, node percentages of allocatable.
import { quantityFrom } from "../api/quantity.js";
import { topCpu, topMemory } from "./format.js";

export interface NodeMetricsObject {
  metadata: { name?: string };
  usage?: { cpu?: string; memory?: string };
}

export interface PodMetricsObject {
  metadata: { name?: string; namespace?: string };
  containers?: Array<{ name?: string; usage?: { cpu?: string; memory?: string } }>;
}

export const NODE_COLUMNS = ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"];
export const POD_COLUMNS = ["NAME", "CPU(cores)", "MEMORY(bytes)"];

function nano(q: string | undefined): number {
  if (!q) return 0;
  try {
    return Number(quantityFrom(q).nanoValue());
  } catch {
    return 0;
  }
}

function bytes(q: string | undefined): number {
  return nano(q) / 1e9;
}

/** Percent of allocatable, truncated like kubectl (int64 of a float). */
function percent(usedMilli: number, availableMilli: number): string {
  return availableMilli > 0 ? `${Math.trunc((usedMilli / availableMilli) * 100)}%` : "<unknown>";
}

/** Rows of `top nodes`; allocatable by node name ({cpu, memory} quantities). */
export function nodeTopRows(items: NodeMetricsObject[], allocatable: Map<string, { cpu?: string; memory?: string }>): string[][] {
  return items.map((m) => {
    const name = m.metadata.name ?? "";
    const cpuN = nano(m.usage?.cpu);
    const memB = bytes(m.usage?.memory);
    const alloc = allocatable.get(name);
    const cpuPct = alloc?.cpu ? percent(Math.ceil(cpuN / 1e6), Math.ceil(nano(alloc.cpu) / 1e6)) : "<unknown>";
    const memPct = alloc?.memory ? percent(memB * 1000, bytes(alloc.memory) * 1000) : "<unknown>";
    return [name, topCpu(cpuN), cpuPct, topMemory(memB), memPct];
  });
}

/** Rows of `top pods` (pod totals, or one row per container with --containers). */
export function podTopRows(items: PodMetricsObject[], opts: { containers?: boolean; allNamespaces?: boolean }): string[][] {
  const rows: string[][] = [];
  for (const p of items) {
    const prefix = opts.allNamespaces ? [p.metadata.namespace ?? ""] : [];
    if (opts.containers) {
      for (const c of p.containers ?? []) {
        rows.push([...prefix, p.metadata.name ?? "", c.name ?? "", topCpu(nano(c.usage?.cpu)), topMemory(bytes(c.usage?.memory))]);
      }
      continue;
    }
    let cpu = 0;
    let mem = 0;
    for (const c of p.containers ?? []) {
      cpu += nano(c.usage?.cpu);
      mem += bytes(c.usage?.memory);
    }
    rows.push([...prefix, p.metadata.name ?? "", topCpu(cpu), topMemory(mem)]);
  }
  return rows;
}

export function podTopHeader(opts: { containers?: boolean; allNamespaces?: boolean }): string[] {
  const cols = opts.containers ? ["POD", ...POD_COLUMNS] : [...POD_COLUMNS];
  return opts.allNamespaces ? ["NAMESPACE", ...cols] : cols;
}

// The kubelet's eviction manager, as pure functions: --eviction-hard
// thresholds, which of them the node's usage crosses, the node conditions that
// follow (MemoryPressure, DiskPressure, PIDPressure), which pod goes first and
// the message an evicted pod carries. eviction-manager.ts acts on them.
import { parseQuantity, QuantityError } from "../api/quantity.js";
import type { ConditionOverrides } from "./node-status.js";
import type { NodeUsage } from "./node-usage.js";
import type { AgentPod } from "./types.js";

export type Signal = "memory.available" | "nodefs.available" | "imagefs.available" | "pid.available";
const SIGNALS: readonly Signal[] = ["memory.available", "nodefs.available", "imagefs.available", "pid.available"];

/** `signal<quantity` or `signal<percent%` of capacity. */
export interface Threshold {
  signal: Signal;
  /** Absolute amount (bytes, or PIDs). */
  quantity?: number;
  /** Fraction of capacity, 0..1. */
  percentage?: number;
  /** As written, for messages ("100Mi", "10%"). */
  text: string;
}

/** The kubelet's defaults on Linux: memory.available<100Mi, nodefs.available<10%, imagefs.available<15%, nodefs.inodesFree<5% (not measured here). */
export const DEFAULT_EVICTION_HARD = "memory.available<100Mi,nodefs.available<10%,imagefs.available<15%";

export class EvictionFlagError extends Error {
  override name = "EvictionFlagError";
}

/** Parses `--eviction-hard` ("memory.available<100Mi,nodefs.available<10%"); errors name the entry. */
export function parseEvictionHard(flag: string): Threshold[] {
  const out: Threshold[] = [];
  const problems: string[] = [];
  for (const [i, raw] of flag.split(",").entries()) {
    const entry = raw.trim();
    if (!entry) continue;
    const m = /^([a-z.]+)<(.+)$/.exec(entry);
    const where = `--eviction-hard[${i}] "${entry}"`;
    if (!m) {
      problems.push(`${where}: want signal<quantity or signal<percent%`);
      continue;
    }
    const [, signal, value] = m;
    if (!SIGNALS.includes(signal as Signal)) {
      problems.push(`${where}: unsupported signal "${signal}": one of ${SIGNALS.join(", ")}`);
      continue;
    }
    if (value.endsWith("%")) {
      const p = Number(value.slice(0, -1));
      if (!Number.isFinite(p) || p < 0 || p > 100) problems.push(`${where}: percentage must be between 0 and 100`);
      else out.push({ signal: signal as Signal, percentage: p / 100, text: value });
      continue;
    }
    try {
      const q = parseQuantity(value).toNumber();
      if (q < 0) problems.push(`${where}: quantity must not be negative`);
      else out.push({ signal: signal as Signal, quantity: q, text: value });
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      problems.push(`${where}: invalid quantity "${value}"`);
    }
  }
  if (problems.length) throw new EvictionFlagError(problems.join("; "));
  return out;
}

/** Observed value and capacity of a signal. imagefs is nodefs here (images live on the same filesystem). */
export function observe(usage: NodeUsage, signal: Signal): { available: number; capacity: number } {
  if (signal === "memory.available") return usage.memory;
  if (signal === "pid.available") return usage.pids;
  return usage.nodefs;
}

/** The amount below which the signal crosses the threshold. */
export function thresholdAmount(t: Threshold, capacity: number): number {
  return t.quantity ?? Math.round((t.percentage ?? 0) * capacity);
}

export function thresholdsMet(thresholds: Threshold[], usage: NodeUsage): Threshold[] {
  return thresholds.filter((t) => {
    const o = observe(usage, t.signal);
    return o.available < thresholdAmount(t, o.capacity);
  });
}

export type Pressure = "memory" | "disk" | "pid";
export function pressureOf(signal: Signal): Pressure {
  return signal === "memory.available" ? "memory" : signal === "pid.available" ? "pid" : "disk";
}

/** The node conditions for the thresholds met, in the kubelet's words. */
export function pressureConditions(met: Threshold[]): ConditionOverrides {
  const kinds = new Set(met.map((t) => pressureOf(t.signal)));
  const out: ConditionOverrides = {};
  if (kinds.has("memory")) out.MemoryPressure = { status: "True", reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available" };
  if (kinds.has("disk")) out.DiskPressure = { status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure" };
  if (kinds.has("pid")) out.PIDPressure = { status: "True", reason: "KubeletHasInsufficientPID", message: "kubelet has insufficient PID available" };
  return out;
}

/** Sum of the app containers' memory requests, bytes (0 when none: BestEffort or limits only without requests). */
export function memoryRequest(pod: AgentPod): number {
  let n = 0;
  for (const c of pod.spec.containers ?? []) {
    const r = c.resources?.requests?.memory;
    if (r !== undefined) n += parseQuantity(String(r)).toNumber();
  }
  return n;
}

/**
 * Memory ranking, as the kubelet's rankMemoryPressure: pods whose usage exceeds
 * their requests first, then lower priority first, then the largest usage above
 * requests first. Returns a new array.
 */
export function rankForMemory(pods: AgentPod[], usage: Map<string, number>): AgentPod[] {
  const use = (p: AgentPod) => usage.get(String(p.metadata.uid)) ?? 0;
  const exceeds = (p: AgentPod) => use(p) > memoryRequest(p);
  const prio = (p: AgentPod) => p.spec.priority ?? 0;
  return [...pods].sort((a, b) => Number(exceeds(b)) - Number(exceeds(a)) || prio(a) - prio(b) || use(b) - memoryRequest(b) - (use(a) - memoryRequest(a)));
}

/** Disk and PID pressure: no per-pod disk usage is measured, so lower priority first, then the youngest (least work lost). */
export function rankByPriority(pods: AgentPod[]): AgentPod[] {
  const prio = (p: AgentPod) => p.spec.priority ?? 0;
  const created = (p: AgentPod) => Date.parse(String(p.metadata.creationTimestamp ?? "")) || 0;
  return [...pods].sort((a, b) => prio(a) - prio(b) || created(b) - created(a));
}

/** Bytes as Kubernetes prints a BinarySI quantity: the largest exact power-of-1024 suffix, else plain. */
export function binaryQuantity(bytes: number): string {
  const n = Math.round(bytes);
  const units = ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"];
  for (let i = 0; i < units.length; i++) {
    const f = 1024 ** (units.length - i);
    if (n !== 0 && n % f === 0) return `${n / f}${units[i]}`;
  }
  return String(n);
}

/**
 * The status message of an evicted pod, shaped as the kubelet's:
 * "The node was low on resource: memory. Threshold quantity: 100Mi, available: 51200Ki. Container hog was using 300Mi, request is 0, has larger consumption of memory. "
 */
export function evictionMessage(t: Threshold, usage: NodeUsage, pod: AgentPod, containerMemory: Map<string, number>): string {
  const resource = t.signal === "memory.available" ? "memory" : t.signal === "pid.available" ? "pids" : "ephemeral-storage";
  const o = observe(usage, t.signal);
  const fmt = (n: number) => (t.signal === "pid.available" ? String(n) : binaryQuantity(n));
  let msg = `The node was low on resource: ${resource}. Threshold quantity: ${t.text}, available: ${fmt(o.available)}. `;
  if (resource !== "memory") return msg;
  for (const c of pod.spec.containers ?? []) {
    const used = containerMemory.get(c.name) ?? 0;
    const req = c.resources?.requests?.memory;
    const reqBytes = req === undefined ? 0 : parseQuantity(String(req)).toNumber();
    if (used > reqBytes) msg += `Container ${c.name} was using ${binaryQuantity(used)}, request is ${req === undefined ? "0" : String(req)}, has larger consumption of memory. `;
  }
  return msg;
}

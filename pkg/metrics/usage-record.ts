// Per-namespace usage accounting ("measured service"): what a namespace's pods
// consumed, sample by sample, kept in the store with bounded retention.
//
// Storage: one ConfigMap per namespace, kube-system/usage-<namespace>, labelled
// skiff.dev/usage-record=true, with data keys
//   namespace  the namespace measured
//   samples    JSON [[t, windowMs, cpuNanoCores, memoryBytes, pods], …] — the newest
//              maxSamples rounds (default 240 = one hour at 15 s)
//   hourly     JSON [{hour, samples, cpuNanocoreMs, memoryByteMs, maxPods}, …] — older
//              rounds rolled up by the hour they were taken in (default: 31 days kept)
// A ConfigMap rather than a new kind: it is stored, watched, listed and
// printed by everything that already exists, and `kubectl get cm -n kube-system`
// shows it. Totals are integers (nanocore·ms, byte·ms) held as decimal strings,
// so adding up months of samples loses nothing.
import type { KubeObject } from "../api/types.js";

export const USAGE_RECORD_LABEL = "skiff.dev/usage-record";
export const USAGE_RECORD_NAMESPACE = "kube-system";
export const HOUR_MS = 3_600_000;

export interface UsageSample {
  /** Epoch ms of the round. */
  t: number;
  /** The period the round stands for. */
  windowMs: number;
  /** Σ over the namespace's pods. */
  cpuNanoCores: number;
  memoryBytes: number;
  pods: number;
}

export interface HourlyUsage {
  /** Epoch ms of the start of the hour. */
  hour: number;
  samples: number;
  cpuNanocoreMs: bigint;
  memoryByteMs: bigint;
  maxPods: number;
}

export interface UsageRecord {
  namespace: string;
  samples: UsageSample[];
  hourly: HourlyUsage[];
}

export interface RetentionPolicy {
  /** Raw rounds kept per namespace. Default 240. */
  maxSamples: number;
  /** Hourly roll-ups kept per namespace. Default 744 (31 days). */
  maxHours: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { maxSamples: 240, maxHours: 744 };

export function recordName(namespace: string): string {
  return `usage-${namespace}`;
}

export function emptyRecord(namespace: string): UsageRecord {
  return { namespace, samples: [], hourly: [] };
}

function cpuOf(s: UsageSample): bigint {
  return BigInt(Math.round(s.cpuNanoCores)) * BigInt(s.windowMs);
}

function memOf(s: UsageSample): bigint {
  return BigInt(Math.round(s.memoryBytes)) * BigInt(s.windowMs);
}

/** Append a round; the oldest rounds beyond maxSamples fold into their hour's total. Returns a new record. */
export function addSample(rec: UsageRecord, sample: UsageSample, policy: RetentionPolicy = DEFAULT_RETENTION): UsageRecord {
  const samples = [...rec.samples, sample].sort((a, b) => a.t - b.t);
  const hourly = new Map(rec.hourly.map((h) => [h.hour, { ...h }]));
  while (samples.length > Math.max(0, policy.maxSamples)) {
    const old = samples.shift()!;
    const hour = Math.floor(old.t / HOUR_MS) * HOUR_MS;
    const h = hourly.get(hour) ?? { hour, samples: 0, cpuNanocoreMs: 0n, memoryByteMs: 0n, maxPods: 0 };
    h.samples += 1;
    h.cpuNanocoreMs += cpuOf(old);
    h.memoryByteMs += memOf(old);
    h.maxPods = Math.max(h.maxPods, old.pods);
    hourly.set(hour, h);
  }
  const hours = [...hourly.values()].sort((a, b) => a.hour - b.hour);
  return { namespace: rec.namespace, samples, hourly: hours.slice(Math.max(0, hours.length - policy.maxHours)) };
}

export function encodeRecord(rec: UsageRecord): Record<string, string> {
  return {
    namespace: rec.namespace,
    samples: JSON.stringify(rec.samples.map((s) => [s.t, s.windowMs, s.cpuNanoCores, s.memoryBytes, s.pods])),
    hourly: JSON.stringify(
      rec.hourly.map((h) => ({ hour: h.hour, samples: h.samples, cpuNanocoreMs: h.cpuNanocoreMs.toString(), memoryByteMs: h.memoryByteMs.toString(), maxPods: h.maxPods })),
    ),
  };
}

/** Read a record back from a ConfigMap's data; malformed parts read as empty (a damaged record never breaks reporting). */
export function decodeRecord(data: Record<string, string> | undefined, fallbackNamespace = ""): UsageRecord {
  const rec = emptyRecord(data?.namespace ?? fallbackNamespace);
  try {
    const raw = JSON.parse(data?.samples ?? "[]") as unknown;
    if (Array.isArray(raw)) {
      for (const r of raw) {
        if (Array.isArray(r) && r.length >= 5 && r.every((x) => typeof x === "number")) {
          rec.samples.push({ t: r[0], windowMs: r[1], cpuNanoCores: r[2], memoryBytes: r[3], pods: r[4] });
        }
      }
    }
  } catch {
    // fall through with what was read
  }
  try {
    const raw = JSON.parse(data?.hourly ?? "[]") as unknown;
    if (Array.isArray(raw)) {
      for (const h of raw as Array<Record<string, unknown>>) {
        if (typeof h?.hour !== "number") continue;
        rec.hourly.push({
          hour: h.hour,
          samples: Number(h.samples ?? 0),
          cpuNanocoreMs: BigInt(String(h.cpuNanocoreMs ?? "0")),
          memoryByteMs: BigInt(String(h.memoryByteMs ?? "0")),
          maxPods: Number(h.maxPods ?? 0),
        });
      }
    }
  } catch {
    // as above
  }
  return rec;
}

export function recordFromConfigMap(cm: KubeObject): UsageRecord {
  const name = cm.metadata.name ?? "";
  return decodeRecord((cm as { data?: Record<string, string> }).data, name.startsWith("usage-") ? name.slice("usage-".length) : name);
}

export interface UsageTotals {
  namespace: string;
  /** Σ cpuNanoCores × windowMs (1e12 of them make one cpu-second). */
  cpuNanocoreMs: bigint;
  /** Σ memoryBytes × windowMs (3.6e6 of them make one byte-hour). */
  memoryByteMs: bigint;
  /** The most pods seen running at once. */
  maxPods: number;
  /** Rounds counted (raw and rolled up). */
  samples: number;
}

/**
 * Totals since `sinceMs` (everything when undefined). Raw rounds count when
 * taken at or after sinceMs; hourly roll-ups when their hour starts at or
 * after it, so for periods older than the raw window --since is whole hours.
 */
export function totals(rec: UsageRecord, sinceMs?: number): UsageTotals {
  const out: UsageTotals = { namespace: rec.namespace, cpuNanocoreMs: 0n, memoryByteMs: 0n, maxPods: 0, samples: 0 };
  for (const h of rec.hourly) {
    if (sinceMs !== undefined && h.hour < sinceMs) continue;
    out.cpuNanocoreMs += h.cpuNanocoreMs;
    out.memoryByteMs += h.memoryByteMs;
    out.maxPods = Math.max(out.maxPods, h.maxPods);
    out.samples += h.samples;
  }
  for (const s of rec.samples) {
    if (sinceMs !== undefined && s.t < sinceMs) continue;
    out.cpuNanocoreMs += cpuOf(s);
    out.memoryByteMs += memOf(s);
    out.maxPods = Math.max(out.maxPods, s.pods);
    out.samples += 1;
  }
  return out;
}

/** Exact decimal of n / 10^digits, trailing zeros trimmed ("45", "0.125"). */
function decimal(n: bigint, digits: number): string {
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const scale = 10n ** BigInt(digits);
  const whole = abs / scale;
  const frac = (abs % scale).toString().padStart(digits, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** n / d rounded half up to `places` decimals, printed with exactly that many. */
function rounded(n: bigint, d: bigint, places: number): string {
  const scale = 10n ** BigInt(places);
  const q = (n * scale * 2n + d) / (2n * d);
  const whole = q / scale;
  const frac = (q % scale).toString().padStart(places, "0");
  return places > 0 ? `${whole}.${frac}` : `${whole}`;
}

/** cpu-seconds, exact. */
export function cpuSeconds(t: UsageTotals): string {
  return decimal(t.cpuNanocoreMs, 12);
}

/** memory byte-hours, to three decimals. */
export function memoryByteHours(t: UsageTotals): string {
  return rounded(t.memoryByteMs, BigInt(HOUR_MS), 3);
}

/** memory GiB-hours, to six decimals. */
export function memoryGiBHours(t: UsageTotals): string {
  return rounded(t.memoryByteMs, BigInt(HOUR_MS) * 1024n ** 3n, 6);
}

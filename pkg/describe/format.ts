// Small formatting helpers kubectl's describers share: times, multi-line
// label/annotation/taint/toleration blocks, resource lists.
import { timestampMs } from "../api/human-duration.js";
import { humanDuration } from "../api/human-duration.js";
import { LEVEL_0, type PrefixWriter } from "./tab-writer.js";

export type Timestamp = string | Date | undefined | null;

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** Go's time.RFC1123Z in local time ("Mon, 02 Jan 2006 15:04:05 -0700"); Go's zero time when absent. */
export function rfc1123z(t: Timestamp): string {
  const ms = timestampMs(t ?? undefined);
  if (ms === undefined) return "Mon, 01 Jan 0001 00:00:00 +0000";
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  return `${DAYS[d.getDay()]}, ${pad2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${sign}${pad2(Math.trunc(abs / 60))}${pad2(abs % 60)}`;
}

/** Go's time.RFC3339 in local time ("2006-01-02T15:04:05Z07:00"), as `rollout restart` stamps it. */
export function rfc3339Local(d: Date): string {
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? "Z" : `${off < 0 ? "-" : "+"}${pad2(Math.trunc(Math.abs(off) / 60))}:${pad2(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}${zone}`;
}

/** translateTimestampSince: "<unknown>" for a missing time. */
export function since(t: Timestamp, now: Date): string {
  const ms = timestampMs(t ?? undefined);
  return ms === undefined ? "<unknown>" : humanDuration(now.getTime() - ms);
}

export function stringOrNone(s: string | undefined | null): string {
  return s ? s : "<none>";
}

export function boolText(v: boolean | undefined): string {
  return v ? "True" : "False";
}

export function sortedKeys(m: Record<string, unknown> | undefined): string[] {
  return Object.keys(m ?? {}).sort();
}

/** printLabelsMultilineWithIndent. */
export function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined, initialIndent = ""): void {
  w.write(LEVEL_0, `${initialIndent}${title}:\t`);
  const keys = sortedKeys(labels);
  if (keys.length === 0) return w.writeLine("<none>");
  keys.forEach((k, i) => {
    if (i !== 0) w.write(LEVEL_0, `${initialIndent}\t`);
    w.write(LEVEL_0, `${k}=${labels![k]}\n`);
  });
}

/** kubectl hides these in describe; they are long and machine-only. */
const SKIP_ANNOTATIONS = new Set(["kubectl.kubernetes.io/last-applied-configuration"]);
const MAX_ANNOTATION_LEN = 140;

/** printAnnotationsMultiline: long or multi-line values go under their key, shortened. */
export function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  const keys = sortedKeys(annotations).filter((k) => !SKIP_ANNOTATIONS.has(k));
  if (keys.length === 0) return w.writeLine("<none>");
  keys.forEach((key, i) => {
    if (i !== 0) w.write(LEVEL_0, "\t");
    const value = annotations![key].replace(/\n$/, "");
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes("\n")) {
      w.write(LEVEL_0, `${key}:\n`);
      for (const s of value.split("\n")) {
        const short = s.length > MAX_ANNOTATION_LEN - 2 ? `${s.slice(0, MAX_ANNOTATION_LEN - 2)}...` : s;
        w.write(LEVEL_0, `\t  ${short}\n`);
      }
    } else {
      w.write(LEVEL_0, `${key}: ${value}\n`);
    }
  });
}

export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
}

/** Taint.ToString. */
export function taintText(t: TaintLike): string {
  if (!t.effect) return t.value ? `${t.key}=${t.value}:` : t.key;
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

export function printTaintsMultiline(w: PrefixWriter, title: string, taints: TaintLike[] | undefined, initialIndent = ""): void {
  w.write(LEVEL_0, `${initialIndent}${title}:\t`);
  if (!taints?.length) return w.writeLine("<none>");
  const sorted = [...taints].sort((a, b) => cmp(`${a.effect},${a.key}`, `${b.effect},${b.key}`));
  sorted.forEach((t, i) => {
    if (i !== 0) w.write(LEVEL_0, `${initialIndent}\t`);
    w.write(LEVEL_0, `${taintText(t)}\n`);
  });
}

export interface TolerationLike {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export function tolerationText(t: TolerationLike): string {
  let s = t.key ?? "";
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  // "operator: Exists" with no key and no effect tolerates everything.
  if (t.operator === "Exists" && !t.value) s += t.key || t.effect ? " op=Exists" : "op=Exists";
  if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
  return s;
}

export function printTolerationsMultiline(w: PrefixWriter, title: string, tolerations: TolerationLike[] | undefined, initialIndent = ""): void {
  w.write(LEVEL_0, `${initialIndent}${title}:\t`);
  if (!tolerations?.length) return w.writeLine("<none>");
  const sorted = [...tolerations].sort((a, b) => cmp(a.key ?? "", b.key ?? ""));
  sorted.forEach((t, i) => {
    if (i !== 0) w.write(LEVEL_0, `${initialIndent}\t`);
    w.write(LEVEL_0, `${tolerationText(t)}\n`);
  });
}

/** Go's string ordering (byte-wise), not locale ordering. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** describeResources: Limits then Requests, names sorted. */
export function describeResources(w: PrefixWriter, resources: { limits?: Record<string, string>; requests?: Record<string, string> } | undefined, level: number): void {
  if (!resources) return;
  const limits = sortedKeys(resources.limits);
  if (limits.length > 0) w.write(level, "Limits:\n");
  for (const n of limits) w.write(level + 1, `${n}:\t${String(resources.limits![n])}\n`);
  const requests = sortedKeys(resources.requests);
  if (requests.length > 0) w.write(level, "Requests:\n");
  for (const n of requests) w.write(level + 1, `${n}:\t${String(resources.requests![n])}\n`);
}

/** "Kind/name" of the managing controller, as printController shows it. */
export function controllerOf(meta: { ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> } | undefined): string {
  const ref = meta?.ownerReferences?.find((r) => r.controller === true);
  return ref ? `${ref.kind}/${ref.name}` : "";
}

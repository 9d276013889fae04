// Indexed Jobs (completionMode: Indexed), after kubernetes
// pkg/controller/job/indexed_job_utils.go: each pod carries its completion
// index (annotation and label batch.kubernetes.io/job-completion-index, env
// JOB_COMPLETION_INDEX, hostname <job>-<index>), and sets of indexes are
// written as kubectl shows them in status: "1,3-5,7".
import type { KubeObject } from "../api/types.js";
import type { PodLike } from "./util.js";

export const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
/** The index's failures before this pod (backoffLimitPerIndex), as the Job controller annotates its pods. */
export const INDEX_FAILURE_COUNT_ANNOTATION = "batch.kubernetes.io/job-index-failure-count";
export const COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";

/** The pod's completion index, or undefined when it has none (or a malformed one). */
export function podIndex(pod: KubeObject): number | undefined {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX_ANNOTATION] ?? pod.metadata.labels?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** Sorted indexes as intervals: [0,1,2,4] → "0-2,4"; [] → "". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** "0-2,4" → {0,1,2,4}; indexes at or above `limit` are dropped; throws on malformed text. */
export function parseIndexes(text: string | undefined, limit = Infinity): Set<number> {
  const out = new Set<number>();
  if (!text) return out;
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`invalid index interval ${JSON.stringify(part)}`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new Error(`invalid index interval ${JSON.stringify(part)}: the end is before the start`);
    for (let i = from; i <= Math.min(to, limit - 1); i++) out.add(i);
  }
  return out;
}

/**
 * The index's marks on a new pod: annotation and label, env var on every
 * container (from the annotation, through the downward API), hostname
 * `<job>-<index>`, and the failure count so far (backoffLimitPerIndex).
 */
export function stampIndex(pod: KubeObject, jobName: string, index: number, failures: number | undefined): void {
  const meta = pod.metadata;
  meta.generateName = `${jobName}-${index}-`;
  meta.annotations = { ...(meta.annotations ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(index) };
  if (failures !== undefined) meta.annotations[INDEX_FAILURE_COUNT_ANNOTATION] = String(failures);
  meta.labels = { ...(meta.labels ?? {}), [COMPLETION_INDEX_ANNOTATION]: String(index) };
  const spec = (pod.spec ?? {}) as PodSpecLike;
  spec.hostname ??= `${jobName}-${index}`;
  const env = { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` } } };
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (!(c.env ?? []).some((e) => e.name === COMPLETION_INDEX_ENV)) c.env = [...(c.env ?? []), env];
  }
  pod.spec = spec;
}

interface PodSpecLike {
  hostname?: string;
  initContainers?: Array<{ env?: Array<{ name: string }> }>;
  containers?: Array<{ env?: Array<{ name: string }> }>;
  [k: string]: unknown;
}

/** Pods grouped by their index; pods without a valid index in range are left out. */
export function podsByIndex<P extends PodLike>(pods: P[], completions: number): Map<number, P[]> {
  const out = new Map<number, P[]>();
  for (const p of pods) {
    const i = podIndex(p);
    if (i === undefined || i >= completions) continue;
    const list = out.get(i);
    if (list) list.push(p);
    else out.set(i, [p]);
  }
  return out;
}

// Counting a Job's finished pods, after kubernetes pkg/controller/job: which
// failures count (podFailurePolicy Ignore does not), which rule ends the Job
// (FailJob), and for Indexed Jobs the completed and failed indexes
// (backoffLimitPerIndex, FailIndex). Counts never go down: they start from
// what status already says, since terminal pods may be deleted by hand.
import { formatIndexes, parseIndexes, podIndex } from "./job-indexes.js";
import { matchPodFailurePolicy, type FailurePolicyMatch, type PodFailurePolicyRule } from "./job-policies.js";
import type { PodLike } from "./util.js";

export interface JobSpecForTally {
  completions?: number | null;
  completionMode?: string;
  backoffLimitPerIndex?: number | null;
  podFailurePolicy?: { rules?: PodFailurePolicyRule[] };
}

export interface JobStatusForTally {
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  failedIndexes?: string;
}

export interface Tally {
  succeeded: number;
  failed: number;
  /** Failed pods that count (not matched by an Ignore rule): the back-off follows them. */
  countedFailedPods: PodLike[];
  /** The first failed pod matching a FailJob rule. */
  failJob?: FailurePolicyMatch;
  /** Indexed Jobs only. */
  completedIndexes?: Set<number>;
  /** With backoffLimitPerIndex only. */
  failedIndexes?: Set<number>;
  /** Counted failures per index (backoffLimitPerIndex), for the next pod's annotation and back-off. */
  failuresByIndex: Map<number, PodLike[]>;
}

const byFinish = (a: PodLike, b: PodLike) => String(a.metadata.creationTimestamp ?? "").localeCompare(String(b.metadata.creationTimestamp ?? ""));

export function tallyPods(spec: JobSpecForTally, old: JobStatusForTally, pods: PodLike[]): Tally {
  const indexed = spec.completionMode === "Indexed";
  const completions = spec.completions ?? 0;
  const perIndex = indexed && spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
  const succeededPods = pods.filter((p) => p.status?.phase === "Succeeded");
  const failedPods = pods.filter((p) => p.status?.phase === "Failed").sort(byFinish);

  const countedFailedPods: PodLike[] = [];
  const failuresByIndex = new Map<number, PodLike[]>();
  const failIndex = new Set<number>();
  let failJob: FailurePolicyMatch | undefined;
  for (const pod of failedPods) {
    const match = matchPodFailurePolicy(spec.podFailurePolicy?.rules, pod);
    if (match?.action === "Ignore") continue;
    countedFailedPods.push(pod);
    if (match?.action === "FailJob") failJob ??= match;
    const i = indexed ? podIndex(pod) : undefined;
    if (i === undefined || i >= completions) continue;
    if (match?.action === "FailIndex") failIndex.add(i);
    const list = failuresByIndex.get(i);
    if (list) list.push(pod);
    else failuresByIndex.set(i, [pod]);
  }

  const tally: Tally = {
    succeeded: Math.max(old.succeeded ?? 0, succeededPods.length),
    failed: Math.max(old.failed ?? 0, countedFailedPods.length),
    countedFailedPods,
    failuresByIndex,
  };
  if (failJob) tally.failJob = failJob;
  if (!indexed) return tally;

  const completed = safeParse(old.completedIndexes, completions);
  for (const p of succeededPods) {
    const i = podIndex(p);
    if (i !== undefined && i < completions) completed.add(i);
  }
  tally.completedIndexes = completed;
  tally.succeeded = completed.size;
  if (perIndex) {
    const failed = safeParse(old.failedIndexes, completions);
    for (const i of failIndex) failed.add(i);
    for (const [i, list] of failuresByIndex) if (list.length > spec.backoffLimitPerIndex!) failed.add(i);
    for (const i of completed) failed.delete(i);
    tally.failedIndexes = failed;
  }
  return tally;
}

/** A status someone wrote badly is treated as empty rather than wedging the Job. */
function safeParse(text: string | undefined, limit: number): Set<number> {
  try {
    return parseIndexes(text, limit);
  } catch {
    return new Set();
  }
}

export { formatIndexes };

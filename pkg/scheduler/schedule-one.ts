// One scheduling cycle as a pure function: PreFilter → Filter (over a sample
// of nodes, like kube-scheduler's percentageOfNodesToScore) → Score →
// normalise → weighted sum → best node. No I/O, no clock, no randomness: the
// same pod, snapshot and options always give the same answer.
import {
  SKIP,
  SUCCESS,
  CycleState,
  type FilterPlugin,
  type NodeScore,
  type Pod,
  type Profile,
  type ScoreTrace,
  type Snapshot,
  type Status,
} from "./framework.js";
import type { NodeInfo } from "./node-info.js";
import { defaultProfile } from "./profile.js";

export interface ScheduleOptions {
  profile?: Profile;
  /**
   * Stop filtering once this share of the nodes (at least 100) is feasible.
   * 0 or unset: adaptive, 50% minus 1% per 125 nodes, never below 5%, as
   * kube-scheduler does. 100: look at every node.
   */
  percentageOfNodesToScore?: number;
  /** Where the scan over snapshot.nodes() starts; the scheduler rotates it so sampling and ties spread over all nodes. */
  startIndex?: number;
  /**
   * Filled with the feasible nodes and every score plugin's weighted scores
   * (decision records, `skiff why`, `apply --plan`). Costs a copy of each score
   * array; unset on the plain scheduling path.
   */
  trace?: ScoreTrace;
}

export interface ScheduleResult {
  /** The chosen node; undefined when the pod fits nowhere (or on Error). */
  node?: string;
  status: Status;
  /**
   * Why each rejected node was rejected. When the pod fits nowhere this covers
   * every node; when it fits, only the nodes looked at before enough feasible
   * ones were found.
   */
  diagnosis: Map<string, Status>;
  /** Nodes the filters looked at; the next cycle should start this much further on. */
  evaluatedNodes: number;
  feasibleNodes: number;
}

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE = 5;
export const NO_NODES_MESSAGE = "no nodes available to schedule pods";

/** kube-scheduler's numFeasibleNodesToFind. */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore = 0): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct <= 0) {
    pct = 50 - Math.floor(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE) pct = MIN_FEASIBLE_NODES_PERCENTAGE;
  }
  if (pct >= 100) return numAllNodes;
  const n = Math.floor((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

const DEFAULT_PROFILE = defaultProfile();

export function scheduleOne(pod: Pod, snapshot: Snapshot, opts: ScheduleOptions = {}): ScheduleResult {
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const trace = opts.trace;
  if (trace) {
    trace.nodes = [];
    trace.totals = undefined;
    trace.plugins = [];
    trace.state = undefined;
    trace.pod = pod;
  }
  const nodes = snapshot.nodes();
  const n = nodes.length;
  const diagnosis = new Map<string, Status>();
  if (n === 0) {
    return { status: { code: "UnschedulableAndUnresolvable", reasons: [NO_NODES_MESSAGE] }, diagnosis, evaluatedNodes: 0, feasibleNodes: 0 };
  }
  const state = CycleState.for(pod, snapshot);
  if (trace) trace.state = state;

  // Plugins whose PreFilter said Skip: their Filter has nothing to check for this pod.
  let skipped: FilterPlugin[] | undefined;
  for (const p of profile.preFilter) {
    const s = p.preFilter(state, pod);
    if (s === SKIP) {
      if (isFilterPlugin(p)) (skipped ??= []).push(p);
      continue;
    }
    if (s.code === "Success") continue;
    if (s.code === "Error") return { status: { ...s, plugin: p.name }, diagnosis, evaluatedNodes: 0, feasibleNodes: 0 };
    // A PreFilter rejection applies to every node.
    const st: Status = { ...s, plugin: s.plugin ?? p.name };
    for (const ni of nodes) diagnosis.set(ni.name, st);
    const message = `0/${n} nodes are available: ${s.reasons.join(", ")}.`;
    return { status: { code: s.code, reasons: [message] }, diagnosis, evaluatedNodes: n, feasibleNodes: 0 };
  }

  // Filter: first failing plugin wins (see profile.ts for why the order matters).
  const want = numFeasibleNodesToFind(n, opts.percentageOfNodesToScore);
  const start = (((opts.startIndex ?? 0) % n) + n) % n;
  const feasible: NodeInfo[] = [];
  const filters = skipped ? profile.filter.filter((f) => !skipped.includes(f)) : profile.filter;
  let evaluated = 0;
  for (; evaluated < n && feasible.length < want; evaluated++) {
    const ni = nodes[(start + evaluated) % n];
    let rejected: Status | undefined;
    for (let f = 0; f < filters.length; f++) {
      const s = filters[f].filter(state, pod, ni);
      if (s !== SUCCESS && s.code !== "Success") {
        rejected = s.plugin ? s : { ...s, plugin: filters[f].name };
        break;
      }
    }
    if (!rejected) feasible.push(ni);
    else if (rejected.code === "Error") {
      return { status: rejected, diagnosis, evaluatedNodes: evaluated + 1, feasibleNodes: 0 };
    } else diagnosis.set(ni.name, rejected);
  }

  if (feasible.length === 0) {
    let allUnresolvable = true;
    for (const s of diagnosis.values()) if (s.code !== "UnschedulableAndUnresolvable") allUnresolvable = false;
    return {
      status: { code: allUnresolvable ? "UnschedulableAndUnresolvable" : "Unschedulable", reasons: [fitErrorMessage(n, diagnosis)] },
      diagnosis,
      evaluatedNodes: evaluated,
      feasibleNodes: 0,
    };
  }
  const base = { status: SUCCESS, diagnosis, evaluatedNodes: evaluated, feasibleNodes: feasible.length };
  if (trace) trace.nodes = feasible;
  // One feasible node: nothing to compare, so scoring is skipped (as kube-scheduler does).
  if (feasible.length === 1) return { node: feasible[0].name, ...base };

  const m = feasible.length;
  const totals = new Float64Array(m);
  const raw = new Float64Array(m);
  for (const { plugin, weight } of profile.score) {
    if (plugin.preScore?.(state, pod) === false) {
      trace?.plugins.push({ name: plugin.name, weight, skipped: "prescore" });
      continue;
    }
    let constant = true;
    for (let i = 0; i < m; i++) {
      raw[i] = plugin.score(state, pod, feasible[i]);
      if (raw[i] !== raw[0]) constant = false;
    }
    // The same score for every node changes no ranking (see ScorePlugin.normalize).
    if (constant) {
      trace?.plugins.push({ name: plugin.name, weight, skipped: "equal" });
      continue;
    }
    if (!plugin.normalize) {
      for (let i = 0; i < m; i++) totals[i] += weight * raw[i];
      if (trace) trace.plugins.push({ name: plugin.name, weight, plugin });
      continue;
    }
    const scores: NodeScore[] = new Array(m);
    for (let i = 0; i < m; i++) scores[i] = { name: feasible[i].name, score: raw[i] };
    plugin.normalize(scores);
    for (let i = 0; i < m; i++) totals[i] += weight * scores[i].score;
    if (trace) trace.plugins.push({ name: plugin.name, weight, scores });
  }
  if (trace) trace.totals = totals;
  // Highest total wins; ties go to the node met first, and since the start
  // index rotates between cycles, ties still spread over the cluster.
  let best = 0;
  for (let i = 1; i < feasible.length; i++) if (totals[i] > totals[best]) best = i;
  return { node: feasible[best].name, ...base };
}

function isFilterPlugin(p: object): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === "function";
}

/**
 * Kubernetes' FitError text: "0/5 nodes are available: 2 Insufficient memory,
 * 3 node(s) had untolerated taint {node.kubernetes.io/not-ready: }." — one
 * count per distinct reason (a node may give several), sorted as strings.
 */
export function fitErrorMessage(numAllNodes: number, diagnosis: ReadonlyMap<string, Status>): string {
  const counts = new Map<string, number>();
  for (const s of diagnosis.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, c]) => `${c} ${r}`).sort();
  const head = `0/${numAllNodes} nodes are available`;
  return parts.length > 0 ? `${head}: ${parts.join(", ")}.` : `${head}.`;
}

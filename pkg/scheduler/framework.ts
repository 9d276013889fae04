// The scheduling framework's vocabulary, after kube-scheduler's
// framework/interface.go (STYLE.md §2): plugins answer with a Status instead of
// throwing, PreFilter work is computed once per pod and kept in CycleState, and
// score plugins normalise to 0..100 before the weighted sum.
import type { V1PodSpec, V1Taint } from "@kubernetes/client-node";
import type { KubeObject } from "../api/types.js";
import type { NodeInfo } from "./node-info.js";
import { podInfoOf, type PodInfo } from "./pod-info.js";

/** A pod as it travels on the wire (timestamps are strings, so the status is typed loosely). */
export type Pod = KubeObject & {
  spec?: V1PodSpec;
  status?: { phase?: string; conditions?: PodCondition[]; [field: string]: unknown };
};

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  [field: string]: unknown;
}

/** A node as it travels on the wire. */
export type Node = KubeObject & {
  spec?: { unschedulable?: boolean; taints?: V1Taint[]; [field: string]: unknown };
  status?: {
    allocatable?: Record<string, string>;
    capacity?: Record<string, string>;
    conditions?: NodeCondition[];
    [field: string]: unknown;
  };
};

/**
 * Success; Unschedulable (another node state, e.g. freed resources, could
 * help); UnschedulableAndUnresolvable (only a change to the node or the pod
 * helps); Error (something broke: not a scheduling decision).
 */
export type Code = "Success" | "Unschedulable" | "UnschedulableAndUnresolvable" | "Error";

export interface Status {
  code: Code;
  /**
   * Every reason, worded as Kubernetes words it ("Insufficient cpu"), so `describe` can show it.
   * Read-only: shared statuses (SUCCESS, frozenStatus) are frozen and reused across nodes.
   */
  reasons: readonly string[];
  /** The plugin that produced a non-success status. */
  plugin?: string;
}

/** Shared, frozen: filters return it for every fitting node without allocating. */
export const SUCCESS: Status = Object.freeze({ code: "Success", reasons: Object.freeze([]) });

/**
 * kube-scheduler's Skip, from PreFilter: a success, and this plugin has nothing
 * to check for this pod, so the cycle leaves its Filter out (no per-node call
 * for the many pods without node affinity, spread or pod affinity terms).
 * Compared by identity; anyone treating it as a plain Success is still right.
 */
export const SKIP: Status = Object.freeze({ code: "Success", reasons: Object.freeze([]) });

export function isSuccess(s: Status): boolean {
  return s.code === "Success";
}

export function unschedulable(plugin: string, ...reasons: string[]): Status {
  return { code: "Unschedulable", reasons, plugin };
}

export function unresolvable(plugin: string, ...reasons: string[]): Status {
  return { code: "UnschedulableAndUnresolvable", reasons, plugin };
}

export function errorStatus(plugin: string, message: string): Status {
  return { code: "Error", reasons: [message], plugin };
}

/** A status a plugin returns many times with the same reason: built once, frozen. */
export function frozenStatus(code: Code, plugin: string, reason: string): Status {
  return Object.freeze({ code, reasons: Object.freeze([reason]), plugin });
}

/**
 * Per-pod scratch space for one scheduling cycle. Each plugin keeps what its
 * PreFilter computed under its own name and reads it back in Filter/Score.
 * What every plugin needs (requests, host ports, owner) is computed once by
 * the framework and sits in podInfo: a field read, not a map lookup, because
 * filters and scores run for hundreds of nodes per pod.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();

  /**
   * The nodes of this cycle, for PreFilter and PreScore plugins that count
   * pods over the whole cluster (PodTopologySpread, InterPodAffinity).
   * scheduleOne sets it; a state built by hand for one plugin has an empty one.
   */
  constructor(
    readonly podInfo: PodInfo,
    readonly snapshot: Snapshot = EMPTY_SNAPSHOT,
  ) {}

  static for(pod: Pod, snapshot?: Snapshot): CycleState {
    return new CycleState(podInfoOf(pod), snapshot);
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

/** Runs once per pod before any Filter; a non-success status rejects the pod on every node. */
export interface PreFilterPlugin {
  name: string;
  preFilter(state: CycleState, pod: Pod): Status;
}

/** Must be pure: the same (state, pod, node) always gives the same answer, with no side effects. */
export interface FilterPlugin {
  name: string;
  filter(state: CycleState, pod: Pod, node: NodeInfo): Status;
  /**
   * The numbers behind a rejection this plugin just returned for (pod, node),
   * for `skiff why`. Optional and never called on the scheduling hot path:
   * the Status reasons keep Kubernetes' exact wording ("Insufficient memory")
   * for events and conditions, and the detail lives here instead.
   */
  explain?(state: CycleState, pod: Pod, node: NodeInfo): ReasonDetail[];
}

/** What a resource rejection is made of: "Insufficient memory: requested 512Mi, 300Mi free of 4Gi". */
export interface ReasonDetail {
  /** The Status reason this detail explains, word for word. */
  reason: string;
  /** "cpu", "memory", "pods", or an extended resource name ("example.com/dongle"). */
  resource: string;
  /** cpu in millicores, memory in bytes, pods and extended resources as a count. */
  requested: number;
  free: number;
  allocatable: number;
}

/**
 * Filled by scheduleOne when ScheduleOptions.trace is given (decision records):
 * the feasible nodes, their weighted totals, and each score plugin's weighted,
 * normalised scores. Arrays are indexed like `nodes`.
 */
export interface ScoreTrace {
  nodes: readonly NodeInfo[];
  totals: Float64Array | undefined;
  plugins: ScoreTraceEntry[];
  /** The cycle's state and pod, to score a few nodes again (tracedScore). */
  state: CycleState | undefined;
  pod: Pod | undefined;
}

export interface ScoreTraceEntry {
  name: string;
  weight: number;
  /**
   * A normalising plugin's scores per node (its own NodeScore list, kept by
   * reference: scheduleOne makes a new one per plugin per cycle).
   */
  scores?: readonly NodeScore[];
  /**
   * A plugin that scores 0..100 without normalising: its score of a node is
   * computed again on demand, before the nodes change (it is a pure function
   * of state, pod and node), rather than copying every node's score each cycle.
   */
  plugin?: ScorePlugin;
  /** "prescore": not relevant for this pod; "equal": every node scored the same, so it changed no ranking. */
  skipped?: "prescore" | "equal";
}

/** weight × score of node i of a trace (0 when the plugin was skipped). Call before the nodes change. */
export function tracedScore(trace: ScoreTrace, e: ScoreTraceEntry, i: number): number {
  if (e.scores) return e.weight * e.scores[i].score;
  if (e.plugin && trace.state && trace.pod) return e.weight * e.plugin.score(trace.state, trace.pod, trace.nodes[i]);
  return 0;
}

export function newScoreTrace(): ScoreTrace {
  return { nodes: [], totals: undefined, plugins: [], state: undefined, pod: undefined };
}

export interface ScorePlugin {
  name: string;
  /**
   * Runs once per pod before score(), for work shared by every node. Returning
   * false skips the plugin for this pod (kube-scheduler's Skip status), e.g.
   * NodeAffinity for a pod without preferred terms.
   */
  preScore?(state: CycleState, pod: Pod): boolean | void;
  /** A raw score; 0..100 unless normalize() maps it there. */
  score(state: CycleState, pod: Pod, node: NodeInfo): number;
  /**
   * Rewrite the raw scores of all feasible nodes into 0..100, in place (same
   * order, same length). Must give equal raw scores equal results: the
   * framework skips a plugin whose raw scores are all equal, since adding the
   * same number to every node changes no ranking.
   *
   * A list, as kube-scheduler's NodeScoreList, rather than a Map keyed by node
   * name: with hundreds of feasible nodes per pod, building and rewriting a
   * Map cost as much as all the filters and other scores together.
   */
  normalize?(scores: NodeScore[]): void;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface WeightedScorePlugin {
  plugin: ScorePlugin;
  weight: number;
}

/** The plugins of one scheduler profile, each list in the order it runs. */
export interface Profile {
  preFilter: PreFilterPlugin[];
  filter: FilterPlugin[];
  score: WeightedScorePlugin[];
}

/** The nodes one scheduling cycle looks at. Must not change during scheduleOne. */
export interface Snapshot {
  /** Nodes that exist (have a Node object), in a stable order. */
  nodes(): readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
  /**
   * A namespace's labels, for InterPodAffinity's namespaceSelector; undefined
   * when the namespace is unknown (a selector then does not match it).
   */
  namespaceLabels?(namespace: string): Readonly<Record<string, string>> | undefined;
  /** Bumped whenever a namespace's labels change, so per-node memos keyed on namespaces can tell. */
  readonly namespaceGeneration?: number;
  /**
   * Incremental counts kept by the scheduler cache, so plugins can skip a walk
   * over every node (kube-scheduler's HavePodsWithAffinityList /
   * HavePodsWithRequiredAntiAffinityList). Upper bounds: they may include pods
   * on nodes outside nodes(), never miss one on a node inside.
   */
  readonly podsWithAffinityCount?: number;
  readonly podsWithRequiredAntiAffinityCount?: number;
  /**
   * For the default topology spread: the pods of a controller per value of a
   * node label, summed over nodes() (values with no such pod may be absent),
   * and how many distinct values of that label nodes() has.
   */
  ownerDomainCounts?(topologyKey: string, owner: string): { counts: ReadonlyMap<string, number>; domains: number };
}

const EMPTY_SNAPSHOT: Snapshot = { nodes: () => [], get: () => undefined };

export const MAX_NODE_SCORE = 100;

/**
 * kube-scheduler's DefaultNormalizeScore: scale to 0..100 by the maximum; with
 * reverse, fewer is better (a node with the maximum gets 0). All-zero scores
 * become 0 (or 100 when reversed).
 */
export function normalizeByMax(scores: NodeScore[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  for (const s of scores) {
    if (max === 0) s.score = reverse ? MAX_NODE_SCORE : 0;
    else {
      const v = Math.floor((MAX_NODE_SCORE * s.score) / max);
      s.score = reverse ? MAX_NODE_SCORE - v : v;
    }
  }
}

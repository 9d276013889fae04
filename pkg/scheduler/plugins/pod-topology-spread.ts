// PodTopologySpread (kube-scheduler plugins/podtopologyspread): pods matching a
// constraint's selector must stay spread over the values of a node label
// (zones, hostnames) within maxSkew.
//
// - PreFilter counts the matching pods per domain once per pod, over the nodes
//   the constraint considers (nodeAffinityPolicy / nodeTaintsPolicy); Filter
//   then only looks up the node's domain. Counts per node are memoised under the
//   node's generation, so a cycle recounts only nodes that changed.
// - DoNotSchedule constraints filter; ScheduleAnyway constraints score, and so
//   do the cluster's default constraints (zone maxSkew 3, hostname maxSkew 5)
//   for a pod that has none of its own and belongs to a controller — the
//   "default cluster-level spread" that replaced SelectorSpread.
import type { V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { LabelSelector } from "../../api/selector.js";
import { withLabelKeys } from "../affinity-terms.js";
import {
  SKIP,
  SUCCESS,
  frozenStatus,
  MAX_NODE_SCORE,
  type CycleState,
  type FilterPlugin,
  type NodeScore,
  type Pod,
  type PreFilterPlugin,
  type ScorePlugin,
} from "../framework.js";
import { memoKey, type NodeInfo } from "../node-info.js";
import type { PodInfo } from "../pod-info.js";
import { matchesAnyTerm } from "./node-selector.js";
import { podToleratesTaint } from "./tolerations.js";

const NAME = "PodTopologySpread";
export const SPREAD_REASON = "node(s) didn't match pod topology spread constraints";
export const SPREAD_MISSING_LABEL_REASON = `${SPREAD_REASON} (missing required label)`;
const REJECT = frozenStatus("Unschedulable", NAME, SPREAD_REASON);
const REJECT_LABEL = frozenStatus("UnschedulableAndUnresolvable", NAME, SPREAD_MISSING_LABEL_REASON);

export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorTaints: boolean;
  /** Memo key (memoKey): what the count of a node depends on besides the node. */
  key: number;
  /** How many pods on a node this constraint counts. */
  count(node: NodeInfo): number;
  /** Whether the incoming pod itself matches (it adds one to its domain). */
  selfMatch: boolean;
}

interface FilterState {
  constraints: Constraint[];
  /** Per constraint: domain value → matching pods. */
  counts: Array<Map<string, number>>;
  /** Per constraint: the smallest count over its domains (0 below minDomains). */
  minMatch: number[];
}

interface ScoreState {
  constraints: Constraint[];
  counts: Array<ReadonlyMap<string, number>>;
  /** Per constraint: log(number of domains + 2), so spreading over more domains weighs more. */
  weights: number[];
  /** User constraints ignore nodes lacking any of their keys; the defaults do not. */
  requireAllKeys: boolean;
}

/** Pods that count: not being deleted (kube-scheduler skips terminating pods). */
function countMatching(node: NodeInfo, namespace: string, selector: LabelSelector): number {
  let n = 0;
  for (const p of node.pods.values()) {
    const m = p.pod.metadata;
    if (m.namespace === namespace && !m.deletionTimestamp && selector.matches(m.labels)) n++;
  }
  return n;
}

function constraintsOf(pod: Pod, when: "DoNotSchedule" | "ScheduleAnyway"): Constraint[] {
  const ns = pod.metadata.namespace ?? "default";
  const labels = pod.metadata.labels ?? {};
  const out: Constraint[] = [];
  for (const c of (pod.spec?.topologySpreadConstraints ?? []) as V1TopologySpreadConstraint[]) {
    if (c.whenUnsatisfiable !== when) continue;
    const selObj = withLabelKeys(c.labelSelector, c.matchLabelKeys, undefined, labels);
    let selector: LabelSelector;
    try {
      selector = LabelSelector.fromObject(selObj);
    } catch {
      selector = LabelSelector.nothing();
    }
    const key = memoKey(`spread\0${ns}\0${selector.isNothing() ? "<nothing>" : selector.toString()}`);
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: c.nodeAffinityPolicy !== "Ignore",
      honorTaints: c.nodeTaintsPolicy === "Honor",
      key,
      count: (node) => node.memo(key, () => countMatching(node, ns, selector)),
      selfMatch: selector.matches(labels),
    });
  }
  return out;
}

/**
 * The cluster's default constraints (kube-scheduler's systemDefaultConstraints),
 * for a pod that states none. Kubernetes selects the pods of the Services,
 * ReplicaSets and StatefulSets that select this pod; skiff uses the pod's
 * controller, which is what those selectors pick out in practice, and which
 * NodeInfo already counts per node.
 */
function defaultConstraints(info: PodInfo): Constraint[] {
  const owner = info.ownerUid;
  if (owner === undefined) return [];
  const count = (node: NodeInfo) => node.ownerCounts.get(owner) ?? 0;
  const base = { minDomains: 1, honorNodeAffinity: true, honorTaints: false, key: -1, count, selfMatch: true };
  return [
    { ...base, maxSkew: 3, topologyKey: ZONE_LABEL },
    { ...base, maxSkew: 5, topologyKey: HOSTNAME_LABEL },
  ];
}

/** Whether a constraint with these policies considers the node at all; the node affinity answer is computed once per node by the caller. */
function included(c: Constraint, pod: Pod, node: NodeInfo, affinityOk: () => boolean): boolean {
  if (c.honorNodeAffinity && !affinityOk()) return false;
  if (c.honorTaints) {
    for (const t of node.taints) {
      if ((t.effect === "NoSchedule" || t.effect === "NoExecute") && !podToleratesTaint(pod, t)) return false;
    }
  }
  return true;
}

function nodeAffinityMatcher(pod: Pod): (node: NodeInfo) => boolean {
  const selector = Object.entries(pod.spec?.nodeSelector ?? {});
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (selector.length === 0 && !terms) return () => true;
  return (node) => {
    for (const [k, v] of selector) if (node.labels[k] !== v) return false;
    return !terms || matchesAnyTerm(terms, node);
  };
}

function hasNodeAffinity(pod: Pod): boolean {
  return Object.keys(pod.spec?.nodeSelector ?? {}).length > 0 || pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms !== undefined;
}

function hasAllKeys(constraints: readonly Constraint[], node: NodeInfo): boolean {
  for (const c of constraints) if (node.labels[c.topologyKey] === undefined) return false;
  return true;
}

/** Matching pods per domain, over every node of the snapshot that has all the keys and passes the policies. */
function countDomains(constraints: readonly Constraint[], pod: Pod, nodes: readonly NodeInfo[], requireAllKeys: boolean): Array<Map<string, number>> {
  const counts = constraints.map(() => new Map<string, number>());
  const matches = nodeAffinityMatcher(pod);
  for (const node of nodes) {
    if (requireAllKeys && !hasAllKeys(constraints, node)) continue;
    let aff: boolean | undefined;
    const affinityOk = () => (aff ??= matches(node));
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined || !included(c, pod, node, affinityOk)) continue;
      counts[i].set(value, (counts[i].get(value) ?? 0) + c.count(node));
    }
  }
  return counts;
}

export const podTopologySpread = {
  name: NAME,
  preFilter(state: CycleState, pod: Pod) {
    const constraints = constraintsOf(pod, "DoNotSchedule");
    if (constraints.length === 0) return SKIP;
    const counts = countDomains(constraints, pod, state.snapshot.nodes(), true);
    const minMatch = constraints.map((c, i) => {
      const m = counts[i];
      // Fewer domains than minDomains: the missing ones count as empty.
      if (m.size < c.minDomains) return 0;
      let min = Infinity;
      for (const v of m.values()) if (v < min) min = v;
      return min === Infinity ? 0 : min;
    });
    state.write(NAME, { constraints, counts, minMatch } satisfies FilterState);
    return SUCCESS;
  },
  filter(state, _pod, node) {
    const s = state.read<FilterState>(NAME);
    if (!s) return SUCCESS;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined) return REJECT_LABEL;
      const skew = (s.counts[i].get(value) ?? 0) + (c.selfMatch ? 1 : 0) - s.minMatch[i];
      if (skew > c.maxSkew) return REJECT;
    }
    return SUCCESS;
  },
  preScore(state, pod) {
    const own = pod.spec?.topologySpreadConstraints ?? [];
    const constraints = own.length > 0 ? constraintsOf(pod, "ScheduleAnyway") : defaultConstraints(state.podInfo);
    if (constraints.length === 0) return false;
    const requireAllKeys = own.length > 0;
    const snap = state.snapshot;
    const owner = state.podInfo.ownerUid;
    let counts: Array<ReadonlyMap<string, number>>;
    let weights: number[];
    if (!requireAllKeys && owner !== undefined && snap.ownerDomainCounts && !hasNodeAffinity(pod)) {
      // The defaults over every node (no node affinity to honour, no taints policy):
      // the cache keeps these per controller, so no walk over the nodes.
      const per = constraints.map((c) => snap.ownerDomainCounts!(c.topologyKey, owner));
      // The cache's live maps, not copies: nothing changes them before this cycle ends (assume comes after).
      counts = per.map((d) => d.counts);
      weights = per.map((d) => Math.log(d.domains + 2));
    } else {
      counts = countDomains(constraints, pod, snap.nodes(), requireAllKeys);
      weights = counts.map((m) => Math.log(m.size + 2));
    }
    state.write(`${NAME}/score`, { constraints, counts, weights, requireAllKeys } satisfies ScoreState);
    return true;
  },
  /** More matching pods in the node's domains = a higher raw score = a worse node; -1 marks a node the constraints ignore. */
  score(state, _pod, node) {
    const s = state.read<ScoreState>(`${NAME}/score`);
    if (!s) return 0;
    if (s.requireAllKeys && !hasAllKeys(s.constraints, node)) return -1;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined) continue;
      score += (s.counts[i].get(value) ?? 0) * s.weights[i] + (c.maxSkew - 1);
    }
    return Math.round(score);
  },
  normalize(scores: NodeScore[]) {
    let min = Infinity;
    let max = 0;
    for (const s of scores) {
      if (s.score < 0) continue;
      if (s.score < min) min = s.score;
      if (s.score > max) max = s.score;
    }
    for (const s of scores) {
      if (s.score < 0) s.score = 0;
      else if (max === 0) s.score = MAX_NODE_SCORE;
      else s.score = Math.floor((MAX_NODE_SCORE * (max + min - s.score)) / max);
    }
  },
} satisfies PreFilterPlugin & FilterPlugin & ScorePlugin;

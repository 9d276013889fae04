// InterPodAffinity (kube-scheduler plugins/interpodaffinity): place a pod near
// (affinity) or away from (anti-affinity) pods matching a selector, where
// "near" means sharing the value of a node label (hostname, zone).
//
// Filter, from counts PreFilter makes once per pod, in kube-scheduler's order:
// - the incoming pod's required affinity needs a pod matching all its terms in
//   the node's domain of every term — unless no such pod exists anywhere and the
//   pod matches its own terms (the first pod of a group must land somewhere);
// - its required anti-affinity refuses a domain holding a matching pod;
// - existing pods' required anti-affinity that the incoming pod matches blocks
//   their whole topology domain ("didn't satisfy existing pods anti-affinity").
// Score adds preferred terms both ways (and existing pods' required affinity
// at weight 1, kube's hardPodAffinityWeight).
//
// What a node contributes is memoised under its generation (NodeInfo.memo),
// so a cycle recounts only the nodes whose pods changed since the last one.
import type { Pod } from "../framework.js";
import {
  SKIP,
  SUCCESS,
  frozenStatus,
  MAX_NODE_SCORE,
  type CycleState,
  type FilterPlugin,
  type NodeScore,
  type PreFilterPlugin,
  type ScorePlugin,
} from "../framework.js";
import { matchesAllTerms, termMatches, type AffinityTerm } from "../affinity-terms.js";
import { memoKey, type NodeInfo } from "../node-info.js";

const NAME = "InterPodAffinity";
export const EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules";
export const AFFINITY_REASON = "node(s) didn't match pod affinity rules";
export const ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules";
const REJECT_EXISTING = frozenStatus("Unschedulable", NAME, EXISTING_ANTI_AFFINITY_REASON);
const REJECT_AFFINITY = frozenStatus("UnschedulableAndUnresolvable", NAME, AFFINITY_REASON);
const REJECT_ANTI = frozenStatus("Unschedulable", NAME, ANTI_AFFINITY_REASON);
/** kube-scheduler's default hardPodAffinityWeight. */
const HARD_POD_AFFINITY_WEIGHT = 1;

type NamespaceLabels = (ns: string) => Readonly<Record<string, string>> | undefined;

interface FilterState {
  /** topologyKey → values where an existing pod's anti-affinity forbids this pod. */
  existingAnti: Map<string, Set<string>>;
  /** "key\0value" → pods matching all required affinity terms in that domain. */
  affinity: Map<string, number>;
  /** "key\0value" → pods matching a required anti-affinity term in that domain. */
  anti: Map<string, number>;
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  /** The pod matches its own affinity terms (so it may start a group). */
  matchesOwnAffinity: boolean;
}

const pair = (key: string, value: string) => `${key}\0${value}`;

/** What identifies the incoming pod to other pods' terms: its namespace and labels. */
function podSignature(pod: Pod, nsGeneration: number): string {
  const labels = pod.metadata.labels ?? {};
  const keys = Object.keys(labels).sort();
  return `${nsGeneration}\0${pod.metadata.namespace ?? "default"}\0${keys.map((k) => `${k}=${labels[k]}`).join(",")}`;
}

/** What identifies a pod's own terms (they depend on its namespace and, through matchLabelKeys, its labels). */
function termsSignature(pod: Pod, nsGeneration: number, which: "required" | "preferred"): string {
  const a = pod.spec?.affinity;
  const pick = which === "required" ? "requiredDuringSchedulingIgnoredDuringExecution" : "preferredDuringSchedulingIgnoredDuringExecution";
  return `${which}\0${nsGeneration}\0${pod.metadata.namespace ?? "default"}\0${JSON.stringify([a?.podAffinity?.[pick], a?.podAntiAffinity?.[pick], pod.metadata.labels])}`;
}

function nsLabelsOf(state: CycleState): NamespaceLabels | undefined {
  const snap = state.snapshot;
  return snap.namespaceLabels ? (ns) => snap.namespaceLabels?.(ns) : undefined;
}

export const interPodAffinity = {
  name: NAME,
  preFilter(state: CycleState, pod: Pod) {
    // kube-scheduler's Skip: no terms of its own and no pod anywhere with required anti-affinity.
    const own = state.podInfo.affinity;
    if (!own?.requiredAffinity.length && !own?.requiredAntiAffinity.length && state.snapshot.podsWithRequiredAntiAffinityCount === 0) return SKIP;
    const nodes = state.snapshot.nodes();
    const nsLabels = nsLabelsOf(state);
    const nsGen = state.snapshot.namespaceGeneration ?? 0;
    const info = state.podInfo.affinity;
    const requiredAffinity = info?.requiredAffinity ?? [];
    const requiredAntiAffinity = info?.requiredAntiAffinity ?? [];
    const s: FilterState = {
      existingAnti: new Map(),
      affinity: new Map(),
      anti: new Map(),
      requiredAffinity,
      requiredAntiAffinity,
      matchesOwnAffinity: requiredAffinity.length > 0 && matchesAllTerms(requiredAffinity, pod, nsLabels),
    };
    const sig = podSignature(pod, nsGen);
    const hasRequired = requiredAffinity.length > 0 || requiredAntiAffinity.length > 0;
    const xantiKey = memoKey(`xanti\0${sig}`);
    const reqKey = hasRequired ? memoKey(`req\0${termsSignature(pod, nsGen, "required")}`) : -1;
    for (const node of nodes) {
      if (node.podsWithRequiredAntiAffinity.size > 0) {
        const blocked = node.memo(xantiKey, () => existingAntiPairs(node, pod, nsLabels));
        for (const [k, v] of blocked) {
          let vs = s.existingAnti.get(k);
          if (!vs) s.existingAnti.set(k, (vs = new Set()));
          vs.add(v);
        }
      }
      if (!hasRequired || node.podCount === 0) continue;
      const m = node.memo(reqKey, () => countRequired(node, requiredAffinity, requiredAntiAffinity, nsLabels));
      if (m.all > 0) {
        for (const t of requiredAffinity) {
          const v = node.labels[t.topologyKey];
          if (v !== undefined) s.affinity.set(pair(t.topologyKey, v), (s.affinity.get(pair(t.topologyKey, v)) ?? 0) + m.all);
        }
      }
      requiredAntiAffinity.forEach((t, j) => {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && m.anti[j] > 0) s.anti.set(pair(t.topologyKey, v), (s.anti.get(pair(t.topologyKey, v)) ?? 0) + m.anti[j]);
      });
    }
    if (s.existingAnti.size > 0 || hasRequired) state.write(NAME, s);
    return SUCCESS;
  },
  filter(state, _pod, node) {
    const s = state.read<FilterState>(NAME);
    if (!s) return SUCCESS;
    // kube-scheduler's order: the pod's own affinity, its anti-affinity, then the existing pods'.
    if (s.requiredAffinity.length > 0) {
      let podsExist = true;
      for (const t of s.requiredAffinity) {
        const v = node.labels[t.topologyKey];
        if (v === undefined || !((s.affinity.get(pair(t.topologyKey, v)) ?? 0) > 0)) {
          podsExist = false;
          break;
        }
      }
      // No matching pod anywhere: the pod may start its own group if it matches its terms (and the node has the keys).
      if (!podsExist) {
        const hasKeys = s.requiredAffinity.every((t) => node.labels[t.topologyKey] !== undefined);
        if (!(s.affinity.size === 0 && s.matchesOwnAffinity && hasKeys)) return REJECT_AFFINITY;
      }
    }
    for (const t of s.requiredAntiAffinity) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined && (s.anti.get(pair(t.topologyKey, v)) ?? 0) > 0) return REJECT_ANTI;
    }
    for (const [k, values] of s.existingAnti) {
      const v = node.labels[k];
      if (v !== undefined && values.has(v)) return REJECT_EXISTING;
    }
    return SUCCESS;
  },
  preScore(state, pod) {
    const nodes = state.snapshot.nodes();
    const info = state.podInfo.affinity;
    const preferred = [...(info?.preferredAffinity ?? []).map((t) => [t, 1] as const), ...(info?.preferredAntiAffinity ?? []).map((t) => [t, -1] as const)];
    let anyExisting = false;
    if (preferred.length > 0 || state.snapshot.podsWithAffinityCount !== 0) {
      for (const node of nodes) if (node.podsWithAffinity.size > 0) anyExisting = true;
    }
    if (preferred.length === 0 && !anyExisting) return false;
    const nsLabels = nsLabelsOf(state);
    const nsGen = state.snapshot.namespaceGeneration ?? 0;
    const xscoreKey = memoKey(`xscore\0${podSignature(pod, nsGen)}`);
    const prefKey = preferred.length > 0 ? memoKey(`pref\0${termsSignature(pod, nsGen, "preferred")}`) : -1;
    const scores = new Map<string, Map<string, number>>();
    const add = (key: string, value: string | undefined, delta: number) => {
      if (value === undefined || delta === 0) return;
      let byValue = scores.get(key);
      if (!byValue) scores.set(key, (byValue = new Map()));
      byValue.set(value, (byValue.get(value) ?? 0) + delta);
    };
    for (const node of nodes) {
      if (preferred.length > 0 && node.podCount > 0) {
        const counts = node.memo(prefKey, () => preferred.map(([t]) => countMatches(node, t, nsLabels)));
        preferred.forEach(([t, sign], j) => add(t.topologyKey, node.labels[t.topologyKey], sign * t.weight * counts[j]));
      }
      if (node.podsWithAffinity.size > 0) {
        const deltas = node.memo(xscoreKey, () => existingScoreDeltas(node, pod, nsLabels));
        for (const [k, d] of deltas) add(k, node.labels[k], d);
      }
    }
    if (scores.size === 0) return false;
    state.write(`${NAME}/score`, scores);
    return true;
  },
  score(state, _pod, node) {
    const scores = state.read<Map<string, Map<string, number>>>(`${NAME}/score`);
    if (!scores) return 0;
    let sum = 0;
    for (const [k, byValue] of scores) {
      const v = node.labels[k];
      if (v !== undefined) sum += byValue.get(v) ?? 0;
    }
    return sum;
  },
  // Min-max to 0..100 (the raw scores may be negative).
  normalize(scores: NodeScore[]) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s.score < min) min = s.score;
      if (s.score > max) max = s.score;
    }
    const diff = max - min;
    for (const s of scores) s.score = diff > 0 ? Math.floor((MAX_NODE_SCORE * (s.score - min)) / diff) : 0;
  },
} satisfies PreFilterPlugin & FilterPlugin & ScorePlugin;

/** [topologyKey, this node's value] for every required anti-affinity term of a pod here that the incoming pod matches. */
function existingAntiPairs(node: NodeInfo, pod: Pod, nsLabels: NamespaceLabels | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const p of node.podsWithRequiredAntiAffinity) {
    for (const t of p.affinity?.requiredAntiAffinity ?? []) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined && termMatches(t, pod, nsLabels)) out.push([t.topologyKey, v]);
    }
  }
  return out;
}

/** Pods here matching all affinity terms, and per anti-affinity term the pods matching it. */
function countRequired(node: NodeInfo, affinity: readonly AffinityTerm[], anti: readonly AffinityTerm[], nsLabels: NamespaceLabels | undefined): { all: number; anti: number[] } {
  const out = { all: 0, anti: anti.map(() => 0) };
  for (const p of node.pods.values()) {
    if (p.pod.metadata.deletionTimestamp) continue;
    if (affinity.length > 0 && matchesAllTerms(affinity, p.pod, nsLabels)) out.all++;
    for (let j = 0; j < anti.length; j++) if (termMatches(anti[j], p.pod, nsLabels)) out.anti[j]++;
  }
  return out;
}

function countMatches(node: NodeInfo, term: AffinityTerm, nsLabels: NamespaceLabels | undefined): number {
  let n = 0;
  for (const p of node.pods.values()) if (termMatches(term, p.pod, nsLabels)) n++;
  return n;
}

/** What the pods here with affinity terms add to the incoming pod's score, per topology key of theirs. */
function existingScoreDeltas(node: NodeInfo, pod: Pod, nsLabels: NamespaceLabels | undefined): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const p of node.podsWithAffinity) {
    const a = p.affinity;
    if (!a) continue;
    for (const t of a.requiredAffinity) if (termMatches(t, pod, nsLabels)) out.push([t.topologyKey, HARD_POD_AFFINITY_WEIGHT]);
    for (const t of a.preferredAffinity) if (termMatches(t, pod, nsLabels)) out.push([t.topologyKey, t.weight]);
    for (const t of a.preferredAntiAffinity) if (termMatches(t, pod, nsLabels)) out.push([t.topologyKey, -t.weight]);
  }
  return out;
}

// Pod affinity terms parsed once per pod (kube-scheduler's framework.AffinityTerm):
// the label selector with matchLabelKeys/mismatchLabelKeys folded in, the
// namespaces it looks at, and the topology key. InterPodAffinity evaluates
// them for every pod on every node, so nothing here is re-parsed per match.
import type { V1PodAffinityTerm, V1WeightedPodAffinityTerm } from "@kubernetes/client-node";
import { LabelSelector, type LabelSelectorObject } from "../api/selector.js";
import type { Pod } from "./framework.js";

export interface AffinityTerm {
  topologyKey: string;
  selector: LabelSelector;
  /** Namespaces named in the term; with no namespaceSelector and none named, the pod's own. */
  namespaces: ReadonlySet<string>;
  /** undefined: the term has no namespaceSelector. `{}` selects every namespace. */
  namespaceSelector: LabelSelector | undefined;
  /** preferred terms: their weight; required terms: 1. */
  weight: number;
}

export interface PodAffinityInfo {
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
}

type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

/** undefined when the pod has no pod (anti-)affinity at all: most pods, and the fast path. */
export function affinityInfoOf(pod: Pod): PodAffinityInfo | undefined {
  const a = pod.spec?.affinity;
  if (!a?.podAffinity && !a?.podAntiAffinity) return undefined;
  const ns = pod.metadata.namespace ?? "default";
  const labels = pod.metadata.labels ?? {};
  const req = (terms: V1PodAffinityTerm[] | undefined) => (terms ?? []).map((t) => parseTerm(t, 1, ns, labels));
  const pref = (terms: V1WeightedPodAffinityTerm[] | undefined) =>
    (terms ?? []).filter((t) => t.weight > 0).map((t) => parseTerm(t.podAffinityTerm, t.weight, ns, labels));
  const info: PodAffinityInfo = {
    requiredAffinity: req(a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinity: req(a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinity: pref(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinity: pref(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
  const total = info.requiredAffinity.length + info.requiredAntiAffinity.length + info.preferredAffinity.length + info.preferredAntiAffinity.length;
  return total > 0 ? info : undefined;
}

function parseTerm(t: V1PodAffinityTerm, weight: number, ownNamespace: string, ownLabels: Record<string, string>): AffinityTerm {
  const namespaces = new Set(t.namespaces ?? []);
  const namespaceSelector = t.namespaceSelector ? safeSelector(t.namespaceSelector) : undefined;
  if (namespaces.size === 0 && !namespaceSelector) namespaces.add(ownNamespace);
  return {
    topologyKey: t.topologyKey,
    selector: safeSelector(withLabelKeys(t.labelSelector, t.matchLabelKeys, t.mismatchLabelKeys, ownLabels)),
    namespaces,
    namespaceSelector,
    weight,
  };
}

/**
 * matchLabelKeys / mismatchLabelKeys (1.31+): `key in (my value)` and
 * `key notin (my value)` for each key the pod itself carries, ANDed to the
 * selector. A nil selector stays nil (it matches nothing either way).
 */
export function withLabelKeys(
  sel: LabelSelectorObject | undefined,
  matchKeys: readonly string[] | undefined,
  mismatchKeys: readonly string[] | undefined,
  ownLabels: Record<string, string>,
): LabelSelectorObject | undefined {
  if (!sel || ((matchKeys?.length ?? 0) === 0 && (mismatchKeys?.length ?? 0) === 0)) return sel;
  const exprs = [...(sel.matchExpressions ?? [])];
  for (const k of matchKeys ?? []) if (k in ownLabels) exprs.push({ key: k, operator: "In", values: [ownLabels[k]] });
  for (const k of mismatchKeys ?? []) if (k in ownLabels) exprs.push({ key: k, operator: "NotIn", values: [ownLabels[k]] });
  return { ...sel, matchExpressions: exprs };
}

/** Validation has checked the selector; a bad one that slipped through matches nothing rather than stopping the scheduler. */
function safeSelector(sel: LabelSelectorObject | undefined): LabelSelector {
  try {
    return LabelSelector.fromObject(sel);
  } catch {
    return LabelSelector.nothing();
  }
}

/** Whether `pod` is one of the pods the term is about: in one of its namespaces and matching its selector. */
export function termMatches(term: AffinityTerm, pod: Pod, namespaceLabels: NamespaceLabels | undefined): boolean {
  const ns = pod.metadata.namespace ?? "default";
  if (!term.namespaces.has(ns)) {
    if (!term.namespaceSelector) return false;
    if (!term.namespaceSelector.isEmpty()) {
      const labels = namespaceLabels?.(ns);
      if (!labels || !term.namespaceSelector.matches(labels)) return false;
    }
  }
  return term.selector.matches(pod.metadata.labels);
}

/** Whether `pod` matches every term (required pod affinity ANDs its terms). */
export function matchesAllTerms(terms: readonly AffinityTerm[], pod: Pod, namespaceLabels: NamespaceLabels | undefined): boolean {
  for (const t of terms) if (!termMatches(t, pod, namespaceLabels)) return false;
  return terms.length > 0;
}

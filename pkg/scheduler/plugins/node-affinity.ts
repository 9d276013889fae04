// NodeAffinity: spec.nodeSelector and requiredDuringScheduling node affinity
// must both match (filter); preferredDuringScheduling terms add their weights
// (score).
import type { V1NodeSelectorTerm, V1PreferredSchedulingTerm } from "@kubernetes/client-node";
import { SKIP, SUCCESS, frozenStatus, normalizeByMax, type CycleState, type FilterPlugin, type Pod, type PreFilterPlugin, type ScorePlugin } from "../framework.js";
import { matchesAnyTerm, matchesTerm } from "./node-selector.js";

const NAME = "NodeAffinity";
export const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";
const REJECT = frozenStatus("UnschedulableAndUnresolvable", NAME, NODE_AFFINITY_REASON);

interface Required {
  selector: Array<[string, string]>;
  /** undefined = no required affinity; [] would match nothing. */
  terms?: V1NodeSelectorTerm[];
}

function requiredOf(pod: Pod): Required {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  return { selector: Object.entries(pod.spec?.nodeSelector ?? {}), terms };
}

export const nodeAffinity = {
  name: NAME,
  preFilter(state: CycleState, pod: Pod) {
    const req = requiredOf(pod);
    if (req.selector.length === 0 && !req.terms) return SKIP;
    state.write(NAME, req);
    return SUCCESS;
  },
  filter(state, pod, node) {
    const req = state.read<Required>(NAME) ?? requiredOf(pod);
    for (const [k, v] of req.selector) if (node.labels[k] !== v) return REJECT;
    if (req.terms && !matchesAnyTerm(req.terms, node)) return REJECT;
    return SUCCESS;
  },
  preScore(state, pod) {
    const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    state.write(`${NAME}/preferred`, preferred);
    return preferred.length > 0;
  },
  score(state, pod, node) {
    const preferred =
      state.read<V1PreferredSchedulingTerm[]>(`${NAME}/preferred`) ??
      pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ??
      [];
    let sum = 0;
    for (const p of preferred) if (p.weight && matchesTerm(p.preference, node)) sum += p.weight;
    return sum;
  },
  normalize(scores) {
    normalizeByMax(scores, false);
  },
} satisfies PreFilterPlugin & FilterPlugin & ScorePlugin;

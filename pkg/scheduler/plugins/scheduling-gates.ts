// SchedulingGates (kube-scheduler plugins/schedulinggates): a pod with
// spec.schedulingGates is not scheduled until every gate is removed. The
// scheduler keeps such pods out of its queue altogether (Scheduler.isGated,
// the PreEnqueue point); this PreFilter gives `skiff why` and `apply --plan`
// the same verdict when they run the plugins on a gated pod.
import { SUCCESS, unresolvable, type Pod, type PreFilterPlugin } from "../framework.js";

const NAME = "SchedulingGates";
/** PodScheduled's reason and message while gated, as the API server and kube-scheduler write them. */
export const SCHEDULING_GATED_REASON = "SchedulingGated";
export const SCHEDULING_GATED_MESSAGE = "Scheduling is blocked due to non-empty scheduling gates";

export function schedulingGatesOf(pod: Pod): string[] {
  return (pod.spec?.schedulingGates ?? []).map((g) => g.name);
}

export const schedulingGates = {
  name: NAME,
  preFilter(_state, pod) {
    const gates = schedulingGatesOf(pod);
    return gates.length === 0 ? SUCCESS : unresolvable(NAME, `waiting for scheduling gates: [${gates.join(" ")}]`);
  },
} satisfies PreFilterPlugin;

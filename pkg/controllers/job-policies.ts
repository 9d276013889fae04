// A Job's podFailurePolicy and successPolicy (Kubernetes 1.32,
// pkg/controller/job/pod_failure_policy.go and success_policy.go): which rule
// a failed pod matches and what it means, and whether the succeeded indexes
// satisfy a success rule. Pure functions over the wire objects.
import type { PodLike } from "./util.js";

export type PodFailurePolicyAction = "FailJob" | "FailIndex" | "Ignore" | "Count";

export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: { containerName?: string; operator: "In" | "NotIn"; values: number[] };
  onPodConditions?: Array<{ type: string; status?: string }>;
}

export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

/** The first matching rule's action and the message Kubernetes writes for it. */
export interface FailurePolicyMatch {
  action: PodFailurePolicyAction;
  message: string;
}

interface TerminatedLike {
  name?: string;
  state?: { terminated?: { exitCode?: number } };
}

function terminatedContainers(pod: PodLike): TerminatedLike[] {
  const s = pod.status ?? {};
  // Kubernetes looks at the app containers first, then the init containers.
  return [...((s.containerStatuses as TerminatedLike[] | undefined) ?? []), ...((s.initContainerStatuses as TerminatedLike[] | undefined) ?? [])];
}

function exitCodeMatch(rule: NonNullable<PodFailurePolicyRule["onExitCodes"]>, pod: PodLike): { container: string; exitCode: number } | undefined {
  for (const c of terminatedContainers(pod)) {
    const code = c.state?.terminated?.exitCode;
    // Containers that succeeded never match (NotIn [1] does not mean exit 0).
    if (code === undefined || code === 0) continue;
    if (rule.containerName && rule.containerName !== c.name) continue;
    const listed = rule.values.includes(code);
    if (rule.operator === "In" ? listed : !listed) return { container: c.name ?? "", exitCode: code };
  }
  return undefined;
}

/** matchPodFailurePolicy: undefined when no rule matches (the failure counts toward the limits). */
export function matchPodFailurePolicy(rules: readonly PodFailurePolicyRule[] | undefined, pod: PodLike): FailurePolicyMatch | undefined {
  const who = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const [i, rule] of (rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const m = exitCodeMatch(rule.onExitCodes, pod);
      if (m) return { action: rule.action, message: `Container ${m.container} for pod ${who} failed with exit code ${m.exitCode} matching ${rule.action} rule at index ${i}` };
    }
    for (const pattern of rule.onPodConditions ?? []) {
      const want = pattern.status ?? "True";
      if (pod.status?.conditions?.some((c) => c.type === pattern.type && c.status === want)) {
        return { action: rule.action, message: `Pod ${who} has condition ${pattern.type} matching ${rule.action} rule at index ${i}` };
      }
    }
  }
  return undefined;
}

/**
 * matchSuccessPolicy: the first rule the succeeded indexes satisfy — all of
 * succeededIndexes, or succeededCount of them (of any index when only the count
 * is given). Its message is the SuccessCriteriaMet condition's.
 */
export function matchSuccessPolicy(rules: readonly SuccessPolicyRule[] | undefined, succeeded: ReadonlySet<number>, parse: (text: string) => Set<number>): string | undefined {
  for (const [i, rule] of (rules ?? []).entries()) {
    let count: number;
    let needed: number;
    if (rule.succeededIndexes !== undefined) {
      const wanted = parse(rule.succeededIndexes);
      count = [...wanted].filter((x) => succeeded.has(x)).length;
      needed = rule.succeededCount ?? wanted.size;
    } else {
      count = succeeded.size;
      needed = rule.succeededCount ?? Infinity;
    }
    if (needed > 0 && count >= needed) return `Matched rules at index ${i}`;
  }
  return undefined;
}

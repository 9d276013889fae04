// Which requests a ValidatingAdmissionPolicy (and its binding) applies to:
// matchConstraints / matchResources as Kubernetes' matching package reads them —
// resource rules (groups, versions, resources with "*" and "x/status" forms,
// operations, scope, resource names), exclusions, and namespace and object
// label selectors.
import { LabelSelector, type LabelSelectorObject } from "../../api/selector.js";
import type { AdmissionAttributes } from "../../apiserver/registry.js";
import type { KubeObject } from "../../api/types.js";

export interface ResourceRule {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: string[];
  scope?: "*" | "Cluster" | "Namespaced";
  resourceNames?: string[];
}

export interface MatchResources {
  namespaceSelector?: LabelSelectorObject;
  objectSelector?: LabelSelectorObject;
  resourceRules?: ResourceRule[];
  excludeResourceRules?: ResourceRule[];
  matchPolicy?: "Exact" | "Equivalent";
}

const any = (list: string[] | undefined, value: string) => (list ?? []).some((x) => x === "*" || x === value);

function resourceMatches(patterns: string[] | undefined, resource: string, sub: string | undefined): boolean {
  return (patterns ?? []).some((p) => {
    const [r, s] = p.split("/");
    if (s === undefined) return !sub && (r === "*" || r === resource);
    return (r === "*" || r === resource) && (s === "*" || s === sub);
  });
}

export function ruleMatches(rule: ResourceRule, a: AdmissionAttributes): boolean {
  const { info } = a;
  if (!any(rule.apiGroups, info.group) || !any(rule.apiVersions, info.version)) return false;
  if (!any(rule.operations, a.operation)) return false;
  if (!resourceMatches(rule.resources, info.plural, a.subresource)) return false;
  const scope = rule.scope ?? "*";
  if (scope === "Cluster" && info.namespaced) return false;
  if (scope === "Namespaced" && !info.namespaced) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0 && !rule.resourceNames.includes(a.name ?? "")) return false;
  return true;
}

function selectorMatches(sel: LabelSelectorObject | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return true;
  return LabelSelector.fromObject(sel).matches(labels ?? {});
}

/**
 * Does `m` select this request? `namespaceObject` is the request's namespace
 * (undefined for cluster-scoped objects, which namespace selectors never exclude).
 */
export function matchesResources(m: MatchResources | undefined, a: AdmissionAttributes, namespaceObject: KubeObject | undefined, requireRules: boolean): boolean {
  if (!m) return !requireRules;
  const rules = m.resourceRules ?? [];
  if (requireRules || rules.length > 0) {
    if (!rules.some((r) => ruleMatches(r, a))) return false;
  }
  if ((m.excludeResourceRules ?? []).some((r) => ruleMatches(r, a))) return false;
  const nsLabels = a.info.kind === "Namespace" && a.info.group === "" ? (a.object ?? a.oldObject)?.metadata.labels : namespaceObject?.metadata.labels;
  if ((a.info.namespaced || a.info.kind === "Namespace") && !selectorMatches(m.namespaceSelector, nsLabels)) return false;
  if (m.objectSelector) {
    const objLabels = [a.object, a.oldObject].filter((o): o is KubeObject => !!o).map((o) => o.metadata.labels);
    if (!objLabels.some((l) => selectorMatches(m.objectSelector, l))) return false;
  }
  return true;
}

// RBAC policy rules and how a request matches one, as Kubernetes'
// plugin/pkg/auth/authorizer/rbac/rbac.go (RuleAllows) does it. Pure functions:
// the authorizer gathers the rules that apply to a user; this decides.
import type { AuthorizationAttributes } from "../apiserver/auth.js";

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: "User" | "Group" | "ServiceAccount";
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleRef {
  apiGroup?: string;
  kind: "Role" | "ClusterRole";
  name: string;
}

const has = (list: string[] | undefined, v: string) => !!list && (list.includes("*") || list.includes(v));

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, group);
}

/**
 * "*" matches everything, subresources included; "pods/log" matches only that
 * subresource; "* /log" (no space) matches the log subresource of any resource.
 */
export function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === "*" || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** An empty list allows every name; a list never allows a request without a name (list, create). */
export function resourceNameMatches(rule: PolicyRule, name: string | undefined): boolean {
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return !!name && rule.resourceNames.includes(name);
}

/** "/healthz" exactly, "*" anything, "/apis/*" any path under /apis/. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Does this one rule allow the request? */
export function ruleAllows(a: AuthorizationAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (a.isResourceRequest) {
    return apiGroupMatches(rule, a.apiGroup ?? "") && resourceMatches(rule, a.resource ?? "", a.subresource) && resourceNameMatches(rule, a.name);
  }
  return nonResourceURLMatches(rule, a.path);
}

/** Does a binding subject name this user (or one of its groups)? */
export function subjectMatches(s: Subject, user: string, groups: readonly string[], bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case "User":
      return s.name === user;
    case "Group":
      return groups.includes(s.name);
    case "ServiceAccount": {
      // A service account authenticates as system:serviceaccount:<ns>:<name>.
      const ns = s.namespace || bindingNamespace || "";
      return user === `system:serviceaccount:${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

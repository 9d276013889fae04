// `skiff auth can-i`: ask the API server whether the current user (or, with
// --as, another one) may do something, the way `kubectl auth can-i` does —
// a SelfSubjectAccessReview, or a SubjectAccessReview for --as.
import { resolveResource, VIRTUAL_RESOURCES } from "../api/kinds.js";
import type { RestClient } from "../client/rest.js";
import type { AccessReviewSpec, AccessReviewStatus } from "./access-review.js";

const REVIEWS = "/apis/authorization.k8s.io/v1";

export interface CanIQuery {
  verb: string;
  /** "deployments", "deploy", "deployments.apps", "pods/log", "*", or a non-resource URL ("/healthz"). */
  resource: string;
  name?: string;
  /** Namespace to ask about; "" = all namespaces. Ignored for cluster-scoped resources. */
  namespace: string;
  as?: string;
  asGroups?: string[];
}

/** The review spec for a can-i question (the resource resolved as kubectl's RESTMapper would). */
export function canISpec(q: CanIQuery): { spec: AccessReviewSpec; warning?: string } {
  if (q.resource.startsWith("/")) return { spec: { nonResourceAttributes: { path: q.resource, verb: q.verb } } };
  const [base, subresource] = q.resource.split("/", 2);
  let group = "";
  let resource = base;
  let namespaced = true;
  let warning: string | undefined;
  if (base !== "*") {
    const info = resolveResource(base) ?? VIRTUAL_RESOURCES.find((r) => r.plural === base);
    if (info) {
      group = info.group;
      resource = info.plural;
      namespaced = info.namespaced;
    } else {
      warning = `Warning: the server doesn't have a resource type '${base}'`;
      const dot = base.indexOf(".");
      if (dot > 0) {
        resource = base.slice(0, dot);
        group = base.slice(dot + 1);
      }
    }
  }
  const spec: AccessReviewSpec = {
    resourceAttributes: {
      verb: q.verb,
      group,
      resource,
      ...(subresource ? { subresource } : {}),
      ...(q.name ? { name: q.name } : {}),
      ...(namespaced && q.namespace ? { namespace: q.namespace } : {}),
    },
  };
  return { spec, warning };
}

export async function canI(api: RestClient, q: CanIQuery): Promise<AccessReviewStatus & { warning?: string }> {
  const { spec, warning } = canISpec(q);
  let kind = "SelfSubjectAccessReview";
  let path = `${REVIEWS}/selfsubjectaccessreviews`;
  if (q.as) {
    kind = "SubjectAccessReview";
    path = `${REVIEWS}/subjectaccessreviews`;
    spec.user = q.as;
    spec.groups = [...new Set([...(q.asGroups ?? []), "system:authenticated"])];
  }
  const res = await api.request<{ status?: AccessReviewStatus }>("POST", path, { body: { apiVersion: "authorization.k8s.io/v1", kind, spec } });
  return { allowed: !!res.status?.allowed, reason: res.status?.reason, warning };
}

export interface RulesReview {
  resourceRules: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }>;
  nonResourceRules: Array<{ verbs: string[]; nonResourceURLs?: string[] }>;
  incomplete?: boolean;
  evaluationError?: string;
}

export async function listRules(api: RestClient, namespace: string): Promise<RulesReview> {
  const res = await api.request<{ status?: RulesReview }>("POST", `${REVIEWS}/selfsubjectrulesreviews`, {
    body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace } },
  });
  return res.status ?? { resourceRules: [], nonResourceRules: [] };
}

/** kubectl's table: Resources, Non-Resource URLs, Resource Names, Verbs. */
export function formatRules(r: RulesReview): string {
  const rows: string[][] = [["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]];
  // One row per resource (and group), as kubectl prints them, sorted by resource.
  const resourceRows: string[][] = [];
  for (const rule of r.resourceRules) {
    for (const res of rule.resources ?? []) {
      for (const g of rule.apiGroups?.length ? rule.apiGroups : [""]) {
        resourceRows.push([g ? `${res}.${g}` : res, "[]", `[${(rule.resourceNames ?? []).join(" ")}]`, `[${rule.verbs.join(" ")}]`]);
      }
    }
  }
  rows.push(...resourceRows.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
  for (const rule of r.nonResourceRules) rows.push(["", `[${(rule.nonResourceURLs ?? []).join(" ")}]`, "[]", `[${rule.verbs.join(" ")}]`]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] + 3))).join("")).join("\n") + "\n";
}

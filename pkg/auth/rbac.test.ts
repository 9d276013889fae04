import { describe, expect, it } from "vitest";
import type { AuthorizationAttributes } from "../apiserver/auth.js";
import type { KubeObject } from "../api/types.js";
import { clusterRoleObject, DEFAULT_CLUSTER_ROLES, DEFAULT_CLUSTER_ROLE_BINDINGS } from "./default-roles.js";
import { RbacAuthorizer, staticRbacSource } from "./rbac.js";
import { nonResourceURLMatches, resourceMatches, ruleAllows, type PolicyRule } from "./rules.js";

function res(verb: string, resource: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes {
  const [r, sub] = resource.split("/");
  return { user: "alice", groups: ["system:authenticated"], verb, isResourceRequest: true, apiGroup: "", resource: r, subresource: sub, path: "/x", ...o };
}
function nonRes(verb: string, path: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes {
  return { user: "alice", groups: ["system:authenticated"], verb, isResourceRequest: false, path, ...o };
}

describe("rule matching", () => {
  const podsRead: PolicyRule = { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] };
  const cases: Array<[string, PolicyRule, AuthorizationAttributes, boolean]> = [
    ["verb listed", podsRead, res("get", "pods"), true],
    ["verb not listed", podsRead, res("delete", "pods"), false],
    ["wrong group", podsRead, res("get", "pods", { apiGroup: "apps" }), false],
    ["plain resource does not cover a subresource", podsRead, res("get", "pods/log"), false],
    ["subresource named", { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] }, res("get", "pods/log"), true],
    ["subresource rule does not cover the resource", { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] }, res("get", "pods"), false],
    ["*/subresource", { apiGroups: ["*"], resources: ["*/status"], verbs: ["update"] }, res("update", "deployments/status", { apiGroup: "apps" }), true],
    ["*/subresource not the resource", { apiGroups: ["*"], resources: ["*/status"], verbs: ["update"] }, res("update", "deployments", { apiGroup: "apps" }), false],
    ["* resource covers subresources", { apiGroups: ["*"], resources: ["*"], verbs: ["*"] }, res("create", "pods/binding"), true],
    ["* verb", { apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }, res("deletecollection", "deployments", { apiGroup: "apps" }), true],
    ["resourceNames allow the named object", { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cfg"], verbs: ["get"] }, res("get", "configmaps", { name: "cfg" }), true],
    ["resourceNames refuse another object", { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cfg"], verbs: ["get"] }, res("get", "configmaps", { name: "other" }), false],
    ["resourceNames refuse list (no name)", { apiGroups: [""], resources: ["configmaps"], resourceNames: ["cfg"], verbs: ["list"] }, res("list", "configmaps"), false],
    ["non-resource exact", { nonResourceURLs: ["/healthz"], verbs: ["get"] }, nonRes("get", "/healthz"), true],
    ["non-resource prefix", { nonResourceURLs: ["/apis/*"], verbs: ["get"] }, nonRes("get", "/apis/apps/v1"), true],
    ["non-resource wrong verb", { nonResourceURLs: ["/apis/*"], verbs: ["get"] }, nonRes("post", "/apis/apps/v1"), false],
    ["resource rule never matches a path", podsRead, nonRes("get", "/api"), false],
    ["non-resource rule never matches a resource", { nonResourceURLs: ["*"], verbs: ["*"] }, res("get", "pods"), false],
  ];
  it.each(cases)("%s", (_name, rule, attrs, want) => {
    expect(ruleAllows(attrs, rule)).toBe(want);
  });

  it("matches like Kubernetes' helpers", () => {
    expect(resourceMatches({ verbs: [], resources: ["deployments/scale"] }, "deployments", "scale")).toBe(true);
    expect(nonResourceURLMatches({ verbs: [], nonResourceURLs: ["/version/"] }, "/version")).toBe(false);
  });
});

function binding(kind: "RoleBinding" | "ClusterRoleBinding", name: string, role: { kind: "Role" | "ClusterRole"; name: string }, subjects: Array<{ kind: string; name: string; namespace?: string }>, namespace?: string): KubeObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: { name, namespace }, roleRef: { apiGroup: "rbac.authorization.k8s.io", ...role }, subjects } as KubeObject;
}

describe("RbacAuthorizer", () => {
  const defaults: KubeObject[] = [
    ...Object.entries(DEFAULT_CLUSTER_ROLES).map(([n, r]) => clusterRoleObject(n, r)),
    ...Object.entries(DEFAULT_CLUSTER_ROLE_BINDINGS).map(([n, b]) =>
      binding("ClusterRoleBinding", n, { kind: "ClusterRole", name: b.role }, b.groups.map((g) => ({ kind: "Group", name: g }))),
    ),
  ];
  const objects: KubeObject[] = [
    ...defaults,
    binding("RoleBinding", "viewer", { kind: "ClusterRole", name: "view" }, [{ kind: "User", name: "vera" }], "a"),
    binding("RoleBinding", "editor", { kind: "ClusterRole", name: "edit" }, [{ kind: "User", name: "ed" }], "a"),
    binding("RoleBinding", "admin", { kind: "ClusterRole", name: "admin" }, [{ kind: "Group", name: "team-a" }], "a"),
    binding("ClusterRoleBinding", "global-view", { kind: "ClusterRole", name: "view" }, [{ kind: "User", name: "auditor" }]),
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "cm-reader", namespace: "a" }, rules: [{ apiGroups: [""], resources: ["configmaps"], resourceNames: ["settings"], verbs: ["get"] }] } as KubeObject,
    binding("RoleBinding", "cm", { kind: "Role", name: "cm-reader" }, [{ kind: "ServiceAccount", name: "bot" }], "a"),
    // A RoleBinding of cluster-admin grants the namespace only, never non-resource URLs.
    binding("RoleBinding", "ns-god", { kind: "ClusterRole", name: "cluster-admin" }, [{ kind: "User", name: "nsgod" }], "a"),
  ];
  const authz = new RbacAuthorizer(staticRbacSource(objects));
  const who = (user: string, groups: string[] = []) => ({ user, groups: [...groups, "system:authenticated"] });

  const table: Array<[string, AuthorizationAttributes, boolean]> = [
    ["view reads pods in its namespace", res("list", "pods", { ...who("vera"), namespace: "a" }), true],
    ["view reads pod logs", res("get", "pods/log", { ...who("vera"), namespace: "a", name: "p" }), true],
    ["view cannot create", res("create", "pods", { ...who("vera"), namespace: "a" }), false],
    ["view cannot read secrets", res("get", "secrets", { ...who("vera"), namespace: "a", name: "s" }), false],
    ["view cannot read role bindings", res("list", "rolebindings", { ...who("vera"), namespace: "a", apiGroup: "rbac.authorization.k8s.io" }), false],
    ["view in a sees nothing in b", res("list", "pods", { ...who("vera"), namespace: "b" }), false],
    ["edit creates deployments", res("create", "deployments", { ...who("ed"), namespace: "a", apiGroup: "apps" }), true],
    ["edit scales deployments", res("patch", "deployments/scale", { ...who("ed"), namespace: "a", apiGroup: "apps", name: "d" }), true],
    ["edit writes secrets", res("create", "secrets", { ...who("ed"), namespace: "a" }), true],
    ["edit cannot write roles", res("create", "roles", { ...who("ed"), namespace: "a", apiGroup: "rbac.authorization.k8s.io" }), false],
    ["edit cannot write quotas", res("update", "resourcequotas", { ...who("ed"), namespace: "a", name: "q" }), false],
    ["edit in a cannot touch b", res("delete", "pods", { ...who("ed"), namespace: "b", name: "p" }), false],
    ["admin (group) writes role bindings", res("create", "rolebindings", { ...who("ann", ["team-a"]), namespace: "a", apiGroup: "rbac.authorization.k8s.io" }), true],
    ["admin writes quotas", res("update", "resourcequotas", { ...who("ann", ["team-a"]), namespace: "a", name: "q" }), true],
    ["namespace admin cannot list nodes", res("list", "nodes", who("ann", ["team-a"])), false],
    ["cluster-wide view reads every namespace", res("list", "deployments", { ...who("auditor"), namespace: "zzz", apiGroup: "apps" }), true],
    ["cluster-wide view lists across namespaces", res("list", "pods", who("auditor")), true],
    ["Role with resourceNames via service account", res("get", "configmaps", { ...who("system:serviceaccount:a:bot"), namespace: "a", name: "settings" }), true],
    ["service account: other config map", res("get", "configmaps", { ...who("system:serviceaccount:a:bot"), namespace: "a", name: "x" }), false],
    ["service account of another namespace", res("get", "configmaps", { ...who("system:serviceaccount:b:bot"), namespace: "a", name: "settings" }), false],
    ["RoleBinding of cluster-admin: everything in the namespace", res("delete", "resourcequotas", { ...who("nsgod"), namespace: "a", name: "q" }), true],
    ["RoleBinding of cluster-admin: nothing cluster-wide", res("list", "nodes", who("nsgod")), false],
    ["RoleBinding of cluster-admin: no non-resource URLs", nonRes("post", "/logs", who("nsgod")), false],
    ["discovery for everyone authenticated", nonRes("get", "/apis/apps/v1", who("nobody")), true],
    ["openapi for everyone authenticated", nonRes("get", "/openapi/v3/api/v1", who("nobody")), true],
    ["self review for everyone authenticated", res("create", "selfsubjectaccessreviews", { ...who("nobody"), apiGroup: "authorization.k8s.io" }), true],
    ["no binding, no access", res("get", "pods", { ...who("nobody"), namespace: "a", name: "p" }), false],
    ["unauthenticated gets no discovery", nonRes("get", "/api", { user: "x", groups: [] }), false],
    ["system:masters may do anything", res("impersonate", "users", { user: "admin", groups: ["system:masters"], name: "bob" }), true],
    ["others may not impersonate", res("impersonate", "users", { ...who("ed"), name: "bob" }), false],
  ];
  it.each(table)("%s", (_n, attrs, want) => {
    expect(authz.authorize(attrs).allowed).toBe(want);
  });

  it("says which binding allowed a request", () => {
    expect(authz.authorize(res("get", "pods", { ...who("vera"), namespace: "a", name: "p" })).reason).toContain("RoleBinding/a/viewer");
  });
});

// The ClusterRoles every cluster starts with, a simplified copy of Kubernetes'
// bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go):
// cluster-admin, admin, edit, view for users, discovery and self-review for
// everyone who is authenticated, and system:node for reference (nodes are
// authorized by the Node authorizer, as in Kubernetes, so it is not bound).
import { R } from "../api/kinds.js";
import { isApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { PolicyRule } from "./rules.js";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const ALL = [...READ, ...WRITE];

/** What a namespace viewer may see: everything in it but secrets and RBAC objects. */
const VIEWABLE: Array<[string, string[]]> = [
  ["", ["pods", "pods/log", "pods/status", "services", "services/status", "endpoints", "configmaps", "events", "limitranges", "resourcequotas", "resourcequotas/status", "namespaces", "namespaces/status", "serviceaccounts", "replicationcontrollers", "replicationcontrollers/scale", "replicationcontrollers/status", "persistentvolumeclaims", "persistentvolumeclaims/status"]],
  ["policy", ["poddisruptionbudgets", "poddisruptionbudgets/status"]],
  ["discovery.k8s.io", ["endpointslices"]],
  ["apps", ["deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "daemonsets", "daemonsets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"]],
  ["batch", ["jobs", "jobs/status", "cronjobs", "cronjobs/status"]],
  ["autoscaling", ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]],
  ["coordination.k8s.io", ["leases"]],
  ["metrics.k8s.io", ["pods", "nodes"]],
  ["networking.k8s.io", ["ingresses", "ingresses/status", "networkpolicies"]],
];

/** What an editor may change: workloads, services, configuration and secrets; not RBAC, not quotas. */
const EDITABLE: Array<[string, string[]]> = [
  ["", ["pods", "pods/exec", "pods/attach", "pods/portforward", "services", "endpoints", "configmaps", "secrets", "serviceaccounts", "replicationcontrollers", "replicationcontrollers/scale", "persistentvolumeclaims"]],
  ["policy", ["poddisruptionbudgets"]],
  ["apps", ["deployments", "deployments/scale", "replicasets", "replicasets/scale", "daemonsets", "statefulsets", "statefulsets/scale"]],
  ["batch", ["jobs", "cronjobs"]],
  ["autoscaling", ["horizontalpodautoscalers"]],
  ["networking.k8s.io", ["ingresses", "networkpolicies"]],
];

const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({ apiGroups, resources, verbs });

const viewRules: PolicyRule[] = VIEWABLE.map(([g, r]) => rule([g], r, READ));
const editRules: PolicyRule[] = [
  ...viewRules,
  ...EDITABLE.map(([g, r]) => rule([g], r, ALL)),
  // As Kubernetes' edit role: evict pods (drain) and ask for service account tokens.
  rule([""], ["pods/eviction", "serviceaccounts/token"], ["create"]),
];
const adminRules: PolicyRule[] = [
  ...editRules,
  rule(["rbac.authorization.k8s.io"], ["roles", "rolebindings"], ALL),
  // skiff's admin also manages its namespace's quotas and limit ranges (Kubernetes' admin only reads them).
  rule([""], ["resourcequotas", "limitranges"], ALL),
  rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
];

/** Name → rules of every default ClusterRole. */
export const DEFAULT_CLUSTER_ROLES: Record<string, PolicyRule[]> = {
  "cluster-admin": [rule(["*"], ["*"], ["*"]), { nonResourceURLs: ["*"], verbs: ["*"] }],
  admin: adminRules,
  edit: editRules,
  view: viewRules,
  "system:discovery": [
    { nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi", "/openapi/*", "/version", "/version/"], verbs: ["get"] },
  ],
  "system:basic-user": [
    rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
    rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
  ],
  // For reference and for users who bind it themselves; the Node authorizer is what nodes actually go through.
  "system:node": [
    rule([""], ["pods", "services", "endpoints", "nodes"], READ),
    rule([""], ["configmaps", "secrets"], ["get"]),
    rule([""], ["nodes", "nodes/status"], ["create", "get", "patch", "update"]),
    rule([""], ["pods/status"], ["patch", "update"]),
    rule([""], ["pods"], ["delete"]),
    rule([""], ["events"], ["create", "patch", "update"]),
    rule(["coordination.k8s.io"], ["leases"], ["create", "delete", "get", "patch", "update"]),
  ],
};

/** The roles user tokens can be given with `skiff token create --role`. */
export const USER_ROLES = ["cluster-admin", "admin", "edit", "view"] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Bindings that make discovery and self-review work for every authenticated user. */
export const DEFAULT_CLUSTER_ROLE_BINDINGS: Record<string, { role: string; groups: string[] }> = {
  "system:discovery": { role: "system:discovery", groups: ["system:authenticated"] },
  "system:basic-user": { role: "system:basic-user", groups: ["system:authenticated"] },
  "cluster-admin": { role: "cluster-admin", groups: ["system:masters"] },
};

const BOOTSTRAP_LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" };

export function clusterRoleObject(name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name, labels: { ...BOOTSTRAP_LABELS } }, rules } as KubeObject;
}

function clusterRoleBindingObject(name: string, role: string, groups: string[]): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { ...BOOTSTRAP_LABELS } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: groups.map((g) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: g })),
  } as KubeObject;
}

/**
 * Create the default roles and bindings that are missing. Idempotent; an
 * existing object is left alone, so an administrator's edits survive restarts.
 */
export async function bootstrapDefaultRoles(client: Client): Promise<void> {
  const ensure = async (info: typeof R.clusterroles, obj: KubeObject) => {
    try {
      await client.create(info, undefined, obj);
    } catch (e) {
      if (!isApiError(e, "AlreadyExists")) throw e;
    }
  };
  for (const [name, rules] of Object.entries(DEFAULT_CLUSTER_ROLES)) await ensure(R.clusterroles, clusterRoleObject(name, rules));
  for (const [name, b] of Object.entries(DEFAULT_CLUSTER_ROLE_BINDINGS)) await ensure(R.clusterrolebindings, clusterRoleBindingObject(name, b.role, b.groups));
}

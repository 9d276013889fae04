// The RBAC authorizer: Role/ClusterRole rules bound to users and groups by
// RoleBinding/ClusterRoleBinding, evaluated in memory from informer caches
// (Kubernetes' plugin/pkg/auth/authorizer/rbac). Group system:masters may do
// anything, whatever the bindings say, so the admin token can always repair them.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer } from "../apiserver/auth.js";
import type { Client } from "../client/client.js";
import { InformerFactory } from "../client/informer.js";
import type { Informer } from "../client/lister.js";
import { ruleAllows, subjectMatches, type PolicyRule, type RoleRef, type Subject } from "./rules.js";

export const MASTERS_GROUP = "system:masters";

interface RoleObject extends KubeObject {
  rules?: PolicyRule[];
}

interface BindingObject extends KubeObject {
  roleRef?: RoleRef;
  subjects?: Subject[];
}

/** Where the authorizer reads roles and bindings from; a test can hand in plain arrays. */
export interface RbacSource {
  clusterRoles(): RoleObject[];
  clusterRole(name: string): RoleObject | undefined;
  role(namespace: string, name: string): RoleObject | undefined;
  clusterRoleBindings(): BindingObject[];
  roleBindings(namespace: string): BindingObject[];
}

/** A rule and the binding that granted it (for SelfSubjectRulesReview and explanations). */
export interface GrantedRule {
  rule: PolicyRule;
  /** "ClusterRoleBinding/name" or "RoleBinding/ns/name". */
  via: string;
}

export class RbacAuthorizer implements Authorizer {
  constructor(private readonly source: RbacSource) {}

  authorize(a: AuthorizationAttributes): AuthorizationDecision {
    if (a.groups.includes(MASTERS_GROUP)) return { allowed: true, reason: `group ${MASTERS_GROUP}` };
    for (const g of this.rulesFor(a.user, a.groups, a.isResourceRequest ? a.namespace : undefined)) {
      // RoleBindings grant only namespaced resource rules, never non-resource URLs.
      if (!a.isResourceRequest && g.via.startsWith("RoleBinding/")) continue;
      if (ruleAllows(a, g.rule)) return { allowed: true, reason: `RBAC: allowed by ${g.via}` };
    }
    return { allowed: false };
  }

  /**
   * Every rule that applies to the user: from ClusterRoleBindings (everywhere)
   * and, when a namespace is given, from that namespace's RoleBindings.
   */
  *rulesFor(user: string, groups: readonly string[], namespace: string | undefined): Generator<GrantedRule> {
    for (const b of this.source.clusterRoleBindings()) {
      if (!b.roleRef || b.roleRef.kind !== "ClusterRole") continue;
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, groups, undefined))) continue;
      const role = this.source.clusterRole(b.roleRef.name);
      for (const rule of role?.rules ?? []) yield { rule, via: `ClusterRoleBinding/${b.metadata.name}` };
    }
    if (!namespace) return;
    for (const b of this.source.roleBindings(namespace)) {
      if (!b.roleRef) continue;
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user, groups, namespace))) continue;
      const role = b.roleRef.kind === "ClusterRole" ? this.source.clusterRole(b.roleRef.name) : this.source.role(namespace, b.roleRef.name);
      for (const rule of role?.rules ?? []) yield { rule, via: `RoleBinding/${namespace}/${b.metadata.name}` };
    }
  }
}

/** RbacSource over four informers (roles, rolebindings, clusterroles, clusterrolebindings). */
export class InformerRbacSource implements RbacSource {
  private readonly factory: InformerFactory;
  private readonly roles: Informer<RoleObject>;
  private readonly bindings: Informer<BindingObject>;
  private readonly cRoles: Informer<RoleObject>;
  private readonly cBindings: Informer<BindingObject>;

  constructor(client: Client) {
    this.factory = new InformerFactory(client, { onError: (e) => console.error(`rbac: ${e.message}`) });
    this.roles = this.factory.for<RoleObject>(R.roles);
    this.bindings = this.factory.for<BindingObject>(R.rolebindings);
    this.cRoles = this.factory.for<RoleObject>(R.clusterroles);
    this.cBindings = this.factory.for<BindingObject>(R.clusterrolebindings);
  }

  /** Resolves once every cache holds the first list. */
  start(): Promise<void> {
    return this.factory.startAll();
  }

  stop(): void {
    this.factory.stopAll();
  }

  clusterRoles(): RoleObject[] {
    return this.cRoles.lister.list();
  }
  clusterRole(name: string): RoleObject | undefined {
    return this.cRoles.lister.get(undefined, name);
  }
  role(namespace: string, name: string): RoleObject | undefined {
    return this.roles.lister.get(namespace, name);
  }
  clusterRoleBindings(): BindingObject[] {
    return this.cBindings.lister.list();
  }
  roleBindings(namespace: string): BindingObject[] {
    return this.bindings.lister.list(namespace);
  }
}

/** A source over fixed objects (tests, `skiff auth can-i` dry runs). */
export function staticRbacSource(objects: KubeObject[]): RbacSource {
  const of = (kind: string) => objects.filter((o) => o.kind === kind);
  return {
    clusterRoles: () => of("ClusterRole"),
    clusterRole: (name) => of("ClusterRole").find((o) => o.metadata.name === name),
    role: (ns, name) => of("Role").find((o) => o.metadata.namespace === ns && o.metadata.name === name),
    clusterRoleBindings: () => of("ClusterRoleBinding"),
    roleBindings: (ns) => of("RoleBinding").filter((o) => o.metadata.namespace === ns),
  };
}

// Several authorizers in order (Kubernetes' --authorization-mode=Node,RBAC):
// the first that allows wins; when none does, the first reason given explains
// the refusal ("no relationship found between node …").
import type { AuthorizationAttributes, AuthorizationDecision, Authorizer } from "../apiserver/auth.js";

export function unionAuthorizer(...authorizers: Authorizer[]): Authorizer {
  return {
    async authorize(a: AuthorizationAttributes): Promise<AuthorizationDecision> {
      let reason: string | undefined;
      for (const z of authorizers) {
        const d = await z.authorize(a);
        if (d.allowed) return d;
        reason ??= d.reason;
      }
      return { allowed: false, reason };
    },
  };
}

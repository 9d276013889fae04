// Who is a node: Kubernetes' convention (pkg/auth/nodeidentifier) — user
// "system:node:<name>" in group "system:nodes".
export const NODES_GROUP = "system:nodes";
export const NODE_USER_PREFIX = "system:node:";
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** The node's name when the user is a node, else undefined. */
export function nodeNameOf(user: string | undefined, groups: readonly string[] | undefined): string | undefined {
  if (!user || !user.startsWith(NODE_USER_PREFIX) || !(groups ?? []).includes(NODES_GROUP)) return undefined;
  const name = user.slice(NODE_USER_PREFIX.length);
  return name.length > 0 ? name : undefined;
}

export function nodeUser(node: string): { user: string; groups: string[] } {
  return { user: `${NODE_USER_PREFIX}${node}`, groups: [NODES_GROUP] };
}

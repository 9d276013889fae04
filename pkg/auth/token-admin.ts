// What `skiff token create|list|delete` does, apart from flags and printing:
// tokens go into tokens.json (which the API server re-reads), and a user token
// with a role gets the RoleBinding or ClusterRoleBinding that grants it.
import { stringify } from "yaml";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { resourcePath, type RestClient } from "../client/rest.js";
import { USER_ROLES, type UserRole } from "./default-roles.js";
import { NODES_GROUP, nodeUser } from "./node-identity.js";
import { addToken, maskToken, readTokenFile, removeTokens, type TokenRecord } from "./token-file.js";

export interface CreateTokenRequest {
  /** A user token… */
  user?: string;
  groups?: string[];
  role?: UserRole;
  /** With role: bind in this namespace (RoleBinding); without: cluster-wide. */
  namespace?: string;
  /** …or a node join token (user system:node:NAME, group system:nodes). */
  node?: string;
  ttlMs?: number;
}

export interface CreatedToken {
  token: string;
  record: TokenRecord;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@:-]*$/;

/** The binding a token with this role gets (shared by every token of the same user and role). */
export function bindingFor(user: string, role: UserRole, namespace: string | undefined): { kind: "RoleBinding" | "ClusterRoleBinding"; namespace?: string; name: string; object: KubeObject } {
  const name = `skiff:token:${user}:${role}`;
  const kind = namespace ? "RoleBinding" : "ClusterRoleBinding";
  const object = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels: { "skiff.dev/token-user": user.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63) } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }],
  } as KubeObject;
  return { kind, namespace, name, object };
}

export function validateTokenRequest(req: CreateTokenRequest): void {
  if (!!req.user === !!req.node) throw new Error("give either --user NAME or --node NODE");
  if (req.node) {
    if (req.role || req.groups?.length || req.namespace) throw new Error("--node tokens carry the node role; --role, --group and --namespace do not apply");
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(req.node)) throw new Error(`invalid node name "${req.node}"`);
    return;
  }
  if (!NAME_RE.test(req.user!)) throw new Error(`invalid user name "${req.user}": letters, digits and . _ @ : - only`);
  if (req.user!.startsWith("system:")) throw new Error(`user names starting with "system:" are reserved`);
  if (req.groups?.some((g) => g === "system:masters" || g === NODES_GROUP)) throw new Error("system:masters and system:nodes cannot be given with --group; use --role cluster-admin or --node");
  if (req.role && !USER_ROLES.includes(req.role)) throw new Error(`unknown role "${req.role}": one of ${USER_ROLES.join(", ")}`);
  if (req.namespace && !req.role) throw new Error("--namespace only applies with --role");
  if (req.ttlMs !== undefined && !(req.ttlMs > 0)) throw new Error("--ttl must be positive");
}

/**
 * Create the binding (through the API, as the caller) and then the token, so
 * a refused binding leaves no token behind.
 */
export async function createToken(tokensPath: string, api: RestClient | undefined, req: CreateTokenRequest, now = new Date()): Promise<CreatedToken> {
  validateTokenRequest(req);
  const who = req.node ? nodeUser(req.node) : { user: req.user!, groups: req.groups ?? [] };
  const record: TokenRecord = { user: who.user, groups: who.groups, created: now.toISOString() };
  if (req.ttlMs) record.expires = new Date(now.getTime() + req.ttlMs).toISOString();
  if (req.role) {
    if (!api) throw new Error("a role binding needs the API server: start it with `skiff up`");
    const b = bindingFor(who.user, req.role, req.namespace);
    const info = b.kind === "RoleBinding" ? R.rolebindings : R.clusterrolebindings;
    try {
      await api.request("POST", resourcePath(info, b.namespace), { body: b.object });
    } catch (e) {
      if (!isApiError(e, "AlreadyExists")) throw e;
    }
    record.binding = { kind: b.kind, ...(b.namespace ? { namespace: b.namespace } : {}), name: b.name };
  }
  return { token: addToken(tokensPath, record), record };
}

export interface TokenListing {
  token: string;
  user: string;
  groups: string[];
  expires?: string;
  expired: boolean;
  binding?: string;
}

/** Every token, masked: the list never shows a usable token. */
export function listTokens(tokensPath: string, now = new Date()): TokenListing[] {
  return Object.entries(readTokenFile(tokensPath)).map(([t, r]) => ({
    token: maskToken(t),
    user: r.user,
    groups: r.groups ?? [],
    expires: r.expires,
    expired: !!r.expires && !(Date.parse(r.expires) > now.getTime()),
    binding: r.binding ? `${r.binding.kind}/${r.binding.namespace ? `${r.binding.namespace}/` : ""}${r.binding.name}` : undefined,
  }));
}

/**
 * Delete tokens by prefix (at least 6 characters, as `token list` shows them)
 * or by user; then delete role bindings no remaining token needs.
 */
export async function deleteTokens(tokensPath: string, api: RestClient | undefined, by: { prefix?: string; user?: string }): Promise<Array<[string, TokenRecord]>> {
  const prefix = by.prefix?.replace(/…$/, "");
  if (prefix !== undefined && prefix.length < 6) throw new Error("give at least the first 6 characters of the token (as `skiff token list` shows)");
  if (prefix === undefined && by.user === undefined) throw new Error("give a token prefix or --user NAME");
  const all = readTokenFile(tokensPath);
  const matches = Object.entries(all).filter(([t, r]) => (prefix === undefined || t.startsWith(prefix)) && (by.user === undefined || r.user === by.user));
  if (prefix !== undefined && matches.length > 1) throw new Error(`prefix "${prefix}" matches ${matches.length} tokens; give more characters`);
  if (matches.some(([, r]) => r.user === "admin" && (r.groups ?? []).includes("system:masters"))) throw new Error("the admin token cannot be deleted (skiff up would recreate it)");
  const chosen = new Set(matches.map(([t]) => t));
  const removed = removeTokens(tokensPath, (t) => chosen.has(t));
  const stillUsed = new Set(Object.values(readTokenFile(tokensPath)).flatMap((r) => (r.binding ? [JSON.stringify(r.binding)] : [])));
  for (const [, r] of removed) {
    if (!r.binding || stillUsed.has(JSON.stringify(r.binding)) || !api) continue;
    stillUsed.add(JSON.stringify(r.binding));
    const info = r.binding.kind === "RoleBinding" ? R.rolebindings : R.clusterrolebindings;
    await api.request("DELETE", resourcePath(info, r.binding.namespace, r.binding.name)).catch((e: unknown) => {
      if (!isApiError(e, "NotFound")) throw e;
    });
  }
  return removed;
}

/** A kubeconfig for the new token: same server and CA as the admin's, this user's token. */
export function tokenKubeconfig(opts: { server: string; caPem?: string; token: string; user: string; namespace?: string }): string {
  const cluster = "skiff";
  const userName = opts.user.replace(/[^A-Za-z0-9._@:-]/g, "_");
  const context = `${userName}@${cluster}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: cluster, cluster: { server: opts.server, ...(opts.caPem ? { "certificate-authority-data": Buffer.from(opts.caPem).toString("base64") } : {}) } }],
    users: [{ name: userName, user: { token: opts.token } }],
    contexts: [{ name: context, context: { cluster, user: userName, namespace: opts.namespace ?? "default" } }],
    "current-context": context,
  });
}

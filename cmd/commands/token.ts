// `skiff token create|list|delete`: user and node tokens in $SKIFF_HOME/tokens.json.
// The running API server picks changes up without a restart.
import { existsSync } from "node:fs";
import { statePaths } from "../../pkg/cluster/paths.js";
import { USER_ROLES, type UserRole } from "../../pkg/auth/default-roles.js";
import { createToken, deleteTokens, listTokens, tokenKubeconfig } from "../../pkg/auth/token-admin.js";
import { parseTtl } from "../../pkg/auth/token-file.js";
import { connect, ExitError, type GlobalOptions, type Session } from "../context.js";
import { formatColumns } from "../output.js";

export interface TokenCreateOptions {
  user?: string;
  node?: string;
  group?: string[];
  role?: string;
  /** The binding namespace (the command's own --namespace, not the global one). */
  bindNamespace?: string;
  ttl?: string;
  stateDir: string;
  globals: GlobalOptions;
}

function tryConnect(g: GlobalOptions): Session | undefined {
  return existsSync(g.kubeconfig) ? connect(g) : undefined;
}

export async function runTokenCreate(o: TokenCreateOptions): Promise<void> {
  const paths = statePaths(o.stateDir);
  let ttlMs: number | undefined;
  try {
    ttlMs = o.ttl ? parseTtl(o.ttl) : undefined;
  } catch (e) {
    throw new ExitError(1, `error: ${(e as Error).message}`);
  }
  if (o.role && !USER_ROLES.includes(o.role as UserRole)) throw new ExitError(1, `error: unknown role "${o.role}": one of ${USER_ROLES.join(", ")}`);
  const s = tryConnect(o.globals);
  try {
    const created = await createToken(paths.tokens, s?.client, {
      user: o.user,
      node: o.node,
      groups: o.group,
      role: o.role as UserRole | undefined,
      namespace: o.bindNamespace,
      ttlMs,
    }).catch((e: Error) => {
      throw new ExitError(1, `error: ${e.message}`);
    });
    const r = created.record;
    const out: string[] = [`Token for ${r.user}${r.groups?.length ? ` (groups: ${r.groups.join(", ")})` : ""}:`, `  ${created.token}`];
    if (r.binding) out.push(`Bound to ClusterRole ${o.role} by ${r.binding.kind} ${r.binding.namespace ? `${r.binding.namespace}/` : ""}${r.binding.name}.`);
    else if (!o.node) out.push("No role given: this user may only do what existing bindings allow.");
    if (r.expires) out.push(`Expires ${r.expires}.`);
    if (s) {
      out.push("", "# kubeconfig (save it and point KUBECONFIG at it):");
      out.push(tokenKubeconfig({ server: s.conn.server, caPem: s.conn.caPem, token: created.token, user: r.user, namespace: o.bindNamespace }).trimEnd());
    }
    process.stdout.write(out.join("\n") + "\n");
  } finally {
    s?.client.close();
  }
}

export async function runTokenList(o: { stateDir: string }): Promise<void> {
  const rows = listTokens(statePaths(o.stateDir).tokens).map((t) => [
    t.token,
    t.user,
    t.groups.join(",") || "<none>",
    t.expires ? `${t.expires}${t.expired ? " (expired)" : ""}` : "never",
    t.binding ?? "<none>",
  ]);
  process.stdout.write(formatColumns([["TOKEN", "USER", "GROUPS", "EXPIRES", "BINDING"], ...rows]) + "\n");
}

export async function runTokenDelete(o: { prefix?: string; user?: string; stateDir: string; globals: GlobalOptions }): Promise<void> {
  const s = tryConnect(o.globals);
  try {
    const removed = await deleteTokens(statePaths(o.stateDir).tokens, s?.client, { prefix: o.prefix, user: o.user }).catch((e: Error) => {
      throw new ExitError(1, `error: ${e.message}`);
    });
    if (removed.length === 0) throw new ExitError(1, "error: no such token");
    for (const [t, r] of removed) process.stdout.write(`token ${t.slice(0, 6)}… of ${r.user} deleted\n`);
  } finally {
    s?.client.close();
  }
}

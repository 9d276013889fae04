// `skiff config …`: view a kubeconfig the way kubectl prints it (secrets
// redacted unless --raw, only the current context with --minify), and change
// contexts. Works on the parsed YAML so fields skiff does not know survive.
import { parse, stringify } from "yaml";

type Json = Record<string, unknown>;

interface Named {
  name: string;
  [k: string]: unknown;
}

export class KubeconfigEditError extends Error {
  override name = "KubeconfigEditError";
}

export function parseKubeconfig(text: string): Json {
  const cfg = (parse(text) ?? {}) as Json;
  if (typeof cfg !== "object" || Array.isArray(cfg)) throw new KubeconfigEditError("not a kubeconfig: the top level is not a mapping");
  return cfg;
}

const named = (cfg: Json, key: string): Named[] => (Array.isArray(cfg[key]) ? (cfg[key] as Named[]) : []);

/** kubectl's placeholders: byte fields become DATA+OMITTED, tokens and passwords REDACTED. */
const DATA_FIELDS = ["certificate-authority-data", "client-certificate-data", "client-key-data"];
const SECRET_FIELDS = ["token", "password"];

function redact(section: unknown): unknown {
  if (!section || typeof section !== "object") return section;
  const out = { ...(section as Json) };
  for (const k of DATA_FIELDS) if (k in out) out[k] = "DATA+OMITTED";
  for (const k of SECRET_FIELDS) if (k in out) out[k] = "REDACTED";
  return out;
}

export interface ViewOptions {
  minify?: boolean;
  raw?: boolean;
  /** The context --minify keeps (default: current-context). */
  context?: string;
}

/** The config as `kubectl config view` shows it (an object; print with viewYaml). */
export function viewKubeconfig(cfg: Json, opts: ViewOptions = {}): Json {
  let clusters = named(cfg, "clusters");
  let users = named(cfg, "users");
  let contexts = named(cfg, "contexts");
  const current = opts.context ?? (cfg["current-context"] as string | undefined) ?? "";
  if (opts.minify) {
    const ctx = contexts.find((c) => c.name === current);
    if (!ctx) throw new KubeconfigEditError(current ? `cannot locate context ${current}` : "current-context must exist in order to minify");
    const c = (ctx.context ?? {}) as { cluster?: string; user?: string };
    contexts = [ctx];
    clusters = clusters.filter((x) => x.name === c.cluster);
    users = users.filter((x) => x.name === c.user);
  }
  if (!opts.raw) {
    clusters = clusters.map((c) => ({ ...c, cluster: redact(c.cluster) }));
    users = users.map((u) => ({ ...u, user: redact(u.user) }));
  }
  return {
    apiVersion: cfg.apiVersion ?? "v1",
    clusters: clusters.length ? clusters : null,
    contexts: contexts.length ? contexts : null,
    "current-context": opts.minify ? current : (cfg["current-context"] ?? ""),
    kind: cfg.kind ?? "Config",
    preferences: cfg.preferences ?? {},
    users: users.length ? users : null,
  };
}

/** YAML as kubectl prints it: keys sorted at every level, list items not indented. */
export function viewYaml(view: Json): string {
  return stringify(sortKeys(view), { lineWidth: 0, indentSeq: false });
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!v || typeof v !== "object") return v;
  const out: Json = {};
  for (const k of Object.keys(v as Json).sort()) out[k] = sortKeys((v as Json)[k]);
  return out;
}

/** Field order of client-go's Config structs, which `config view -o json` follows. */
const JSON_ORDER: Record<string, string[]> = {
  top: ["kind", "apiVersion", "preferences", "clusters", "users", "contexts", "current-context", "extensions"],
  cluster: ["server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority", "certificate-authority-data", "proxy-url", "extensions"],
  user: ["client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile", "username", "password", "exec", "extensions"],
  context: ["cluster", "user", "namespace", "extensions"],
};

function ordered(obj: unknown, order: string[]): unknown {
  if (!obj || typeof obj !== "object" || Array.isArray(obj)) return obj;
  const src = obj as Json;
  const out: Json = {};
  for (const k of order) if (k in src && src[k] !== null) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== null) out[k] = src[k];
  return out;
}

/** JSON as kubectl prints it: struct field order, each entry's name first. */
export function viewJson(view: Json): string {
  const top = ordered(view, JSON_ORDER.top) as Json;
  for (const [list, body] of [["clusters", "cluster"], ["users", "user"], ["contexts", "context"]] as const) {
    if (Array.isArray(top[list])) {
      top[list] = (top[list] as Named[]).map((e) => ({ name: e.name, [body]: ordered(e[body], JSON_ORDER[body]) }));
    }
  }
  return JSON.stringify(top, null, 4) + "\n";
}

export function currentContext(cfg: Json): string {
  const c = cfg["current-context"];
  if (typeof c !== "string" || c === "") throw new KubeconfigEditError("current-context is not set");
  return c;
}

export interface SetContextOptions {
  namespace?: string;
  cluster?: string;
  user?: string;
}

/** Change (or create) a context in place; returns "modified" or "created" for kubectl's message. */
export function setContext(cfg: Json, name: string, opts: SetContextOptions): "modified" | "created" {
  const contexts = named(cfg, "contexts");
  let ctx = contexts.find((c) => c.name === name);
  const verb = ctx ? "modified" : "created";
  if (!ctx) {
    ctx = { name, context: {} };
    contexts.push(ctx);
  }
  cfg.contexts = contexts;
  const body = { ...((ctx.context ?? {}) as Json) };
  if (opts.namespace !== undefined) body.namespace = opts.namespace;
  if (opts.cluster !== undefined) body.cluster = opts.cluster;
  if (opts.user !== undefined) body.user = opts.user;
  ctx.context = body;
  return verb;
}

export function useContext(cfg: Json, name: string): void {
  if (!named(cfg, "contexts").some((c) => c.name === name)) throw new KubeconfigEditError(`no context exists with the name: "${name}"`);
  cfg["current-context"] = name;
}

/** Rows for `config get-contexts`: CURRENT NAME CLUSTER AUTHINFO NAMESPACE. */
export function contextRows(cfg: Json): string[][] {
  const current = cfg["current-context"];
  return named(cfg, "contexts").map((c) => {
    const body = (c.context ?? {}) as { cluster?: string; user?: string; namespace?: string };
    return [c.name === current ? "*" : "", c.name, body.cluster ?? "", body.user ?? "", body.namespace ?? ""];
  });
}

export function kubeconfigText(cfg: Json): string {
  return stringify(cfg, { lineWidth: 0, indentSeq: false });
}

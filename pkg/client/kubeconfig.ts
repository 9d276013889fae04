// Read and write kubeconfig files: the same file serves skiff's CLI and real
// kubectl (`export KUBECONFIG=~/.skiff/kubeconfig`).
import { existsSync, readFileSync } from "node:fs";
import { parse, stringify } from "yaml";

export interface KubeconfigFile {
  apiVersion: "v1";
  kind: "Config";
  clusters: Array<{ name: string; cluster: { server: string; "certificate-authority-data"?: string; "certificate-authority"?: string; "insecure-skip-tls-verify"?: boolean } }>;
  users: Array<{ name: string; user: { token?: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string; namespace?: string } }>;
  "current-context": string;
  preferences?: Record<string, unknown>;
}

/** What a client needs to talk to a cluster, resolved from the current context. */
export interface ClusterConnection {
  server: string;
  caPem?: string;
  token?: string;
  namespace: string;
  contextName: string;
}

export function buildKubeconfig(opts: { server: string; caPem: string; token: string; name?: string; namespace?: string }): KubeconfigFile {
  const name = opts.name ?? "skiff";
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: opts.server, "certificate-authority-data": Buffer.from(opts.caPem).toString("base64") } }],
    users: [{ name: `${name}-admin`, user: { token: opts.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: opts.namespace ?? "default" } }],
    "current-context": name,
    preferences: {},
  };
}

export function kubeconfigYaml(cfg: KubeconfigFile): string {
  return stringify(cfg);
}

export class KubeconfigError extends Error {
  override name = "KubeconfigError";
}

export function loadKubeconfig(path: string, contextOverride?: string): ClusterConnection {
  if (!existsSync(path)) throw new KubeconfigError(`no kubeconfig at ${path}`);
  let cfg: KubeconfigFile;
  try {
    cfg = parse(readFileSync(path, "utf8")) as KubeconfigFile;
  } catch (e) {
    throw new KubeconfigError(`${path}: not a valid kubeconfig: ${(e as Error).message}`);
  }
  const ctxName = contextOverride ?? cfg["current-context"];
  const ctx = cfg.contexts?.find((c) => c.name === ctxName);
  if (!ctx) throw new KubeconfigError(`${path}: context "${ctxName}" does not exist`);
  const cluster = cfg.clusters?.find((c) => c.name === ctx.context.cluster);
  if (!cluster) throw new KubeconfigError(`${path}: cluster "${ctx.context.cluster}" of context "${ctxName}" does not exist`);
  const user = cfg.users?.find((u) => u.name === ctx.context.user);
  const c = cluster.cluster;
  const caPem = c["certificate-authority-data"]
    ? Buffer.from(c["certificate-authority-data"], "base64").toString("utf8")
    : c["certificate-authority"]
      ? readFileSync(c["certificate-authority"], "utf8")
      : undefined;
  return { server: c.server, caPem, token: user?.user.token, namespace: ctx.context.namespace || "default", contextName: ctxName };
}

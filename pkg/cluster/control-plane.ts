// Wiring for the control plane: state dir, PKI, tokens, store, registry and
// the HTTPS API server. The only place that knows how the parts fit together.
import { mkdirSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry, type AdmissionPlugin } from "../apiserver/registry.js";
import { buildApiServer, type AuditEntry } from "../apiserver/server.js";
import { StaticTokenAuthenticator, type Authorizer } from "../apiserver/auth.js";
import type { PodLogResolver } from "../apiserver/pod-logs.js";
import { buildKubeconfig, kubeconfigYaml } from "../client/kubeconfig.js";
import { ensureAdminToken, ensurePki, loadTokens, statePaths, writeFileAtomic, type StatePaths } from "./state-dir.js";

export interface ControlPlaneOptions {
  stateDir: string;
  /** "sqlite" (default: the state dir's skiff.db), "memory", or a full spec "sqlite:/path". */
  store?: string;
  host?: string;
  /** 0 picks a free port (tests). */
  port?: number;
  logger?: boolean;
  /** Extra names/IPs for the serving certificate (multi-host setups). */
  extraHosts?: string[];
  /** Finds the agent serving a node's logs (pods/log). */
  podLogs?: PodLogResolver;
  /** Authorization (RBAC) for every API request; default: every authenticated user may do anything. */
  authorizer?: Authorizer;
  /** Audit sink, called once per request. */
  audit?: (entry: AuditEntry) => void;
  /** Admission plugins (quota, limit ranges…), run on every write. */
  admission?: AdmissionPlugin[];
}

export interface ControlPlane {
  url: string;
  paths: StatePaths;
  token: string;
  caPem: string;
  store: Store;
  registry: Registry;
  app: FastifyInstance;
  close(): Promise<void>;
}

export function storeSpec(spec: string | undefined, paths: StatePaths): string {
  if (!spec || spec === "sqlite") return `sqlite:${paths.db}`;
  return spec;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const paths = statePaths(opts.stateDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const host = opts.host ?? "127.0.0.1";
  const pki = await ensurePki(paths, opts.extraHosts ?? []);
  const token = ensureAdminToken(paths);
  const tokens = loadTokens(paths);

  const store = await openStore(storeSpec(opts.store, paths));
  const registry = new Registry(store, { admission: opts.admission });
  let app: FastifyInstance | undefined;
  try {
    await registry.bootstrap();
    app = await buildApiServer({
      registry,
      authenticator: new StaticTokenAuthenticator(tokens),
      tls: pki.serving,
      logger: opts.logger,
      advertiseAddress: `${host}:${opts.port ?? 6443}`,
      podLogs: opts.podLogs,
      authorizer: opts.authorizer,
      audit: opts.audit,
    });
    await app.listen({ host, port: opts.port ?? 6443 });
  } catch (e) {
    registry.close();
    await app?.close().catch(() => undefined);
    await store.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (opts.port ?? 6443);
  const url = `https://${host}:${port}`;
  writeFileAtomic(paths.kubeconfig, kubeconfigYaml(buildKubeconfig({ server: url, caPem: pki.ca.certPem, token })));

  const started = app;
  return {
    url,
    paths,
    token,
    caPem: pki.ca.certPem,
    store,
    registry,
    app: started,
    async close() {
      registry.close();
      await started.close();
      await store.close();
    },
  };
}

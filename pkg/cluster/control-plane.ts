// Wiring for the control plane: state dir, PKI, tokens, store, registry and
// the HTTPS API server. The only place that knows how the parts fit together.
import { chmodSync, mkdirSync, statSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry, type AdmissionPlugin } from "../apiserver/registry.js";
import { buildApiServer, type ApiServerOptions, type AuditEntry } from "../apiserver/server.js";
import { podEvictionRoutes } from "../apiserver/pod-eviction.js";
import type { Authorizer } from "../apiserver/auth.js";
import { NodeRestriction, startAuthStack, type AuthStack } from "../auth/setup.js";
import { admissionChain } from "../admission/index.js";
import { buildApiExtensions } from "../apiextensions/index.js";
import { JobSelectorAdmission } from "../admission/job-selector.js";
import { PodSecurity, optionsFromEnv, type PodSecurityOptions } from "../admission/pod-security.js";
import type { PodLogResolver } from "../apiserver/pod-logs.js";
import type { PodStreamResolver } from "../api/pod-stream.js";
import { buildDashboard } from "../dashboard/dashboard.js";
import { buildKubeconfig, kubeconfigYaml } from "../client/kubeconfig.js";
import { ensureAdminToken, ensurePki, statePaths, writeFileAtomic, type StatePaths } from "./state-dir.js";
import { InProcessClient } from "../client/in-process.js";
import { CLUSTER_INFO_PATH, publishClusterInfo } from "./cluster-info.js";
import { KUBERNETES_SERVICE_NAMES, kubernetesServiceIp, publishKubernetesService } from "./kubernetes-service.js";
import { serviceCidr } from "../apiserver/address-block.js";
import { watchServingCertificate } from "./cert-rotation.js";
import type { Server as HttpsServer } from "node:https";

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
  /** Finds the agent serving a node's exec, attach and port-forward streams. */
  podStreams?: PodStreamResolver;
  /** Authorization for every API request; default: Node + RBAC (pkg/auth), the admin token is in system:masters. */
  authorizer?: Authorizer;
  /** Audit sink, called once per request (besides $SKIFF_HOME/audit.log). */
  audit?: (entry: AuditEntry) => void;
  /** Admission plugins (quota, limit ranges…), run on every write. */
  admission?: AdmissionPlugin[];
  /** Extra API routes (the metrics.k8s.io API). */
  plugins?: ApiServerOptions["plugins"];
  /** Pod Security Admission: the level of namespaces without labels (default baseline; env SKIFF_ALLOW_PRIVILEGED=1 = privileged) and the hostPath exemption (env SKIFF_ALLOWED_HOST_PATHS). */
  podSecurity?: PodSecurityOptions;
  /** Serve the web dashboard at /ui (pkg/dashboard). */
  dashboard?: boolean;
  /** Service cluster IPs come from here (the Docker pod network's service range); default: loopback. */
  serviceCidr?: string;
}

export interface ControlPlane {
  url: string;
  /** The cluster IP of default/kubernetes. */
  kubernetesServiceIp: string;
  paths: StatePaths;
  token: string;
  caPem: string;
  store: Store;
  registry: Registry;
  app: FastifyInstance;
  /** Tokens, authorizers and the audit log (pkg/auth). */
  auth: AuthStack;
  close(): Promise<void>;
}

export function storeSpec(spec: string | undefined, paths: StatePaths): string {
  if (!spec || spec === "sqlite") return `sqlite:${paths.db}`;
  return spec;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const paths = statePaths(opts.stateDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone; it holds keys, tokens and every Secret.
  if ((statSync(paths.dir).mode & 0o077) !== 0) chmodSync(paths.dir, 0o700);
  const host = opts.host ?? "127.0.0.1";
  // The `kubernetes` Service's IP and names are on the serving certificate, for in-cluster clients.
  const kubernetesIp = kubernetesServiceIp(opts.serviceCidr ?? serviceCidr().text);
  const pki = await ensurePki(paths, [...new Set([...(opts.extraHosts ?? []), kubernetesIp, ...KUBERNETES_SERVICE_NAMES])]);
  const token = ensureAdminToken(paths);

  const store = await openStore(storeSpec(opts.store, paths));
  const apiExtensions = buildApiExtensions(store);
  const registry = new Registry(store, { serviceCidr: opts.serviceCidr, admission: admissionChain(store, [apiExtensions.admission, new JobSelectorAdmission(), new PodSecurity({ ...optionsFromEnv(), ...opts.podSecurity, store }), ...(opts.admission ?? []), apiExtensions.policies, new NodeRestriction()]) });
  let app: FastifyInstance | undefined;
  let auth: AuthStack | undefined;
  try {
    await registry.bootstrap();
    await apiExtensions.start(registry);
    auth = await startAuthStack({ registry, stateDir: paths.dir, tokensPath: paths.tokens, authorizer: opts.authorizer, audit: opts.audit });
    const dashboard = opts.dashboard ? buildDashboard({ registry, authenticator: auth.authenticator, authorizer: auth.authorizer }) : undefined;
    app = await buildApiServer({
      registry,
      authenticator: auth.authenticator,
      tls: pki.serving,
      logger: opts.logger,
      advertiseAddress: `${host}:${opts.port ?? 6443}`,
      podLogs: opts.podLogs,
      podStreams: opts.podStreams,
      authorizer: auth.authorizer,
      audit: auth.audit,
      plugins: [...auth.plugins, podEvictionRoutes(registry), ...(opts.plugins ?? []), ...(dashboard ? [dashboard.plugin] : [])],
      sessions: dashboard?.sessions,
      anonymousGetPaths: [CLUSTER_INFO_PATH],
    });
    await app.listen({ host, port: opts.port ?? 6443 });
  } catch (e) {
    apiExtensions.stop();
    registry.close();
    await app?.close().catch(() => undefined);
    await auth?.close();
    await store.close();
    throw e;
  }
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : (opts.port ?? 6443);
  // Bound to every interface (a container): clients on this host reach it on
  // loopback, which the serving certificate covers; "0.0.0.0" is no address to dial.
  const dialHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const url = `https://${dialHost}:${port}`;
  writeFileAtomic(paths.kubeconfig, kubeconfigYaml(buildKubeconfig({ server: url, caPem: pki.ca.certPem, token })));
  // Joining agents read the CA from kube-public/cluster-info; `skiff certs rotate` swaps the serving certificate in.
  await publishClusterInfo(new InProcessClient(registry, "system:apiserver"), url, pki.ca.certPem);
  await publishKubernetesService(new InProcessClient(registry, "system:apiserver"), { clusterIP: kubernetesIp, endpoint: { ip: dialHost, port } });
  const certReloader = watchServingCertificate(app.server as HttpsServer, { cert: paths.servingCert, key: paths.servingKey }, { onError: (e) => process.stderr.write(`apiserver: serving certificate: ${e.message}\n`) });

  const started = app;
  const startedAuth = auth;
  return {
    url,
    kubernetesServiceIp: kubernetesIp,
    paths,
    token,
    caPem: pki.ca.certPem,
    store,
    registry,
    app: started,
    auth: startedAuth,
    async close() {
      certReloader.stop();
      apiExtensions.stop();
      registry.close();
      await started.close();
      await startedAuth.close();
      await store.close();
    },
  };
}

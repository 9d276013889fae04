// Joining a node agent running in its own process (or on another machine) to
// a cluster, the way `kubeadm join` does it:
//
// 1. Discovery: the control plane publishes the cluster CA in the world-readable
//    ConfigMap kube-public/cluster-info. The agent fetches it without trusting
//    the server yet (and without sending its token), and accepts the CA only if
//    the sha256 of its public key equals the --ca-cert-hash it was given
//    (`skiff up` prints it). A man in the middle cannot forge a CA with that hash.
// 2. Everything after that goes over TLS verified against that CA, with the
//    node's bearer token (user system:node:NAME; `skiff token create --node NAME`),
//    which the Node authorizer and NodeRestriction admission limit to its own
//    Node, Lease and pods.
import https from "node:https";
import { join } from "node:path";
import Dockerode from "dockerode";
import { isApiError } from "../api/errors.js";
import { caCertHash } from "../apiserver/pki.js";
import { HttpClient } from "../client/http-client.js";
import { FailoverClient } from "../client/failover-client.js";
import type { Client } from "../client/client.js";
import { Agent } from "../agent/agent.js";
import type { NodeCapacity } from "../agent/node-status.js";
import { DockerRuntime } from "../runtime/docker.js";
import { parseEvictionHard } from "../agent/eviction.js";
import { FakeRuntime } from "../runtime/fake.js";
import { ClusterScopedRuntime } from "../runtime/cluster-scoped.js";
import type { ContainerRuntime } from "../runtime/runtime.js";
import { CLUSTER_INFO, CLUSTER_INFO_PATH, caOfKubeconfig } from "./cluster-info.js";

export class JoinError extends Error {
  override name = "JoinError";
}

/** GET over TLS; `ca` undefined means "do not verify the server yet" (discovery only, never with a token). */
function httpsGet(url: string, ca: string | undefined, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, rejectUnauthorized: ca !== undefined, headers: { Accept: "application/json", "User-Agent": "skiff-agent" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export interface DiscoveryOptions {
  /** "sha256:<hex>" of the CA's public key (caCertHash). */
  caCertHash?: string;
  /** Trust whatever CA the server presents (kubeadm's --discovery-token-unsafe-skip-ca-verification). */
  unsafeSkipCaVerification?: boolean;
  timeoutMs?: number;
}

/**
 * Fetch the cluster CA from kube-public/cluster-info and check it against the
 * pinned hash; then check that the server's own certificate is issued by it.
 * Returns the CA PEM to verify the server with from now on.
 */
export async function discoverClusterCa(server: string, opts: DiscoveryOptions): Promise<string> {
  if (!opts.caCertHash && !opts.unsafeSkipCaVerification) {
    throw new JoinError("give --ca-cert-hash sha256:… (printed by `skiff up`) so the agent can tell the real API server from an impostor");
  }
  if (opts.caCertHash && !/^sha256:[0-9a-f]{64}$/.test(opts.caCertHash)) throw new JoinError(`--ca-cert-hash must look like sha256:<64 hex digits>, got "${opts.caCertHash}"`);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const base = server.replace(/\/$/, "");
  let res;
  try {
    res = await httpsGet(`${base}${CLUSTER_INFO_PATH}`, undefined, timeoutMs);
  } catch (e) {
    throw new JoinError(`cannot reach ${server}: ${(e as Error).message}`);
  }
  if (res.status !== 200) throw new JoinError(`${server} did not serve ${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name} (HTTP ${res.status}): is it a skiff API server?`);
  let caPem: string | undefined;
  try {
    caPem = caOfKubeconfig((JSON.parse(res.body) as { data?: Record<string, string> }).data?.kubeconfig);
  } catch {
    caPem = undefined;
  }
  if (!caPem) throw new JoinError(`${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name} on ${server} holds no CA certificate`);
  let actual: string;
  try {
    actual = caCertHash(caPem);
  } catch (e) {
    throw new JoinError(`the CA in ${CLUSTER_INFO.name} is not a certificate: ${(e as Error).message}`);
  }
  if (opts.caCertHash && actual !== opts.caCertHash) {
    throw new JoinError(`the cluster CA of ${server} has hash ${actual}, not the expected ${opts.caCertHash}: refusing to join (wrong server, or someone in between)`);
  }
  // The CA is the right one; now the server must prove it holds a certificate that CA issued.
  try {
    await httpsGet(`${base}/healthz`, caPem, timeoutMs);
  } catch (e) {
    throw new JoinError(`${server} does not present a certificate of the cluster CA for this address: ${(e as Error).message} (add it with --tls-san on the control plane)`);
  }
  return caPem;
}

/**
 * Discovery against the first server that answers; they all serve the same CA.
 * A hash mismatch is final (someone is impersonating the cluster), not a reason to try the next.
 */
async function discoverFromAny(servers: string[], opts: DiscoveryOptions): Promise<string> {
  let last: Error | undefined;
  for (const s of servers) {
    try {
      return await discoverClusterCa(s, opts);
    } catch (e) {
      if (!(e instanceof JoinError) || !/^cannot reach/.test(e.message)) throw e;
      last = e;
    }
  }
  throw last!;
}

/** The line `skiff up` and `skiff control-plane` print for joining a node. */
export function joinCommand(opts: { server: string; caPem: string; token?: string; nodeName?: string }): string {
  return `skiff agent --server ${opts.server} --token ${opts.token ?? "<token>"} --ca-cert-hash ${caCertHash(opts.caPem)} --name ${opts.nodeName ?? "<node>"}`;
}

/** What `skiff up` / `skiff control-plane` print about joining nodes. */
export function joinInstructions(server: string, caPem: string): string[] {
  return [
    "Join a node agent from another process or machine:",
    "  skiff token create --node NODE        # prints a join token for that node",
    `  ${joinCommand({ server, caPem, token: "TOKEN", nodeName: "NODE" })}`,
  ];
}

export type AgentRuntimeChoice = "docker" | "fake";

export interface JoinedAgentOptions {
  /** One API server, or several of one HA control plane (used in order; the agent moves on when one is unreachable). */
  servers: string[];
  token: string;
  nodeName: string;
  discovery: DiscoveryOptions;
  runtime: AgentRuntimeChoice;
  /** unix:///path or tcp://host:port (default: DOCKER_HOST or /var/run/docker.sock). */
  dockerHost?: string;
  capacity?: NodeCapacity;
  /** Where the agent keeps pod volumes: <stateDir>/agents/<node>. */
  stateDir: string;
  /** status.hostIP of its pods (the address other hosts reach this one on). */
  nodeIP?: string;
  /** The kubelet's --eviction-hard ("memory.available<100Mi,nodefs.available<10%"); default the kubelet's. */
  evictionHard?: string;
  heartbeatMs?: number;
  onError?: (e: Error) => void;
}

export interface JoinedAgent {
  agent: Agent;
  client: Client;
  caPem: string;
  stop(opts?: { leaveContainers?: boolean }): Promise<void>;
}

export function dockerFromHost(host: string | undefined): Dockerode | undefined {
  if (!host) return undefined;
  if (host.startsWith("unix://")) return new Dockerode({ socketPath: host.slice("unix://".length) });
  const m = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(host);
  if (m) return new Dockerode({ host: m[1], port: Number(m[2]), protocol: "http" });
  throw new JoinError(`--docker-host must be unix:///path/docker.sock or tcp://host:port, got "${host}"`);
}

/** Discover the CA, connect with the node token and start the agent; resolves once it is registered and syncing. */
export async function startJoinedAgent(opts: JoinedAgentOptions): Promise<JoinedAgent> {
  if (opts.servers.length === 0) throw new JoinError("give at least one --server");
  const caPem = await discoverFromAny(opts.servers, opts.discovery);
  const clients = opts.servers.map((server) => new HttpClient({ server, caPem, token: opts.token, namespace: "default", contextName: "agent" }));
  const client: Client = clients.length === 1 ? clients[0]! : new FailoverClient(clients, (from, to, e) => opts.onError?.(new Error(`${e.message}; using ${opts.servers[to]} instead of ${opts.servers[from]}`)));
  const server = opts.servers.join(",");
  let runtime: ContainerRuntime;
  if (opts.runtime === "docker") {
    const docker = new DockerRuntime({ docker: dockerFromHost(opts.dockerHost) });
    if (!(await docker.ping())) {
      await docker.close();
      client.close();
      throw new JoinError(`Docker is not answering${opts.dockerHost ? ` at ${opts.dockerHost}` : ""}: start it, or use --runtime fake`);
    }
    runtime = docker;
  } else {
    runtime = new FakeRuntime();
  }
  // Containers carry the cluster's identity (its CA), so clusters sharing an engine stay apart.
  runtime = new ClusterScopedRuntime(runtime, `ca-${caCertHash(caPem).slice("sha256:".length, "sha256:".length + 16)}`);
  const capacity = opts.capacity ?? (opts.runtime === "fake" ? { cpu: "4", memory: "8Gi", pods: 110 } : undefined);
  if (opts.evictionHard !== undefined) {
    try {
      parseEvictionHard(opts.evictionHard);
    } catch (e) {
      throw new JoinError((e as Error).message);
    }
  }
  const agent = new Agent({
    evictionHard: opts.evictionHard,
    client,
    runtime,
    nodeName: opts.nodeName,
    capacity,
    stateDir: join(opts.stateDir, "agents", opts.nodeName),
    hostIP: opts.nodeIP,
    heartbeatMs: opts.heartbeatMs,
    onError: opts.onError,
  });
  try {
    await agent.start();
  } catch (e) {
    await agent.stop({ leaveContainers: true }).catch(() => undefined);
    await runtime.close();
    client.close();
    if (isApiError(e, "Unauthorized")) throw new JoinError(`${server} refused the token (401): make one with \`skiff token create --node ${opts.nodeName}\``);
    if (isApiError(e, "Forbidden")) throw new JoinError(`${server} refused node ${opts.nodeName}: ${(e as Error).message} (is the token for this node name?)`);
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    agent,
    client,
    caPem,
    stop(stopOpts = {}) {
      stopping ??= (async () => {
        await agent.stop({ leaveContainers: stopOpts.leaveContainers ?? true });
        await runtime.close();
        client.close();
      })();
      return stopping;
    },
  };
}

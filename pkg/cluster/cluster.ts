// `skiff up` as a whole: the control plane plus controllers, scheduler, node
// agents and the service proxy, all talking through one in-process client.
// This file only wires parts together; each part works the same as its own
// process over HTTPS.
import { join } from "node:path";
import { R } from "../api/kinds.js";
import { InProcessClient } from "../client/in-process.js";
import { InformerFactory } from "../client/informer.js";
import { EventRecorder } from "../client/events.js";
import { startControllers } from "../controllers/manager.js";
import { Scheduler } from "../scheduler/scheduler.js";
import { Agent } from "../agent/agent.js";
import { agentStreams } from "../agent/streams.js";
import type { PodStreamTarget } from "../api/pod-stream.js";
import { ServiceProxy } from "../proxy/proxy.js";
import { FakeRuntime } from "../runtime/fake.js";
import type { FakeStage } from "../runtime/fake-stages.js";
import type { ContainerRuntime } from "../runtime/runtime.js";
import type { Clock } from "../util/clock.js";
import { ClusterScopedRuntime } from "../runtime/cluster-scoped.js";
import { dockerSocketPermissionHint } from "../runtime/docker-socket.js";
import { ensureClusterId, statePaths } from "./state-dir.js";
import { volumesDir } from "./paths.js";
import { mkdirSync } from "node:fs";
import { setUpPodNetwork, type PodNetworkSetup } from "./pod-network.js";
import type { ClusterNetwork } from "../runtime/docker-network.js";
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from "./control-plane.js";
import { publishKubernetesService, relayToApiServer } from "./kubernetes-service.js";
import type { Server } from "node:net";
import type { Client } from "../client/client.js";
import { buildLabTools, heartbeatFor, startSimulatedNodes, type LabTools } from "./lab-tools.js";
import { buildMetricsPipeline, type MetricsPipeline } from "../metrics/pipeline.js";
import type { HpaTuning } from "../controllers/quota-hpa.js";
import { startClusterDns, type ClusterDns, type ClusterDnsOptions } from "../dns/cluster-dns.js";
import { IngressController } from "../ingress/controller.js";

export type RuntimeChoice = "auto" | "docker" | "fake";

export interface ClusterOptions extends ControlPlaneOptions {
  /** Node agents to run in this process (0 = control plane only). */
  nodes?: number;
  runtime?: RuntimeChoice;
  /** Per-node capacity for every node (defaults: the host's for docker, 4 cpu / 8Gi for fake). */
  nodeCapacity?: { cpu: string; memory: string; pods: number };
  /** Fake runtime: serve a tiny HTTP echo (the pod name) on each container port. */
  fakeHttp?: boolean;
  /** Fake runtime: the container life-cycle table (default DEFAULT_STAGES in pkg/runtime/fake-stages.ts). */
  fakeStages?: FakeStage[];
  proxy?: boolean;
  nodeGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  /** The pod GC's wait before collecting pods of a node that does not exist (default 40 s, as Kubernetes). */
  podGcQuarantineMs?: number;
  /** Progress and notices ("Docker is not answering…"). */
  log?: (line: string) => void;
  onError?: (component: string, e: Error) => void;
  /** How often node usage is sampled for `top`, the HPA and accounting. Default 15 s. */
  metricsIntervalMs?: number;
  /** The sampler's clock (tests drive accounting rounds with a FakeClock). */
  metricsClock?: Clock;
  /** HPA sync period and windows (tests shorten them). */
  hpa?: HpaTuning;
  /** A ready-made runtime for the nodes (tests: a FakeRuntime with behaviours); overrides `runtime`. */
  containerRuntime?: ContainerRuntime;
  /** Job/CronJob tuning: the clock CronJobs follow and the Job failure back-off (tests shorten it). */
  batch?: { cronJobClock?: Clock; jobBackoffBaseMs?: number };
  /** Simulated nodes fake-1..N on a FakeRuntime beside the real ones (`skiff up --fake-nodes`). */
  fakeNodes?: number;
  /** Node agents' Lease renewal period; default: one that fits nodeGracePeriodMs (lab-tools.ts heartbeatFor). */
  nodeHeartbeatMs?: number;
  /** On Docker, put pods on the cluster's own bridge network (default true; false: loopback pod IPs with published ports). */
  podNetwork?: boolean;
  /** Cluster DNS (kube-dns), on unless false; `address`: the pod network's DNS address (default: a cluster IP on loopback). */
  dns?: false | Pick<ClusterDnsOptions, "address" | "port" | "upstreams">;
  /** Host port of the built-in ingress controller (`skiff up` defaults to 8080); 0 or absent = off. */
  ingressPort?: number;
  /** Address the ingress controller binds (default 127.0.0.1). */
  ingressHost?: string;
}

export interface Cluster {
  controlPlane: ControlPlane;
  client: InProcessClient;
  runtime: ContainerRuntime | undefined;
  nodeNames: string[];
  /** Usage sampling, the metrics API and accounting. */
  metrics: MetricsPipeline;
  /** Chaos, decision records and simulated nodes (issue 13). */
  labTools: LabTools;
  /** The FakeRuntime of the simulated nodes (fakeNodes > 0). */
  simulatedRuntime: ContainerRuntime | undefined;
  /** The Docker pod network (subnet, pod range, service range, dnsAddress); undefined on the fake runtime. */
  network: ClusterNetwork | undefined;
  /** Cluster DNS, when it could bind its address. */
  dns: ClusterDns | undefined;
  /** The ingress controller, when it listens. */
  ingress: IngressController | undefined;
  /** Stop everything; containers keep running unless removeContainers (agents adopt them on the next start). */
  close(opts?: { removeContainers?: boolean }): Promise<void>;
}

export async function chooseRuntime(choice: RuntimeChoice, opts: { fakeHttp?: boolean; fakeStages?: FakeStage[]; log?: (l: string) => void }): Promise<ContainerRuntime> {
  if (choice !== "fake") {
    // Loaded on demand: dockerode costs ~300 ms of start-up that `--runtime fake` never needs.
    const { DockerRuntime } = await import("../runtime/docker.js");
    const docker = new DockerRuntime();
    if (await docker.ping()) return docker;
    await docker.close();
    const denied = dockerSocketPermissionHint();
    if (choice === "docker") {
      throw new Error(denied ? `Docker: ${denied}` : "Docker is not answering on /var/run/docker.sock - start it (bash scripts/docker-up.sh) or use --runtime fake");
    }
    if (denied) opts.log?.(`Docker: ${denied}`);
    opts.log?.("Docker is not answering on /var/run/docker.sock: using the fake runtime (pods run without containers). Start Docker with `bash scripts/docker-up.sh` for real containers.");
  }
  return new FakeRuntime({ serveHttp: opts.fakeHttp, stages: opts.fakeStages });
}

/** The streaming side of an in-process agent (one per agent, made once). */
const streamTargets = new WeakMap<Agent, PodStreamTarget>();
function streamsOf(agent: Agent | undefined): PodStreamTarget | undefined {
  if (!agent) return undefined;
  let t = streamTargets.get(agent);
  if (!t) streamTargets.set(agent, (t = agentStreams(agent)));
  return t;
}

/**
 * Points default/kubernetes at the bridge's address, relaying to the API server
 * when it listens on loopback only. Returns how to stop the relay.
 */
async function servePodsTheApi(client: Client, cp: ControlPlane, gateway: string, host: string | undefined, notice: (line: string) => void): Promise<(() => Promise<void>) | undefined> {
  const api = new URL(cp.url);
  const port = Number(api.port);
  const everywhere = host === "0.0.0.0" || host === "::";
  let relay: Server | undefined;
  if (!everywhere) {
    try {
      relay = await relayToApiServer(gateway, port, { host: api.hostname, port });
    } catch (e) {
      notice(`pods cannot reach the API server through the kubernetes Service: ${(e as Error).message}`);
      return undefined;
    }
  }
  await publishKubernetesService(client, { clusterIP: cp.kubernetesServiceIp, endpoint: { ip: gateway, port } });
  return relay ? () => new Promise<void>((resolve) => relay!.close(() => resolve())) : undefined;
}

type ErrorSink = (component: string, e: Error) => void;

interface NodeAgentsSetup {
  count: number;
  runtime: ContainerRuntime;
  client: InProcessClient;
  informers: InformerFactory;
  tools: LabTools;
  kubelet: EventRecorder;
  stateDir: string;
  heartbeatMs: number | undefined;
  net: PodNetworkSetup | undefined;
  opts: ClusterOptions;
  onError: ErrorSink;
  /** Filled in as each agent starts, so a failure part-way still stops the ones already running. */
  agents: Map<string, Agent>;
}

/** One agent per node (node-1 … node-N) on the cluster's runtime, each started before the next. */
async function startNodeAgents(s: NodeAgentsSetup): Promise<void> {
  const { count, runtime, client, tools, opts } = s;
  const podInformer = s.informers.for(R.pods);
  await podInformer.start();
  const capacity = opts.nodeCapacity ?? (runtime.name === "fake" ? { cpu: "4", memory: "8Gi", pods: 110 } : undefined);
  // Many simulated nodes: relist the runtime less often (each relist scans every container).
  const relistMs = count > 50 ? 60_000 : undefined;
  for (let i = 1; i <= count; i++) {
    const nodeName = `node-${i}`;
    const agent = new Agent({
      client: tools.agentClient(nodeName, client),
      runtime: tools.agentRuntime(nodeName, runtime),
      nodeName,
      podInformer,
      recorder: s.kubelet,
      capacity,
      stateDir: join(s.stateDir, "agents", nodeName),
      relistMs,
      heartbeatMs: s.heartbeatMs,
      podNetwork: s.net?.podNetwork,
      onError: (e) => s.onError(`agent ${nodeName}`, e),
    });
    await agent.start();
    s.agents.set(nodeName, agent);
    tools.addNode(nodeName, agent, runtime);
    if (count >= 100 && i % 100 === 0) opts.log?.(`  ${i}/${count} nodes registered`);
  }
}

/** Cluster DNS, or undefined with a notice saying why: without it pods still run, names just do not resolve. */
async function startDnsOrNotice(
  client: InProcessClient,
  informers: InformerFactory,
  net: PodNetworkSetup | undefined,
  opts: ClusterOptions,
  onError: ErrorSink,
  notice: (line: string) => void,
): Promise<ClusterDns | undefined> {
  try {
    // On the pod network the DNS address is reserved for us (pods' resolv.conf names it) and the
    // kernel proxier leaves it alone; elsewhere kube-dns gets a cluster IP and the proxy carries its TCP.
    const onNetwork = net ? { address: net.network.dnsAddress, tcpViaProxy: !net.kernel } : {};
    return await startClusterDns({ client, informers, ...onNetwork, ...(opts.dns || {}), onError: (e) => onError("dns", e) });
  } catch (e) {
    // Port 53 needs privileges: say so instead of failing the whole cluster.
    notice(`cluster DNS is off: ${(e as Error).message}`);
    return undefined;
  }
}

/** The ingress controller on its port, or undefined with a notice (a port in use is the common case). */
async function startIngressOrNotice(
  client: InProcessClient,
  informers: InformerFactory,
  port: number,
  opts: ClusterOptions,
  onError: ErrorSink,
  notice: (line: string) => void,
): Promise<IngressController | undefined> {
  const ctl = new IngressController({ client, informers, host: opts.ingressHost, port, onError: (e) => onError("ingress", e) });
  try {
    await ctl.start();
    return ctl;
  } catch (e) {
    await ctl.stop();
    const err = e as NodeJS.ErrnoException;
    const where = `${opts.ingressHost ?? "127.0.0.1"}:${port}`;
    notice(err.code === "EADDRINUSE" ? `ingress controller is off: ${where} is in use (skiff up --ingress-port N picks another, 0 turns it off)` : `ingress controller is off: ${err.message}`);
    return undefined;
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const agents = new Map<string, Agent>();
  const onError = opts.onError ?? ((c, e) => process.stderr.write(`${c}: ${e.message}\n`));
  const tools = buildLabTools({ onError });
  const metrics = buildMetricsPipeline({ sources: () => agents.values(), intervalMs: opts.metricsIntervalMs, clock: opts.metricsClock, onError });
  const nodeCount = opts.nodes ?? 1;
  // The runtime and its pod network come first: Service cluster IPs are allocated from the network's range.
  let baseRuntime: ContainerRuntime | undefined;
  let net: PodNetworkSetup | undefined;
  const paths = statePaths(opts.stateDir);
  if (nodeCount > 0) {
    baseRuntime = opts.containerRuntime ?? (await chooseRuntime(opts.runtime ?? "auto", opts));
    if (opts.podNetwork !== false) {
      mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
      net = await setUpPodNetwork(baseRuntime, ensureClusterId(paths), opts.log).catch(async (e: unknown) => {
        if (!opts.containerRuntime) await baseRuntime?.close();
        throw e;
      });
    }
  }
  // The dashboard is on unless a caller turns it off (dashboard: false).
  const cp = await startControlPlane({ dashboard: true, serviceCidr: net?.network.serviceRange, ...opts, extraHosts: [...(opts.extraHosts ?? []), ...(net ? [net.network.gateway] : [])], plugins: [...(opts.plugins ?? []), metrics.apiPlugin, ...tools.plugins], podLogs: (node) => agents.get(node), podStreams: (node) => streamsOf(agents.get(node)) });
  const client = new InProcessClient(cp.registry);
  const informers = new InformerFactory(client);
  metrics.attach(client, informers);
  const recorder = (component: string) => new EventRecorder(client, component);
  tools.attach(client, recorder("skiff-chaos"));
  const stops: Array<() => Promise<void>> = [];
  let runtime: ContainerRuntime | undefined;
  let simulatedRuntime: ContainerRuntime | undefined;
  let dns: ClusterDns | undefined;
  let ingress: IngressController | undefined;
  const notice = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const controllers = await startControllers({
      client,
      informers,
      nodeGracePeriodMs: opts.nodeGracePeriodMs,
      podEvictionTimeoutMs: opts.podEvictionTimeoutMs,
      podGcQuarantineMs: opts.podGcQuarantineMs,
      onError: (name, _key, e) => onError(name, e),
      metrics: metrics.sampler,
      hpa: opts.hpa,
      cronJobClock: opts.batch?.cronJobClock,
      jobBackoffBaseMs: opts.batch?.jobBackoffBaseMs,
      volumesDir: volumesDir(cp.paths.dir),
    });
    stops.push(() => controllers.stop());

    const scheduler = new Scheduler({ client, informers, recorder: recorder("default-scheduler"), decisions: tools.decisions, onError: (e) => onError("scheduler", e) });
    await scheduler.start();
    stops.push(() => scheduler.stop());

    const heartbeatMs = opts.nodeHeartbeatMs ?? heartbeatFor(opts.nodeGracePeriodMs);
    if (nodeCount > 0) {
      runtime = new ClusterScopedRuntime(baseRuntime!, ensureClusterId(cp.paths));
      await startNodeAgents({ count: nodeCount, runtime, client, informers, tools, kubelet: recorder("kubelet"), stateDir: cp.paths.dir, heartbeatMs, net, opts, onError, agents });
    }
    if ((opts.fakeNodes ?? 0) > 0) {
      const podInformer = informers.for(R.pods);
      await podInformer.start();
      const sim = await startSimulatedNodes({ count: opts.fakeNodes!, client, tools, clusterId: ensureClusterId(cp.paths), podInformer, recorder: recorder("kubelet"), stateDir: cp.paths.dir, capacity: opts.nodeCapacity, heartbeatMs, fakeHttp: opts.fakeHttp, fakeStages: opts.fakeStages, onError, log: opts.log });
      simulatedRuntime = sim.runtime;
      for (const [name, agent] of sim.agents) agents.set(name, agent);
    }

    metrics.start();
    stops.push(() => metrics.stop());

    if (opts.proxy !== false) {
      const proxy = new ServiceProxy({ client, informers, kernel: net?.kernel, onError: (e) => onError("proxy", e) });
      await proxy.start();
      stops.push(() => proxy.stop());
    }

    if (opts.dns !== false) {
      const started = await startDnsOrNotice(client, informers, net, opts, onError, notice);
      dns = started;
      if (started) stops.push(() => started.stop());
    }
    if (net) {
      // Pods reach the host at the bridge's address: the `kubernetes` Service's endpoint is there.
      const stop = await servePodsTheApi(client, cp, net.network.gateway, opts.host, notice);
      if (stop) stops.push(stop);
    }
    if (opts.ingressPort) {
      const ctl = await startIngressOrNotice(client, informers, opts.ingressPort, opts, onError, notice);
      ingress = ctl;
      if (ctl) stops.push(() => ctl.stop());
    }
  } catch (e) {
    await tools.close();
    for (const s of stops.reverse()) await s().catch(() => undefined);
    for (const a of agents.values()) await a.stop({ leaveContainers: true }).catch(() => undefined);
    informers.stopAll();
    await net?.remove();
    await (runtime ?? baseRuntime)?.close();
    await simulatedRuntime?.close();
    await cp.close();
    throw e;
  }

  let closing: Promise<void> | undefined;
  return {
    controlPlane: cp,
    client,
    runtime,
    nodeNames: [...agents.keys()],
    metrics,
    labTools: tools,
    simulatedRuntime,
    network: net?.network,
    dns,
    ingress,
    close(closeOpts = {}) {
      closing ??= (async () => {
        await tools.close();
        for (const s of [...stops].reverse()) await s().catch(() => undefined);
        await Promise.all([...agents.values()].map((a) => a.stop({ leaveContainers: !closeOpts.removeContainers }).catch(() => undefined)));
        informers.stopAll();
        // Kept while containers of the cluster are still attached (close without removeContainers).
        await net?.remove();
        await runtime?.close();
        await simulatedRuntime?.close();
        await cp.close();
      })();
      return closing;
    },
  };
}

// What `skiff up` adds for labs on top of the plain cluster (issue 13), kept
// out of cluster.ts so that file stays wiring only:
//
// - decision records for `skiff why` (the scheduler's DecisionRecorder, in
//   memory) and the /why route that serves them to the CLI and the dashboard;
// - chaos: per-agent FaultyClients (partition, slow-node), the agents
//   themselves (kill-node), their runtimes (oom), and the /chaos route;
// - simulated nodes (`--fake-nodes N`): agents fake-1..N on their own
//   FakeRuntime, labelled skiff.dev/runtime=fake and skiff.dev/simulated=true,
//   beside the real nodes node-1..M.
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { Agent } from "../agent/agent.js";
import { ChaosController } from "../chaos/controller.js";
import { chaosApiPlugin } from "../chaos/api.js";
import { imagesApiPlugin } from "./images-api.js";
import { FaultyClient } from "../chaos/faulty-client.js";
import type { Client } from "../client/client.js";
import type { EventRecorder } from "../client/events.js";
import type { SharedInformer } from "../client/informer.js";
import { ClusterScopedRuntime } from "../runtime/cluster-scoped.js";
import { CuttableRuntime } from "../runtime/cuttable.js";
import { FakeRuntime } from "../runtime/fake.js";
import type { FakeStage } from "../runtime/fake-stages.js";
import type { ContainerRuntime } from "../runtime/runtime.js";
import { DecisionRecorder } from "../scheduler/decision-store.js";
import { whyApiPlugin } from "../why/api.js";

export const SIMULATED_LABEL = "skiff.dev/simulated";
export const SIMULATED_PREFIX = "fake-";

export interface LabTools {
  /** Routes for ApiServerOptions.plugins: /why and /chaos (they answer 503 until attach()). */
  plugins: Array<(app: FastifyInstance) => void | Promise<void>>;
  /** Call once the cluster's client exists. */
  attach(client: Client, recorder: EventRecorder): void;
  /** The scheduler's decision records, read by the /why route. */
  readonly decisions: DecisionRecorder;
  /** The client a node agent gets: chaos can slow it down or cut it off. */
  agentClient(node: string, client: Client): Client;
  /** The runtime a node agent gets: chaos stop-runtime can cut it off (the engine itself keeps running). */
  agentRuntime(node: string, runtime: ContainerRuntime): ContainerRuntime;
  /** Register a node agent and its runtime, for chaos. */
  addNode(node: string, agent: Agent, runtime: ContainerRuntime): void;
  readonly chaos: ChaosController | undefined;
  /** Undo every chaos action (so no agent stays paused) and stop the chaos timers. */
  close(): Promise<void>;
}

export function buildLabTools(opts: { onError?: (component: string, e: Error) => void } = {}): LabTools {
  let client: Client | undefined;
  let chaos: ChaosController | undefined;
  const agents = new Map<string, Agent>();
  const runtimes = new Map<string, ContainerRuntime>();
  const clients = new Map<string, FaultyClient>();
  const switches = new Map<string, CuttableRuntime>();
  const decisions = new DecisionRecorder({ onError: (e) => opts.onError?.("scheduler decisions", e) });
  return {
    plugins: [whyApiPlugin(() => client, decisions), chaosApiPlugin(() => chaos), imagesApiPlugin(() => runtimes)],
    attach(c, recorder) {
      client = c;
      chaos = new ChaosController({
        client: c,
        recorder,
        targets: {
          agent: (n) => agents.get(n),
          faults: (n) => clients.get(n)?.faults,
          runtime: (n) => runtimes.get(n),
          runtimeSwitch: (n) => switches.get(n),
        },
        onError: (e) => opts.onError?.("chaos", e),
      });
    },
    decisions,
    agentClient(node, c) {
      const fc = new FaultyClient(c, node);
      clients.set(node, fc);
      return fc;
    },
    agentRuntime(node, runtime) {
      const cr = new CuttableRuntime(runtime);
      switches.set(node, cr);
      return cr;
    },
    addNode(node, agent, runtime) {
      agents.set(node, agent);
      runtimes.set(node, runtime);
    },
    get chaos() {
      return chaos;
    },
    async close() {
      await chaos?.close();
    },
  };
}

/**
 * A node heartbeat that fits the node grace period: Kubernetes' 10 s against
 * 40 s, and a quarter of the grace period when a test shortens it, so nodes do
 * not flap NotReady between two heartbeats.
 */
export function heartbeatFor(nodeGracePeriodMs: number | undefined): number | undefined {
  if (nodeGracePeriodMs === undefined || nodeGracePeriodMs >= 40_000) return undefined;
  return Math.max(100, Math.floor(nodeGracePeriodMs / 4));
}

export interface SimulatedNodesOptions {
  count: number;
  client: Client;
  tools: LabTools;
  /** Wraps the FakeRuntime (ClusterScopedRuntime with the cluster id). */
  clusterId: string;
  podInformer: SharedInformer;
  recorder: EventRecorder;
  stateDir: string;
  capacity?: { cpu: string; memory: string; pods: number };
  heartbeatMs?: number;
  fakeHttp?: boolean;
  fakeStages?: FakeStage[];
  onError: (component: string, e: Error) => void;
  log?: (line: string) => void;
}

/** Start agents fake-1..N on one shared FakeRuntime; returns them by node name and the runtime. */
export async function startSimulatedNodes(o: SimulatedNodesOptions): Promise<{ agents: Map<string, Agent>; runtime: ContainerRuntime }> {
  const runtime = new ClusterScopedRuntime(new FakeRuntime({ serveHttp: o.fakeHttp, stages: o.fakeStages }), o.clusterId);
  const agents = new Map<string, Agent>();
  for (let i = 1; i <= o.count; i++) {
    const nodeName = `${SIMULATED_PREFIX}${i}`;
    const agent = new Agent({
      client: o.tools.agentClient(nodeName, o.client),
      runtime: o.tools.agentRuntime(nodeName, runtime),
      nodeName,
      podInformer: o.podInformer,
      recorder: o.recorder,
      capacity: o.capacity ?? { cpu: "4", memory: "8Gi", pods: 110 },
      labels: { [SIMULATED_LABEL]: "true" },
      stateDir: join(o.stateDir, "agents", nodeName),
      // Relisting scans every container of the shared runtime: rarely, with many nodes.
      relistMs: o.count > 50 ? 60_000 : undefined,
      heartbeatMs: o.heartbeatMs,
      onError: (e) => o.onError(`agent ${nodeName}`, e),
    });
    await agent.start();
    agents.set(nodeName, agent);
    o.tools.addNode(nodeName, agent, runtime);
    if (o.count >= 100 && i % 100 === 0) o.log?.(`  ${i}/${o.count} simulated nodes registered`);
  }
  return { agents, runtime };
}

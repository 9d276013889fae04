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
import { ServiceProxy } from "../proxy/proxy.js";
import { DockerRuntime } from "../runtime/docker.js";
import { FakeRuntime } from "../runtime/fake.js";
import type { ContainerRuntime } from "../runtime/runtime.js";
import { ClusterScopedRuntime } from "../runtime/cluster-scoped.js";
import { ensureClusterId } from "./state-dir.js";
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from "./control-plane.js";

export type RuntimeChoice = "auto" | "docker" | "fake";

export interface ClusterOptions extends ControlPlaneOptions {
  /** Node agents to run in this process (0 = control plane only). */
  nodes?: number;
  runtime?: RuntimeChoice;
  /** Per-node capacity for every node (defaults: the host's for docker, 4 cpu / 8Gi for fake). */
  nodeCapacity?: { cpu: string; memory: string; pods: number };
  /** Fake runtime: serve a tiny HTTP echo (the pod name) on each container port. */
  fakeHttp?: boolean;
  proxy?: boolean;
  nodeGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  /** Progress and notices ("Docker is not answering…"). */
  log?: (line: string) => void;
  onError?: (component: string, e: Error) => void;
}

export interface Cluster {
  controlPlane: ControlPlane;
  client: InProcessClient;
  runtime: ContainerRuntime | undefined;
  nodeNames: string[];
  /** Stop everything; containers keep running unless removeContainers (agents adopt them on the next start). */
  close(opts?: { removeContainers?: boolean }): Promise<void>;
}

export async function chooseRuntime(choice: RuntimeChoice, opts: { fakeHttp?: boolean; log?: (l: string) => void }): Promise<ContainerRuntime> {
  if (choice !== "fake") {
    const docker = new DockerRuntime();
    if (await docker.ping()) return docker;
    await docker.close();
    if (choice === "docker") {
      throw new Error("Docker is not answering on /var/run/docker.sock - start it (bash scripts/docker-up.sh) or use --runtime fake");
    }
    opts.log?.("Docker is not answering on /var/run/docker.sock: using the fake runtime (pods run without containers). Start Docker with `bash scripts/docker-up.sh` for real containers.");
  }
  return new FakeRuntime({ serveHttp: opts.fakeHttp });
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const agents = new Map<string, Agent>();
  const cp = await startControlPlane({ ...opts, podLogs: (node) => agents.get(node) });
  const client = new InProcessClient(cp.registry);
  const informers = new InformerFactory(client);
  const onError = opts.onError ?? ((c, e) => process.stderr.write(`${c}: ${e.message}\n`));
  const recorder = (component: string) => new EventRecorder(client, component);
  const stops: Array<() => Promise<void>> = [];
  let runtime: ContainerRuntime | undefined;
  try {
    const controllers = await startControllers({
      client,
      informers,
      nodeGracePeriodMs: opts.nodeGracePeriodMs,
      podEvictionTimeoutMs: opts.podEvictionTimeoutMs,
      onError: (name, _key, e) => onError(name, e),
    });
    stops.push(() => controllers.stop());

    const scheduler = new Scheduler({ client, informers, recorder: recorder("default-scheduler"), onError: (e) => onError("scheduler", e) });
    await scheduler.start();
    stops.push(() => scheduler.stop());

    const nodeCount = opts.nodes ?? 1;
    if (nodeCount > 0) {
      runtime = new ClusterScopedRuntime(await chooseRuntime(opts.runtime ?? "auto", opts), ensureClusterId(cp.paths));
      const podInformer = informers.for(R.pods);
      await podInformer.start();
      const capacity = opts.nodeCapacity ?? (runtime.name === "fake" ? { cpu: "4", memory: "8Gi", pods: 110 } : undefined);
      // Many simulated nodes: relist the runtime less often (each relist scans every container).
      const relistMs = nodeCount > 50 ? 60_000 : undefined;
      const kubelet = recorder("kubelet");
      for (let i = 1; i <= nodeCount; i++) {
        const nodeName = `node-${i}`;
        const agent = new Agent({
          client,
          runtime,
          nodeName,
          podInformer,
          recorder: kubelet,
          capacity,
          stateDir: join(cp.paths.dir, "agents", nodeName),
          relistMs,
          onError: (e) => onError(`agent ${nodeName}`, e),
        });
        await agent.start();
        agents.set(nodeName, agent);
        if (nodeCount >= 100 && i % 100 === 0) opts.log?.(`  ${i}/${nodeCount} nodes registered`);
      }
    }

    if (opts.proxy !== false) {
      const proxy = new ServiceProxy({ client, informers });
      await proxy.start();
      stops.push(() => proxy.stop());
    }
  } catch (e) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    for (const a of agents.values()) await a.stop({ leaveContainers: true }).catch(() => undefined);
    informers.stopAll();
    await runtime?.close();
    await cp.close();
    throw e;
  }

  let closing: Promise<void> | undefined;
  return {
    controlPlane: cp,
    client,
    runtime,
    nodeNames: [...agents.keys()],
    close(closeOpts = {}) {
      closing ??= (async () => {
        for (const s of [...stops].reverse()) await s().catch(() => undefined);
        await Promise.all([...agents.values()].map((a) => a.stop({ leaveContainers: !closeOpts.removeContainers }).catch(() => undefined)));
        informers.stopAll();
        await runtime?.close();
        await cp.close();
      })();
      return closing;
    },
  };
}

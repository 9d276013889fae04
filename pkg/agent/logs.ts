// Logs and resource usage of the pods on one node, for the API server's pod
// `log` subresource (kubectl logs, skiff logs) and for `skiff top`.
import { errors } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { Clock } from "../util/clock.js";
import { ContainerNotFoundError, ContainerNotRunningError, LABELS, type ContainerRuntime, type ContainerStatus } from "../runtime/runtime.js";
import type { AgentPod } from "./types.js";

export type { PodLogOptions, PodLogSource } from "../api/pod-logs.js";
import type { PodLogOptions } from "../api/pod-logs.js";

/** The parts of an Agent that logs and stats use. */
export interface LogTarget {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly nodeName: string;
  containerInstances(uid: string, container: string): Promise<ContainerStatus[]>;
  podsOnNode(): AgentPod[];
}

export async function* agentLogs(agent: LogTarget, pod: KubeObject, opts: PodLogOptions = {}): AsyncIterable<string> {
  const p = pod as AgentPod;
  const name = String(p.metadata.name);
  const all = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].map((c) => c.name);
  const apps = (p.spec?.containers ?? []).map((c) => c.name);
  let container = opts.container;
  if (!container) {
    if (apps.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${apps.join(" ")}]`);
    container = apps[0];
  }
  if (!all.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  const instances = await agent.containerInstances(String(p.metadata.uid), container);
  const target = opts.previous ? instances[1] : instances[0];
  if (!target) {
    if (opts.previous) throw errors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const waiting = findWaitingReason(p, container) ?? "ContainerCreating";
    throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${waiting}`);
  }
  const since = opts.sinceSeconds !== undefined ? agent.clock.now() - opts.sinceSeconds * 1000 : undefined;
  try {
    yield* agent.runtime.logs(target.id, {
      follow: opts.follow && !opts.previous,
      tail: opts.tailLines,
      timestamps: opts.timestamps,
      since,
      signal: opts.signal,
    });
  } catch (e) {
    // removed between list and read (the pod was just deleted): nothing more to say
    if (e instanceof ContainerNotFoundError) return;
    throw e;
  }
}

function findWaitingReason(pod: AgentPod, container: string): string | undefined {
  const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all.find((s) => s.name === container)?.state?.waiting?.reason;
}

export interface ContainerUsage {
  name: string;
  /** Nanocores: 1e9 = one CPU. */
  cpuNanoCores: number;
  /** Working set bytes. */
  memoryBytes: number;
}

export interface PodStats {
  namespace: string;
  name: string;
  uid: string;
  cpuNanoCores: number;
  memoryBytes: number;
  containers: ContainerUsage[];
}

export interface NodeStats {
  nodeName: string;
  /** Epoch ms of the sample. */
  timestamp: number;
  /** Sums over the node's running skiff containers. */
  cpuNanoCores: number;
  memoryBytes: number;
  pods: PodStats[];
}

interface CpuSample {
  usage: number;
  t: number;
}

/** Previous CPU samples per agent, for a rate when the runtime gives none. */
const samples = new WeakMap<LogTarget, Map<string, CpuSample>>();

/** One usage sample of every running container on the node, grouped by pod (for `skiff top`). */
export async function agentStats(agent: LogTarget): Promise<NodeStats> {
  const running = await agent.runtime.list({ [LABELS.node]: agent.nodeName });
  const podsByUid = new Map(agent.podsOnNode().map((p) => [String(p.metadata.uid), p]));
  let prev = samples.get(agent);
  if (!prev) samples.set(agent, (prev = new Map()));
  const next = new Map<string, CpuSample>();
  const byPod = new Map<string, PodStats>();
  await Promise.all(
    running
      .filter((c) => c.state === "running")
      .map(async (c) => {
        let s;
        try {
          s = await agent.runtime.stats(c.id);
        } catch (e) {
          if (e instanceof ContainerNotRunningError || e instanceof ContainerNotFoundError) return;
          throw e;
        }
        const before = prev.get(c.id);
        next.set(c.id, { usage: s.cpuUsageNanos, t: s.timestamp });
        let cpu = s.cpuNanoCores;
        if (cpu === undefined) cpu = before && s.timestamp > before.t ? ((s.cpuUsageNanos - before.usage) / (s.timestamp - before.t)) * 1e6 : 0;
        const uid = c.labels[LABELS.podUid];
        const pod = podsByUid.get(uid);
        let ps = byPod.get(uid);
        if (!ps) {
          ps = {
            namespace: String(pod?.metadata.namespace ?? c.labels[LABELS.podNamespace] ?? ""),
            name: String(pod?.metadata.name ?? c.labels[LABELS.podName] ?? ""),
            uid,
            cpuNanoCores: 0,
            memoryBytes: 0,
            containers: [],
          };
          byPod.set(uid, ps);
        }
        const usage = { name: c.labels[LABELS.container], cpuNanoCores: Math.max(0, Math.round(cpu)), memoryBytes: s.memoryBytes };
        ps.containers.push(usage);
        ps.cpuNanoCores += usage.cpuNanoCores;
        ps.memoryBytes += usage.memoryBytes;
      }),
  );
  samples.set(agent, next);
  const pods = [...byPod.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  for (const p of pods) p.containers.sort((a, b) => a.name.localeCompare(b.name));
  return {
    nodeName: agent.nodeName,
    timestamp: agent.clock.now(),
    cpuNanoCores: pods.reduce((n, p) => n + p.cpuNanoCores, 0),
    memoryBytes: pods.reduce((n, p) => n + p.memoryBytes, 0),
    pods,
  };
}

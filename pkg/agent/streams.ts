// The node side of exec, attach and port-forward (the kubelet's streaming
// server): find the pod's running container on this node and ask the runtime
// for a live process or a connection. Used in-process by `skiff up` and behind
// the agent's TLS streaming server (stream-server.ts) for remote agents.
import { ApiError, errors } from "../api/errors.js";
import type { ExecStreamOptions, PodStreamTarget, ProcessStream, StreamOptions } from "../api/pod-stream.js";
import type { KubeObject } from "../api/types.js";
import { ContainerNotFoundError, ContainerNotRunningError, type ContainerStatus } from "../runtime/runtime.js";
import type { LogTarget } from "./logs.js";
import type { AgentPod, V1Container } from "./types.js";

interface Resolved {
  name: string;
  spec: V1Container;
  current: ContainerStatus;
}

async function runningContainer(agent: LogTarget, pod: KubeObject, requested: string | undefined): Promise<Resolved> {
  const p = pod as AgentPod;
  const podName = String(p.metadata.name);
  const apps = p.spec?.containers ?? [];
  let name = requested;
  if (!name) {
    if (apps.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${podName}, choose one of: [${apps.map((c) => c.name).join(" ")}]`);
    name = apps[0].name;
  }
  const spec = apps.find((c) => c.name === name);
  if (!spec) throw errors.badRequest(`container ${name} is not valid for pod ${podName}`);
  const [current] = await agent.containerInstances(String(p.metadata.uid), name);
  if (!current || current.state !== "running") {
    throw errors.badRequest(`container ${name} is not running in pod ${podName}${current ? ` (it is ${current.state})` : ""}`);
  }
  return { name, spec, current };
}

function notRunning(e: unknown, container: string, pod: KubeObject): never {
  if (e instanceof ContainerNotRunningError || e instanceof ContainerNotFoundError) throw errors.badRequest(`container ${container} is not running in pod ${pod.metadata.name}`);
  throw e;
}

export function agentStreams(agent: LogTarget): PodStreamTarget {
  return {
    async exec(pod: KubeObject, opts: ExecStreamOptions): Promise<ProcessStream> {
      if (opts.command.length === 0) throw errors.badRequest("you must specify at least one command for the container");
      const c = await runningContainer(agent, pod, opts.container);
      try {
        return await agent.runtime.execStream(c.current.id, opts.command, { stdin: opts.stdin, tty: opts.tty });
      } catch (e) {
        notRunning(e, c.name, pod);
      }
    },
    async attach(pod: KubeObject, opts: StreamOptions): Promise<ProcessStream> {
      const c = await runningContainer(agent, pod, opts.container);
      // Like the kubelet: attaching with stdin to a container without one would wait forever.
      const stdin = opts.stdin && !!c.spec.stdin;
      const tty = opts.tty && !!c.spec.tty;
      try {
        return await agent.runtime.attach(c.current.id, { stdin, tty });
      } catch (e) {
        notRunning(e, c.name, pod);
      }
    },
    async portForward(pod: KubeObject, port: number) {
      const p = pod as AgentPod;
      // any running container shares the pod's network namespace
      let current: ContainerStatus | undefined;
      for (const c of p.spec?.containers ?? []) {
        const [inst] = await agent.containerInstances(String(p.metadata.uid), c.name);
        if (inst?.state === "running") {
          current = inst;
          break;
        }
      }
      if (!current) throw errors.badRequest(`pod ${p.metadata.name} has no running container to forward port ${port} to`);
      try {
        return await agent.runtime.dialPort(current.id, port);
      } catch (e) {
        if (e instanceof ContainerNotRunningError || e instanceof ContainerNotFoundError) notRunning(e, String(current.labels["skiff.container"] ?? ""), pod);
        throw new ApiError("InternalError", `error forwarding port ${port} to pod ${p.metadata.name}: ${(e as Error).message}`);
      }
    },
  };
}

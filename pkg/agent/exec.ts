// Run a command in one container of a pod on this node, for the API server's
// exec endpoint (`skiff exec`). Non-interactive: the runtime's exec collects
// stdout and stderr and the exit code.
import { ApiError, errors } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { PodExecOptions, PodExecResult } from "../api/pod-exec.js";
import { ContainerNotFoundError, ContainerNotRunningError, ExecTimeoutError } from "../runtime/errors.js";
import type { LogTarget } from "./logs.js";
import type { AgentPod } from "./types.js";

export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

export async function agentExec(agent: LogTarget, pod: KubeObject, opts: PodExecOptions): Promise<PodExecResult> {
  const p = pod as AgentPod;
  const name = String(p.metadata.name);
  const apps = (p.spec?.containers ?? []).map((c) => c.name);
  let container = opts.container;
  if (!container) {
    if (apps.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${apps.join(" ")}]`);
    container = apps[0];
  }
  if (!apps.includes(container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  if (opts.command.length === 0) throw errors.badRequest("you must specify at least one command for the container");
  const [current] = await agent.containerInstances(String(p.metadata.uid), container);
  if (!current || current.state !== "running") {
    throw errors.badRequest(`container ${container} is not running in pod ${name}${current ? ` (it is ${current.state})` : ""}`);
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
  try {
    return await agent.runtime.exec(current.id, opts.command, { timeoutMs });
  } catch (e) {
    if (e instanceof ContainerNotRunningError || e instanceof ContainerNotFoundError) throw errors.badRequest(`container ${container} is not running in pod ${name}`);
    if (e instanceof ExecTimeoutError) throw new ApiError("Timeout", `command timed out after ${timeoutMs} ms in container ${container} of pod ${name}`);
    throw e;
  }
}

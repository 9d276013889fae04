// `skiff exec POD [-c CONTAINER] -- COMMAND [ARG…]`: run a command to
// completion in a running container and print its output; the exit code is the
// command's. Not interactive: there is no TTY and no stdin (-i/-t are accepted
// for kubectl habits and ignored with a notice).
import { ApiError } from "../../pkg/api/errors.js";
import { R } from "../../pkg/api/kinds.js";
import type { PodExecResult } from "../../pkg/api/pod-exec.js";
import { resourcePath } from "../../pkg/client/rest.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";

export interface ExecCommandOptions {
  pod: string;
  command: string[];
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  timeout?: number;
  globals: GlobalOptions;
}

export async function runExec(o: ExecCommandOptions): Promise<void> {
  const pod = o.pod.startsWith("pod/") || o.pod.startsWith("pods/") || o.pod.startsWith("po/") ? o.pod.slice(o.pod.indexOf("/") + 1) : o.pod;
  if (o.pod.includes("/") && pod === o.pod) throw new ExitError(1, `error: skiff exec works on pods: ${o.pod} is not a pod (use pod/NAME or NAME)`);
  if (o.command.length === 0) throw new ExitError(1, "error: you must specify at least one command for the container: skiff exec POD -- COMMAND [ARGS…]");
  if (o.stdin || o.tty) {
    process.stderr.write("Note: skiff exec is not interactive (no TTY, no stdin): -i/-t are ignored and the command runs to completion.\n");
  }
  const s = connect(o.globals);
  let result: PodExecResult;
  try {
    result = await s.client.request<PodExecResult>("POST", resourcePath(R.pods, s.namespace, pod, "exec"), {
      body: { command: o.command, container: o.container, timeoutSeconds: o.timeout },
    });
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    s.client.close();
  }
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  if (result.exitCode !== 0) throw new ExitError(result.exitCode, `command terminated with exit code ${result.exitCode}`);
}

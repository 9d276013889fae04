// `skiff attach POD|TYPE/NAME [-c CONTAINER] [-i] [-t]`: joins a running
// container's main process over pods/attach (the WebSocket channel protocol
// kubectl uses): its output from now on, our stdin with -i, a terminal with
// -t. Ends when the container's process ends (its exit code is ours) or on
// Ctrl-C / signal (exit 0: the process keeps running, as with kubectl).
import { ApiError } from "../../pkg/api/errors.js";
import { openAttach } from "../../pkg/client/streams.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { resolvePodTarget } from "./pod-target.js";
import { pipeTerminal } from "./stream-io.js";

export interface AttachCommandOptions {
  pod: string;
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  globals: GlobalOptions;
  /** Detaches; the CLI wires it to SIGINT when not in raw mode. */
  signal?: AbortSignal;
}

export async function runAttach(o: AttachCommandOptions): Promise<void> {
  const tty = !!o.tty && !!o.stdin && process.stdin.isTTY === true;
  if (o.tty && !tty) process.stderr.write("Unable to use a TTY - input is not a terminal or the right kind of file\n");
  const s = connect(o.globals);
  let code: number;
  try {
    const { pod, name } = await resolvePodTarget(s.client, s.namespace, o.pod, "attach");
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === "Succeeded" || phase === "Failed") throw new ExitError(1, `error: cannot attach a container in a completed pod; current phase is ${phase}`);
    const proc = await openAttach(s.conn, s.namespace, name, { container: o.container, stdin: !!o.stdin, stdout: true, stderr: true, tty });
    if (tty) process.stderr.write("If you don't see a command prompt, try pressing enter.\n");
    const detach = () => proc.close();
    o.signal?.addEventListener("abort", detach, { once: true });
    try {
      code = await pipeTerminal(proc, { stdin: !!o.stdin, tty });
    } finally {
      o.signal?.removeEventListener("abort", detach);
    }
    if (o.signal?.aborted) return;
    if (proc.failure) throw new ExitError(1, `error: ${proc.failure}`);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    s.client.close();
  }
  if (code !== 0) throw new ExitError(code, `command terminated with exit code ${code}`);
}

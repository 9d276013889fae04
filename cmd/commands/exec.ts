// `skiff exec POD|TYPE/NAME [-c CONTAINER] [-i] [-t] -- COMMAND [ARG…]`: runs a command
// in a running container over the same WebSocket channel protocol kubectl
// uses; -i sends our stdin, -t gives it a terminal (raw mode, resize). The
// exit code is the command's.
import { ApiError } from "../../pkg/api/errors.js";
import { openExec } from "../../pkg/client/streams.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { describeError } from "../output.js";
import { resolvePodTarget } from "./pod-target.js";
import { pipeTerminal } from "./stream-io.js";

export interface ExecCommandOptions {
  pod: string;
  command: string[];
  container?: string;
  stdin?: boolean;
  tty?: boolean;
  globals: GlobalOptions;
}

export async function runExec(o: ExecCommandOptions): Promise<void> {
  if (o.command.length === 0) throw new ExitError(1, "error: you must specify at least one command for the container: skiff exec POD -- COMMAND [ARGS…]");
  const tty = !!o.tty && !!o.stdin && process.stdin.isTTY === true;
  if (o.tty && !tty) process.stderr.write("Unable to use a TTY - input is not a terminal or the right kind of file\n");
  const s = connect(o.globals);
  let code: number;
  try {
    // NAME, pod/NAME, or as kubectl: svc/NAME, deploy/NAME… mean one of their pods.
    const { name: pod } = await resolvePodTarget(s.client, s.namespace, o.pod, "exec");
    const proc = await openExec(s.conn, s.namespace, pod, { container: o.container, command: o.command, stdin: !!o.stdin, stdout: true, stderr: true, tty });
    code = await pipeTerminal(proc, { stdin: !!o.stdin, tty });
    if (proc.failure) throw new ExitError(1, `error: ${proc.failure}`);
  } catch (e) {
    if (e instanceof ApiError) throw new ExitError(1, describeError(e));
    throw e;
  } finally {
    s.client.close();
  }
  if (code !== 0) throw new ExitError(code, `command terminated with exit code ${code}`);
}

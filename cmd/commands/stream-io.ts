// Wires a remote process to this terminal, as kubectl does: raw mode and
// window-size updates with -t, our stdin to its stdin with -i (end of input →
// its stdin closes), its output to ours. Resolves with its exit code.
import type { RemoteProcess } from "../../pkg/streaming/channel-client.js";

export async function pipeTerminal(proc: RemoteProcess, o: { stdin: boolean; tty: boolean }): Promise<number> {
  const stdin = process.stdin;
  const raw = o.tty && stdin.isTTY;
  const size = () => ({ width: process.stdout.columns ?? 80, height: process.stdout.rows ?? 24 });
  const onResize = () => proc.resize(size());
  if (raw) {
    stdin.setRawMode(true);
    proc.resize(size());
    process.stdout.on("resize", onResize);
  }
  if (o.stdin && proc.stdin) stdin.pipe(proc.stdin);
  proc.stdout?.pipe(process.stdout, { end: false });
  proc.stderr?.pipe(process.stderr, { end: false });
  try {
    return await proc.exit;
  } finally {
    if (raw) {
      stdin.setRawMode(false);
      process.stdout.off("resize", onResize);
    }
    if (o.stdin) {
      stdin.unpipe();
      stdin.pause();
    }
  }
}

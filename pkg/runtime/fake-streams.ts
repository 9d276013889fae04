// The fake runtime's exec: a tiny scripted shell, so exec, cp-less stdin round
// trips, exit codes and interactive sessions can be tested without Docker.
// Vocabulary: echo, cat (stdin, or files the pod mounted: configMap/secret
// volumes), date, true, false, sleep N, exit N, `sh -c 'a; b'`, and `sh` reading
// lines from stdin (with a "/ # " prompt and echo on a TTY). Anything else
// answers "sh: X: not found" with exit 127, as busybox does.
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { PassThrough } from "node:stream";
import type { Mount } from "./runtime.js";
import type { ProcessStream, ProcessStreamOptions } from "./streams.js";

export interface ScriptContext {
  mounts: readonly Mount[];
  /** Called with the exit code; the process registers how to be killed. */
  onKill(kill: (exitCode: number) => void): () => void;
}

/** Reads a file the container sees through one of its mounts; undefined when there is none. */
export function readMountedFile(mounts: readonly Mount[], path: string): Buffer | undefined {
  const p = posix.normalize(path);
  // the longest mount path wins, as in a real mount table
  const m = [...mounts].sort((a, b) => b.containerPath.length - a.containerPath.length).find((x) => p === x.containerPath || p.startsWith(x.containerPath.replace(/\/$/, "") + "/"));
  if (!m) return undefined;
  try {
    return readFileSync(join(m.hostPath, p.slice(m.containerPath.length)));
  } catch {
    return undefined;
  }
}

/** Splits a command line into words, honouring single and double quotes. */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

class Exit {
  constructor(readonly code: number) {}
}

interface Io {
  out(s: string | Buffer): void;
  err(s: string): void;
  stdin: PassThrough | null;
  ctx: ScriptContext;
  killed: Promise<number>;
}

async function readAll(stream: PassThrough | null, onChunk: (b: Buffer) => void): Promise<void> {
  if (!stream) return;
  for await (const chunk of stream) onChunk(chunk as Buffer);
}

/** Runs one command; returns its exit code, or throws Exit for `exit N`. */
async function runCommand(argv: string[], io: Io): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case undefined:
      return 0;
    case "true":
      return 0;
    case "false":
      return 1;
    case "echo":
      io.out(args.join(" ") + "\n");
      return 0;
    case "date":
      io.out(new Date().toUTCString() + "\n");
      return 0;
    case "exit":
      throw new Exit(Number(args[0] ?? 0) & 0xff);
    case "sleep": {
      const ms = Number(args[0] ?? 0) * 1000;
      const code = await Promise.race([new Promise<number>((r) => setTimeout(() => r(0), ms).unref()), io.killed]);
      if (code !== 0) throw new Exit(code);
      return 0;
    }
    case "cat": {
      if (args.length === 0) {
        await readAll(io.stdin, (b) => io.out(b));
        return 0;
      }
      let code = 0;
      for (const f of args) {
        const data = readMountedFile(io.ctx.mounts, f);
        if (data === undefined) {
          io.err(`cat: can't open '${f}': No such file or directory\n`);
          code = 1;
        } else io.out(data);
      }
      return code;
    }
    case "sh":
    case "/bin/sh":
      if (args[0] === "-c") return runScript(args[1] ?? "", io);
      return runShell(io);
    default:
      io.err(`sh: ${cmd}: not found\n`);
      return 127;
  }
}

async function runScript(script: string, io: Io): Promise<number> {
  let code = 0;
  for (const part of script.split(";")) code = await runCommand(words(part), io);
  return code;
}

/** `sh` without -c: one line of stdin at a time, until exit or end of input. */
async function runShell(io: Io, tty = false): Promise<number> {
  if (!io.stdin) return 0;
  const prompt = () => tty && io.out("/ # ");
  prompt();
  let pending = "";
  let code = 0;
  for await (const chunk of io.stdin) {
    const text = (chunk as Buffer).toString("utf8");
    if (tty) io.out(text.replace(/\r/g, "\r\n"));
    // Ctrl-D on an empty line ends the shell, as on a terminal
    if (tty && text.includes("\x04") && pending === "") return code;
    pending += text.replace(/\r/g, "\n");
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      code = await runScript(line, io);
      prompt();
    }
  }
  return code;
}

/** Starts cmd as a fake process. exit resolves with its code (137 if the container is killed under it). */
export function startScriptedProcess(cmd: string[], opts: ProcessStreamOptions, ctx: ScriptContext): ProcessStream {
  const stdout = new PassThrough();
  const stderr = opts.tty ? null : new PassThrough();
  const stdin = opts.stdin ? new PassThrough() : null;
  let killedResolve!: (code: number) => void;
  const killed = new Promise<number>((r) => (killedResolve = r));
  const unregister = ctx.onKill((code) => killedResolve(code));
  const io: Io = {
    out: (s) => stdout.write(s),
    err: (s) => (stderr ?? stdout).write(s),
    stdin,
    ctx,
    killed,
  };
  const isShell = (cmd[0] === "sh" || cmd[0] === "/bin/sh") && cmd.length === 1;
  const run = (isShell ? runShell(io, opts.tty) : runCommand(cmd, io)).catch((e: unknown) => {
    if (e instanceof Exit) return e.code;
    io.err(`${(e as Error).message}\n`);
    return 126;
  });
  const exit = Promise.race([run, killed]).then((code) => {
    unregister();
    stdout.end();
    stderr?.end();
    return code;
  });
  return {
    stdin,
    stdout,
    stderr,
    exit,
    resize() {
      // a fake terminal has no size to keep
    },
    close() {
      killedResolve(129); // hung up, like SIGHUP
    },
  };
}

// DockerRuntime's streaming half: exec and attach over the engine's hijacked
// connection (raw bytes with a TTY, docker's 8-byte multiplexing headers
// without), and port-forward by connecting to the container's address on its
// Docker network — the network namespace's owner's address when the container
// shares another's (a pod sandbox) — never through published ports.
import net from "node:net";
import { Duplex, PassThrough, type Readable } from "node:stream";
import type Dockerode from "dockerode";
import { ContainerNotFoundError, ContainerNotRunningError, RuntimeError } from "./errors.js";
import type { ContainerId } from "./runtime.js";
import type { ProcessStream, ProcessStreamOptions, TerminalSize } from "./streams.js";

/** How long to wait for the engine to record an exit code after the stream ended. */
const EXIT_SETTLE_MS = 3000;
const CONNECT_TIMEOUT_MS = 5000;

function statusOf(err: unknown): number | undefined {
  return typeof err === "object" && err !== null ? (err as { statusCode?: number }).statusCode : undefined;
}

function mapContainerError(id: ContainerId, err: unknown): Error {
  const code = statusOf(err);
  if (code === 404) return new ContainerNotFoundError(id);
  if (code === 409) return new ContainerNotRunningError(id);
  return err instanceof Error ? err : new RuntimeError(String(err));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when the hijacked connection is over, whichever way it ends. */
function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
}

/**
 * Splits the engine's connection into the ProcessStream's streams: with a TTY
 * the output is one raw stream; without, docker-modem demultiplexes it.
 */
function splitStreams(docker: Dockerode, conn: Duplex, opts: ProcessStreamOptions): Pick<ProcessStream, "stdin" | "stdout" | "stderr"> & { done: Promise<void> } {
  const stdout = new PassThrough();
  const stderr = opts.tty ? null : new PassThrough();
  const done = ended(conn);
  if (opts.tty) conn.pipe(stdout);
  else {
    docker.modem.demuxStream(conn, stdout, stderr!);
    void done.then(() => {
      stdout.end();
      stderr!.end();
    });
  }
  let stdin: PassThrough | null = null;
  if (opts.stdin) {
    stdin = new PassThrough();
    stdin.pipe(conn, { end: false });
    // End of stdin half-closes the connection: the engine closes the process's stdin.
    stdin.on("end", () => conn.end());
  }
  return { stdin, stdout, stderr, done };
}

export async function dockerExecStream(docker: Dockerode, id: ContainerId, cmd: string[], opts: ProcessStreamOptions): Promise<ProcessStream> {
  const container = docker.getContainer(id);
  let ex: Dockerode.Exec;
  try {
    ex = await container.exec({ Cmd: cmd, AttachStdin: opts.stdin, AttachStdout: true, AttachStderr: true, Tty: opts.tty });
  } catch (err) {
    throw mapContainerError(id, err);
  }
  const conn = (await ex.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty })) as unknown as Duplex;
  const parts = splitStreams(docker, conn, opts);
  const exit = parts.done.then(async () => {
    // the exit code lands a moment after the stream ends
    const deadline = Date.now() + EXIT_SETTLE_MS;
    for (;;) {
      const info = await ex.inspect().catch(() => undefined);
      if (!info) return 1;
      if (!info.Running || Date.now() > deadline) {
        if (typeof info.ExitCode === "number") return info.ExitCode;
        // the container itself died under the exec (killed): report its code
        const c = await container.inspect().catch(() => undefined);
        return c?.State.ExitCode || 137;
      }
      await sleep(20);
    }
  });
  return {
    ...parts,
    exit,
    resize(size: TerminalSize) {
      // a resize racing the exec's end is refused by the engine: nothing to do then
      if (opts.tty) void ex.resize({ h: size.height, w: size.width }).catch(() => undefined);
    },
    close() {
      conn.destroy();
    },
  };
}

export async function dockerAttach(docker: Dockerode, id: ContainerId, opts: ProcessStreamOptions): Promise<ProcessStream> {
  const container = docker.getContainer(id);
  let conn: Duplex;
  try {
    conn = (await container.attach({ stream: true, stdin: opts.stdin, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
  } catch (err) {
    throw mapContainerError(id, err);
  }
  const parts = splitStreams(docker, conn, opts);
  const exit = parts.done.then(async () => {
    const deadline = Date.now() + EXIT_SETTLE_MS;
    for (;;) {
      const info = await container.inspect().catch(() => undefined);
      if (!info) return 1;
      if (!info.State.Running || Date.now() > deadline) return info.State.Running ? 0 : info.State.ExitCode;
      await sleep(20);
    }
  });
  return {
    ...parts,
    exit,
    resize(size) {
      if (opts.tty) void container.resize({ h: size.height, w: size.width }).catch(() => undefined);
    },
    close() {
      conn.destroy();
    },
  };
}

/** The addresses of the container's network namespace: its own, or its sandbox's when it joined one. */
export async function containerAddresses(docker: Dockerode, id: ContainerId): Promise<{ host: boolean; ips: string[] }> {
  let info: Dockerode.ContainerInspectInfo;
  try {
    info = await docker.getContainer(id).inspect();
  } catch (err) {
    throw mapContainerError(id, err);
  }
  const mode = info.HostConfig.NetworkMode ?? "";
  if (mode === "host") return { host: true, ips: ["127.0.0.1"] };
  if (mode.startsWith("container:")) return containerAddresses(docker, mode.slice("container:".length));
  const ips = Object.values(info.NetworkSettings.Networks ?? {})
    .map((n) => n.IPAddress)
    .filter((ip): ip is string => !!ip);
  return { host: false, ips };
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => s.destroy(Object.assign(new Error(`connect ${host}:${port} timed out`), { code: "ETIMEDOUT" })), CONNECT_TIMEOUT_MS);
    s.once("connect", () => {
      clearTimeout(timer);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/**
 * A duplex over `nc 127.0.0.1 PORT` run inside the container: the fallback when
 * this process cannot route to the container's address (the agent itself in
 * another network). Needs nc in the image (busybox has it).
 */
async function dialThroughExec(docker: Dockerode, id: ContainerId, port: number): Promise<Duplex> {
  const proc = await dockerExecStream(docker, id, ["nc", "127.0.0.1", String(port)], { stdin: true, tty: false });
  const out = proc.stdout as Readable;
  const d = new Duplex({
    write(chunk, _enc, cb) {
      proc.stdin!.write(chunk, cb);
    },
    final(cb) {
      proc.stdin!.end();
      cb();
    },
    read() {
      out.resume();
    },
    destroy(err, cb) {
      proc.close();
      cb(err);
    },
  });
  out.on("data", (c: Buffer) => {
    if (!d.push(c)) out.pause();
  });
  out.on("end", () => d.push(null));
  return d;
}

export async function dockerDialPort(docker: Dockerode, id: ContainerId, port: number): Promise<Duplex> {
  const { ips } = await containerAddresses(docker, id);
  for (const ip of ips) {
    try {
      return await connect(ip, port);
    } catch (e) {
      // refused means the address is reachable and nothing listens: that is the answer
      if ((e as { code?: string }).code === "ECONNREFUSED") throw e;
    }
  }
  // no address, or unreachable from here (another network): go through the namespace itself
  return dialThroughExec(docker, id, port);
}

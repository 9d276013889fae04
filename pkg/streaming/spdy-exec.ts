// remotecommand over SPDY (kubectl's fallback for exec/attach, client-go
// before 1.30): the client opens one stream per standard stream, each named by
// its `streamtype` header — error, stdin, stdout, stderr, resize — and the
// server starts copying once all it expects have arrived. The exit status goes
// on the error stream (JSON Status in v4, text before), then everything closes.
import type { Duplex, Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { SpdyStream } from "spdy-transport";
import type { ProcessStream, StreamOptions } from "../api/pod-stream.js";
import { exitStatus, failureStatus, type StreamStatus } from "./exit-status.js";
import { statusIsJson } from "./protocols.js";
import { SizeDecoder } from "./resize.js";
import { spdyServer } from "./spdy.js";

/** The client must open its streams this soon after the upgrade (kubelet: 30 s). */
const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** How long a finished session waits for the client to hang up before closing the socket itself. */
const LINGER_MS = 10_000;

type Kind = "error" | "stdin" | "stdout" | "stderr" | "resize";

function expected(want: Omit<StreamOptions, "container">, protocol: string): Set<Kind> {
  const s = new Set<Kind>(["error"]);
  if (want.stdin) s.add("stdin");
  if (want.stdout) s.add("stdout");
  if (want.stderr && !want.tty) s.add("stderr");
  // v1 has no resize stream
  if (want.tty && protocol !== "channel.k8s.io") s.add("resize");
  return s;
}

function statusText(protocol: string, st: StreamStatus): string | undefined {
  if (statusIsJson(protocol)) return JSON.stringify(st);
  return st.status === "Success" ? undefined : (st.message ?? "error");
}

/**
 * Waits for the client's streams on an upgraded socket, then runs start() and
 * copies until the process ends. Resolves with the exit code (undefined when
 * the client never opened its streams or start failed).
 */
export async function serveSpdyExec(socket: Duplex, protocol: string, want: Omit<StreamOptions, "container">, start: () => Promise<ProcessStream>, command: string[] = []): Promise<number | undefined> {
  const need = expected(want, protocol);
  const streams = new Map<Kind, SpdyStream>();
  const conn = await new Promise<ReturnType<typeof spdyServer> | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), STREAM_CREATION_TIMEOUT_MS);
    const c = spdyServer(socket, (s) => {
      const kind = String(s.headers.streamtype ?? "") as Kind;
      if (!need.has(kind)) return void s.abort();
      streams.set(kind, s);
      if (streams.size === need.size) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (!conn) {
    socket.destroy();
    return undefined;
  }
  const errorStream = streams.get("error")!;
  const finish = (st: StreamStatus) => {
    const text = statusText(protocol, st);
    if (text) errorStream.write(text);
    errorStream.end();
    for (const s of streams.values()) if (s !== errorStream) s.end();
    // The client closes the connection once it has read everything; a GOAWAY
    // now would race the frames still on their way (spdystream drops them).
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  let proc: ProcessStream;
  try {
    proc = await start();
  } catch (e) {
    finish(failureStatus((e as Error).message));
    return undefined;
  }
  socket.once("close", () => proc.close());
  const stdin = streams.get("stdin");
  if (stdin && proc.stdin) stdin.pipe(proc.stdin);
  else stdin?.resume();
  const resize = streams.get("resize");
  if (resize) {
    const dec = new SizeDecoder((size) => proc.resize(size));
    resize.on("data", (c: Buffer) => dec.push(c));
  }
  const copies: Array<Promise<unknown>> = [];
  const pipeOut = (from: Readable | null, to: Duplex | undefined) => {
    if (!from) return;
    if (!to) return void from.resume();
    from.pipe(to, { end: false });
    copies.push(finished(from).catch(() => undefined));
  };
  pipeOut(proc.stdout, streams.get("stdout"));
  pipeOut(proc.stderr, streams.get("stderr"));
  const code = await proc.exit;
  await Promise.all(copies);
  finish(exitStatus(code, command));
  return code;
}

// The client side of the WebSocket channel protocol (v5, v4): skiff's CLI
// (`skiff exec`, `attach`, `cp`) and the API server's hop to an agent in
// another process use it. Turns a socket into a ProcessStream whose exit
// comes from the status on the error channel.
import { PassThrough, Writable } from "node:stream";
import { WebSocket, type ClientOptions } from "ws";
import { ApiError, type StatusReason } from "../api/errors.js";
import type { ProcessStream, TerminalSize } from "../api/pod-stream.js";
import { exitCodeOf, type StreamStatus } from "./exit-status.js";
import { CHANNEL } from "./protocols.js";
import { encodeSize } from "./resize.js";

export interface ChannelClientOptions extends ClientOptions {
  protocols?: string[];
}

/** A process seen through the protocol; failure is set when the stream ended with a non-exit-code status. */
export interface RemoteProcess extends ProcessStream {
  failure?: string;
}

/** Opens the socket; rejects with an ApiError built from the server's Status when the upgrade is refused. */
export function openWebSocket(url: string, protocols: string[], opts: ClientOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, opts);
    ws.once("open", () => resolve(ws));
    ws.once("error", (e) => reject(e));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        let message = body.trim() || `HTTP ${res.statusCode}`;
        let reason: StatusReason = "InternalError";
        try {
          const st = JSON.parse(body) as { message?: string; reason?: StatusReason };
          message = st.message ?? message;
          reason = st.reason ?? reason;
        } catch {
          // not a Status: keep the text
        }
        const e = new ApiError(reason, message);
        reject(e);
        ws.terminate();
      });
    });
  });
}

export function channelProcess(ws: WebSocket, opts: { stdin: boolean; stderr: boolean }): RemoteProcess {
  const v5 = ws.protocol === "v5.channel.k8s.io";
  const stdout = new PassThrough();
  const stderr = opts.stderr ? new PassThrough() : null;
  let statusText = "";
  const stdin = opts.stdin
    ? new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (ws.readyState !== ws.OPEN) return cb();
          ws.send(Buffer.concat([Buffer.of(CHANNEL.stdin), chunk]), { binary: true }, () => cb());
        },
        final(cb) {
          // only v5 can say "no more input"; v4 servers keep stdin open until the socket closes
          if (v5 && ws.readyState === ws.OPEN) ws.send(Buffer.of(CHANNEL.close, CHANNEL.stdin), { binary: true }, () => cb());
          else cb();
        },
      })
    : null;
  ws.on("message", (data: Buffer) => {
    const ch = data[0];
    const payload = data.subarray(1);
    if (ch === CHANNEL.stdout) stdout.write(payload);
    else if (ch === CHANNEL.stderr) (stderr ?? stdout).write(payload);
    else if (ch === CHANNEL.error) statusText += payload.toString();
  });
  const proc: RemoteProcess = {
    stdin,
    stdout,
    stderr,
    exit: new Promise<number>((resolve) => {
      const done = () => {
        stdout.end();
        stderr?.end();
        if (!statusText) return resolve(0);
        let st: StreamStatus | undefined;
        try {
          st = JSON.parse(statusText) as StreamStatus;
        } catch {
          st = undefined;
        }
        const code = st ? exitCodeOf(st) : undefined;
        if (code === undefined) proc.failure = st?.message ?? statusText;
        resolve(code ?? 1);
      };
      ws.once("close", done);
      ws.once("error", (e) => {
        proc.failure ??= e.message;
      });
    }),
    resize(size: TerminalSize) {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.of(CHANNEL.resize), Buffer.from(encodeSize(size))]), { binary: true });
    },
    close() {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
    },
  };
  return proc;
}

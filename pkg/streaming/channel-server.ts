// The WebSocket channel protocol (k8s.io/apimachinery wsstream, remotecommand
// v1–v5) on the serving side: every binary message starts with a channel byte
// — 0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize — and in v5 a
// message [255, n] closes the client's stream n (stdin's end: `exec -i` with
// piped input). Output is flow-controlled: a slow client pauses the process's
// output instead of buffering it without bound.
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import type { WebSocket } from "ws";
import type { ProcessStream } from "../api/pod-stream.js";
import { exitStatus, failureStatus, type StreamStatus } from "./exit-status.js";
import { CHANNEL, statusIsJson } from "./protocols.js";
import { parseSize } from "./resize.js";

/** Pause producers once this much is queued on the socket. */
export const HIGH_WATER_BYTES = 1 << 20;

/** Sends a Readable's chunks on one channel, pausing it while the socket is backed up. */
export function pumpToChannel(ws: WebSocket, channel: number, from: Readable, prefix?: Buffer): void {
  from.on("data", (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    const head = prefix ? Buffer.concat([Buffer.of(channel), prefix]) : Buffer.of(channel);
    ws.send(Buffer.concat([head, chunk]), { binary: true }, () => {
      if (from.isPaused() && ws.bufferedAmount < HIGH_WATER_BYTES) from.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER_BYTES) from.pause();
  });
}

function statusFrame(protocol: string, status: StreamStatus): Buffer | undefined {
  if (statusIsJson(protocol)) return Buffer.concat([Buffer.of(CHANNEL.error), Buffer.from(JSON.stringify(status))]);
  // v1–v3 carry only a failure's text
  return status.status === "Success" ? undefined : Buffer.concat([Buffer.of(CHANNEL.error), Buffer.from(status.message ?? "error")]);
}

/** Sends a failure on the error channel and closes; for errors after the upgrade. */
export function failChannels(ws: WebSocket, protocol: string, message: string): void {
  const frame = statusFrame(protocol, failureStatus(message));
  if (frame && ws.readyState === ws.OPEN) ws.send(frame);
  ws.close(1000);
}

/**
 * Connects a process to an upgraded WebSocket until the process ends (then
 * the status goes on the error channel and the socket closes) or the client
 * goes away (then the process's stream is released). Resolves with the exit code.
 */
export async function serveChannels(ws: WebSocket, protocol: string, proc: ProcessStream, command: string[] = []): Promise<number> {
  const v5 = protocol === "v5.channel.k8s.io";
  const stdin = proc.stdin;
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0];
    const payload = data.subarray(1);
    if (ch === CHANNEL.stdin) {
      if (stdin && !stdin.writableEnded && payload.length > 0 && !stdin.write(payload)) {
        ws.pause();
        stdin.once("drain", () => ws.resume());
      }
    } else if (ch === CHANNEL.resize) {
      const size = parseSize(payload.toString());
      if (size) proc.resize(size);
    } else if (v5 && ch === CHANNEL.close && payload[0] === CHANNEL.stdin) {
      stdin?.end();
    }
  });
  const gone = new Promise<void>((resolve) => ws.once("close", () => resolve()));
  ws.on("error", () => undefined); // a reset socket ends like a close
  void gone.then(() => {
    stdin?.end();
    proc.close();
  });
  if (proc.stdout) pumpToChannel(ws, CHANNEL.stdout, proc.stdout);
  if (proc.stderr) pumpToChannel(ws, CHANNEL.stderr, proc.stderr);
  const code = await proc.exit;
  // everything the process wrote goes out before its status
  await Promise.all([proc.stdout, proc.stderr].filter((s): s is Readable => !!s).map((s) => finished(s).catch(() => undefined)));
  if (ws.readyState === ws.OPEN) {
    const frame = statusFrame(protocol, exitStatus(code, command));
    if (frame) ws.send(frame);
    ws.close(1000);
  }
  return code;
}

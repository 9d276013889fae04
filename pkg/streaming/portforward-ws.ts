// port-forward over the WebSocket channel protocol (the Python client, and
// skiff's own hop from the API server to a remote agent): one connection per
// requested port for the life of the socket; port i uses channel 2i for data
// and 2i+1 for errors, and the first message the server sends on each channel
// is the port number (uint16 little-endian) so the client can tell them apart.
import { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { pumpToChannel } from "./channel-server.js";
import type { PortDialer } from "./portforward-spdy.js";

function portPrefix(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port);
  return b;
}

/** Parses ?ports=80&ports=8080 or ?ports=80,8080. */
export function parsePorts(values: string[]): number[] {
  const ports = values.flatMap((v) => v.split(",")).map((v) => Number(v.trim()));
  for (const p of ports) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`invalid port ${JSON.stringify(p)}: must be 1-65535`);
  return ports;
}

export function serveWsPortForward(ws: WebSocket, ports: number[], dial: PortDialer, podName: string): void {
  const targets: Array<Duplex | undefined> = [];
  let open = ports.length;
  const oneDone = () => {
    if (--open <= 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ws.on("error", () => undefined);
  ws.on("close", () => {
    for (const t of targets) t?.destroy();
  });
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0];
    const t = ch % 2 === 0 ? targets[ch / 2] : undefined;
    if (t && data.length > 1 && !t.write(data.subarray(1))) {
      ws.pause();
      t.once("drain", () => ws.resume());
    }
  });
  ports.forEach((port, i) => {
    const prefix = portPrefix(port);
    ws.send(Buffer.concat([Buffer.of(2 * i), prefix]));
    ws.send(Buffer.concat([Buffer.of(2 * i + 1), prefix]));
    dial(port).then(
      (t) => {
        if (ws.readyState !== ws.OPEN) return void t.destroy();
        targets[i] = t;
        t.on("error", () => undefined);
        pumpToChannel(ws, 2 * i, t);
        t.once("close", oneDone);
      },
      (e: Error) => {
        if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.of(2 * i + 1), Buffer.from(`error forwarding port ${port} to pod ${podName}: ${e.message}`)]));
        oneDone();
      },
    );
  });
}

/**
 * The client side for one port: a Duplex over the socket, without the port
 * prefixes. An error message from the server destroys it with that text.
 */
export function wsPortForwardStream(ws: WebSocket): Duplex {
  let seenData = false;
  let seenError = false;
  const d: Duplex = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb(new Error("port-forward connection closed"));
      ws.send(Buffer.concat([Buffer.of(0), chunk]), { binary: true }, (err) => cb(err ?? null));
    },
    final(cb) {
      // the protocol has no half-close: the connection ends with the socket
      cb();
    },
    read() {
      ws.resume();
    },
    destroy(err, cb) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
      cb(err);
    },
  });
  ws.on("message", (data: Buffer) => {
    const ch = data[0];
    let payload = data.subarray(1);
    if (ch === 0) {
      if (!seenData) {
        seenData = true;
        payload = payload.subarray(2);
      }
      if (payload.length > 0 && !d.push(payload)) ws.pause();
    } else if (ch === 1) {
      if (!seenError) {
        seenError = true;
        payload = payload.subarray(2);
      }
      if (payload.length > 0) d.destroy(new Error(payload.toString()));
    }
  });
  ws.on("close", () => d.push(null));
  ws.on("error", (e) => d.destroy(e));
  return d;
}

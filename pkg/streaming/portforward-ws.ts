// port-forward over the WebSocket channel protocol (the Python client, and
// skiff's own hop from the API server to a remote agent): one connection per
// requested port for the life of the socket; port i uses channel 2i for data
// and 2i+1 for errors, and the first message the server sends on each channel
// is the port number (uint16 little-endian) so the client can tell them apart.
import { Duplex, PassThrough } from "node:stream";
import type { WebSocket } from "ws";
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

/**
 * Sends one frame at a time, the next only once the previous has left: the
 * Python client reads a frame with exact-size reads on its TLS socket and then
 * waits in select(), so a second frame sharing a TLS record with the first
 * (what Node's TLS does with writes queued together) would sit unread in
 * OpenSSL's buffer until more traffic arrives.
 */
class SerialSender {
  private readonly queue: Buffer[] = [];
  private busy = false;
  private closing = false;
  private readonly drained: Array<() => void> = [];

  constructor(private readonly ws: WebSocket) {}

  get backlog(): number {
    return this.queue.length;
  }

  send(frame: Buffer): void {
    this.queue.push(frame);
    if (!this.busy) this.next();
  }

  /** Calls fn once the queue is empty. */
  onDrain(fn: () => void): void {
    this.drained.push(fn);
  }

  /** Closes the socket after everything queued has been sent. */
  close(): void {
    this.closing = true;
    if (!this.busy) this.next();
  }

  private next(): void {
    const frame = this.queue.shift();
    if (!frame) {
      this.busy = false;
      for (const fn of this.drained.splice(0)) fn();
      if (this.closing && this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
      return;
    }
    if (this.ws.readyState !== this.ws.OPEN) {
      this.queue.length = 0;
      this.busy = false;
      return;
    }
    this.busy = true;
    this.ws.send(frame, { binary: true }, () => setImmediate(() => this.next()));
  }
}

const MAX_BACKLOG_FRAMES = 16;

export function serveWsPortForward(ws: WebSocket, ports: number[], dial: PortDialer, podName: string): void {
  const targets: Array<Duplex | undefined> = [];
  const out = new SerialSender(ws);
  let open = ports.length;
  const oneDone = () => {
    if (--open <= 0) out.close();
  };
  ws.on("error", () => undefined);
  ws.on("close", () => {
    for (const t of targets) t?.destroy();
  });
  // What the client sends before the dial completes waits here, not lost.
  const inbound = ports.map(() => new PassThrough());
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0];
    const into = ch % 2 === 0 ? inbound[ch / 2] : undefined;
    if (into && data.length > 1 && !into.write(data.subarray(1))) {
      ws.pause();
      into.once("drain", () => ws.resume());
    }
  });
  ports.forEach((port, i) => {
    const prefix = portPrefix(port);
    out.send(Buffer.concat([Buffer.of(2 * i), prefix]));
    out.send(Buffer.concat([Buffer.of(2 * i + 1), prefix]));
    dial(port).then(
      (t) => {
        if (ws.readyState !== ws.OPEN) return void t.destroy();
        targets[i] = t;
        t.on("error", () => undefined);
        inbound[i].pipe(t, { end: false });
        t.on("data", (chunk: Buffer) => {
          out.send(Buffer.concat([Buffer.of(2 * i), chunk]));
          if (out.backlog > MAX_BACKLOG_FRAMES && !t.isPaused()) {
            t.pause();
            out.onDrain(() => t.resume());
          }
        });
        t.once("close", oneDone);
      },
      (e: Error) => {
        out.send(Buffer.concat([Buffer.of(2 * i + 1), Buffer.from(`error forwarding port ${port} to pod ${podName}: ${e.message}`)]));
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

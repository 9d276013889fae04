// port-forward over SPDY (kubectl, plain upgrade or SPDY framed in a
// WebSocket): for every local connection the client opens an error stream and
// a data stream carrying the same `requestid` and the target `port`; the
// server dials the port in the pod and copies bytes until either side ends.
// A failed dial is reported as text on the error stream, as the kubelet does.
import type { Duplex } from "node:stream";
import type { SpdyStream } from "spdy-transport";
import { spdyServer } from "./spdy.js";

export type PortDialer = (port: number) => Promise<Duplex>;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
}

function forward(port: number, pair: Required<Pair>, dial: PortDialer, podName: string): void {
  const { data, error } = pair;
  dial(port).then(
    (target) => {
      target.on("error", () => data.destroy());
      data.on("error", () => target.destroy());
      data.pipe(target);
      target.pipe(data);
      let ends = 0;
      const done = () => {
        if (++ends < 2) return;
        error.end();
      };
      target.once("close", () => {
        data.end();
        done();
      });
      data.once("end", done);
      data.once("close", () => target.destroy());
    },
    (e: Error) => {
      error.end(`error forwarding port ${port} to pod ${podName}: ${e.message}`);
      data.end();
    },
  );
}

/** Serves one port-forward session (many connections, many ports) on socket. */
export function serveSpdyPortForward(socket: Duplex, dial: PortDialer, podName: string): void {
  const pairs = new Map<string, Pair>();
  spdyServer(socket, (s) => {
    const id = String(s.headers.requestid ?? "");
    const port = Number(s.headers.port);
    const type = s.headers.streamtype;
    if ((type !== "error" && type !== "data") || !Number.isInteger(port) || port < 1 || port > 65535) {
      s.end(`invalid port-forward stream: streamtype=${type} port=${s.headers.port}`);
      return;
    }
    const pair = pairs.get(id) ?? {};
    pair[type] = s;
    pairs.set(id, pair);
    // nothing comes from the client on the error stream but its end
    if (type === "error") s.resume();
    if (pair.error && pair.data) {
      pairs.delete(id);
      forward(port, pair as Required<Pair>, dial, podName);
    }
  });
}

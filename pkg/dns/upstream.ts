// Forwarding what is not the cluster's to the host's resolvers (CoreDNS's
// `forward . /etc/resolv.conf`). The query bytes go upstream unchanged; the
// first upstream that answers in time wins, the next is tried on a timeout or
// socket error, and a truncated UDP answer is fetched again over TCP.
import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { isIP, connect } from "node:net";

export interface Upstream {
  host: string;
  port: number;
}

/** Nameservers of a resolv.conf text, skipping loopback stubs that would loop back to us when asked to. */
export function parseResolvConf(text: string, opts: { skip?: (host: string) => boolean } = {}): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const host = m[1].replace(/%.*$/, "");
    if (isIP(host) === 0 || opts.skip?.(host)) continue;
    out.push({ host, port: 53 });
  }
  return out;
}

export function hostUpstreams(path = "/etc/resolv.conf"): Upstream[] {
  try {
    return parseResolvConf(readFileSync(path, "utf8"));
  } catch {
    return [];
  }
}

function udpExchange(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIP(up.host) === 6 ? "udp6" : "udp4");
    const timer = setTimeout(() => finish(new Error(`upstream ${up.host}:${up.port} timed out`)), timeoutMs);
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(msg!);
    };
    sock.on("error", (e) => finish(e));
    sock.on("message", (msg) => {
      // Only the answer to this query (same id) counts.
      if (msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) finish(undefined, msg);
    });
    sock.send(query, up.port, up.host);
  });
}

function tcpExchange(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => sock.destroy(new Error(`upstream ${up.host}:${up.port} timed out (tcp)`)), timeoutMs);
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on("connect", () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        sock.end();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
  });
}

const TRUNCATED = 0x0200;

export class Forwarder {
  constructor(
    private readonly upstreams: () => Upstream[],
    private readonly timeoutMs = 2000,
  ) {}

  /** The upstream's raw answer, or undefined when none answered (the caller says SERVFAIL). */
  async forward(query: Buffer, viaTcp: boolean): Promise<Buffer | undefined> {
    for (const up of this.upstreams()) {
      try {
        if (viaTcp) return await tcpExchange(up, query, this.timeoutMs);
        const answer = await udpExchange(up, query, this.timeoutMs);
        if (answer.length >= 4 && (answer.readUInt16BE(2) & TRUNCATED) !== 0) return await tcpExchange(up, query, this.timeoutMs).catch(() => answer);
        return answer;
      } catch {
        // Try the next upstream, as resolv.conf's order intends.
      }
    }
    return undefined;
  }
}

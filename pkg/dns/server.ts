// The cluster DNS server: UDP and TCP on one address and port (53 on the pod
// network's DNS address; a loopback address with the fake runtime), decoding
// and encoding with dns-packet. Cluster names are answered by ClusterResolver
// from memory; everything else goes to the Forwarder unchanged.
import { createSocket, type Socket } from "node:dgram";
import { createServer, isIP, type Server } from "node:net";
import * as packet from "dns-packet";
import type { Answer, DecodedPacket, Packet } from "dns-packet";
import { ClusterResolver, type ClusterView, type Rcode } from "./cluster-records.js";
import { Forwarder, type Upstream } from "./upstream.js";

export interface DnsServerOptions {
  view: ClusterView;
  host: string;
  /** 53 in a cluster; 0 picks a free port (UDP and TCP get the same number). */
  port: number;
  /**
   * Where TCP listens when not beside UDP: in a cluster the Service proxy owns
   * clusterIP:53/TCP and forwards to this listener (the kube-dns Endpoints).
   */
  tcp?: { host: string; port: number };
  zone?: string;
  /** Resolvers for names outside the zone (default: none; the cluster wiring reads /etc/resolv.conf). */
  upstreams?: () => Upstream[];
  forwardTimeoutMs?: number;
  onError?: (e: Error) => void;
}

const RCODES: Record<Rcode, number> = { NOERROR: 0, NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 };
const FORMERR = 1;
const NOTIMP = 4;
const CLASSIC_UDP_SIZE = 512;
const MAX_TCP_CONNECTIONS = 256;

interface Stats {
  queries: number;
  answered: number;
  forwarded: number;
  failed: number;
}

export class DnsServer {
  readonly resolver: ClusterResolver;
  private readonly forwarder: Forwarder;
  private readonly onError: (e: Error) => void;
  private udp: Socket | undefined;
  private tcp: Server | undefined;
  private boundPort = 0;
  private boundTcp = { host: "", port: 0 };
  readonly stats: Stats = { queries: 0, answered: 0, forwarded: 0, failed: 0 };

  constructor(private readonly opts: DnsServerOptions) {
    this.resolver = new ClusterResolver(opts.view, { zone: opts.zone ?? "cluster.local" });
    this.forwarder = new Forwarder(opts.upstreams ?? (() => []), opts.forwardTimeoutMs);
    this.onError = opts.onError ?? ((e) => console.error(`dns: ${e.message}`));
  }

  get address(): { host: string; port: number } {
    return { host: this.opts.host, port: this.boundPort };
  }

  get tcpAddress(): { host: string; port: number } {
    return { ...this.boundTcp };
  }

  /** Bind UDP then TCP on the same port. Rejects (and binds nothing) when the address is taken. */
  async start(): Promise<void> {
    const udp = createSocket({ type: isIP(this.opts.host) === 6 ? "udp6" : "udp4" });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(this.opts.port, this.opts.host, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    this.boundPort = udp.address().port;
    udp.on("error", (e) => this.onError(e));
    udp.on("message", (msg, rinfo) => {
      void this.handle(msg, false).then((reply) => {
        if (reply) udp.send(reply, rinfo.port, rinfo.address);
      });
    });
    const tcp = createServer((sock) => this.serveTcp(sock));
    tcp.maxConnections = MAX_TCP_CONNECTIONS;
    const tcpAt = this.opts.tcp ?? { host: this.opts.host, port: this.boundPort };
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(tcpAt.port, tcpAt.host, () => {
          tcp.off("error", reject);
          resolve();
        });
      });
      const a = tcp.address();
      this.boundTcp = { host: tcpAt.host, port: typeof a === "object" && a ? a.port : tcpAt.port };
    } catch (e) {
      udp.close();
      throw e;
    }
    tcp.on("error", (e) => this.onError(e));
    this.udp = udp;
    this.tcp = tcp;
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    udp?.close();
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  private serveTcp(sock: import("node:net").Socket): void {
    let buf = Buffer.alloc(0);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on("error", () => undefined); // a client hanging up mid-answer is its business
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        void this.handle(msg, true).then((reply) => {
          if (!reply || sock.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(reply.length);
          sock.write(Buffer.concat([len, reply]));
        });
      }
    });
  }

  /** One query in, one reply out (undefined: drop it, e.g. it was not a query at all). */
  async handle(msg: Buffer, viaTcp: boolean): Promise<Buffer | undefined> {
    this.stats.queries++;
    let query: DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      // Undecodable: answer FORMERR when at least the header is there.
      if (msg.length < 12) return undefined;
      const reply = Buffer.from(msg.subarray(0, 12));
      reply.writeUInt16BE(0x8000 | FORMERR, 2);
      reply.fill(0, 4, 12);
      return reply;
    }
    if (query.type !== "query") return undefined;
    const opcode = (query.flags ?? 0) >> 11 & 0xf;
    const question = query.questions?.[0];
    if (opcode !== 0) return this.encode(query, NOTIMP, [], [], [], viaTcp);
    if (!question || (query.questions?.length ?? 0) !== 1) return this.encode(query, FORMERR, [], [], [], viaTcp);
    try {
      const res = this.resolver.resolve(question.name, question.type);
      if (res.kind === "forward") {
        this.stats.forwarded++;
        const upstream = await this.forwarder.forward(msg, viaTcp);
        if (upstream) return upstream;
        this.stats.failed++;
        return this.encode(query, RCODES.SERVFAIL, [], [], [], viaTcp);
      }
      this.stats.answered++;
      return this.encode(query, RCODES[res.rcode], res.answers, res.authorities, res.additionals, viaTcp, true);
    } catch (e) {
      this.stats.failed++;
      this.onError(e as Error);
      return this.encode(query, RCODES.SERVFAIL, [], [], [], viaTcp);
    }
  }

  private encode(query: DecodedPacket, rcode: number, answers: Answer[], authorities: Answer[], additionals: Answer[], viaTcp: boolean, authoritative = false): Buffer {
    const rd = (query.flags ?? 0) & packet.RECURSION_DESIRED;
    const flags = rd | packet.RECURSION_AVAILABLE | (authoritative ? packet.AUTHORITATIVE_ANSWER : 0) | rcode;
    const reply: Packet = { type: "response", id: query.id, flags, questions: query.questions, answers, authorities, additionals };
    const buf = packet.encode(reply);
    if (viaTcp) return buf;
    const opt = query.additionals?.find((a) => a.type === "OPT");
    const limit = Math.max(CLASSIC_UDP_SIZE, opt && "udpPayloadSize" in opt ? opt.udpPayloadSize : CLASSIC_UDP_SIZE);
    if (buf.length <= limit) return buf;
    // Too big for this UDP client: say so (TC) and let it ask again over TCP.
    return packet.encode({ ...reply, flags: flags | packet.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
  }
}

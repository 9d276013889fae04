// The data path for one Service port: accept on clusterIP:port (and the node
// port), pick a ready endpoint, connect, then splice the two sockets together
// with stream.pipe. Bytes stay in Buffers handed from one socket's read to the
// other's write (no strings, no per-byte JS), pipe() pauses the reader when the
// writer's buffer is full (backpressure), and both sockets are half-open capable
// so a client's FIN reaches the pod while the response still flows back.
import net from "node:net";
import { Balancer, type Algorithm, type Endpoint } from "./balancer.js";
import { Listener, type ListenerEvent } from "./listener.js";
import { listenAddresses, sameEndpoints, type ServicePortSpec } from "./service-ports.js";

/** Counters for one Service port, for metrics. Bytes are counted when a connection closes. */
export interface PortStats {
  service: string;
  port: string;
  /** Connections accepted. */
  connections: number;
  /** Connections open right now (including ones draining from removed endpoints). */
  active: number;
  /** Client → pod bytes of closed connections. */
  bytesIn: number;
  /** Pod → client bytes of closed connections. */
  bytesOut: number;
  /** Upstream connects that failed (each retry counts). */
  connectErrors: number;
  /** Connections dropped because no endpoint could take them. */
  rejected: number;
  /** Established connections that ended with a socket error on either side. */
  resets: number;
}

export type PortEvent =
  | (ListenerEvent & { service: string; portName: string })
  | { type: "endpoints"; service: string; portName: string; ready: number }
  | { type: "upstream-error"; service: string; portName: string; endpoint: string; code: string };

/** How many endpoints one connection tries before giving up. */
export const MAX_CONNECT_ATTEMPTS = 3;
/** An upstream that neither accepts nor refuses within this long counts as failed. */
const CONNECT_TIMEOUT_MS = 3000;

export interface PortProxyOptions {
  algorithm: Algorithm;
  nodePortHost: string;
  /** The kernel serves clusterIP:port (kernel-proxier.ts): listen on the node port only. */
  clusterIPInKernel?: boolean;
  onEvent: (ev: PortEvent) => void;
}

export class PortProxy {
  readonly balancer: Balancer;
  private spec: ServicePortSpec;
  private listeners: Listener[] = [];
  /** Client sockets open right now, so stop() can end them. */
  private readonly open = new Set<net.Socket>();
  private readonly counters: Omit<PortStats, "service" | "port" | "active">;
  private closed = false;

  constructor(
    spec: ServicePortSpec,
    private readonly opts: PortProxyOptions,
  ) {
    this.spec = spec;
    this.balancer = new Balancer({ algorithm: opts.algorithm, affinityTimeoutMs: spec.affinityTimeoutMs });
    this.counters = { connections: 0, bytesIn: 0, bytesOut: 0, connectErrors: 0, rejected: 0, resets: 0 };
    this.rebuildListeners();
  }

  /** Apply a new Service port spec and/or ready set. Cheap when nothing changed. */
  update(spec: ServicePortSpec, endpoints: readonly Endpoint[]): void {
    if (this.closed) return;
    const addrChanged = spec.clusterIP !== this.spec.clusterIP || spec.port !== this.spec.port || spec.nodePort !== this.spec.nodePort;
    if (spec.affinityTimeoutMs !== this.spec.affinityTimeoutMs) this.balancer.setAffinity(spec.affinityTimeoutMs);
    this.spec = spec;
    if (addrChanged) this.rebuildListeners();
    if (!sameEndpoints(this.balancer.list(), endpoints)) {
      this.balancer.setEndpoints(endpoints);
      this.opts.onEvent({ type: "endpoints", service: spec.service, portName: spec.portName, ready: endpoints.length });
    }
    // Listen only while someone can answer: with none, the kernel refuses at once.
    const wanted = endpoints.length > 0;
    for (const l of this.listeners) l.setWanted(wanted);
  }

  stats(): PortStats {
    return { service: this.spec.service, port: this.spec.portName, active: this.open.size, ...this.counters };
  }

  get listening(): Array<{ host: string; port: number }> {
    return this.listeners.filter((l) => l.isListening).map((l) => ({ host: l.host, port: l.port }));
  }

  async settled(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.settled()));
  }

  /** Stop listening. With `drain`, open connections finish on their own; otherwise they are cut. */
  close(drain: boolean): void {
    this.closed = true;
    for (const l of this.listeners) l.close();
    this.listeners = [];
    if (!drain) for (const s of this.open) s.destroy();
  }

  private rebuildListeners(): void {
    for (const l of this.listeners) l.close();
    const wanted = this.balancer.size > 0;
    this.listeners = listenAddresses(this.spec, this.opts.nodePortHost, this.opts.clusterIPInKernel).map(
      (a) =>
        new Listener(
          a.host,
          a.port,
          (s) => this.accept(s),
          (ev) => this.opts.onEvent({ ...ev, service: this.spec.service, portName: this.spec.portName }),
        ),
    );
    for (const l of this.listeners) l.setWanted(wanted);
  }

  private accept(client: net.Socket): void {
    this.counters.connections++;
    this.open.add(client);
    // Errors before the upstream is wired (client gave up while we connected) are expected.
    client.on("error", () => {});
    client.once("close", () => this.open.delete(client));
    this.connect(client, client.remoteAddress, undefined, 0);
  }

  /** Try endpoints until one accepts, at most MAX_CONNECT_ATTEMPTS; each failed one is skipped next. */
  private connect(client: net.Socket, clientIP: string | undefined, tried: Set<string> | undefined, attempt: number): void {
    if (client.destroyed) return;
    const ep = attempt < MAX_CONNECT_ATTEMPTS ? this.balancer.pick(clientIP, tried) : undefined;
    if (!ep) {
      this.counters.rejected++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host: ep.ip, port: ep.port, allowHalfOpen: true, noDelay: true });
    const timer = setTimeout(() => upstream.destroy(Object.assign(new Error("connect timeout"), { code: "ETIMEDOUT" })), CONNECT_TIMEOUT_MS);
    const onClientGone = () => upstream.destroy();
    client.once("close", onClientGone);
    upstream.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      client.removeListener("close", onClientGone);
      this.counters.connectErrors++;
      this.opts.onEvent({ type: "upstream-error", service: this.spec.service, portName: this.spec.portName, endpoint: ep.key, code: e.code ?? "UNKNOWN" });
      const next = tried ?? new Set<string>();
      next.add(ep.key);
      this.connect(client, clientIP, next, attempt + 1);
    });
    upstream.once("connect", () => {
      clearTimeout(timer);
      client.removeListener("close", onClientGone);
      upstream.removeAllListeners("error");
      this.splice(client, upstream, ep);
    });
  }

  private splice(client: net.Socket, upstream: net.Socket, ep: Endpoint): void {
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    this.balancer.acquire(ep.key);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.balancer.release(ep.key);
      this.counters.bytesIn += client.bytesRead;
      this.counters.bytesOut += client.bytesWritten;
    };
    // A reset on one side is passed on as a reset (not a clean FIN) so the
    // other peer knows the stream was cut rather than complete.
    client.on("error", () => {
      this.counters.resets++;
      upstream.resetAndDestroy();
    });
    upstream.on("error", () => {
      this.counters.resets++;
      client.resetAndDestroy();
    });
    client.once("close", () => {
      finish();
      upstream.destroy();
    });
    upstream.once("close", () => {
      // The pod closed both directions; once our writes to the client are
      // flushed (end() from the pipe) the client socket closes by itself.
      if (!client.writableEnded) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

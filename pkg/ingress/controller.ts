// The built-in ingress controller (class `skiff`): one HTTP listener on the
// host (127.0.0.1:8080 by default) routing by host and path to the ready
// endpoints of Services, round-robin, streaming bodies both ways with
// node:http (and passing WebSocket upgrades through as raw TCP). Routes come
// from informer caches: a change to an Ingress, Service or Endpoints applies
// to the next request. Each Ingress of the class gets
// status.loadBalancer.ingress[0].ip, the address users curl.
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { InformerFactory, SharedInformer } from "../client/informer.js";
import { backendTargets, type Target } from "./backends.js";
import { CLASS_NAME, CONTROLLER_NAME, RouteTable, servedBy, type Backend } from "./routes.js";

const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
const STATUS_RETRY_MS = 1000;

export interface IngressControllerOptions {
  client: Client;
  informers: InformerFactory;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  className?: string;
  /** What status.loadBalancer.ingress[0].ip says; default the listening host (127.0.0.1 for a wildcard bind). */
  statusIP?: string;
  onError?: (e: Error) => void;
}

export class IngressController {
  private readonly className: string;
  private readonly host: string;
  private readonly statusIP: string;
  private readonly ingresses: SharedInformer<KubeObject>;
  private readonly services: SharedInformer<KubeObject>;
  private readonly endpoints: SharedInformer<KubeObject>;
  private readonly onError: (e: Error) => void;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly rr = new Map<string, number>();
  private readonly retries = new Set<NodeJS.Timeout>();
  /** Upgraded connections leave the HTTP server's bookkeeping; stop() ends them itself. */
  private readonly tunnels = new Set<Duplex>();
  private table = new RouteTable();
  private server: Server | undefined;
  private boundPort = 0;
  private stopped = false;

  constructor(private readonly opts: IngressControllerOptions) {
    this.className = opts.className ?? CLASS_NAME;
    this.host = opts.host ?? "127.0.0.1";
    this.statusIP = opts.statusIP ?? (this.host === "0.0.0.0" || this.host === "::" ? "127.0.0.1" : this.host);
    this.ingresses = opts.informers.for(R.ingresses);
    this.services = opts.informers.for(R.services);
    this.endpoints = opts.informers.for(R.endpoints);
    this.onError = opts.onError ?? ((e) => console.error(`ingress: ${e.message}`));
  }

  get port(): number {
    return this.boundPort;
  }

  /**
   * Listen first (so a taken port fails fast and changes nothing), then make
   * sure the `skiff` IngressClass exists, start the informers and publish status.
   */
  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    server.on("clientError", (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (e) => this.onError(e));
    this.server = server;
    const addr = server.address();
    this.boundPort = typeof addr === "object" && addr ? addr.port : this.opts.port;
    await this.ensureClass();
    const rebuild = () => this.rebuild();
    this.ingresses.addEventHandler({
      add: (o) => (rebuild(), this.syncStatus(o)),
      update: (_old, o) => (rebuild(), this.syncStatus(o)),
      delete: rebuild,
    });
    await Promise.all([this.ingresses.start(), this.services.start(), this.endpoints.start()]);
    rebuild();
    for (const o of this.ingresses.lister.list()) this.syncStatus(o);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retries) clearTimeout(t);
    this.retries.clear();
    const server = this.server;
    this.server = undefined;
    this.agent.destroy();
    for (const t of this.tunnels) t.destroy();
    this.tunnels.clear();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Which backend a request would reach (for tests and `describe`-style output). */
  route(host: string, path: string): Backend | undefined {
    return this.table.match(host, path);
  }

  private rebuild(): void {
    this.table = RouteTable.build(this.ingresses.lister.list().filter((o) => servedBy(o, this.className)));
  }

  private async ensureClass(): Promise<void> {
    try {
      await this.opts.client.create(R.ingressclasses, undefined, {
        apiVersion: "networking.k8s.io/v1",
        kind: "IngressClass",
        metadata: { name: this.className, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
        spec: { controller: CONTROLLER_NAME },
      });
    } catch (e) {
      // Already there (a restart, or the user's own): theirs stands.
      if (!isApiError(e, "AlreadyExists")) throw e;
    }
  }

  /** Level-triggered: an Ingress of our class should say where it is served. */
  private syncStatus(obj: KubeObject): void {
    if (this.stopped || !servedBy(obj, this.className)) return;
    const lb = (obj.status as { loadBalancer?: { ingress?: Array<{ ip?: string }> } } | undefined)?.loadBalancer?.ingress ?? [];
    if (lb.length === 1 && lb[0].ip === this.statusIP) return;
    const ns = obj.metadata.namespace;
    const name = obj.metadata.name ?? "";
    void (async () => {
      const cur = this.ingresses.lister.get(ns, name);
      if (!cur) return;
      const next = structuredClone(cur);
      next.status = { ...(next.status as object | undefined), loadBalancer: { ingress: [{ ip: this.statusIP }] } };
      await this.opts.client.updateStatus(R.ingresses, next);
    })().catch((e: Error) => {
      if (isApiError(e, "NotFound")) return;
      if (!isApiError(e, "Conflict")) this.onError(e);
      // A conflict means a newer version is on its way through the informer; retry anyway in case it is not ours.
      const t = setTimeout(() => {
        this.retries.delete(t);
        const latest = this.ingresses.lister.get(ns, name);
        if (latest) this.syncStatus(latest);
      }, STATUS_RETRY_MS);
      this.retries.add(t);
    });
  }

  /** The next target for a backend, round-robin over its ready endpoints. */
  private pick(backend: Backend): { targets: Target[]; start: number } {
    const targets = backendTargets(backend, this.services.lister.get(backend.namespace, backend.service), this.endpoints.lister.get(backend.namespace, backend.service));
    const key = `${backend.namespace}/${backend.service}:${backend.port}`;
    const n = this.rr.get(key) ?? 0;
    this.rr.set(key, n + 1);
    return { targets, start: targets.length ? n % targets.length : 0 };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const backend = this.table.match(req.headers.host, req.url ?? "/");
    if (!backend) return plain(res, 404, "404 page not found\n");
    const { targets, start } = this.pick(backend);
    if (targets.length === 0) return plain(res, 503, `503 Service Unavailable: no ready endpoints for service ${backend.namespace}/${backend.service}\n`);
    // Requests without a body can go to another endpoint when one refuses; with a body, one attempt.
    const attempts = req.method === "GET" || req.method === "HEAD" ? Math.min(targets.length, 3) : 1;
    this.forward(req, res, targets, start, attempts);
  }

  private forward(req: IncomingMessage, res: ServerResponse, targets: Target[], index: number, attemptsLeft: number): void {
    const t = targets[index % targets.length];
    const headers = { ...req.headers, ...forwardedHeaders(req) };
    const up = request({ host: t.ip, port: t.port, method: req.method, path: req.url, headers, agent: this.agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers);
      upRes.pipe(res);
      upRes.on("error", () => res.destroy());
    });
    let responded = false;
    up.on("response", () => (responded = true));
    up.on("error", (e) => {
      if (responded || res.headersSent) return void res.destroy();
      if (attemptsLeft > 1) return this.forward(req, res, targets, index + 1, attemptsLeft - 1);
      plain(res, 502, `502 Bad Gateway: ${t.ip}:${t.port}: ${(e as NodeJS.ErrnoException).code ?? e.message}\n`);
    });
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    if (attemptsLeft > 1 || req.method === "GET" || req.method === "HEAD") {
      if (req.readableEnded || req.complete) up.end();
      else req.on("end", () => up.end()).resume();
    } else req.pipe(up);
  }

  /** WebSocket (any Upgrade): replay the request head to one endpoint, then splice the sockets. */
  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const backend = this.table.match(req.headers.host, req.url ?? "/");
    const { targets, start } = backend ? this.pick(backend) : { targets: [], start: 0 };
    if (targets.length === 0) {
      socket.end(`HTTP/1.1 ${backend ? "503 Service Unavailable" : "404 Not Found"}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const t = targets[start];
    this.tunnels.add(socket);
    socket.on("close", () => this.tunnels.delete(socket));
    const up: Socket = connect({ host: t.ip, port: t.port }, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      up.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) up.write(head);
      socket.pipe(up).pipe(socket);
    });
    this.tunnels.add(up);
    up.on("close", () => {
      this.tunnels.delete(up);
      socket.destroy();
    });
    socket.on("close", () => up.destroy());
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  }
}

function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const client = req.socket.remoteAddress ?? "";
  const prior = req.headers["x-forwarded-for"];
  return {
    "x-forwarded-for": prior ? `${String(prior)}, ${client}` : client,
    "x-forwarded-host": req.headers.host ?? "",
    "x-forwarded-proto": "http",
  };
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

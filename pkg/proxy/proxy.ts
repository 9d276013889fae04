// ServiceProxy: the node's userspace load balancer (kube-proxy's old userspace
// mode, with the data path kept in native socket code). It watches Services and
// Endpoints through informers and keeps one PortProxy per TCP Service port,
// listening on clusterIP:port and, for NodePort/LoadBalancer Services, on
// nodePortHost:nodePort. Informer events are applied synchronously, so a change
// to Endpoints reaches the balancer as soon as the watch event arrives.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { InformerFactory, SharedInformer } from "../client/informer.js";
import type { Algorithm } from "./balancer.js";
import { PortProxy, type PortEvent, type PortStats } from "./port-proxy.js";
import { readyEndpoints, servicePorts } from "./service-ports.js";
import { KernelProxier, type KernelProxyConfig } from "./kernel-proxier.js";
import type { KernelServicePort } from "./iptables-rules.js";

export type ProxyEvent = PortEvent | { type: "skipped-port"; port: string; reason: string };

export interface ServiceProxyOptions {
  client: Client;
  informers: InformerFactory;
  algorithm?: Algorithm;
  /** Where node ports listen. Default 127.0.0.1. */
  nodePortHost?: string;
  /** Every listener change, endpoint change and upstream failure. Default: listen errors to stderr. */
  onEvent?: (ev: ProxyEvent) => void;
  /**
   * Cluster IPs on a Docker pod network: bound on its bridge and NATed in the
   * kernel (kernel-proxier.ts). Node ports stay in userspace on nodePortHost.
   */
  kernel?: KernelProxyConfig;
  /** Failed kernel syncs (default: stderr). */
  onError?: (e: Error) => void;
}

export class ServiceProxy {
  private readonly services: SharedInformer<KubeObject>;
  private readonly endpoints: SharedInformer<KubeObject>;
  private readonly algorithm: Algorithm;
  private readonly nodePortHost: string;
  private readonly onEvent: (ev: ProxyEvent) => void;
  /** Service port key ("ns/name:port") → its proxy. */
  private readonly ports = new Map<string, PortProxy>();
  /** Ports of Services since deleted, kept until their connections drain (for stats and stop()). */
  private readonly retired = new Set<PortProxy>();
  private started = false;
  private stopped = false;
  private readonly kernel: KernelProxier | undefined;
  private readonly dnsAddress: string | undefined;

  constructor(opts: ServiceProxyOptions) {
    this.services = opts.informers.for(R.services);
    this.endpoints = opts.informers.for(R.endpoints);
    this.algorithm = opts.algorithm ?? "round-robin";
    this.nodePortHost = opts.nodePortHost ?? "127.0.0.1";
    this.onEvent =
      opts.onEvent ??
      ((ev) => {
        if (ev.type === "listen-error") console.error(`proxy: ${ev.service}:${ev.portName}: cannot listen on ${ev.host}:${ev.port}: ${ev.code} (${ev.message})`);
      });
    if (opts.kernel) {
      this.dnsAddress = opts.kernel.dnsAddress;
      this.kernel = new KernelProxier(opts.kernel, () => this.kernelPorts(), opts.onError ?? ((e) => console.error(`proxy: ${e.message}`)));
    }
  }

  /** Every Service port with a cluster IP and its ready endpoints, for the kernel's rules. */
  private kernelPorts(): KernelServicePort[] {
    const out: KernelServicePort[] = [];
    for (const svc of this.services.lister.list()) {
      const eps = this.endpoints.lister.get(svc.metadata.namespace ?? "", svc.metadata.name ?? "");
      for (const p of servicePorts(svc).ports) {
        const affinitySeconds = p.affinityTimeoutMs === undefined ? undefined : Math.round(p.affinityTimeoutMs / 1000);
        out.push({ key: p.key, clusterIP: p.clusterIP, port: p.port, affinitySeconds, endpoints: readyEndpoints(eps, p.portName) });
      }
    }
    return out;
  }

  /** Register handlers, start the two informers and wait for their first lists. Idempotent. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const sync = (obj: KubeObject) => this.syncService(obj.metadata.namespace ?? "", obj.metadata.name ?? "");
    this.services.addEventHandler({ add: sync, update: (_o, n) => sync(n), delete: sync });
    this.endpoints.addEventHandler({ add: sync, update: (_o, n) => sync(n), delete: sync });
    await Promise.all([this.services.start(), this.endpoints.start()]);
    this.kernel?.requestSync();
    await this.settled();
  }

  /** Close every listener and cut every proxied connection. The informers are left to their factory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of this.ports.values()) p.close(false);
    for (const p of this.retired) p.close(false);
    this.ports.clear();
    this.retired.clear();
    await this.kernel?.stop();
  }

  /** Resolves when every listener has finished opening or closing. */
  async settled(): Promise<void> {
    await Promise.all([...this.ports.values()].map((p) => p.settled()));
    await this.kernel?.settled();
  }

  /** Counters per Service port, including ports of deleted Services still draining. */
  stats(): PortStats[] {
    return [...this.ports.values(), ...this.retired].map((p) => p.stats());
  }

  /** Listening addresses per Service port key, for `describe`-style output and tests. */
  listening(): Record<string, Array<{ host: string; port: number }>> {
    const out: Record<string, Array<{ host: string; port: number }>> = {};
    for (const [key, p] of this.ports) out[key] = p.listening;
    return out;
  }

  /** Ready endpoint keys ("ip:port") per Service port key, as the balancers see them. */
  endpointsOf(serviceKey: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, p] of this.ports) if (key.startsWith(`${serviceKey}:`)) out[key] = p.balancer.list().map((e) => e.key);
    return out;
  }

  /** Level-triggered: make this Service's port proxies match its Service and Endpoints objects. */
  private syncService(namespace: string, name: string): void {
    if (this.stopped) return;
    this.kernel?.requestSync();
    const svcKey = `${namespace}/${name}`;
    let svc = this.services.lister.get(namespace, name);
    // The cluster DNS Service is served on its address directly (pkg/dns): nothing to proxy.
    if (svc && this.dnsAddress !== undefined && (svc.spec as { clusterIP?: string } | undefined)?.clusterIP === this.dnsAddress) svc = undefined;
    const eps = this.endpoints.lister.get(namespace, name);
    const wanted = new Map<string, ReturnType<typeof servicePorts>["ports"][number]>();
    if (svc) {
      const { ports, skipped } = servicePorts(svc);
      for (const p of ports) wanted.set(p.key, p);
      for (const s of skipped) this.onEvent({ type: "skipped-port", port: s, reason: "only TCP is proxied" });
    }
    for (const [key, p] of this.ports) {
      if (key.startsWith(`${svcKey}:`) && !wanted.has(key)) {
        // Deleted Service (or port): stop accepting, let open connections finish.
        p.close(true);
        this.ports.delete(key);
        this.retire(p);
      }
    }
    for (const [key, spec] of wanted) {
      const ready = readyEndpoints(eps, spec.portName);
      let p = this.ports.get(key);
      if (!p) {
        p = new PortProxy(spec, { algorithm: this.algorithm, nodePortHost: this.nodePortHost, clusterIPInKernel: this.kernel !== undefined, onEvent: this.onEvent });
        this.ports.set(key, p);
      }
      p.update(spec, ready);
    }
  }

  private retire(p: PortProxy): void {
    if (p.stats().active === 0) return;
    this.retired.add(p);
    const check = setInterval(() => {
      if (p.stats().active === 0) {
        clearInterval(check);
        this.retired.delete(p);
      }
    }, 1000);
    check.unref();
  }
}

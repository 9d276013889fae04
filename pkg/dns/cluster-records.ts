// The records of the cluster zone, as the Kubernetes DNS specification
// (kubernetes/dns docs/specification.md) and CoreDNS's kubernetes plugin shape
// them. Pure: a question and a read-only view of the cluster in, the answer
// out, so every record shape is unit-tested without sockets.
//
//   <svc>.<ns>.svc.<zone>                 A/AAAA: cluster IPs; headless: ready endpoint IPs
//                                         ExternalName: CNAME
//   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV for each named port
//   <host>.<svc>.<ns>.svc.<zone>          A: a headless Service's endpoint (pod hostname
//                                         when its subdomain is the Service, else dashed IP)
//   <a-b-c-d>.<ns>.pod.<zone>             A: a pod with that IP in that namespace
//   d.c.b.a.in-addr.arpa                  PTR for cluster IPs and headless endpoints
//   dns-version.<zone>                    TXT "1.1.0" (the schema version)
// Names in the zone that do not exist are NXDOMAIN, names that exist without
// the asked type are NODATA; both carry the zone's SOA so resolvers cache the
// miss (search-path lookups of `backend.b` first try `backend.b.<ns>.svc.<zone>`).
import { isIP } from "node:net";
import type { Answer, RecordType, SoaAnswer } from "dns-packet";

/** A question's type; dns-packet decodes type 255 as "ANY", which its typings leave out. */
export type QueryType = RecordType | "ANY";

export const DNS_SCHEMA_VERSION = "1.1.0";
/** CoreDNS's kubernetes plugin default TTL. */
export const DEFAULT_TTL = 5;

export interface PortRecord {
  name?: string;
  port: number;
  /** "TCP", "UDP" or "SCTP". */
  protocol: string;
}

export interface ServiceRecord {
  namespace: string;
  name: string;
  type: string;
  /** Empty for headless Services. */
  clusterIPs: string[];
  headless: boolean;
  externalName?: string;
  ports: PortRecord[];
}

export interface EndpointRecord {
  ip: string;
  /** The pod's hostname when its subdomain names this Service. */
  hostname?: string;
  ports: PortRecord[];
}

/** What the resolver may ask about the cluster; every call answers from memory. */
export interface ClusterView {
  service(namespace: string, name: string): ServiceRecord | undefined;
  /** Ready endpoints of a Service (Endpoints addresses, not notReadyAddresses). */
  readyEndpoints(namespace: string, name: string): EndpointRecord[];
  namespaceExists(namespace: string): boolean;
  podWithIP(namespace: string, ip: string): boolean;
  /** Fully-qualified names (no trailing dot) an IP maps back to. */
  reverse(ip: string): string[];
}

export type Rcode = "NOERROR" | "NXDOMAIN" | "SERVFAIL" | "REFUSED";

export interface Resolution {
  /** "forward": not ours; send it to the upstream resolvers. */
  kind: "answer" | "forward";
  rcode: Rcode;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

export interface ZoneOptions {
  zone: string;
  ttl?: number;
}

const FORWARD: Resolution = { kind: "forward", rcode: "NOERROR", answers: [], authorities: [], additionals: [] };

export function soaRecord(zone: string, ttl: number): SoaAnswer {
  return {
    type: "SOA",
    name: zone,
    ttl,
    class: "IN",
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
  };
}

/** "10.0.0.5" → "10-0-0-5" (and IPv6 colons to dashes), as CoreDNS names endpoints without a hostname. */
export function dashedIP(ip: string): string {
  return ip.replace(/[.:]/g, "-");
}

function undashIPv4(label: string): string | undefined {
  const ip = label.replace(/-/g, ".");
  return isIP(ip) === 4 ? ip : undefined;
}

/** "5.0.0.10.in-addr.arpa" → "10.0.0.5". */
export function reverseIPv4(name: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
  if (!m) return undefined;
  const ip = `${m[4]}.${m[3]}.${m[2]}.${m[1]}`;
  return isIP(ip) === 4 ? ip : undefined;
}

export class ClusterResolver {
  readonly zone: string;
  private readonly ttl: number;

  constructor(
    private readonly view: ClusterView,
    opts: ZoneOptions,
  ) {
    this.zone = opts.zone.replace(/\.$/, "").toLowerCase();
    this.ttl = opts.ttl ?? DEFAULT_TTL;
  }

  /** Answer one question. `qname` as asked (any case, with or without the final dot). */
  resolve(qname: string, qtype: QueryType): Resolution {
    const asked = qname.replace(/\.$/, "");
    const name = asked.toLowerCase();
    if (name.endsWith(".in-addr.arpa")) return this.reverseLookup(asked, name, qtype);
    if (name !== this.zone && !name.endsWith(`.${this.zone}`)) return FORWARD;
    const labels = name === this.zone ? [] : name.slice(0, -(this.zone.length + 1)).split(".").reverse();
    return this.inZone(asked, labels, qtype);
  }

  private reverseLookup(asked: string, name: string, qtype: QueryType): Resolution {
    const ip = reverseIPv4(name);
    const names = ip ? this.view.reverse(ip) : [];
    // Addresses the cluster does not own belong to the host's resolvers.
    if (names.length === 0) return FORWARD;
    if (qtype !== "PTR") return this.noData();
    return this.answer(names.map((target) => ({ type: "PTR", name: asked, ttl: this.ttl, class: "IN", data: target })));
  }

  private inZone(asked: string, labels: string[], qtype: QueryType): Resolution {
    const [top, ns, svc, fourth, fifth, ...rest] = labels;
    if (top === undefined) {
      if (qtype === "SOA") return this.answer([soaRecord(this.zone, this.ttl)]);
      if (qtype === "NS") return this.answer([{ type: "NS", name: asked, ttl: this.ttl, class: "IN", data: `ns.dns.${this.zone}` }]);
      return this.noData();
    }
    if (top === "dns-version" && ns === undefined) {
      return qtype === "TXT" ? this.answer([{ type: "TXT", name: asked, ttl: this.ttl, class: "IN", data: DNS_SCHEMA_VERSION }]) : this.noData();
    }
    if (top === "svc") {
      if (ns === undefined) return this.noData();
      if (svc === undefined) return this.view.namespaceExists(ns) ? this.noData() : this.nxDomain();
      if (rest.length > 0) return this.nxDomain();
      if (fourth === undefined) return this.serviceName(asked, ns, svc, qtype);
      if (fifth === undefined) return this.endpointName(asked, ns, svc, fourth, qtype);
      return this.srvName(asked, ns, svc, fourth, fifth, qtype);
    }
    if (top === "pod") {
      if (ns === undefined) return this.noData();
      if (svc === undefined) return this.view.namespaceExists(ns) ? this.noData() : this.nxDomain();
      if (fourth !== undefined) return this.nxDomain();
      const ip = undashIPv4(svc);
      if (!ip || !this.view.podWithIP(ns, ip)) return this.nxDomain();
      return qtype === "A" || qtype === "ANY" ? this.answer([this.a(asked, ip)]) : this.noData();
    }
    return this.nxDomain();
  }

  private serviceName(asked: string, ns: string, name: string, qtype: QueryType): Resolution {
    const svc = this.view.service(ns, name);
    if (!svc) return this.nxDomain();
    if (svc.type === "ExternalName") {
      if (!svc.externalName) return this.noData();
      return this.answer([{ type: "CNAME", name: asked, ttl: this.ttl, class: "IN", data: svc.externalName.replace(/\.$/, "") }]);
    }
    const ips = svc.headless ? this.view.readyEndpoints(ns, name).map((e) => e.ip) : svc.clusterIPs;
    if (qtype === "SRV") return this.srvRecords(asked, svc, undefined);
    const family = qtype === "AAAA" ? 6 : qtype === "A" || qtype === "ANY" ? 4 : 0;
    const records = [...new Set(ips)].filter((ip) => isIP(ip) === family).map((ip) => this.addr(asked, ip));
    return records.length > 0 ? this.answer(records) : this.noData();
  }

  /** `<host>.<svc>.<ns>.svc.<zone>`: one endpoint of a headless Service. */
  private endpointName(asked: string, ns: string, name: string, host: string, qtype: QueryType): Resolution {
    const svc = this.view.service(ns, name);
    if (!svc || !svc.headless) return this.nxDomain();
    const ips = this.view.readyEndpoints(ns, name).filter((e) => endpointHost(e) === host).map((e) => e.ip);
    if (ips.length === 0) return this.nxDomain();
    const family = qtype === "AAAA" ? 6 : qtype === "A" || qtype === "ANY" ? 4 : 0;
    const records = ips.filter((ip) => isIP(ip) === family).map((ip) => this.addr(asked, ip));
    return records.length > 0 ? this.answer(records) : this.noData();
  }

  /** `_<port>._<proto>.<svc>.<ns>.svc.<zone>` (labels arrive reversed: proto, then port). */
  private srvName(asked: string, ns: string, name: string, protoLabel: string, portLabel: string, qtype: QueryType): Resolution {
    const svc = this.view.service(ns, name);
    if (!svc || !protoLabel.startsWith("_") || !portLabel.startsWith("_")) return this.nxDomain();
    const proto = protoLabel.slice(1);
    const portName = portLabel.slice(1);
    const port = svc.ports.find((p) => p.name?.toLowerCase() === portName && p.protocol.toLowerCase() === proto);
    if (!port) return this.nxDomain();
    if (qtype !== "SRV" && qtype !== "ANY") return this.noData();
    return this.srvRecords(asked, svc, port);
  }

  /** SRV answers with their targets' addresses as additionals (only named ports have SRV records). */
  private srvRecords(asked: string, svc: ServiceRecord, only: PortRecord | undefined): Resolution {
    const base = `${svc.name}.${svc.namespace}.svc.${this.zone}`;
    const ports = (only ? [only] : svc.ports).filter((p) => p.name);
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    if (svc.headless) {
      for (const ep of this.view.readyEndpoints(svc.namespace, svc.name)) {
        const target = `${endpointHost(ep)}.${base}`;
        for (const p of ports) {
          const epPort = ep.ports.find((x) => x.name === p.name && x.protocol === p.protocol) ?? p;
          answers.push({ type: "SRV", name: asked, ttl: this.ttl, class: "IN", data: { priority: 0, weight: 100, port: epPort.port, target } });
        }
        if (ports.length > 0) additionals.push(this.addr(target, ep.ip));
      }
    } else {
      for (const p of ports) answers.push({ type: "SRV", name: asked, ttl: this.ttl, class: "IN", data: { priority: 0, weight: 100, port: p.port, target: base } });
      if (ports.length > 0) for (const ip of svc.clusterIPs) additionals.push(this.addr(base, ip));
    }
    if (answers.length === 0) return this.noData();
    return { kind: "answer", rcode: "NOERROR", answers, authorities: [], additionals };
  }

  private addr(name: string, ip: string): Answer {
    return isIP(ip) === 6 ? { type: "AAAA", name, ttl: this.ttl, class: "IN", data: ip } : this.a(name, ip);
  }

  private a(name: string, ip: string): Answer {
    return { type: "A", name, ttl: this.ttl, class: "IN", data: ip };
  }

  private answer(answers: Answer[]): Resolution {
    return { kind: "answer", rcode: "NOERROR", answers, authorities: [], additionals: [] };
  }

  private noData(): Resolution {
    return { kind: "answer", rcode: "NOERROR", answers: [], authorities: [soaRecord(this.zone, this.ttl)], additionals: [] };
  }

  private nxDomain(): Resolution {
    return { kind: "answer", rcode: "NXDOMAIN", answers: [], authorities: [soaRecord(this.zone, this.ttl)], additionals: [] };
  }
}

/** The DNS label of a headless endpoint: its pod hostname, else its dashed IP. */
export function endpointHost(ep: EndpointRecord): string {
  return (ep.hostname ?? dashedIP(ep.ip)).toLowerCase();
}

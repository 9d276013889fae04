// Service and Endpoints rows (printService / printEndpoints in printers.go).
import { ageOf } from "../human-duration.js";
import { ageColumn, column, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

export interface ServiceLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    ports?: Array<{ port: number; nodePort?: number; protocol?: string }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface EndpointsLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  subsets?: Array<{
    addresses?: Array<{ ip: string }>;
    ports?: Array<{ name?: string; port: number }>;
  }>;
}

/** labels.FormatLabels: "k1=v1,k2=v2" sorted by key, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels![k]}`).join(",");
}

/** "80/TCP,443:30443/TCP": port, node port when allocated, protocol. */
export function formatServicePorts(ports: NonNullable<ServiceLike["spec"]>["ports"]): string {
  return (ports ?? [])
    .map((p) => {
      // An omitted protocol is TCP after defaulting; print what the apiserver would.
      const protocol = p.protocol || "TCP";
      return p.nodePort && p.nodePort > 0 ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(",");
}

function loadBalancerAddresses(svc: ServiceLike): string[] {
  const seen = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) seen.add(ing.ip);
    else if (ing.hostname) seen.add(ing.hostname);
  }
  return [...seen].sort();
}

/** EXTERNAL-IP: "<none>", "<pending>" for a LoadBalancer not yet given an address, etc. */
export function serviceExternalIP(svc: ServiceLike): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  // A missing type is ClusterIP once the apiserver has defaulted the object.
  switch (svc.spec?.type || "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const all = [...loadBalancerAddresses(svc), ...externalIPs];
      return all.length > 0 ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return svc.spec?.externalName ?? "";
    default:
      return "<unknown>";
  }
}

export const servicePrinter: KindPrinter<ServiceLike> = {
  columns: [
    nameColumn(),
    column("Type", "string", "type determines how the Service is exposed."),
    column("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
    column("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
    column("Port(s)", "string", "The list of ports that are exposed by this service."),
    ageColumn(),
    column("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", { wide: true }),
  ],
  row(svc, now) {
    // clusterIPs is authoritative in Kubernetes; older or hand-made objects only have clusterIP.
    const clusterIP = svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || "<none>";
    return {
      cells: [
        svc.metadata?.name ?? "",
        svc.spec?.type || "ClusterIP",
        clusterIP,
        serviceExternalIP(svc),
        formatServicePorts(svc.spec?.ports) || "<none>",
        ageOf(svc.metadata?.creationTimestamp, now),
        formatLabels(svc.spec?.selector),
      ],
    };
  },
};

/** net.JoinHostPort: IPv6 addresses get brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

const MAX_ENDPOINTS_SHOWN = 3;

/**
 * "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...": every address × port pair,
 * at most three spelled out; "<none>" when there are no subsets at all.
 */
export function formatEndpoints(ep: EndpointsLike): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const shown: string[] = [];
  let count = 0;
  let more = false;
  const add = (text: string): void => {
    if (shown.length === MAX_ENDPOINTS_SHOWN) more = true;
    else shown.push(text);
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      // Headless services may have addresses but no ports.
      count += addresses.length;
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) add(joinHostPort(a.ip, port.port));
    }
  }
  const text = shown.join(",");
  return more ? `${text} + ${count - MAX_ENDPOINTS_SHOWN} more...` : text;
}

export const endpointsPrinter: KindPrinter<EndpointsLike> = {
  columns: [
    nameColumn(),
    column("Endpoints", "string", "The set of all endpoints is the union of all subsets."),
    ageColumn(),
  ],
  row(ep, now) {
    return { cells: [ep.metadata?.name ?? "", formatEndpoints(ep), ageOf(ep.metadata?.creationTimestamp, now)] };
  },
};

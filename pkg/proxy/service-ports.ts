// What the proxy should be doing, derived from Service and Endpoints objects:
// which listeners a Service asks for and which ready backends each Service port
// has. Pure functions, so the diffing is unit-tested apart from sockets.
import type { KubeObject } from "../api/types.js";
import { endpointKey, type Endpoint } from "./balancer.js";

/** One proxied Service port. */
export interface ServicePortSpec {
  /** "namespace/name:portName" ("namespace/name:" for an unnamed port): the proxy's key. */
  readonly key: string;
  /** "namespace/name" */
  readonly service: string;
  readonly portName: string;
  readonly clusterIP: string;
  readonly port: number;
  readonly nodePort?: number;
  /** ClientIP session affinity timeout, or undefined for none. */
  readonly affinityTimeoutMs?: number;
}

interface ServiceSpecShape {
  type?: string;
  clusterIP?: string;
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  ports?: Array<{ name?: string; port?: number; protocol?: string; nodePort?: number }>;
}

export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;

/**
 * The TCP ports of a Service the proxy serves. Headless ("None"), ExternalName
 * and not-yet-allocated Services have none; UDP/SCTP ports are skipped (the
 * proxy only speaks TCP) and reported in `skipped`.
 */
export function servicePorts(svc: KubeObject): { ports: ServicePortSpec[]; skipped: string[] } {
  const spec = (svc.spec ?? {}) as ServiceSpecShape;
  const service = `${svc.metadata.namespace ?? ""}/${svc.metadata.name ?? ""}`;
  const skipped: string[] = [];
  if (spec.type === "ExternalName" || !spec.clusterIP || spec.clusterIP === "None") return { ports: [], skipped };
  const usesNodePort = spec.type === "NodePort" || spec.type === "LoadBalancer";
  const affinityTimeoutMs =
    spec.sessionAffinity === "ClientIP"
      ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS) * 1000
      : undefined;
  const ports: ServicePortSpec[] = [];
  for (const p of spec.ports ?? []) {
    if (typeof p.port !== "number") continue;
    const portName = p.name ?? "";
    if ((p.protocol ?? "TCP") !== "TCP") {
      skipped.push(`${service}:${portName || p.port}/${p.protocol}`);
      continue;
    }
    ports.push({
      key: `${service}:${portName}`,
      service,
      portName,
      clusterIP: spec.clusterIP,
      port: p.port,
      nodePort: usesNodePort && typeof p.nodePort === "number" && p.nodePort > 0 ? p.nodePort : undefined,
      affinityTimeoutMs,
    });
  }
  return { ports, skipped };
}

interface EndpointsShape {
  subsets?: Array<{
    addresses?: Array<{ ip?: string; targetRef?: { name?: string } }>;
    ports?: Array<{ name?: string; port?: number; protocol?: string }>;
  }>;
}

/**
 * Ready backends of one Service port from an Endpoints object: endpoint ports
 * pair with Service ports by name (an unnamed Service port matches an unnamed
 * endpoint port), as kube-proxy does. notReadyAddresses never receive traffic.
 * Sorted by key and deduplicated, so equal inputs give equal lists.
 */
export function readyEndpoints(endpoints: KubeObject | undefined, portName: string): Endpoint[] {
  if (!endpoints) return [];
  const out = new Map<string, Endpoint>();
  for (const subset of (endpoints as EndpointsShape).subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => (p.name ?? "") === portName && (p.protocol ?? "TCP") === "TCP");
    if (!port || typeof port.port !== "number") continue;
    for (const a of subset.addresses ?? []) {
      if (!a.ip) continue;
      const key = endpointKey(a.ip, port.port);
      out.set(key, { key, ip: a.ip, port: port.port, podName: a.targetRef?.name });
    }
  }
  return [...out.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}

export interface Diff<T> {
  added: T[];
  removed: T[];
  kept: T[];
}

/** Endpoints added, removed and kept between two lists, by key. */
export function diffEndpoints(before: readonly Endpoint[], after: readonly Endpoint[]): Diff<Endpoint> {
  const old = new Map(before.map((e) => [e.key, e]));
  const next = new Set(after.map((e) => e.key));
  return {
    added: after.filter((e) => !old.has(e.key)),
    removed: before.filter((e) => !next.has(e.key)),
    kept: after.filter((e) => old.has(e.key)),
  };
}

/** True when two endpoint lists hold the same keys in the same order. */
export function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => e.key === b[i].key);
}

/** The addresses a Service port listens on: clusterIP:port, and nodePortHost:nodePort when it has one. */
export function listenAddresses(spec: ServicePortSpec, nodePortHost: string, clusterIPInKernel = false): Array<{ host: string; port: number; kind: "cluster" | "node" }> {
  const out: Array<{ host: string; port: number; kind: "cluster" | "node" }> = clusterIPInKernel ? [] : [{ host: spec.clusterIP, port: spec.port, kind: "cluster" }];
  if (spec.nodePort !== undefined) out.push({ host: nodePortHost, port: spec.nodePort, kind: "node" });
  return out;
}

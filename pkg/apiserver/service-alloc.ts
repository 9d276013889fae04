// Service cluster IPs (127.96.0.0/16) and node ports (30000–32767). What is
// allocated is derived from the stored Services themselves, so allocations
// survive restarts and are released by deleting the Service: no separate
// allocation table can drift from the objects.
import { FieldError } from "../api/errors.js";
import { addressInUse, loopbackPortInUse, nodePortStart, serviceCidr } from "./address-block.js";
import type { KubeObject } from "../api/types.js";
import { cidrContains, cidrSize, FIRST_DYNAMIC_SERVICE_OFFSET, intToIp as planIntToIp, parseIpv4Cidr } from "../util/address-plan.js";

/** The default range; each process uses its own block's /16 (address-block.ts). */
export const SERVICE_CIDR = "127.96.0.0/16";
const IP_COUNT = 65536;
export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
  nodePort?: number;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  selector?: Record<string, string>;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function intToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/**
 * A requested cluster IP may be anywhere in 127.96.0.0/11, the union of every
 * process's service block: this process allocates from its own /16, but a
 * manifest that names an address (or objects stored by an earlier run that had
 * another block) stays valid.
 */
function inServiceRange(ip: string, range?: string): boolean {
  if (range) return cidrContains(range, ip);
  const n = ipToInt(ip);
  if (n === undefined || n >>> 24 !== 127) return false;
  const second = (n >>> 16) & 255;
  return second >= 96 && second < 128;
}

function specOf(svc: KubeObject): ServiceSpec {
  return (svc.spec ?? {}) as ServiceSpec;
}

function wellFormed(spec: unknown): boolean {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  if (spec === undefined) return true;
  if (!isObj(spec)) return false;
  if (spec.clusterIP !== undefined && typeof spec.clusterIP !== "string") return false;
  if (spec.ports === undefined) return true;
  return Array.isArray(spec.ports) && spec.ports.every((p) => isObj(p) && (p.nodePort === undefined || typeof p.nodePort === "number"));
}

function usesNodePorts(spec: ServiceSpec): boolean {
  return spec.type === "NodePort" || spec.type === "LoadBalancer";
}

/** Addresses and ports taken by the given services (excluding the one being written). */
export function usedAllocations(services: KubeObject[], exclude?: { namespace?: string; name?: string }) {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const s of services) {
    if (exclude && s.metadata.namespace === exclude.namespace && s.metadata.name === exclude.name) continue;
    const spec = specOf(s);
    if (spec.clusterIP && spec.clusterIP !== "None") ips.add(spec.clusterIP);
    for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  }
  return { ips, ports };
}

/**
 * Fill in clusterIP and nodePorts on a Service being created or updated.
 * `old` (on update) keeps what was allocated before when the new object leaves
 * it empty, as Kubernetes does, so a PUT without nodePort keeps the port.
 * Returns field errors for requested values that are taken or out of range.
 */
export function allocateServiceAddresses(svc: KubeObject, others: KubeObject[], old?: KubeObject): FieldError[] {
  return allocateServiceAddressesFrom(svc, usedAllocations(others, { namespace: svc.metadata.namespace, name: svc.metadata.name }), old);
}

/** The same, given what other services hold (the shared pool of pkg/apiserver/range-allocation.ts). */
export function allocateServiceAddressesFrom(svc: KubeObject, used: { ips: ReadonlySet<string>; ports: ReadonlySet<number> }, old?: KubeObject, range?: string): FieldError[] {
  // Runs before validation: a spec of the wrong shape is left to validation's field errors, not thrown on here.
  if (!wellFormed(svc.spec)) return [];
  const spec = specOf(svc);
  svc.spec = spec;
  const oldSpec = old ? specOf(old) : undefined;
  const ips = new Set(used.ips);
  const ports = new Set(used.ports);
  const errs: FieldError[] = [];

  if (spec.type === "ExternalName") {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else {
    if (!spec.clusterIP && oldSpec?.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIP) {
      spec.clusterIP = range ? nextFreeIpIn(range, ips) : nextFreeIp(ips);
    } else if (spec.clusterIP !== "None" && spec.clusterIP !== oldSpec?.clusterIP) {
      if (!inServiceRange(spec.clusterIP, range)) {
        errs.push(new FieldError("Invalid", "spec.clusterIPs", [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${range ?? "127.96.0.0/11"}`));
      } else if (ips.has(spec.clusterIP)) {
        errs.push(new FieldError("Invalid", "spec.clusterIPs", [spec.clusterIP], `failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`));
      }
    }
    spec.clusterIPs = [spec.clusterIP];
    errs.push(...settleIpFamilies(spec));
  }

  (spec.ports ?? []).forEach((p, i) => {
    if (!usesNodePorts(spec)) {
      delete p.nodePort;
      return;
    }
    if (!p.nodePort) {
      const before = oldSpec?.ports?.find((o) => o.port === p.port && (o.protocol ?? "TCP") === (p.protocol ?? "TCP") && o.nodePort);
      p.nodePort = before?.nodePort ?? nextFreePort(ports);
    } else if (p.nodePort !== oldSpec?.ports?.find((o) => o.nodePort === p.nodePort)?.nodePort) {
      if (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max) {
        errs.push(new FieldError("Invalid", `spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`));
      } else if (ports.has(p.nodePort)) {
        errs.push(new FieldError("Invalid", `spec.ports[${i}].nodePort`, p.nodePort, "provided port is already allocated"));
      }
    }
    ports.add(p.nodePort);
  });
  return errs;
}

/**
 * skiff's service network is IPv4 only, like a single-stack Kubernetes: every
 * Service with a cluster IP (or headless) gets `ipFamilies: [IPv4]` and a
 * policy, and asking for IPv6 or for dual stack is refused as Kubernetes
 * refuses it on such a cluster. A headless Service without a selector defaults
 * to RequireDualStack (its endpoints may be of any family), as Kubernetes does.
 */
function settleIpFamilies(spec: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  const families = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
  families.forEach((f, i) => {
    if (f !== "IPv4") errs.push(new FieldError(f === "IPv6" ? "Invalid" : "NotSupported", `spec.ipFamilies[${i}]`, f, f === "IPv6" ? "not configured on this cluster" : 'supported values: "IPv4", "IPv6"'));
  });
  const headlessWithoutSelector = spec.clusterIP === "None" && Object.keys(spec.selector ?? {}).length === 0;
  if (spec.ipFamilyPolicy === "RequireDualStack" && !headlessWithoutSelector) {
    errs.push(new FieldError("Invalid", "spec.ipFamilyPolicy", spec.ipFamilyPolicy, "this cluster is not configured for dual-stack services"));
  }
  if (errs.length > 0) return errs;
  spec.ipFamilyPolicy ??= headlessWithoutSelector ? "RequireDualStack" : "SingleStack";
  spec.ipFamilies = ["IPv4"];
  return errs;
}

/** The pool values a service holds: "ip:<clusterIP>" and "port:<nodePort>". */
export function serviceClaimValues(svc: KubeObject): string[] {
  if (!wellFormed(svc.spec)) return [];
  const spec = specOf(svc);
  const values: string[] = [];
  if (typeof spec.clusterIP === "string" && spec.clusterIP !== "" && spec.clusterIP !== "None") values.push(`ip:${spec.clusterIP}`);
  for (const p of spec.ports ?? []) if (p?.nodePort) values.push(`port:${p.nodePort}`);
  return values;
}

/** Pool values back into the sets allocateServiceAddressesFrom takes. */
export function usedFromClaims(values: Iterable<string>): { ips: Set<string>; ports: Set<number> } {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const v of values) {
    if (v.startsWith("ip:")) ips.add(v.slice(3));
    else if (v.startsWith("port:")) ports.add(Number(v.slice(5)));
  }
  return { ips, ports };
}

function nextFreeIp(used: Set<string>): string {
  // .0 is the network address and .1 is kept for a "kubernetes" service, as in Kubernetes.
  const base = serviceCidr().base;
  for (let i = 2; i < IP_COUNT - 1; i++) {
    const ip = intToIp((base + i) >>> 0);
    // Loopback is shared by every process: an address another cluster's proxy listens on is taken.
    if (!used.has(ip) && !addressInUse(ip)) return ip;
  }
  throw new FieldError("Invalid", "spec.clusterIPs", [], `failed to allocate a service IP: range ${serviceCidr().text} is full`);
}

/**
 * A free address of the cluster network's service range. The first few are
 * left for Services that ask for one (kubernetes at .1, kube-dns at the DNS
 * address), as Kubernetes reserves the low part of its range for static IPs.
 */
function nextFreeIpIn(range: string, used: Set<string>): string {
  const c = parseIpv4Cidr(range)!;
  const size = cidrSize(c);
  const first = size > FIRST_DYNAMIC_SERVICE_OFFSET * 2 ? FIRST_DYNAMIC_SERVICE_OFFSET : 2;
  for (let i = first; i < size - 1; i++) {
    const ip = planIntToIp((c.base + i) >>> 0);
    if (!used.has(ip)) return ip;
  }
  throw new FieldError("Invalid", "spec.clusterIPs", [], `failed to allocate a service IP: range ${range} is full`);
}

function nextFreePort(used: Set<number>): number {
  const { min, max } = NODE_PORT_RANGE;
  const start = nodePortStart(min, max);
  for (let i = 0; i <= max - min; i++) {
    const p = min + ((start - min + i) % (max - min + 1));
    // Node ports listen on the host's 127.0.0.1: a port another program holds is taken.
    if (!used.has(p) && !loopbackPortInUse(p)) return p;
  }
  throw new FieldError("Invalid", "spec.ports", [], `failed to allocate a node port: range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max} is full`);
}

// The address plan of one cluster's pod network, as pure arithmetic (no engine
// calls), so the allocator, the proxy and the DNS server agree on it:
//
//   subnet    10.X.Y.0/20      the Docker bridge network of the cluster
//   podRange  first  /21       Docker's `--ip-range`: the only addresses its IPAM hands to containers
//   gateway   first address    the bridge itself (the host side)
//   services  second /21       cluster IPs; Docker never hands these out, the proxy binds them on the bridge
//   dns       services + 10    the cluster DNS address (like 10.96.0.10 in kubeadm clusters)
//
// Subnets come from 10.224.0.0/12 (256 candidates of /20), away from Docker's
// default pools (172.17–31/16, 192.168/16); which one is free is decided by
// looking at what the engine and the host really use (docker-network.ts).

export interface AddressPlan {
  subnet: string;
  gateway: string;
  podRange: string;
  serviceRange: string;
  /** Where the cluster DNS server listens and the clusterIP of kube-system/kube-dns. */
  dnsAddress: string;
}

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}

export function intToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function parseIpv4Cidr(s: string): Ipv4Cidr | undefined {
  const [ip, bits] = s.split("/");
  const n = ipToInt(ip ?? "");
  const prefix = bits === undefined ? 32 : Number(bits);
  if (n === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return { base: (n & maskOf(prefix)) >>> 0, prefix };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseIpv4Cidr(cidr);
  const n = ipToInt(ip);
  return c !== undefined && n !== undefined && ((n & maskOf(c.prefix)) >>> 0) === c.base;
}

export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseIpv4Cidr(a);
  const y = parseIpv4Cidr(b);
  if (!x || !y) return false;
  const p = Math.min(x.prefix, y.prefix);
  return ((x.base & maskOf(p)) >>> 0) === ((y.base & maskOf(p)) >>> 0);
}

export const CANDIDATE_SPACE = "10.224.0.0/12";
const SUBNET_PREFIX = 20;
export const CANDIDATE_COUNT = 2 ** (SUBNET_PREFIX - 12);

/** Candidate i (0…255) of the candidate space. */
export function candidateSubnet(i: number): string {
  const base = parseIpv4Cidr(CANDIDATE_SPACE)!.base + (i % CANDIDATE_COUNT) * 2 ** (32 - SUBNET_PREFIX);
  return `${intToIp(base >>> 0)}/${SUBNET_PREFIX}`;
}

/** The plan inside a subnet (any prefix ≤ 29): halves for pods and services, DNS at services+10 (or +2 in tiny ones). */
export function planFor(subnet: string): AddressPlan {
  const c = parseIpv4Cidr(subnet);
  if (!c || c.prefix > 29) throw new Error(`cannot plan a pod network in "${subnet}"`);
  const half = cidrSize(c) / 2;
  const svcBase = c.base + half;
  return {
    subnet: `${intToIp(c.base)}/${c.prefix}`,
    gateway: intToIp(c.base + 1),
    podRange: `${intToIp(c.base)}/${c.prefix + 1}`,
    serviceRange: `${intToIp(svcBase)}/${c.prefix + 1}`,
    dnsAddress: intToIp(svcBase + (half > 16 ? 10 : 2)),
  };
}

/** Cluster IPs handed out automatically start here (below: .1 for `kubernetes`, the DNS address, room for fixed ones). */
export const FIRST_DYNAMIC_SERVICE_OFFSET = 16;

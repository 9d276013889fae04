// Pod IPs: each node owns a /24 of loopback addresses (spec.podCIDR, assigned by
// the API server inside 127.128.0.0/10) and each pod gets the lowest free one.
// The allocation lives in pod status (status.podIP), so it survives agent
// restarts without a local database.
import { createHash } from "node:crypto";

export interface Cidr {
  /** Network address as a 32-bit unsigned number. */
  base: number;
  prefix: number;
}

export function parseCidr(s: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`invalid CIDR "${s}"`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`invalid CIDR "${s}"`);
  const addr = ipToNumber(octets.join("."));
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (addr & mask) >>> 0, prefix };
}

export function ipToNumber(ip: string): number {
  return ip.split(".").reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

export function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/**
 * The lowest address of the CIDR not in `used`, skipping the network address,
 * the .1 gateway and the broadcast address; undefined when the range is full.
 */
export function lowestFreeIp(cidr: string, used: ReadonlySet<string>): string | undefined {
  const { base, prefix } = parseCidr(cidr);
  const size = 2 ** (32 - prefix);
  for (let i = 2; i < size - 1; i++) {
    const ip = numberToIp(base + i);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

/**
 * Fallback for API servers that do not assign spec.podCIDR: a /24 inside
 * 127.128.0.0/10 derived from a hash of the node name. Two nodes may collide
 * (1 in 16,384), which is why the server-side assignment is preferred.
 */
export function podCidrFromName(nodeName: string): string {
  const h = createHash("sha256").update(nodeName).digest().readUInt32BE(0) % (64 * 256);
  return `127.${128 + (h >>> 8)}.${h & 255}.0/24`;
}

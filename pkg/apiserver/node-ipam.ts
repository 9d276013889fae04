// Node IPAM: every Node gets a /24 pod CIDR inside 127.128.0.0/10 when it is
// created (like kube-controller-manager's range allocator, done at admission
// here so an agent sees its range immediately). Loopback addresses need no
// routing on Linux, so pod IPs work on one machine without any setup.
import { ApiError } from "../api/errors.js";
import { podRangeStart } from "./address-block.js";
import { listeners } from "../util/host-net.js";

/** 127.128.0.0/10: 127.128.0.0 – 127.191.255.255, i.e. 16,384 node ranges of /24. */
const FIRST = (127 << 24) | (128 << 16);
const COUNT = 64 * 256;

export function cidrAt(index: number): string {
  const base = (FIRST + index * 256) >>> 0;
  return `${base >>> 24}.${(base >>> 16) & 255}.${(base >>> 8) & 255}.0/24`;
}

export function indexOfCidr(cidr: string): number | undefined {
  const m = /^127\.(\d+)\.(\d+)\.0\/24$/.exec(cidr);
  if (!m) return undefined;
  const idx = (Number(m[1]) - 128) * 256 + Number(m[2]);
  return idx >= 0 && idx < COUNT ? idx : undefined;
}

/** The lowest /24 not in use. */
export function allocatePodCidr(inUse: Iterable<string>): string {
  const used = new Set<number>();
  for (const c of inUse) {
    const i = indexOfCidr(c);
    if (i !== undefined) used.add(i);
  }
  // A /24 where some process already listens (another cluster's fake pods) is taken too.
  for (const ip of listeners().ips) {
    const i = indexOfCidr(ip.replace(/\.\d+$/, ".0/24"));
    if (i !== undefined) used.add(i);
  }
  // Start at this process's block (address-block.ts) and wrap around the whole range.
  const start = podRangeStart() % COUNT;
  for (let j = 0; j < COUNT; j++) {
    const i = (start + j) % COUNT;
    if (!used.has(i)) return cidrAt(i);
  }
  throw new ApiError("ServiceUnavailable", "no pod CIDR left in 127.128.0.0/10");
}

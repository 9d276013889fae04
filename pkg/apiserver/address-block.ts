// The loopback address plan, used when pods do not run on a Docker pod network
// (the fake runtime, `--runtime fake`, control-plane-only processes): services
// in 127.96.0.0/11, node pod ranges in 127.128.0.0/10, node ports 30000–32767.
// On Docker, cluster IPs come from the cluster network instead (pkg/util/address-plan.ts).
//
// Several skiff processes share the host's loopback, so allocation looks at
// what is really in use instead of at lock files: an address or port some
// socket listens on is skipped (host-net.ts listeners()). Each process starts
// its search at its own block k (services 127.(96+k).0.0/16, pod ranges from
// /24 number k·512, node ports from 30000 + k·86), so clusters starting at the
// same moment, before either listens, rarely pick the same values.
import { listeners } from "../util/host-net.js";

export const BLOCKS = 32;
let chosen: number | undefined;

/** This process's block: SKIFF_ADDRESS_BLOCK pins one; otherwise derived from the pid, skipping blocks in use. */
export function addressBlock(): number {
  if (chosen !== undefined) return chosen;
  const pinned = process.env.SKIFF_ADDRESS_BLOCK;
  if (pinned !== undefined && /^\d+$/.test(pinned) && Number(pinned) < BLOCKS) return (chosen = Number(pinned));
  const busy = new Set<number>();
  for (const ip of listeners().ips) {
    const m = /^127\.(\d+)\./.exec(ip);
    if (m && Number(m[1]) >= 96 && Number(m[1]) < 96 + BLOCKS) busy.add(Number(m[1]) - 96);
  }
  const start = process.pid % BLOCKS;
  for (let j = 0; j < BLOCKS; j++) {
    const k = (start + j) % BLOCKS;
    if (!busy.has(k)) return (chosen = k);
  }
  return (chosen = start);
}

export function serviceCidr(): { base: number; text: string } {
  const second = 96 + addressBlock();
  return { base: ((127 << 24) | (second << 16)) >>> 0, text: `127.${second}.0.0/16` };
}

/** Where this process starts looking for free node /24s and node ports. */
export function podRangeStart(): number {
  return addressBlock() * 512;
}

export function nodePortStart(min: number, max: number): number {
  return min + ((addressBlock() * 86) % (max - min + 1));
}

/** True when some process on this host listens on the address (loopback cluster IPs, pod IPs). */
export function addressInUse(ip: string): boolean {
  return listeners().ips.has(ip);
}

/** True when some process listens on 127.0.0.1:port or on every address (node ports). */
export function loopbackPortInUse(port: number): boolean {
  return listeners().loopbackPorts.has(port);
}

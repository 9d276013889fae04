// What the host's own network stack holds, read and changed the way an admin
// would: routes from /proc/net/route, addresses with `ip -j addr`, `ip addr
// add/del`. Used to choose subnets nobody routes yet (runtime) and to bind
// cluster IPs on a cluster's bridge (proxy). Linux only; callers degrade when
// the commands are missing or not permitted.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export { run as runCommand };

/** Destination networks of the host's IPv4 routes ("10.1.0.0/16"), default route excluded. */
export function hostRoutes(): string[] {
  let text: string;
  try {
    text = readFileSync("/proc/net/route", "utf8");
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const dest = littleEndianHexToIp(f[1]);
    const mask = littleEndianHexToIp(f[7]);
    if (dest === "0.0.0.0") continue;
    const prefix = mask.split(".").reduce((n, o) => n + bitCount(Number(o)), 0);
    out.push(`${dest}/${prefix}`);
  }
  return out;
}

function littleEndianHexToIp(hex: string): string {
  const n = parseInt(hex, 16) >>> 0;
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join(".");
}

function bitCount(o: number): number {
  let c = 0;
  for (let v = o; v; v >>= 1) c += v & 1;
  return c;
}

/** IPv4 addresses on an interface, as "a.b.c.d/len". Empty when the interface does not exist. */
export async function interfaceAddresses(dev: string): Promise<string[]> {
  let raw: string;
  try {
    raw = await run("ip", ["-j", "-4", "addr", "show", "dev", dev]);
  } catch {
    return [];
  }
  const parsed = JSON.parse(raw || "[]") as Array<{ addr_info?: Array<{ local?: string; prefixlen?: number }> }>;
  return parsed.flatMap((i) => (i.addr_info ?? []).filter((a) => a.local).map((a) => `${a.local}/${a.prefixlen}`));
}

/** Adds ip/32 to dev; already present is fine. */
export async function addHostAddress(dev: string, ip: string): Promise<void> {
  await run("ip", ["addr", "replace", `${ip}/32`, "dev", dev]);
}

/** Removes ip/32 from dev; already gone is fine. */
export async function removeHostAddress(dev: string, ip: string): Promise<void> {
  await run("ip", ["addr", "del", `${ip}/32`, "dev", dev]).catch((e: Error) => {
    if (!/Cannot assign|not found|No such/i.test(e.message)) throw e;
  });
}

/** Listening TCP sockets on this host right now, from /proc/net/tcp{,6}. */
export interface Listeners {
  /** IPv4 addresses with at least one listener (0.0.0.0 for wildcard binds). */
  ips: Set<string>;
  /** Ports listened on at 127.0.0.1 or on every address. */
  loopbackPorts: Set<number>;
}

let cached: { at: number; value: Listeners } | undefined;

/** Cached for half a second: allocations come in bursts, and the kernel's view is all that matters. */
export function listeners(): Listeners {
  const now = Date.now();
  if (cached && now - cached.at < 500) return cached.value;
  const value: Listeners = { ips: new Set(), loopbackPorts: new Set() };
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== "0A") continue; // LISTEN
      const [addrHex, portHex] = (f[1] ?? "").split(":");
      const ip = addrHex.length === 8 ? littleEndianHexToIp(addrHex) : mappedIpv4(addrHex);
      if (ip === undefined) continue;
      const port = parseInt(portHex, 16);
      value.ips.add(ip);
      if (ip === "127.0.0.1" || ip === "0.0.0.0") value.loopbackPorts.add(port);
    }
  }
  cached = { at: now, value };
  return value;
}

/** "::" and "::ffff:a.b.c.d" in /proc/net/tcp6's word-wise little-endian hex; other IPv6 addresses are ignored. */
function mappedIpv4(hex: string): string | undefined {
  if (/^0{32}$/.test(hex)) return "0.0.0.0";
  if (hex.length === 32 && /^0{16}FFFF0000$/i.test(hex.slice(0, 24))) return littleEndianHexToIp(hex.slice(24));
  return undefined;
}

// Cluster IPs in the kernel: each Service's cluster IP is bound as a /32 on the
// cluster's bridge (so pods, which see the service range as on-link, get an ARP
// answer and the host owns the address) and NAT rules send connections to a
// ready endpoint. One level-triggered sync rebuilds all of it from the Service
// and Endpoints caches and applies it in one iptables-restore, as kube-proxy's
// syncProxyRules does; syncs are coalesced so a burst of events costs one run.
import { addHostAddress, interfaceAddresses, removeHostAddress, runCommand } from "../util/host-net.js";
import { cidrContains } from "../util/address-plan.js";
import { buildNatRules, chainNames, chainsInSave, type ChainNames, type KernelServicePort } from "./iptables-rules.js";

export interface KernelProxyConfig {
  /** Names the chains, so clusters on one host never touch each other's rules. */
  clusterId: string;
  /** The cluster network's bridge interface. */
  bridge: string;
  serviceRange: string;
  /** Bound by the network, served by the cluster DNS: never touched here (no NAT, never unbound). */
  dnsAddress: string;
}

/** Can this process program the kernel? (root with iptables-restore and iproute2.) */
export async function kernelProxyAvailable(): Promise<boolean> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    await runCommand("iptables-save", ["-t", "nat"]);
    await runCommand("ip", ["-V"]);
    return true;
  } catch {
    return false;
  }
}

/** Shortest gap between two applies: events inside it are folded into the next run. */
const MIN_SYNC_INTERVAL_MS = 50;

export class KernelProxier {
  private readonly names: ChainNames;
  private pending = false;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastApplied = "";
  private lastAddresses = new Set<string>();
  private jumpsInstalled = false;

  constructor(
    private readonly cfg: KernelProxyConfig,
    private readonly desired: () => KernelServicePort[],
    private readonly onError: (e: Error) => void,
  ) {
    this.names = chainNames(cfg.clusterId);
  }

  /** Ask for a sync soon. Never throws. */
  requestSync(): void {
    if (this.stopped) return;
    this.pending = true;
    this.running ??= this.loop();
  }

  /** Resolves once no sync is pending or running. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending && !this.stopped) {
        this.pending = false;
        try {
          await this.syncProxyRules();
        } catch (e) {
          this.onError(e as Error);
          this.pending = true; // level-triggered: try the whole state again
          await new Promise((r) => setTimeout(r, 1000).unref());
          continue;
        }
        await new Promise((r) => setTimeout(r, MIN_SYNC_INTERVAL_MS).unref());
      }
    } finally {
      this.running = undefined;
    }
  }

  /** The one sync: addresses on the bridge, then the NAT chains, from the current caches. */
  async syncProxyRules(): Promise<void> {
    const ports = this.desired().filter((p) => p.clusterIP !== this.cfg.dnsAddress && cidrContains(this.cfg.serviceRange, p.clusterIP));
    await this.syncAddresses(new Set(ports.map((p) => p.clusterIP)));
    await this.ensureJumps();
    const existing = chainsInSave(await runCommand("iptables-save", ["-t", "nat"]));
    const doc = buildNatRules(this.names, ports, existing);
    if (doc === this.lastApplied && existing.includes(this.names.services)) return;
    await runCommand("iptables-restore", ["--noflush", "-w", "5"], doc);
    this.lastApplied = doc;
  }

  private async syncAddresses(wanted: Set<string>): Promise<void> {
    const bound = new Set((await interfaceAddresses(this.cfg.bridge)).filter((a) => a.endsWith("/32")).map((a) => a.slice(0, -3)));
    for (const ip of wanted) if (!bound.has(ip)) await addHostAddress(this.cfg.bridge, ip);
    for (const ip of bound) {
      if (!wanted.has(ip) && ip !== this.cfg.dnsAddress && cidrContains(this.cfg.serviceRange, ip)) await removeHostAddress(this.cfg.bridge, ip);
    }
    this.lastAddresses = wanted;
  }

  /** The jumps from the built-in chains into ours, each added once. */
  private async ensureJumps(): Promise<void> {
    if (this.jumpsInstalled) return;
    // Declare our chains first so the jumps have a target.
    await runCommand("iptables-restore", ["--noflush", "-w", "5"], `*nat\n:${this.names.services} - [0:0]\n:${this.names.postrouting} - [0:0]\nCOMMIT\n`);
    const jumps: Array<[string, string]> = [
      ["PREROUTING", this.names.services],
      ["OUTPUT", this.names.services],
      ["POSTROUTING", this.names.postrouting],
    ];
    for (const [chain, target] of jumps) {
      const rule = ["-t", "nat", "-w", "5", chain, "-m", "comment", "--comment", "skiff services", "-j", target];
      try {
        await runCommand("iptables", withFlag("-C", rule));
      } catch {
        await runCommand("iptables", withFlag("-I", rule));
      }
    }
    this.jumpsInstalled = true;
  }

  /** Removes our jumps, chains and bound cluster IPs (cluster stop). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.settled();
    for (const [chain, target] of [
      ["PREROUTING", this.names.services],
      ["OUTPUT", this.names.services],
      ["POSTROUTING", this.names.postrouting],
    ] as const) {
      await runCommand("iptables", withFlag("-D", ["-t", "nat", "-w", "5", chain, "-m", "comment", "--comment", "skiff services", "-j", target])).catch(() => undefined);
    }
    const existing = chainsInSave(await runCommand("iptables-save", ["-t", "nat"]).catch(() => "")).filter((c) => c.startsWith(this.names.prefix));
    if (existing.length) {
      const doc = ["*nat", ...existing.map((c) => `:${c} - [0:0]`), ...existing.map((c) => `-X ${c}`), "COMMIT", ""].join("\n");
      await runCommand("iptables-restore", ["--noflush", "-w", "5"], doc).catch((e: Error) => this.onError(e));
    }
    for (const ip of this.lastAddresses) await removeHostAddress(this.cfg.bridge, ip).catch(() => undefined);
  }
}

/** ["-t","nat","-w","5",CHAIN,…] → ["-t","nat","-w","5",flag,CHAIN,…]. */
function withFlag(flag: string, rule: string[]): string[] {
  return [...rule.slice(0, 4), flag, ...rule.slice(4)];
}

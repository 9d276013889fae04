// The whole desired NAT state of one cluster's Services as one iptables-restore
// document, computed from Service ports and their ready endpoints — kube-proxy's
// syncProxyRules shape (pkg/proxy/iptables/proxier.go), in skiff's own chains:
//
//   nat PREROUTING, OUTPUT ─▶ SK-<tag>-SERVICES ─(clusterIP:port)─▶ SK-<tag>-S-<hash>  one per Service port
//        ─(random 1/n, or the ClientIP affinity hit)─▶ SK-<tag>-E-<hash>  one per endpoint ─▶ DNAT pod:port
//   nat POSTROUTING ─▶ SK-<tag>-POSTROUTING: masquerade what an endpoint chain marked
//
// Only traffic from a pod to itself through its Service (hairpin) is marked and
// masqueraded: without it the pod would answer itself from its own address and
// the client socket would drop the reply. Everything else keeps its source.
import { createHash } from "node:crypto";
import type { Endpoint } from "./balancer.js";

/** The mark bit for hairpin traffic (kube-proxy uses 0x4000; skiff keeps clear of it). */
export const MASQ_MARK = "0x2000";

export interface KernelServicePort {
  /** "ns/name:portName" */
  key: string;
  clusterIP: string;
  port: number;
  /** ClientIP affinity timeout in seconds, or undefined. */
  affinitySeconds?: number;
  endpoints: readonly Endpoint[];
}

export interface ChainNames {
  services: string;
  postrouting: string;
  prefix: string;
}

/** Short, stable chain names (iptables allows 28 characters): SK-<8 hex of the cluster id>-…. */
export function chainNames(clusterId: string): ChainNames {
  const tag = createHash("sha256").update(clusterId).digest("hex").slice(0, 8).toUpperCase();
  const prefix = `SK-${tag}-`;
  return { prefix, services: `${prefix}SERVICES`, postrouting: `${prefix}POSTROUTING` };
}

function hashName(prefix: string, kind: "S" | "E", text: string): string {
  return `${prefix}${kind}-${createHash("sha256").update(text).digest("hex").slice(0, 10).toUpperCase()}`;
}

/**
 * The iptables-restore input (for `--noflush`) that makes the cluster's chains
 * exactly this: every chain of ours is declared (which flushes it) and refilled;
 * chains of ours that exist but are no longer wanted are deleted.
 */
export function buildNatRules(names: ChainNames, ports: readonly KernelServicePort[], existingChains: readonly string[]): string {
  const chains: string[] = [names.services, names.postrouting];
  const rules: string[] = [];
  rules.push(`-A ${names.postrouting} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  rules.push(`-A ${names.postrouting} -j MARK --xor-mark ${MASQ_MARK}`);
  rules.push(`-A ${names.postrouting} -j MASQUERADE`);
  for (const p of [...ports].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    // No ready endpoint: no rule. The address is bound on the bridge with nothing listening, so connections are refused at once.
    if (p.endpoints.length === 0) continue;
    const svcChain = hashName(names.prefix, "S", `${p.key}|${p.clusterIP}:${p.port}`);
    chains.push(svcChain);
    rules.push(`-A ${names.services} -d ${p.clusterIP}/32 -p tcp -m tcp --dport ${p.port} -m comment --comment "${p.key}" -j ${svcChain}`);
    const epChains = p.endpoints.map((e) => hashName(names.prefix, "E", `${p.key}|${e.ip}:${e.port}`));
    chains.push(...epChains);
    if (p.affinitySeconds !== undefined) {
      // ClientIP affinity: a client seen recently goes back to the same endpoint (xt_recent, as kube-proxy).
      epChains.forEach((c) => rules.push(`-A ${svcChain} -m recent --name ${c} --mask 255.255.255.255 --rsource --rcheck --seconds ${p.affinitySeconds} --reap -j ${c}`));
    }
    const n = epChains.length;
    epChains.forEach((c, i) => {
      const left = n - i;
      rules.push(left > 1 ? `-A ${svcChain} -m statistic --mode random --probability ${(1 / left).toFixed(10)} -j ${c}` : `-A ${svcChain} -j ${c}`);
    });
    p.endpoints.forEach((e, i) => {
      const c = epChains[i];
      rules.push(`-A ${c} -s ${e.ip}/32 -j MARK --set-xmark ${MASQ_MARK}/${MASQ_MARK}`);
      const recent = p.affinitySeconds !== undefined ? ` -m recent --name ${c} --mask 255.255.255.255 --rsource --set` : "";
      rules.push(`-A ${c} -p tcp -m tcp${recent} -j DNAT --to-destination ${e.ip}:${e.port}`);
    });
  }
  const wanted = new Set(chains);
  const stale = existingChains.filter((c) => c.startsWith(names.prefix) && !wanted.has(c));
  const lines = ["*nat", ...chains.map((c) => `:${c} - [0:0]`), ...stale.map((c) => `:${c} - [0:0]`), ...rules, ...stale.map((c) => `-X ${c}`), "COMMIT", ""];
  return lines.join("\n");
}

/** Chain names in `iptables-save -t nat` output. */
export function chainsInSave(save: string): string[] {
  return save
    .split("\n")
    .filter((l) => l.startsWith(":"))
    .map((l) => l.slice(1).split(" ")[0]);
}

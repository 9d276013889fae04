// The pod sandbox: one small container per pod that owns the pod's network
// namespace on the cluster network (kubelet kuberuntime_sandbox.go). App
// containers join it, so the containers of a pod share one IP and talk over
// localhost; its address is the pod IP. Also here: the resolv.conf the kubelet
// would write for the pod (dnsPolicy, dnsConfig).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SANDBOX_CONTAINER, type ContainerSpec, type DnsSettings, type Mount, type PortMapping } from "../runtime/runtime.js";
import { containerLabels } from "./container-spec.js";
import type { AgentPod } from "./types.js";

/** The sandbox's skiff.container label (defined in runtime so chaos and tests can tell it apart). */
export { SANDBOX_CONTAINER };

/** What the agent needs to know of the cluster's pod network. */
export interface PodNetworkConfig {
  /** Engine network name. */
  network: string;
  /** The cluster DNS server's address (ClusterNetwork.dnsAddress). */
  dnsAddress: string;
  /** Default "cluster.local". */
  clusterDomain?: string;
  /** Image of the sandbox's idle process (needs `sh` and `sleep`). */
  pauseImage: string;
}

interface DnsConfigShape {
  nameservers?: string[];
  searches?: string[];
  options?: Array<{ name?: string; value?: string }>;
}

interface PodNetSpec {
  hostname?: string;
  subdomain?: string;
  dnsPolicy?: string;
  dnsConfig?: DnsConfigShape;
  hostNetwork?: boolean;
}

function netSpec(pod: AgentPod): PodNetSpec {
  return pod.spec as PodNetSpec;
}

function domainOf(cfg: PodNetworkConfig): string {
  return cfg.clusterDomain ?? "cluster.local";
}

/** Kubernetes' limits (pkg/apis/core/validation): 3 nameservers, 32 search domains. */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

/**
 * The pod's resolver settings as the kubelet computes them; undefined means
 * the host's own resolv.conf (dnsPolicy Default without dnsConfig).
 */
export function podDnsSettings(pod: AgentPod, cfg: PodNetworkConfig): DnsSettings | undefined {
  const spec = netSpec(pod);
  const ns = String(pod.metadata.namespace ?? "default");
  const domain = domainOf(cfg);
  let policy = spec.dnsPolicy ?? "ClusterFirst";
  // ClusterFirst with hostNetwork falls back to Default, as in Kubernetes.
  if (policy === "ClusterFirst" && spec.hostNetwork) policy = "Default";
  let base: DnsSettings | undefined;
  if (policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet") {
    base = { nameservers: [cfg.dnsAddress], searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain], options: ["ndots:5"] };
  } else if (policy === "None") {
    base = { nameservers: [], searches: [], options: [] };
  }
  const extra = spec.dnsConfig;
  if (!extra) return base;
  const out = base ?? { nameservers: [], searches: [], options: [] };
  out.nameservers = dedupe([...out.nameservers, ...(extra.nameservers ?? [])]).slice(0, MAX_NAMESERVERS);
  out.searches = dedupe([...out.searches, ...(extra.searches ?? [])]).slice(0, MAX_SEARCHES);
  // Options merge by name; dnsConfig's value wins.
  const opts = new Map(out.options.map((o) => [o.split(":")[0], o]));
  for (const o of extra.options ?? []) if (o.name) opts.set(o.name, o.value !== undefined && o.value !== "" ? `${o.name}:${o.value}` : o.name);
  out.options = [...opts.values()];
  return out;
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}

export function resolvConfText(dns: DnsSettings): string {
  const lines: string[] = [];
  if (dns.searches.length) lines.push(`search ${dns.searches.join(" ")}`);
  for (const n of dns.nameservers) lines.push(`nameserver ${n}`);
  if (dns.options.length) lines.push(`options ${dns.options.join(" ")}`);
  return `${lines.join("\n")}\n`;
}

/**
 * Writes the pod's resolv.conf under dir and returns the mount for app
 * containers, or undefined for the host's resolvers. A file mount, because on
 * a user-defined network Docker writes its own embedded resolver (127.0.0.11)
 * into resolv.conf; the kubelet's file names the cluster DNS directly.
 */
export function resolvConfMount(pod: AgentPod, cfg: PodNetworkConfig, dir: string): Mount | undefined {
  const dns = podDnsSettings(pod, cfg);
  if (!dns) return undefined;
  // skiff itself in a container (the image sets SKIFF_ENGINE_SEES_STATE_DIR=false; the engine's
  // socket is mounted): the engine resolves bind-mount sources on the host, where this state dir does
  // not exist, so a mount would make every pod fail to start. Pods keep Docker's resolver instead (no
  // cluster names), as the README's "In a container" section says. Not /.dockerenv: CI machines may
  // themselves be containers whose engine does see their files.
  if (process.env.SKIFF_ENGINE_SEES_STATE_DIR === "false") return undefined;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "resolv.conf");
  writeFileSync(file, resolvConfText(dns));
  return { hostPath: file, containerPath: "/etc/resolv.conf", readOnly: false };
}

/** hostname = spec.hostname or the pod name (63 characters at most); with a subdomain, the domain makes the FQDN. */
export function podHostname(pod: AgentPod, cfg: PodNetworkConfig): { hostname: string; domainname?: string } {
  const spec = netSpec(pod);
  const hostname = (spec.hostname || String(pod.metadata.name ?? "pod")).slice(0, 63).replace(/[.-]+$/, "");
  if (!spec.subdomain) return { hostname };
  return { hostname, domainname: `${spec.subdomain}.${pod.metadata.namespace ?? "default"}.svc.${domainOf(cfg)}` };
}

/** hostPort mappings of the pod's containers: the only ports skiff publishes on a pod network. */
export function hostPortMappings(pod: AgentPod, hostIP: string): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({ containerPort: p.containerPort, hostIP: p.hostIP || hostIP, hostPort: p.hostPort, protocol: p.protocol === "UDP" ? "UDP" : "TCP" });
    }
  }
  return out;
}

/** The sandbox container: an idle shell that exits at once on SIGTERM. */
export function sandboxSpec(pod: AgentPod, nodeName: string, attempt: number, cfg: PodNetworkConfig, hostIP: string): ContainerSpec {
  const m = pod.metadata;
  const { hostname, domainname } = podHostname(pod, cfg);
  const spec: ContainerSpec = {
    name: `skiff_${SANDBOX_CONTAINER}_${m.name}_${m.namespace}_${m.uid}_${attempt}`,
    image: cfg.pauseImage,
    command: ["sh", "-c", "trap 'exit 0' TERM INT; sleep 2147483647 & wait"],
    labels: containerLabels(pod, nodeName, SANDBOX_CONTAINER, attempt),
    network: { kind: "pod", attachment: { network: cfg.network, hostname, ...(domainname ? { domainname } : {}), dns: podDnsSettings(pod, cfg) } },
  };
  const ports = hostPortMappings(pod, hostIP);
  if (ports.length) spec.ports = ports;
  return spec;
}

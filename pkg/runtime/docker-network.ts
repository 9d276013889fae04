// One user-defined Docker bridge network per cluster (what a CNI bridge plugin
// gives a Kubernetes node): pods get addresses from its `--ip-range`, cluster
// IPs and the DNS address live in the rest of the subnet (address-plan.ts).
//
// No lock files: a subnet is free when no engine network and no host route
// overlaps it, and the engine itself arbitrates races — two clusters creating
// at once get "Pool overlaps" for the loser, who moves on to the next candidate.
import { createHash } from "node:crypto";
import type Dockerode from "dockerode";
import { addHostAddress, hostRoutes } from "../util/host-net.js";
import { CANDIDATE_COUNT, candidateSubnet, cidrsOverlap, planFor, type AddressPlan } from "../util/address-plan.js";
import { LABELS } from "./runtime.js";

export interface ClusterNetwork extends AddressPlan {
  /** Docker network name: "skiff-<cluster id>". */
  name: string;
  id: string;
  /** The host's bridge interface ("br-<first 12 hex of the id>"): cluster IPs are bound here. */
  bridge: string;
}

export const NETWORK_LABEL = "skiff.network";

export function networkName(clusterId: string): string {
  return `skiff-${clusterId}`;
}

interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

function messageOf(e: unknown): string {
  const x = e as EngineError;
  return x?.json?.message ?? x?.message ?? String(e);
}

function fromInspect(info: Dockerode.NetworkInspectInfo): ClusterNetwork {
  const cfg = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(":"));
  if (!cfg?.Subnet) throw new Error(`network ${info.Name} has no IPv4 subnet`);
  const plan = planFor(cfg.Subnet);
  return { ...plan, podRange: cfg.IPRange || plan.podRange, gateway: cfg.Gateway || plan.gateway, name: info.Name, id: info.Id, bridge: `br-${info.Id.slice(0, 12)}` };
}

async function inspectByName(docker: Dockerode, name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as Dockerode.NetworkInspectInfo;
  } catch (e) {
    if ((e as EngineError).statusCode === 404) return undefined;
    throw e;
  }
}

/** Subnets the engine's networks and the host's routes already use. */
async function subnetsInUse(docker: Dockerode): Promise<string[]> {
  const nets = (await docker.listNetworks()) as Dockerode.NetworkInspectInfo[];
  const engine = nets.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? "").filter((s) => s && !s.includes(":")));
  return [...engine, ...hostRoutes()];
}

/**
 * The cluster's network, created when missing. Idempotent; safe to call from
 * several processes of one cluster at once (the name is the cluster's).
 * The DNS address is bound on the bridge so a DNS server can listen on it.
 */
export async function ensureClusterNetwork(docker: Dockerode, clusterId: string): Promise<ClusterNetwork> {
  const name = networkName(clusterId);
  const existing = await inspectByName(docker, name);
  const net = existing ? fromInspect(existing) : await createNetwork(docker, clusterId, name);
  // Without root (or without iproute2) the DNS address stays unbound; pods still get pod-to-pod traffic.
  await addHostAddress(net.bridge, net.dnsAddress).catch(() => undefined);
  return net;
}

/** Where a cluster's search for a subnet starts: derived from its id, so clusters starting together rarely race. */
export function firstCandidate(clusterId: string): number {
  return createHash("sha256").update(clusterId).digest().readUInt16BE(0) % CANDIDATE_COUNT;
}

async function createNetwork(docker: Dockerode, clusterId: string, name: string): Promise<ClusterNetwork> {
  const start = firstCandidate(clusterId);
  let lastError = "";
  for (let round = 0; round < 2; round++) {
    const used = await subnetsInUse(docker);
    for (let j = 0; j < CANDIDATE_COUNT; j++) {
      const subnet = candidateSubnet(start + j);
      if (used.some((u) => cidrsOverlap(u, subnet))) continue;
      const plan = planFor(subnet);
      try {
        await docker.createNetwork({
          Name: name,
          Driver: "bridge",
          CheckDuplicate: true,
          Labels: { [LABELS.cluster]: clusterId, [NETWORK_LABEL]: "pod" },
          IPAM: { Driver: "default", Config: [{ Subnet: plan.subnet, IPRange: plan.podRange, Gateway: plan.gateway }] },
        });
      } catch (e) {
        const msg = messageOf(e);
        lastError = msg;
        // Another cluster took this subnet a moment ago: try the next one.
        if (/overlap/i.test(msg)) continue;
        // Another process of this cluster created it first.
        if ((e as EngineError).statusCode === 409 || /already exists/i.test(msg)) break;
        throw new Error(`creating Docker network ${name} (${subnet}): ${msg}`);
      }
      break;
    }
    const made = await inspectByName(docker, name);
    if (made) return fromInspect(made);
  }
  throw new Error(`no free subnet for Docker network ${name} in 10.224.0.0/12${lastError ? ` (last error: ${lastError})` : ""}`);
}

/**
 * Removes the cluster's network unless containers are still attached (e.g.
 * `skiff down --keep-containers`); returns whether it is gone. Addresses bound
 * on the bridge go with it.
 */
export async function removeClusterNetwork(docker: Dockerode, clusterId: string): Promise<boolean> {
  const info = await inspectByName(docker, networkName(clusterId));
  if (!info) return true;
  if (Object.keys(info.Containers ?? {}).length > 0) return false;
  try {
    await docker.getNetwork(info.Id).remove();
    return true;
  } catch (e) {
    if ((e as EngineError).statusCode === 404) return true;
    // "has active endpoints": a container attached meanwhile; keep the network.
    if (/active endpoints/i.test(messageOf(e))) return false;
    throw e;
  }
}

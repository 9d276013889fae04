// Wiring of the Docker pod network for `skiff up`: the cluster's bridge network
// (runtime/docker-network.ts), what the agents need to put pods on it, and what
// the proxy needs to serve cluster IPs in the kernel. Undefined on the fake
// runtime, which keeps its loopback model.
import type Dockerode from "dockerode";
import type { PodNetworkConfig } from "../agent/sandbox.js";
import { kernelProxyAvailable, type KernelProxyConfig } from "../proxy/kernel-proxier.js";
import { ensureClusterNetwork, removeClusterNetwork, type ClusterNetwork } from "../runtime/docker-network.js";
import type { ContainerRuntime } from "../runtime/runtime.js";

/** The sandbox image: any image with `sh` and `sleep`; skiff's busybox is always there where skiff's tests run. */
export const DEFAULT_PAUSE_IMAGE = process.env.SKIFF_PAUSE_IMAGE ?? "skiff/busybox:latest";

export interface PodNetworkSetup {
  network: ClusterNetwork;
  podNetwork: PodNetworkConfig;
  /** Undefined when this process cannot program the kernel (not root): cluster IPs are then not served. */
  kernel: KernelProxyConfig | undefined;
  /** Removes the network unless containers of the cluster are still attached. Never throws. */
  remove(): Promise<void>;
}

function engineOf(runtime: ContainerRuntime): Dockerode | undefined {
  const r = runtime as ContainerRuntime & { docker?: Dockerode };
  return runtime.name === "docker" && r.docker ? r.docker : undefined;
}

export async function setUpPodNetwork(runtime: ContainerRuntime, clusterId: string, log?: (line: string) => void): Promise<PodNetworkSetup | undefined> {
  const docker = engineOf(runtime);
  if (!docker) return undefined;
  const network = await ensureClusterNetwork(docker, clusterId);
  const kernel = (await kernelProxyAvailable()) ? { clusterId, bridge: network.bridge, serviceRange: network.serviceRange, dnsAddress: network.dnsAddress } : undefined;
  if (!kernel) log?.(`pod network ${network.name}: not running as root, so Service cluster IPs are not served (node ports are)`);
  return {
    network,
    podNetwork: { network: network.name, dnsAddress: network.dnsAddress, pauseImage: DEFAULT_PAUSE_IMAGE },
    kernel,
    remove: async () => {
      await removeClusterNetwork(docker, clusterId).catch((e: Error) => log?.(`pod network ${network.name}: not removed: ${e.message}`));
    },
  };
}

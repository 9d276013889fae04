// Cluster DNS as `skiff up` runs it: the `kube-dns` Service in kube-system
// (what pods' resolv.conf and `kubectl get svc -n kube-system` show), its
// Endpoints, and the DnsServer answering on the Service's cluster IP.
//
// UDP is bound on clusterIP:53 directly (the Service proxy only carries TCP);
// TCP listens on a side port of the same address, and the kube-dns Endpoints
// point the Service's 53/TCP there, so the proxy that owns clusterIP:53/TCP
// carries DNS-over-TCP like any other Service.
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import { InformerClusterView } from "./informer-view.js";
import { DnsServer } from "./server.js";
import { hostUpstreams, type Upstream } from "./upstream.js";

export const DNS_NAMESPACE = "kube-system";
export const DNS_SERVICE = "kube-dns";
export const CLUSTER_DOMAIN = "cluster.local";

export interface ClusterDnsOptions {
  client: Client;
  informers: InformerFactory;
  /** The DNS address (the pod network's reserved one); absent: the API allocates a cluster IP (loopback). */
  address?: string;
  /** Default 53. */
  port?: number;
  zone?: string;
  /**
   * True (default): the Service proxy carries clusterIP:53/TCP, so TCP listens on
   * a side port the Endpoints name. False: the proxy leaves the DNS address alone
   * (the pod network's kernel proxier does) and TCP listens on address:53 too.
   */
  tcpViaProxy?: boolean;
  /** Default: the host's /etc/resolv.conf nameservers, minus the DNS address itself. */
  upstreams?: () => Upstream[];
  onError?: (e: Error) => void;
}

export interface ClusterDns {
  server: DnsServer;
  /** The kube-dns cluster IP and the UDP port it answers on. */
  address: string;
  port: number;
  stop(): Promise<void>;
}

function dnsService(address: string | undefined): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: DNS_SERVICE, namespace: DNS_NAMESPACE, labels: { "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS", "kubernetes.io/cluster-service": "true" } },
    spec: {
      ...(address ? { clusterIP: address } : {}),
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ],
    },
  };
}

async function ensureService(client: Client, address: string | undefined): Promise<string> {
  let svc: KubeObject;
  try {
    svc = await client.get(R.services, DNS_NAMESPACE, DNS_SERVICE);
  } catch (e) {
    if (!isApiError(e, "NotFound")) throw e;
    try {
      svc = await client.create(R.services, DNS_NAMESPACE, dnsService(address));
    } catch (ce) {
      // Another control plane over the same store made it first.
      if (!isApiError(ce, "AlreadyExists")) throw ce;
      svc = await client.get(R.services, DNS_NAMESPACE, DNS_SERVICE);
    }
  }
  let ip = (svc.spec as { clusterIP?: string } | undefined)?.clusterIP;
  if (address && ip !== address) {
    // Made by an earlier run on another network (or runtime): pods are told `address`, so move it there.
    await client.delete(R.services, DNS_NAMESPACE, DNS_SERVICE);
    svc = await client.create(R.services, DNS_NAMESPACE, dnsService(address));
    ip = (svc.spec as { clusterIP?: string } | undefined)?.clusterIP;
  }
  if (!ip || ip === "None") throw new Error(`service ${DNS_NAMESPACE}/${DNS_SERVICE} has no cluster IP`);
  return ip;
}

async function ensureEndpoints(client: Client, ip: string, udpPort: number, tcpPort: number): Promise<void> {
  const subsets = [{ addresses: [{ ip }], ports: [{ name: "dns", port: udpPort, protocol: "UDP" }, { name: "dns-tcp", port: tcpPort, protocol: "TCP" }] }];
  try {
    const cur = await client.get(R.endpoints, DNS_NAMESPACE, DNS_SERVICE);
    await client.update(R.endpoints, { ...cur, subsets });
  } catch (e) {
    if (!isApiError(e, "NotFound")) throw e;
    await client.create(R.endpoints, DNS_NAMESPACE, { apiVersion: "v1", kind: "Endpoints", metadata: { name: DNS_SERVICE, namespace: DNS_NAMESPACE }, subsets });
  }
}

/** Make sure kube-dns exists, bind the server on its cluster IP and publish its endpoints. */
export async function startClusterDns(opts: ClusterDnsOptions): Promise<ClusterDns> {
  const zone = opts.zone ?? CLUSTER_DOMAIN;
  const address = await ensureService(opts.client, opts.address);
  const view = new InformerClusterView(opts.informers, zone);
  await view.start();
  const upstreams = opts.upstreams ?? (() => hostUpstreams().filter((u) => u.host !== address));
  const tcp = opts.tcpViaProxy === false ? undefined : { host: address, port: 0 };
  const server = new DnsServer({ view, host: address, port: opts.port ?? 53, tcp, zone, upstreams, onError: opts.onError });
  await server.start();
  try {
    await ensureEndpoints(opts.client, address, server.address.port, server.tcpAddress.port);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return { server, address, port: server.address.port, stop: () => server.stop() };
}

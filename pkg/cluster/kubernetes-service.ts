// The `kubernetes` Service in `default`, as every Kubernetes API server keeps
// it (its bootstrap controller): cluster IP = the first address of the service
// range, port 443/https → the API server, with Endpoints the server writes
// itself (the Service has no selector). In-cluster clients find the API this
// way: client-go's in-cluster config dials kubernetes.default.svc, and the
// serving certificate names it and the cluster IP.
import { createServer, connect, type Server } from "node:net";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { intToIp, parseIpv4Cidr } from "../util/address-plan.js";

export const KUBERNETES_SERVICE = "kubernetes";
export const KUBERNETES_SERVICE_NAMES = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];

/** The first usable address of a service range ("10.231.24.0/21" → "10.231.24.1"); Kubernetes reserves it for this Service. */
export function kubernetesServiceIp(serviceRange: string): string {
  const range = parseIpv4Cidr(serviceRange);
  if (!range) throw new Error(`service range ${serviceRange} is not an IPv4 CIDR`);
  return intToIp((range.base + 1) >>> 0);
}

export interface KubernetesServiceOptions {
  clusterIP: string;
  /** Where clients of the Service reach the API server: its address and port. */
  endpoint: { ip: string; port: number };
}

const LABELS = { component: "apiserver", provider: "kubernetes" };

function service(o: KubernetesServiceOptions): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: KUBERNETES_SERVICE, namespace: "default", labels: LABELS },
    spec: { type: "ClusterIP", clusterIP: o.clusterIP, sessionAffinity: "None", ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: o.endpoint.port }] },
  };
}

/** Creates or corrects the Service and writes its Endpoints; idempotent, safe on every start. */
export async function publishKubernetesService(client: Client, o: KubernetesServiceOptions): Promise<void> {
  let current: KubeObject | undefined;
  try {
    current = await client.get(R.services, "default", KUBERNETES_SERVICE);
  } catch (e) {
    if (!isApiError(e, "NotFound")) throw e;
  }
  const spec = current?.spec as { clusterIP?: string; ports?: Array<{ targetPort?: unknown }> } | undefined;
  if (current && (spec?.clusterIP !== o.clusterIP || spec?.ports?.[0]?.targetPort !== o.endpoint.port)) {
    // Made by an earlier run on another network or port: a cluster IP cannot change in place.
    await client.delete(R.services, "default", KUBERNETES_SERVICE);
    current = undefined;
  }
  if (!current) {
    try {
      await client.create(R.services, "default", service(o));
    } catch (e) {
      if (!isApiError(e, "AlreadyExists")) throw e; // another API server over the same store made it
    }
  }
  const subsets = [{ addresses: [{ ip: o.endpoint.ip }], ports: [{ name: "https", port: o.endpoint.port, protocol: "TCP" }] }];
  try {
    const endpoints = await client.get(R.endpoints, "default", KUBERNETES_SERVICE);
    await client.update(R.endpoints, { ...endpoints, subsets });
  } catch (e) {
    if (!isApiError(e, "NotFound")) throw e;
    await client.create(R.endpoints, "default", { apiVersion: "v1", kind: "Endpoints", metadata: { name: KUBERNETES_SERVICE, namespace: "default", labels: LABELS }, subsets });
  }
}

/**
 * Pods on the Docker pod network reach the host on the bridge's address, while
 * the API server listens on loopback: this relays `address:port` to it, byte
 * for byte (TLS stays end to end).
 */
export async function relayToApiServer(address: string, port: number, target: { host: string; port: number }): Promise<Server> {
  const server = createServer((socket) => {
    const upstream = connect(target.port, target.host);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return server;
}

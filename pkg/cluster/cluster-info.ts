// kube-public/cluster-info, as kubeadm publishes it: the API server's address
// and the cluster CA, readable without credentials (only this one object, only
// GET), so a joining node can find the CA and check it against the hash it was
// given before it sends its token anywhere (pkg/cluster/join.ts).
import { parse, stringify } from "yaml";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";

export const CLUSTER_INFO = { namespace: "kube-public", name: "cluster-info" } as const;
/** The one path anyone may GET without a token (ApiServerOptions.anonymousGetPaths). */
export const CLUSTER_INFO_PATH = `/api/v1/namespaces/${CLUSTER_INFO.namespace}/configmaps/${CLUSTER_INFO.name}`;

/** The kubeconfig fragment kubeadm puts in cluster-info: the server and its CA, no credentials. */
export function clusterInfoKubeconfig(server: string, caPem: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "", cluster: { server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    contexts: [],
    users: [],
    "current-context": "",
  });
}

/**
 * Create or refresh kube-public/cluster-info. Idempotent; every control plane
 * of an HA set calls it at start; the CA is the same for all, so the first
 * one's entry stays (agents use the --server they were given, not this URL).
 */
export async function publishClusterInfo(client: Client, server: string, caPem: string): Promise<void> {
  const want = { kubeconfig: clusterInfoKubeconfig(server, caPem) };
  const obj: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: CLUSTER_INFO.name, namespace: CLUSTER_INFO.namespace }, data: want } as KubeObject;
  for (let attempt = 0; attempt < 5; attempt++) {
    let current: KubeObject | undefined;
    try {
      current = await client.get(R.configmaps, CLUSTER_INFO.namespace, CLUSTER_INFO.name);
    } catch (e) {
      if (!isApiError(e, "NotFound")) throw e;
    }
    try {
      if (!current) await client.create(R.configmaps, CLUSTER_INFO.namespace, obj);
      else if (caOfKubeconfig((current as { data?: Record<string, string> }).data?.kubeconfig) !== caPem) {
        await client.update(R.configmaps, { ...current, data: want } as KubeObject);
      }
      return;
    } catch (e) {
      if (!isApiError(e, "AlreadyExists") && !isApiError(e, "Conflict")) throw e;
    }
  }
}

export function caOfKubeconfig(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const cfg = parse(text) as { clusters?: Array<{ cluster?: { "certificate-authority-data"?: string } }> };
    const data = cfg.clusters?.[0]?.cluster?.["certificate-authority-data"];
    return data ? Buffer.from(data, "base64").toString("utf8") : undefined;
  } catch {
    return undefined;
  }
}


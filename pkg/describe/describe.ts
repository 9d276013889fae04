// Gathers what each describer needs (related ReplicaSets, pods, endpoints,
// events) through the Client, then hands it to the pure formatters.
import type { CoreV1Event, V1ConfigMap, V1Secret, V1Deployment, V1Endpoints, V1Lease, V1Namespace, V1Node, V1Pod, V1ReplicaSet, V1Service } from "@kubernetes/client-node";
import { isApiError } from "../api/errors.js";
import { apiVersionOf, R, type ResourceInfo } from "../api/kinds.js";
import { LabelSelector, type LabelSelectorObject } from "../api/selector.js";
import { as, type KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { describeConfigMap, describeEndpoints, describeGeneric, describeNamespace, describeService } from "./core.js";
import { describeNode } from "./node.js";
import { describeSecret } from "./secret.js";
import { describePod } from "./pod.js";
import { ownedReplicaSets } from "./rollout.js";
import { describeDeployment, describeReplicaSet } from "./workloads.js";

export interface DescribeSettings {
  showEvents: boolean;
  now?: Date;
}

/** Namespace holding node heartbeat Leases, as in Kubernetes. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** searchEvents: events whose involvedObject is obj (by name, namespace, kind and uid). */
export async function eventsFor(client: Client, obj: KubeObject, uid = obj.metadata.uid): Promise<CoreV1Event[]> {
  const ns = obj.metadata.namespace;
  const terms = [`involvedObject.name=${obj.metadata.name}`, ...(ns ? [`involvedObject.namespace=${ns}`] : []), `involvedObject.kind=${obj.kind}`, ...(uid ? [`involvedObject.uid=${uid}`] : [])];
  const list = await client.list(R.events, ns || undefined, { fieldSelector: terms.join(",") });
  return list.items.map((o) => as<CoreV1Event>(o));
}

function templateEqualIgnoringHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = structuredClone(t ?? {}) as { metadata?: { labels?: Record<string, string> } };
    if (c.metadata?.labels) delete c.metadata.labels["pod-template-hash"];
    return JSON.stringify(sortKeys(c));
  };
  return strip(a) === strip(b);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}

/** deploymentutil.GetAllReplicaSets: the oldest with the deployment's template is the new one; all others are old. */
export function splitReplicaSets(deploy: V1Deployment, owned: V1ReplicaSet[]): { newRs?: V1ReplicaSet; oldRss: V1ReplicaSet[] } {
  const byAge = [...owned].sort((a, b) => String(a.metadata?.creationTimestamp ?? "").localeCompare(String(b.metadata?.creationTimestamp ?? "")) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  const newRs = byAge.find((rs) => templateEqualIgnoringHash(rs.spec?.template, deploy.spec?.template));
  const oldRss = byAge.filter((rs) => rs !== newRs);
  return { newRs, oldRss };
}

/** The describe text of one object of `info`'s kind. */
export async function describeObject(client: Client, info: ResourceInfo, object: KubeObject, settings: DescribeSettings): Promise<string> {
  // List items come without kind and apiVersion; events are looked up by kind.
  const obj: KubeObject = { ...object, apiVersion: apiVersionOf(info), kind: info.kind };
  const now = settings.now ?? new Date();
  const events = settings.showEvents ? await eventsFor(client, obj) : undefined;
  const base = { now, events };
  const ns = obj.metadata.namespace;
  switch (info.kind) {
    case "Pod":
      return describePod(as<V1Pod>(obj), base);
    case "Deployment": {
      const owned = await ownedReplicaSets(client, obj);
      const { newRs, oldRss } = splitReplicaSets(as<V1Deployment>(obj), owned);
      return describeDeployment(as<V1Deployment>(obj), { ...base, newReplicaSet: newRs, oldReplicaSets: oldRss });
    }
    case "ReplicaSet": {
      const sel = (obj.spec as { selector?: LabelSelectorObject } | undefined)?.selector;
      const pods = await client.list(R.pods, ns, { labelSelector: LabelSelector.fromObject(sel).toString() || undefined });
      return describeReplicaSet(as<V1ReplicaSet>(obj), { ...base, pods: pods.items.map((o) => as<V1Pod>(o)) });
    }
    case "Node": {
      const name = obj.metadata.name!;
      const pods = await client.list(R.pods, undefined, { fieldSelector: `spec.nodeName=${name},status.phase!=Succeeded,status.phase!=Failed` });
      let lease: V1Lease | string | undefined;
      try {
        lease = as<V1Lease>(await client.get(R.leases, NODE_LEASE_NAMESPACE, name));
      } catch (e) {
        if (!isApiError(e)) throw e;
        lease = e.message;
      }
      // Agents report node events under the node's name as its uid, controllers under the real uid.
      const allEvents = events && [...events, ...(await eventsFor(client, obj, name))];
      return describeNode(as<V1Node>(obj), { now, events: allEvents, pods: pods.items.map((o) => as<V1Pod>(o)), lease });
    }
    case "Service": {
      let endpoints: V1Endpoints | undefined;
      try {
        endpoints = as<V1Endpoints>(await client.get(R.endpoints, ns, obj.metadata.name!));
      } catch (e) {
        if (!isApiError(e) || e.reason !== "NotFound") throw e;
      }
      return describeService(as<V1Service>(obj), { ...base, endpoints });
    }
    case "Namespace":
      return describeNamespace(as<V1Namespace>(obj));
    case "ConfigMap":
      return describeConfigMap(as<V1ConfigMap>(obj), base);
    case "Endpoints":
      return describeEndpoints(as<V1Endpoints>(obj), base);
    case "Secret":
      return describeSecret(as<V1Secret>(obj));
    default:
      return describeGeneric(obj, base);
  }
}

// Small builders for nodes and pods as the API returns them: used by the
// scheduler's tests and benchmark, and handy for fake clusters.
import type { V1Affinity, V1ContainerPort, V1Taint, V1Toleration, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import type { Node, Pod } from "./framework.js";

export interface NodeSpecInput {
  cpu?: string;
  memory?: string;
  pods?: string | number;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  unschedulable?: boolean;
  /** Ready condition status; default "True". undefined-like "none" leaves the condition out. */
  ready?: "True" | "False" | "Unknown" | "none";
}

export function makeNode(name: string, o: NodeSpecInput = {}): Node {
  const allocatable: Record<string, string> = { cpu: o.cpu ?? "4", memory: o.memory ?? "8Gi", pods: String(o.pods ?? 110) };
  const ready = o.ready ?? "True";
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...(o.labels ?? {}) } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: { ...allocatable },
      allocatable,
      conditions: ready === "none" ? [] : [{ type: "Ready", status: ready, reason: ready === "True" ? "KubeletReady" : "NodeStatusUnknown" }],
    },
  };
}

export interface PodSpecInput {
  namespace?: string;
  uid?: string;
  /** Requests of the single container; omitted = requests nothing. */
  cpu?: string;
  memory?: string;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  affinity?: V1Affinity;
  hostPorts?: Array<Pick<V1ContainerPort, "hostPort" | "hostIP" | "protocol">>;
  ownerUid?: string;
  priority?: number;
  creationTimestamp?: string;
  schedulerName?: string;
  labels?: Record<string, string>;
  topologySpreadConstraints?: V1TopologySpreadConstraint[];
  schedulingGates?: string[];
  /** Requests of resources other than cpu and memory ("example.com/dongle": "2"). */
  extended?: Record<string, string>;
}

export function makePod(name: string, o: PodSpecInput = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu !== undefined) requests.cpu = o.cpu;
  if (o.memory !== undefined) requests.memory = o.memory;
  Object.assign(requests, o.extended ?? {});
  const ns = o.namespace ?? "default";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: ns,
      uid: o.uid ?? `uid-${ns}-${name}`,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.creationTimestamp ? { creationTimestamp: o.creationTimestamp } : {}),
      ...(o.ownerUid ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: o.ownerUid, controller: true }] } : {}),
    },
    spec: {
      containers: [
        {
          name: "app",
          image: "nginx:1.27",
          ...(Object.keys(requests).length > 0 ? { resources: { requests } } : {}),
          ...(o.hostPorts ? { ports: o.hostPorts.map((p) => ({ containerPort: p.hostPort ?? 80, ...p })) } : {}),
        },
      ],
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
      ...(o.tolerations ? { tolerations: o.tolerations } : {}),
      ...(o.affinity ? { affinity: o.affinity } : {}),
      ...(o.priority !== undefined ? { priority: o.priority } : {}),
      ...(o.schedulerName ? { schedulerName: o.schedulerName } : {}),
      ...(o.topologySpreadConstraints ? { topologySpreadConstraints: o.topologySpreadConstraints } : {}),
      ...(o.schedulingGates ? { schedulingGates: o.schedulingGates.map((name) => ({ name })) } : {}),
    },
    status: { phase: "Pending" },
  };
}

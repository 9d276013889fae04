// The Node object an agent registers and keeps current, and its Lease
// heartbeat (kube-node-lease/<node>), in the shapes the kubelet writes.
import { readFileSync } from "node:fs";
import os from "node:os";
import type { V1Taint } from "@kubernetes/client-node";
import type { KubeObject } from "../api/types.js";
import type { ImageInfo } from "../runtime/runtime.js";
import { microTime, rfc3339 } from "./types.js";

export const KUBELET_VERSION = "v1.32.0-skiff";
export const LEASE_NAMESPACE = "kube-node-lease";
export const LEASE_DURATION_SECONDS = 40;
/** Kubernetes reports at most this many images in node status. */
const MAX_IMAGES = 50;

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: number;
}

export function hostCapacity(): NodeCapacity {
  return { cpu: String(os.cpus().length || 1), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: 110 };
}

export interface NodeIdentity {
  nodeName: string;
  hostIP: string;
  runtimeName: string;
  /** e.g. "docker://24.0.7" or "fake://0.1.0". */
  runtimeVersion: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  capacity: NodeCapacity;
}

export function nodeLabels(id: NodeIdentity): Record<string, string> {
  return {
    "kubernetes.io/hostname": id.nodeName,
    "kubernetes.io/os": os.platform() === "win32" ? "windows" : os.platform(),
    "kubernetes.io/arch": goArch(),
    "beta.kubernetes.io/os": os.platform(),
    "beta.kubernetes.io/arch": goArch(),
    "skiff.dev/runtime": id.runtimeName,
    ...id.labels,
  };
}

export function nodeObject(id: NodeIdentity): KubeObject {
  const spec: Record<string, unknown> = {};
  if (id.taints?.length) spec.taints = id.taints;
  return { apiVersion: "v1", kind: "Node", metadata: { name: id.nodeName, labels: nodeLabels(id) }, spec };
}

/** A condition the agent reports other than its healthy default (runtime down, pressure). */
export interface ConditionOverride {
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

export type NodeConditionType = "MemoryPressure" | "DiskPressure" | "PIDPressure" | "Ready";
export type ConditionOverrides = Partial<Record<NodeConditionType, ConditionOverride>>;

interface NodeCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

/**
 * The node's status. Conditions keep their lastTransitionTime from `previous`
 * when their status did not change; lastHeartbeatTime is always `now`.
 */
export function nodeStatus(
  id: NodeIdentity,
  now: number,
  images: ImageInfo[],
  previous?: { conditions?: NodeCondition[] },
  overrides: ConditionOverrides = {},
): Record<string, unknown> {
  const cap = { cpu: id.capacity.cpu, memory: id.capacity.memory, pods: String(id.capacity.pods) };
  const cond = (type: NodeConditionType, healthyStatus: string, healthyReason: string, healthyMessage: string): NodeCondition => {
    const o = overrides[type];
    const [status, reason, message] = o ? [o.status, o.reason, o.message] : [healthyStatus, healthyReason, healthyMessage];
    const prev = previous?.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: rfc3339(now),
      lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : rfc3339(now),
    };
  };
  return {
    capacity: cap,
    allocatable: { ...cap },
    conditions: [
      cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
      cond("Ready", "True", "KubeletReady", "skiff agent is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: id.hostIP },
      { type: "Hostname", address: id.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: os.release(),
      osImage: osImage(),
      containerRuntimeVersion: id.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: os.platform(),
      architecture: goArch(),
    },
    images: [...images]
      .sort((a, b) => b.sizeBytes - a.sizeBytes)
      .slice(0, MAX_IMAGES)
      .map((i) => ({ names: [...i.repoTags, i.id], sizeBytes: i.sizeBytes })),
  };
}

/**
 * Copy resources the agent does not measure (extended resources such as
 * example.com/dongle) from the node's current status into the new one. Like
 * the kubelet, an extended resource found only in capacity is mirrored into
 * allocatable, so `kubectl describe node` lists it under both.
 */
export function keepExtendedResources(status: Record<string, unknown>, current: unknown): void {
  const cur = (current ?? {}) as { capacity?: Record<string, string>; allocatable?: Record<string, string> };
  const capacity = status.capacity as Record<string, string>;
  const allocatable = status.allocatable as Record<string, string>;
  for (const [k, v] of Object.entries(cur.capacity ?? {})) {
    if (k in capacity) continue;
    capacity[k] = v;
    allocatable[k] = cur.allocatable?.[k] ?? v;
  }
}

/** Status without the timestamps that move on every post, to see whether anything really changed. */
export function nodeStatusFingerprint(status: Record<string, unknown>): string {
  return JSON.stringify(status, (k, v: unknown) => (k === "lastHeartbeatTime" ? undefined : v));
}

export function leaseObject(nodeName: string, nodeUid: string | undefined, now: number): KubeObject {
  const metadata: KubeObject["metadata"] = { name: nodeName, namespace: LEASE_NAMESPACE };
  if (nodeUid) metadata.ownerReferences = [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUid }];
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata,
    spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(now) },
  };
}

function goArch(): string {
  const a = os.arch();
  return a === "x64" ? "amd64" : a === "ia32" ? "386" : a;
}

let cachedOsImage: string | undefined;
function osImage(): string {
  if (cachedOsImage !== undefined) return cachedOsImage;
  cachedOsImage = `${os.type()} ${os.release()}`;
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
    if (m) cachedOsImage = m[1];
  } catch {
    // not Linux, or no os-release: the kernel name will do
  }
  return cachedOsImage;
}

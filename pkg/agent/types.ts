// Pod shapes as the agent reads and writes them on the wire: the client-node
// model types for the spec, and status types whose timestamps are RFC 3339
// strings (client-node's models use Date, which never travels as such).
import type { V1Container, V1PodSpec } from "@kubernetes/client-node";
import type { KubeObject } from "../api/types.js";

export type { V1Container, V1PodSpec };

export interface ContainerStateWaiting {
  reason: string;
  message?: string;
}

export interface ContainerStateRunning {
  startedAt: string;
}

export interface ContainerStateTerminated {
  exitCode: number;
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID: string;
}

export interface ContainerStateWire {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatusWire {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerStateWire;
  lastState: ContainerStateWire;
}

export interface PodConditionWire {
  type: string;
  status: "True" | "False" | "Unknown";
  lastProbeTime: string | null;
  lastTransitionTime: string;
  reason?: string;
  message?: string;
}

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export interface PodStatusWire {
  phase: PodPhase;
  conditions: PodConditionWire[];
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  startTime?: string;
  qosClass?: string;
  initContainerStatuses?: ContainerStatusWire[];
  containerStatuses: ContainerStatusWire[];
  message?: string;
  reason?: string;
  [extra: string]: unknown;
}

/** A pod as the agent handles it. */
export interface AgentPod extends KubeObject {
  spec: V1PodSpec;
  status?: Partial<PodStatusWire>;
}

/** metav1.Time: RFC 3339 with whole seconds. */
export { rfc3339 } from "../api/time.js";

/** metav1.MicroTime: RFC 3339 with microseconds (Lease renewTime). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** "name_namespace(uid)", how the kubelet names a pod in messages (format.Pod). */
export function podDesc(pod: KubeObject): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

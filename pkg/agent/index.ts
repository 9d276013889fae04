// The node agent's public surface: the Agent, its log/stats providers, and the
// helpers other components reuse (pod IP ranges, status rules).
export { Agent, NODE_NAME_INDEX, type AgentOptions } from "./agent.js";
export { agentLogs, agentStats, type NodeStats, type PodStats, type ContainerUsage, type PodLogOptions, type PodLogSource } from "./logs.js";
export { DEFAULT_BACKOFF, type BackoffConfig } from "./backoff.js";
export { podCidrFromName, lowestFreeIp } from "./pod-ip.js";
export { KUBELET_VERSION, LEASE_NAMESPACE, hostCapacity, type NodeCapacity } from "./node-status.js";
export type { ProbeTimingOverrides } from "./probes.js";

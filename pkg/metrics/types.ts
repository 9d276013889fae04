// The shapes the metrics pipeline passes around: one usage sample per pod (with
// its containers) and per node, as the sampler collected them from the node
// agents. Readers (the metrics.k8s.io API, the HPA controller, `skiff usage`)
// depend on the MetricsReader interface, never on the sampler, so tests can
// feed numbers of their own.

export interface ContainerSample {
  name: string;
  /** 1e9 = one CPU. */
  cpuNanoCores: number;
  /** Working set bytes. */
  memoryBytes: number;
}

export interface PodSample {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  /** Epoch ms when the sample was taken. */
  timestamp: number;
  /** The period the rate describes (metrics-server's "window"). */
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
  containers: ContainerSample[];
}

export interface NodeSample {
  nodeName: string;
  timestamp: number;
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
}

/** One sampling round over every node. */
export interface MetricsSnapshot {
  timestamp: number;
  windowMs: number;
  nodes: NodeSample[];
  pods: PodSample[];
}

/** Latest usage, as the resource metrics API serves it. */
export interface MetricsReader {
  /** Every node with a current sample. */
  nodeMetrics(): NodeSample[];
  /** Pods with a current sample; all namespaces when namespace is undefined. */
  podMetrics(namespace?: string): PodSample[];
}

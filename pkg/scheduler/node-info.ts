// A node plus the running totals of the pods on it (assumed ones included),
// kept up to date incrementally so that every Filter and Score is a few number
// comparisons (kube-scheduler's framework.NodeInfo).
import type { V1Taint } from "@kubernetes/client-node";
import { nodeReadyStatus } from "../api/node-readiness.js";
import type { Node } from "./framework.js";
import { bytes, milliCpu, type HostPort, type PodInfo, type Resources } from "./pod-info.js";

export interface Allocatable extends Resources {
  /** How many pods the node takes. A node that does not say takes none, as in Kubernetes. */
  pods: number;
}

export type ReadyState = "True" | "False" | "Unknown";

export class NodeInfo {
  /** undefined while pods name a node the scheduler has not seen (or no longer sees). */
  node: Node | undefined;
  allocatable: Allocatable = { milliCpu: 0, memory: 0, pods: 0 };
  /** Sum of the pods' requests. */
  readonly requested: Resources = { milliCpu: 0, memory: 0 };
  /** Sum of the pods' non-zero requests (scoring only). */
  readonly nonZeroRequested: Resources = { milliCpu: 0, memory: 0 };
  /** Pods on the node by key, assumed ones included. */
  readonly pods = new Map<string, PodInfo>();
  /** "TCP/8080" → host IP → how many pods use it. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** Controller uid → how many of its pods are on this node (for spreading). */
  readonly ownerCounts = new Map<string, number>();
  /** Every resource besides cpu, memory and pods the node offers (extended resources, hugepages…), as counts. */
  scalarAllocatable = new Map<string, number>();
  /** Sum of the pods' requests of those resources. */
  readonly scalarRequested = new Map<string, number>();
  /** Pods here with terms that score other pods (required affinity, any preferred term): InterPodAffinity's PreScore needs only these. */
  readonly podsWithAffinity = new Set<PodInfo>();
  /** Pods here with required anti-affinity: every incoming pod is checked against them. */
  readonly podsWithRequiredAntiAffinity = new Set<PodInfo>();
  /**
   * Bumped whenever the node's pods or labels change. Plugins that count
   * matching pods per node memoise the count under this generation, so a
   * cycle recounts only the nodes that changed since the last one.
   */
  generation = 0;
  /** Told of every pod added or removed here (the cache keeps cluster-wide counts from it). */
  listener?: (node: NodeInfo, p: PodInfo, sign: 1 | -1) => void;
  private readonly memos = new Map<number, { generation: number; value: unknown }>();

  // Derived from the Node object once per update, so filters do not rescan it.
  labels: Record<string, string> = {};
  taints: V1Taint[] = [];
  unschedulable = false;
  /** The Ready condition's status; a node that does not report one is "False" (not ready). */
  ready: ReadyState = "False";

  constructor(
    readonly name: string,
    node?: Node,
  ) {
    if (node) this.setNode(node);
  }

  /** pods.size, kept as a plain field: NodeResourcesFit reads it for every node of every cycle. */
  podCount = 0;

  setNode(node: Node): void {
    this.node = node;
    const status = node.status ?? {};
    const alloc = status.allocatable ?? status.capacity ?? {};
    this.allocatable = { milliCpu: milliCpu(alloc.cpu), memory: bytes(alloc.memory), pods: bytes(alloc.pods) };
    this.labels = node.metadata.labels ?? {};
    this.scalarAllocatable = scalarAllocatableOf(status.allocatable, status.capacity);
    this.generation++;
    this.taints = node.spec?.taints ?? [];
    this.unschedulable = node.spec?.unschedulable === true;
    const ready = nodeReadyStatus(node);
    this.ready = ready === "True" ? "True" : ready === "Unknown" ? "Unknown" : "False";
  }

  addPod(p: PodInfo): void {
    if (this.pods.has(p.key)) this.removePod(p.key);
    this.pods.set(p.key, p);
    this.podCount = this.pods.size;
    this.apply(p, 1);
  }

  /** Returns the removed PodInfo, or undefined when the pod was not here. */
  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    this.podCount = this.pods.size;
    this.apply(p, -1);
    return p;
  }

  /**
   * A value computed from this node's pods and labels, kept until they change.
   * `key` (from memoKey) must name everything else the value depends on (the
   * selector, the namespace…). A number, not the string itself: hashing a long
   * string key for every node of every cycle cost more than the counting.
   */
  memo<T>(key: number, compute: () => T): T {
    const m = this.memos.get(key);
    if (m && m.generation === this.generation) return m.value as T;
    const value = compute();
    // Bounded: one entry per distinct question, dropped wholesale when too many (say, after many one-off selectors).
    if (this.memos.size > 256) this.memos.clear();
    this.memos.set(key, { generation: this.generation, value });
    return value;
  }

  private apply(p: PodInfo, sign: 1 | -1): void {
    this.generation++;
    for (const [k, v] of p.scalar) {
      const n = (this.scalarRequested.get(k) ?? 0) + sign * v;
      if (n !== 0) this.scalarRequested.set(k, n);
      else this.scalarRequested.delete(k);
    }
    if (p.affinity) {
      const a = p.affinity;
      if (a.requiredAffinity.length + a.preferredAffinity.length + a.preferredAntiAffinity.length > 0) {
        if (sign > 0) this.podsWithAffinity.add(p);
        else this.podsWithAffinity.delete(p);
      }
      if (p.affinity.requiredAntiAffinity.length > 0) {
        if (sign > 0) this.podsWithRequiredAntiAffinity.add(p);
        else this.podsWithRequiredAntiAffinity.delete(p);
      }
    }
    this.requested.milliCpu += sign * p.requests.milliCpu;
    this.requested.memory += sign * p.requests.memory;
    this.nonZeroRequested.milliCpu += sign * p.nonZero.milliCpu;
    this.nonZeroRequested.memory += sign * p.nonZero.memory;
    for (const hp of p.hostPorts) {
      const k = portKey(hp);
      let byIp = this.usedPorts.get(k);
      if (!byIp) this.usedPorts.set(k, (byIp = new Map()));
      const n = (byIp.get(hp.ip) ?? 0) + sign;
      if (n > 0) byIp.set(hp.ip, n);
      else byIp.delete(hp.ip);
      if (byIp.size === 0) this.usedPorts.delete(k);
    }
    if (p.ownerUid) {
      const n = (this.ownerCounts.get(p.ownerUid) ?? 0) + sign;
      if (n > 0) this.ownerCounts.set(p.ownerUid, n);
      else this.ownerCounts.delete(p.ownerUid);
    }
    this.listener?.(this, p, sign);
  }

  /**
   * Whether a host port is taken: same protocol and port, and the same IP or
   * either side on 0.0.0.0 (which binds every address).
   */
  portInUse(hp: HostPort): boolean {
    const byIp = this.usedPorts.get(portKey(hp));
    if (!byIp) return false;
    if (hp.ip === "0.0.0.0") return byIp.size > 0;
    return byIp.has(hp.ip) || byIp.has("0.0.0.0");
  }
}

/**
 * Resources other than cpu, memory and pods. The documentation advertises an
 * extended resource by patching status.capacity alone (the kubelet then copies
 * it into allocatable); reading capacity for keys allocatable lacks gives the
 * same answer without waiting for that copy.
 */
function scalarAllocatableOf(allocatable: Record<string, string> | undefined, capacity: Record<string, string> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const src of [capacity ?? {}, allocatable ?? {}]) {
    for (const [k, v] of Object.entries(src)) if (k !== "cpu" && k !== "memory" && k !== "pods") out.set(k, bytes(v));
  }
  return out;
}

const memoKeys = new Map<string, number>();
let nextMemoKey = 0;

/**
 * A small number standing for a memo key string, the same for equal strings.
 * Interned once per pod per plugin, then used for every node. Bounded: when
 * the table is reset, new numbers never reuse old ones, so stale memo entries
 * simply miss.
 */
export function memoKey(key: string): number {
  let n = memoKeys.get(key);
  if (n === undefined) {
    if (memoKeys.size > 100_000) memoKeys.clear();
    memoKeys.set(key, (n = nextMemoKey++));
  }
  return n;
}

function portKey(hp: HostPort): string {
  return `${hp.protocol}/${hp.port}`;
}

// Node lifecycle (kubernetes pkg/controller/nodelifecycle + the taint eviction
// controller): nodes heartbeat by renewing a Lease in kube-node-lease. A node
// not heard from for gracePeriodMs gets Ready=Unknown and the
// node.kubernetes.io/unreachable taints; its pods are marked not ready at once
// and deleted after their toleration (default podEvictionTimeoutMs), so their
// ReplicaSets replace them elsewhere. A heartbeat undoes it all.
//
// "Heard from" is measured on this controller's own clock, when it observes a
// renewTime change (as the real controller's probeTimestamp), so clock skew
// between nodes and the control plane does not matter.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { BY_NODE_NAME } from "./indexes.js";
import type { Reconciler } from "./runner.js";
import { clockOrReal, isConflict, isNotFound, isTerminating, noEvents, rfc3339, type EventSink, type PodLike } from "./util.js";
import { tolerates } from "../api/tolerations.js";

export const LEASE_NAMESPACE = "kube-node-lease";
export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
/** TaintNodesByCondition: a pressure condition True → its NoSchedule taint, so the scheduler places nothing new there. */
export const PRESSURE_TAINTS: Readonly<Record<string, string>> = {
  MemoryPressure: "node.kubernetes.io/memory-pressure",
  DiskPressure: "node.kubernetes.io/disk-pressure",
  PIDPressure: "node.kubernetes.io/pid-pressure",
};
const PRESSURE_TAINT_KEYS = new Set(Object.values(PRESSURE_TAINTS));

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeLike extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean; [k: string]: unknown };
  status?: { conditions?: NodeCondition[]; [k: string]: unknown };
}

export interface LeaseLike extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

export interface NodeLifecycleOptions {
  client: Client;
  nodes: Lister<NodeLike>;
  leases: Lister<LeaseLike>;
  /** Needs the BY_NODE_NAME index. */
  pods: Lister<PodLike>;
  clock?: Clock;
  events?: EventSink;
  /** Silence after which a node is NotReady (Unknown). Default 40 s. */
  gracePeriodMs?: number;
  /** Eviction delay for pods without their own toleration of the taint. Default 300 s. */
  podEvictionTimeoutMs?: number;
}

interface Health {
  /** The heartbeat we last saw (lease renewTime + Ready lastHeartbeatTime). */
  seen: string;
  /** When, on our clock, it changed. */
  probeMs: number;
}

const STOPPED = "Kubelet stopped posting node status.";

function cond(node: NodeLike, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

export class NodeLifecycleController implements Reconciler {
  readonly name = "node-lifecycle";
  private readonly clock: Clock;
  private readonly events: EventSink;
  private readonly graceMs: number;
  private readonly evictionMs: number;
  private readonly health = new Map<string, Health>();

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
    this.graceMs = opts.gracePeriodMs ?? 40_000;
    this.evictionMs = opts.podEvictionTimeoutMs ?? 300_000;
  }

  /** Idempotent: bring one node's Ready condition, taints and pods in line with its heartbeats. */
  async reconcile(nodeName: string): Promise<{ requeueAfterMs?: number }> {
    const node = this.opts.nodes.get(undefined, nodeName);
    if (!node) {
      this.health.delete(nodeName);
      return {};
    }
    const now = this.clock.now();
    const lease = this.opts.leases.get(LEASE_NAMESPACE, nodeName);
    const beat = `${lease?.spec?.renewTime ?? ""}|${cond(node, "Ready")?.lastHeartbeatTime ?? ""}`;
    let h = this.health.get(nodeName);
    if (!h || h.seen !== beat) this.health.set(nodeName, (h = { seen: beat, probeMs: now }));
    const silentFor = now - h.probeMs;
    const silent = silentFor >= this.graceMs;

    let current = node;
    if (silent) current = await this.markUnknown(current);
    else current = await this.markReachable(current);
    current = await this.syncTaints(current);

    let requeueAfterMs = silent ? undefined : this.graceMs - silentFor;
    // A node whose kubelet says NotReady (runtime down…) runs the same eviction timers as a silent one.
    if (silent || cond(current, "Ready")?.status === "False") {
      const next = await this.evictPods(current, silent);
      if (next !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, next);
    }
    return requeueAfterMs === undefined ? {} : { requeueAfterMs: Math.max(1, requeueAfterMs) };
  }

  // --- conditions -------------------------------------------------------------

  private async markUnknown(node: NodeLike): Promise<NodeLike> {
    const ready = cond(node, "Ready");
    if (ready?.status === "Unknown") return node;
    const now = rfc3339(this.clock.now());
    const next = structuredClone(node);
    const conditions = next.status?.conditions ?? [];
    if (!ready) {
      conditions.push({ type: "Ready", status: "Unknown", reason: "NodeStatusNeverUpdated", message: "Kubelet never posted node status.", lastHeartbeatTime: now, lastTransitionTime: now });
    }
    for (const c of conditions) {
      if (c.status === "Unknown") continue;
      c.status = "Unknown";
      c.reason = "NodeStatusUnknown";
      c.message = STOPPED;
      c.lastTransitionTime = now;
    }
    next.status = { ...(next.status ?? {}), conditions };
    const updated = await this.writeStatus(next);
    this.events.event(node, "Normal", "NodeNotReady", `Node ${node.metadata.name} status is now: NodeNotReady`);
    await this.markPodsNotReady(node.metadata.name!);
    return updated ?? node;
  }

  /** Undo our own Unknown once heartbeats return (a kubelet that posts status sets it itself). */
  private async markReachable(node: NodeLike): Promise<NodeLike> {
    const ready = cond(node, "Ready");
    if (!ready || ready.status !== "Unknown" || (ready.reason !== "NodeStatusUnknown" && ready.reason !== "NodeStatusNeverUpdated")) return node;
    const now = rfc3339(this.clock.now());
    const next = structuredClone(node);
    for (const c of next.status?.conditions ?? []) {
      if (c.reason !== "NodeStatusUnknown" && c.reason !== "NodeStatusNeverUpdated") continue;
      const isReady = c.type === "Ready";
      c.status = isReady ? "True" : "False";
      c.reason = isReady ? "KubeletReady" : `KubeletHasNo${c.type}`;
      c.message = isReady ? "kubelet is posting ready status" : `kubelet has no ${c.type}`;
      c.lastTransitionTime = now;
      c.lastHeartbeatTime = now;
    }
    const updated = await this.writeStatus(next);
    this.events.event(node, "Normal", "NodeReady", `Node ${node.metadata.name} status is now: NodeReady`);
    return updated ?? node;
  }

  private async writeStatus(node: NodeLike): Promise<NodeLike | undefined> {
    try {
      return await this.opts.client.updateStatus<NodeLike>(R.nodes, node);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** MarkPodsNotReady: endpoints stop sending traffic to a node we cannot reach. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const now = rfc3339(this.clock.now());
    for (const pod of this.opts.pods.byIndex(BY_NODE_NAME, nodeName)) {
      const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
      if (!ready || ready.status === "False" || isTerminating(pod)) continue;
      const next = structuredClone(pod);
      for (const c of next.status?.conditions ?? []) {
        if (c.type !== "Ready" && c.type !== "ContainersReady") continue;
        c.status = "False";
        c.lastTransitionTime = now;
      }
      try {
        await this.opts.client.updateStatus(R.pods, next);
        this.events.event(pod, "Warning", "NodeNotReady", "Node is not ready");
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  }

  // --- taints -----------------------------------------------------------------

  /**
   * Ready Unknown → unreachable, Ready False → not-ready (NoExecute and NoSchedule); Ready True → none.
   * MemoryPressure / DiskPressure / PIDPressure True → their NoSchedule taints.
   */
  private async syncTaints(node: NodeLike): Promise<NodeLike> {
    const ready = cond(node, "Ready")?.status;
    const wantKey = ready === "Unknown" ? TAINT_UNREACHABLE : ready === "False" ? TAINT_NOT_READY : undefined;
    const taints = node.spec?.taints ?? [];
    const ours = (t: Taint) => t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY;
    const pressure = new Set(Object.entries(PRESSURE_TAINTS).filter(([type]) => cond(node, type)?.status === "True").map(([, key]) => key));
    const keep = taints.filter((t) => {
      if (PRESSURE_TAINT_KEYS.has(t.key)) return pressure.has(t.key) && t.effect === "NoSchedule";
      return !ours(t) || (t.key === wantKey && (t.effect === "NoExecute" || t.effect === "NoSchedule"));
    });
    const now = rfc3339(this.clock.now());
    const want = [...keep];
    for (const key of pressure) if (!want.some((t) => t.key === key)) want.push({ key, effect: "NoSchedule" });
    if (wantKey) {
      for (const effect of ["NoSchedule", "NoExecute"] as const) {
        if (!want.some((t) => t.key === wantKey && t.effect === effect)) {
          want.push(effect === "NoExecute" ? { key: wantKey, effect, timeAdded: now } : { key: wantKey, effect });
        }
      }
    }
    if (want.length === taints.length && want.every((t, i) => taints[i] === t)) return node;
    const next = structuredClone(node);
    next.spec = { ...(next.spec ?? {}), taints: want.length > 0 ? want : undefined };
    if (!next.spec.taints) delete next.spec.taints;
    try {
      return await this.opts.client.update<NodeLike>(R.nodes, next);
    } catch (e) {
      if (isNotFound(e)) return node;
      throw e;
    }
  }

  // --- eviction ---------------------------------------------------------------

  /** Delete pods whose toleration of the NoExecute taint ran out; returns ms until the next one is due. */
  private async evictPods(node: NodeLike, silent: boolean): Promise<number | undefined> {
    const taint = (node.spec?.taints ?? []).find((t) => t.effect === "NoExecute" && (t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY));
    if (!taint) return undefined;
    // timeAdded has second precision; the moment we saw the node go silent is exact, so take
    // the later of the two and never evict early.
    const h = this.health.get(node.metadata.name!);
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : this.clock.now();
    const since = Math.max(Number.isFinite(added) ? added : 0, silent && h ? h.probeMs + this.graceMs : 0);
    const now = this.clock.now();
    let next: number | undefined;
    for (const pod of this.opts.pods.byIndex(BY_NODE_NAME, node.metadata.name!)) {
      if (isTerminating(pod) && pod.metadata.deletionGracePeriodSeconds === 0) continue;
      const delay = this.tolerationMs(pod, taint);
      if (delay === Infinity) continue;
      const due = since + delay;
      if (due > now) {
        next = Math.min(next ?? Infinity, due - now);
        continue;
      }
      try {
        // The node is gone: nobody will stop the containers gracefully.
        await this.opts.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        this.events.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    return next;
  }

  /** How long a pod may stay on a node with this taint: its own toleration, else the default. */
  private tolerationMs(pod: PodLike, taint: Taint): number {
    const t = (pod.spec?.tolerations ?? []).find((x) => tolerates(x, taint));
    if (!t) return this.evictionMs;
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) return Infinity;
    return Math.max(0, t.tolerationSeconds * 1000);
  }
}

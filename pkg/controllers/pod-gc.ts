// The pod garbage collector (kube-controller-manager's podgc): removes pods no
// kubelet will ever finish.
//
// - Orphaned: bound to a node that does not exist. No agent will run or stop
//   such a pod, so it would stay Running — or Terminating forever once deleted.
//   After a quarantine (a node may be re-registering) the pod is marked Failed
//   with the DisruptionTarget condition Kubernetes writes and force-deleted.
// - Unscheduled and terminating: deleted before any node took it; nobody else
//   will confirm the deletion, so it is force-deleted at once.
// - Terminated beyond a threshold: the oldest finished pods go once there are
//   more than `terminatedPodThreshold` (Kubernetes' default 12,500).
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import type { ReconcileResult, Reconciler } from "./runner.js";
import { rfc3339 } from "../api/time.js";

/** Kubernetes' quarantine before a missing node's pods are collected. */
export const NODE_QUARANTINE_MS = 40_000;
export const TERMINATED_POD_THRESHOLD = 12_500;
/** The queue key that asks for the terminated-pods pass. */
export const TERMINATED_KEY = "\u0000terminated";

type GcPod = KubeObject;
interface PodStatusPart {
  phase?: string;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }>;
}
const nodeOf = (p: GcPod) => (p.spec as { nodeName?: string } | undefined)?.nodeName;
const statusOf = (p: GcPod) => (p.status ?? {}) as PodStatusPart;

export interface PodGcOptions {
  client: Client;
  pods: Lister;
  nodes: Lister;
  clock: Clock;
  quarantineMs?: number;
  terminatedPodThreshold?: number;
}

const isTerminal = (p: GcPod) => statusOf(p).phase === "Succeeded" || statusOf(p).phase === "Failed";

export class PodGarbageCollector implements Reconciler {
  readonly name = "pod-garbage-collector";
  /** node name → when this controller first saw it missing. */
  private readonly missingSince = new Map<string, number>();

  constructor(private readonly opts: PodGcOptions) {}

  /** Queue keys for a pod event: the pod itself when it may be garbage, the terminated pass when it finished. */
  podChanged(pod: GcPod): string[] {
    const keys: string[] = [];
    const node = nodeOf(pod);
    if ((node && !this.opts.nodes.get(undefined, node)) || (!node && pod.metadata.deletionTimestamp)) keys.push(`${pod.metadata.namespace}/${pod.metadata.name}`);
    if (isTerminal(pod)) keys.push(TERMINATED_KEY);
    return keys;
  }

  /** A deleted node's pods are all candidates. */
  nodeDeleted(pods: GcPod[]): string[] {
    return pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    if (key === TERMINATED_KEY) return this.collectTerminated();
    const [namespace, name] = key.split("/");
    const pod = this.opts.pods.get(namespace, name);
    if (!pod) return {};
    const node = nodeOf(pod);
    if (!node) {
      if (pod.metadata.deletionTimestamp) await this.forceDelete(pod);
      return {};
    }
    if (this.opts.nodes.get(undefined, node)) {
      this.missingSince.delete(node);
      return {};
    }
    const now = this.opts.clock.now();
    const since = this.missingSince.get(node) ?? now;
    this.missingSince.set(node, since);
    const wait = since + (this.opts.quarantineMs ?? NODE_QUARANTINE_MS) - now;
    if (wait > 0) return { requeueAfterMs: wait };
    // The cache may lag: only the API server's word that the node is gone counts.
    try {
      await this.opts.client.get(R.nodes, undefined, node);
      this.missingSince.delete(node);
      return {};
    } catch (e) {
      if (!isApiError(e, "NotFound")) throw e;
    }
    await this.markFailed(pod, "PodGC: node no longer exists");
    await this.forceDelete(pod);
    return {};
  }

  private async collectTerminated(): Promise<ReconcileResult> {
    const threshold = this.opts.terminatedPodThreshold ?? TERMINATED_POD_THRESHOLD;
    const terminated = this.opts.pods.list().filter(isTerminal);
    const excess = terminated.length - threshold;
    if (excess <= 0) return {};
    const oldestFirst = terminated.sort((a, b) => String(a.metadata.creationTimestamp ?? "").localeCompare(String(b.metadata.creationTimestamp ?? "")));
    for (const pod of oldestFirst.slice(0, excess)) await this.forceDelete(pod);
    return {};
  }

  /** What Kubernetes writes before collecting a running orphan: phase Failed and why. */
  private async markFailed(pod: GcPod, message: string): Promise<void> {
    if (isTerminal(pod)) return;
    const conditions = (statusOf(pod).conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
    conditions.push({ type: "DisruptionTarget", status: "True", reason: "DeletionByPodGC", message, lastTransitionTime: rfc3339(this.opts.clock.now()) });
    try {
      await this.opts.client.updateStatus(R.pods, { ...pod, status: { ...statusOf(pod), phase: "Failed", conditions } });
    } catch (e) {
      if (!isApiError(e, "NotFound") && !isApiError(e, "Conflict")) throw e;
    }
  }

  private async forceDelete(pod: GcPod): Promise<void> {
    try {
      await this.opts.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 });
    } catch (e) {
      if (!isApiError(e, "NotFound")) throw e;
    }
  }
}

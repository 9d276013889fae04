// The DaemonSet controller: one pod per eligible node (pkg/controller/daemon).
// Level-triggered: each reconcile groups the DaemonSet's pods by node, creates
// pods on nodes that should have one and have none, deletes pods from nodes
// that should not (or no longer exist), deletes failed pods so they are
// replaced, and rolls template changes out node by node, bounded by maxSurge or
// maxUnavailable. Expectations (as for ReplicaSets) keep it from acting twice
// on the same stale cache.
import { R } from "../api/kinds.js";
import { selectorOf, type LabelSelectorObject } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { keyOf, splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { CONTROLLER_REVISION_HASH, daemonPod, placement, targetNode, type Placement } from "./daemonset-nodes.js";
import { Expectations } from "./expectations.js";
import { templateHash, type PodTemplate } from "./history.js";
import type { NodeLike } from "./node-lifecycle.js";
import { ownerKeysForPodEvent, type PodEvent } from "./owner-keys.js";
import { claimPods } from "./ref-manager.js";
import type { Reconciler } from "./runner.js";
import {
  clockOrReal,
  creationMs,
  isNotFound,
  isPodAvailable,
  isPodReady,
  isTerminating,
  msUntilAvailable,
  noEvents,
  scaledValue,
  type EventSink,
  type PodLike,
} from "./util.js";

export interface DaemonSetLike extends KubeObject {
  spec?: {
    selector?: LabelSelectorObject;
    template?: PodTemplate;
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
  };
  status?: DaemonSetStatus;
}

export interface DaemonSetStatus {
  currentNumberScheduled?: number;
  desiredNumberScheduled?: number;
  numberMisscheduled?: number;
  numberReady?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  updatedNumberScheduled?: number;
  observedGeneration?: number;
  collisionCount?: number;
}

export interface DaemonSetControllerOptions {
  client: Client;
  daemonSets: Lister<DaemonSetLike>;
  /** Needs the BY_CONTROLLER_UID and ORPHANS_BY_NAMESPACE indexes (installOwnerIndexes). */
  pods: Lister<PodLike>;
  nodes: Lister<NodeLike>;
  clock?: Clock;
  events?: EventSink;
}

/** What one reconcile decided to do. */
export interface DaemonPlan {
  createOn: string[];
  /** Pods to delete; force (grace 0) for pods bound to a node that no longer exists. */
  delete: Array<{ pod: PodLike; force: boolean; reason?: string }>;
}

/** The revision label value of a DaemonSet's current template. */
export function daemonSetHash(ds: DaemonSetLike): string {
  return templateHash(ds.spec?.template, ds.status?.collisionCount || undefined);
}

const oldestFirst = (a: PodLike, b: PodLike) => creationMs(a) - creationMs(b) || String(a.metadata.name).localeCompare(String(b.metadata.name));
const isUpdated = (pod: PodLike, hash: string) => pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;

export class DaemonSetController implements Reconciler {
  readonly name = "daemonset";
  readonly expectations: Expectations;
  private readonly clock: Clock;
  private readonly events: EventSink;

  constructor(private readonly opts: DaemonSetControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
    this.expectations = new Expectations(this.clock);
  }

  /** Idempotent: converges one DaemonSet's pods and status. */
  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const ds = this.opts.daemonSets.get(namespace, name);
    if (!ds) {
      this.expectations.delete(key);
      return {};
    }
    const selector = selectorOf(ds);
    if (!selector) return {};
    const pods = await claimPods(this.opts.client, this.opts.pods, ds, selector);
    const nodes = this.opts.nodes.list();
    const hash = daemonSetHash(ds);
    let requeueAfterMs: number | undefined;
    if (!isTerminating(ds)) {
      if (this.expectations.satisfied(key)) {
        await this.execute(key, ds, this.plan(ds, nodes, pods, hash), hash);
      } else {
        // Our own writes are not in the cache yet; their events bring us back.
        requeueAfterMs = this.expectations.msUntilExpiry(key) + 1;
      }
    }
    const availableIn = await this.syncStatus(ds, nodes, pods, hash);
    if (availableIn !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, availableIn);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  // --- informer hooks (manager.ts) ---------------------------------------------

  /** Keys for a pod event; settles expectations for the DaemonSet that owns it. */
  podChanged(pod: PodLike, event: PodEvent, old?: PodLike): string[] {
    return ownerKeysForPodEvent({ kind: "DaemonSet", owners: this.opts.daemonSets, expectations: this.expectations, selectorOf }, pod, event, old);
  }

  /** A node joined, left or changed labels/taints: every DaemonSet looks again. */
  nodeChanged(): string[] {
    return this.opts.daemonSets.list().map(keyOf);
  }

  // --- the decision, pure over one snapshot -------------------------------------

  plan(ds: DaemonSetLike, nodes: readonly NodeLike[], pods: readonly PodLike[], hash: string): DaemonPlan {
    const plan: DaemonPlan = { createOn: [], delete: [] };
    const byNode = new Map<string, PodLike[]>();
    for (const pod of pods) {
      const node = targetNode(pod);
      if (node === undefined) continue; // not placed by a daemon controller: leave it
      const list = byNode.get(node) ?? [];
      list.push(pod);
      byNode.set(node, list);
    }
    const known = new Set(nodes.map((n) => n.metadata.name!));
    const surge = this.allowsSurge(ds);
    for (const node of nodes) {
      const name = node.metadata.name!;
      const where = placement(node, ds.spec?.template);
      this.managePods(ds, name, where, byNode.get(name) ?? [], hash, surge, plan);
    }
    // A node that left: its pods will never be run or stopped by an agent.
    for (const [node, list] of byNode) {
      if (known.has(node)) continue;
      for (const pod of list) if (!isTerminating(pod) || pod.spec?.nodeName) plan.delete.push({ pod, force: true });
    }
    if ((ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") this.rollingUpdate(ds, nodes, byNode, hash, plan);
    return plan;
  }

  private allowsSurge(ds: DaemonSetLike): boolean {
    const ru = ds.spec?.updateStrategy?.rollingUpdate;
    return (ds.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate" && scaledValue(ru?.maxSurge, 1, true) > 0;
  }

  /** podsShouldBeOnNode. */
  private managePods(ds: DaemonSetLike, node: string, where: Placement, pods: PodLike[], hash: string, surge: boolean, plan: DaemonPlan): void {
    // Terminating pods still count as "there": a new pod waits until the old one is gone.
    if (where.shouldRun && pods.length === 0) {
      plan.createOn.push(node);
      return;
    }
    const live = pods.filter((p) => !isTerminating(p));
    if (!where.shouldContinueRunning) {
      for (const pod of live) plan.delete.push({ pod, force: false });
      return;
    }
    const running: PodLike[] = [];
    for (const pod of live) {
      const phase = pod.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") {
        // A daemon pod that stopped is replaced: delete it, the next pass creates a new one.
        plan.delete.push({ pod, force: false, reason: `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${node}, will try to kill it` });
      } else running.push(pod);
    }
    if (running.length <= 1) return;
    running.sort(oldestFirst);
    if (!surge) {
      for (const pod of running.slice(1)) plan.delete.push({ pod, force: false });
      return;
    }
    // Surge keeps an old ready pod next to a new one only while the new one is not ready yet.
    const updated = running.filter((p) => isUpdated(p, hash));
    const old = running.filter((p) => !isUpdated(p, hash));
    const keep = new Set<PodLike>();
    if (updated[0]) keep.add(updated[0]);
    if (old[0] && (!updated[0] || (!isPodReady(updated[0]) && isPodReady(old[0])))) keep.add(old[0]);
    for (const pod of running) if (!keep.has(pod)) plan.delete.push({ pod, force: false });
  }

  /** rollingUpdate in pkg/controller/daemon/update.go, both modes. */
  private rollingUpdate(ds: DaemonSetLike, nodes: readonly NodeLike[], byNodeIn: Map<string, PodLike[]>, hash: string, plan: DaemonPlan): void {
    let byNode = byNodeIn;
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const available = (p: PodLike) => isPodAvailable(p, minReady, now);
    const wanted = nodes.filter((n) => placement(n, ds.spec?.template).shouldRun).map((n) => n.metadata.name!);
    const desired = wanted.length;
    // A wanted node without a pod yet counts as unavailable (updatedDesiredNodeCounts).
    byNode = new Map(byNode);
    for (const node of wanted) if (!byNode.has(node)) byNode.set(node, []);
    const ru = ds.spec?.updateStrategy?.rollingUpdate;
    const maxSurge = scaledValue(ru?.maxSurge, desired, true);
    let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, true);
    if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const deleting = new Set(plan.delete.map((d) => d.pod.metadata.uid));
    const creating = new Set(plan.createOn);

    let numUnavailable = 0;
    let numSurge = 0;
    const replaceNow: PodLike[] = [];
    const candidates: PodLike[] = [];
    const surgeNow: string[] = [];
    const surgeCandidates: string[] = [];
    for (const [node, pods] of byNode) {
      const live = pods.filter((p) => !isTerminating(p));
      const updated = live.filter((p) => isUpdated(p, hash));
      const old = live.filter((p) => !isUpdated(p, hash));
      if (updated.length > 1 || old.length > 1) {
        // The manage pass prunes this node first; it counts against the budget meanwhile.
        numUnavailable++;
        numSurge++;
        continue;
      }
      const [newPod] = updated;
      const [oldPod] = old;
      if (maxSurge === 0) {
        if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
        else if (newPod) {
          if (!available(newPod)) numUnavailable++;
        } else if (!available(oldPod)) replaceNow.push(oldPod);
        else if (numUnavailable < maxUnavailable) candidates.push(oldPod);
      } else if (oldPod) {
        if (!newPod) {
          if (!available(oldPod)) surgeNow.push(node);
          else if (numSurge < maxSurge) surgeCandidates.push(node);
        } else if (!available(newPod)) numSurge++;
        else replaceNow.push(oldPod); // the new pod is available: the old one may go
      }
    }
    if (maxSurge === 0) {
      const budget = Math.max(0, Math.min(maxUnavailable - numUnavailable, candidates.length));
      for (const pod of [...replaceNow, ...candidates.slice(0, budget)]) {
        if (!deleting.has(pod.metadata.uid)) plan.delete.push({ pod, force: false });
      }
      return;
    }
    for (const pod of replaceNow) if (!deleting.has(pod.metadata.uid)) plan.delete.push({ pod, force: false });
    const budget = Math.max(0, Math.min(maxSurge - numSurge, surgeCandidates.length));
    for (const node of [...surgeNow, ...surgeCandidates.slice(0, budget)]) if (!creating.has(node)) plan.createOn.push(node);
  }

  // --- writes --------------------------------------------------------------------

  private async execute(key: string, ds: DaemonSetLike, plan: DaemonPlan, hash: string): Promise<void> {
    if (plan.createOn.length === 0 && plan.delete.length === 0) return;
    const client = this.opts.client;
    this.expectations.expect(key, plan.createOn.length, plan.delete.map((d) => d.pod.metadata.uid!));
    let failure: unknown;
    await Promise.all(
      plan.createOn.map(async (node) => {
        try {
          const pod = await client.create<PodLike>(R.pods, ds.metadata.namespace, daemonPod(ds, node, hash));
          this.events.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
        } catch (e) {
          this.expectations.creationObserved(key); // it will never be observed
          failure ??= e;
          this.events.event(ds, "Warning", "FailedCreate", `Error creating: ${(e as Error).message}`);
        }
      }),
    );
    await Promise.all(
      plan.delete.map(async ({ pod, force, reason }) => {
        if (reason) this.events.event(ds, "Warning", "FailedDaemonPod", reason);
        try {
          await client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, {
            preconditions: { uid: pod.metadata.uid },
            ...(force ? { gracePeriodSeconds: 0 } : {}),
          });
          this.events.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, pod.metadata.uid!);
          if (!isNotFound(e)) {
            failure ??= e;
            this.events.event(ds, "Warning", "FailedDelete", `Error deleting: ${(e as Error).message}`);
          }
        }
      }),
    );
    if (failure) throw failure;
  }

  /** updateDaemonSetStatus; returns ms until a ready pod turns available (for requeue). */
  private async syncStatus(ds: DaemonSetLike, nodes: readonly NodeLike[], pods: readonly PodLike[], hash: string): Promise<number | undefined> {
    const now = this.clock.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const byNode = new Map<string, PodLike[]>();
    for (const pod of pods) {
      const node = targetNode(pod);
      if (node !== undefined) byNode.set(node, [...(byNode.get(node) ?? []), pod]);
    }
    const s = { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 };
    let soonest: number | undefined;
    for (const node of nodes) {
      const onNode = [...(byNode.get(node.metadata.name!) ?? [])].sort(oldestFirst);
      if (!placement(node, ds.spec?.template).shouldRun) {
        if (onNode.length > 0) s.misscheduled++;
        continue;
      }
      s.desired++;
      if (onNode.length === 0) continue;
      s.current++;
      const pod = onNode[0];
      if (isPodReady(pod)) {
        s.ready++;
        if (isPodAvailable(pod, minReady, now)) s.available++;
        else {
          const ms = msUntilAvailable(pod, minReady, now);
          if (ms !== undefined && ms > 0) soonest = Math.min(soonest ?? Infinity, ms);
        }
      }
      if (isUpdated(pod, hash)) s.updated++;
    }
    const old = ds.status ?? {};
    const next: DaemonSetStatus = {
      ...old,
      currentNumberScheduled: s.current,
      desiredNumberScheduled: s.desired,
      numberMisscheduled: s.misscheduled,
      numberReady: s.ready,
      numberAvailable: s.available,
      numberUnavailable: s.desired - s.available,
      updatedNumberScheduled: s.updated,
      observedGeneration: ds.metadata.generation,
    };
    const changed = (Object.keys(next) as Array<keyof DaemonSetStatus>).some((k) => next[k] !== old[k]);
    if (changed) {
      try {
        await this.opts.client.updateStatus(R.daemonsets, { ...structuredClone(ds), status: next });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return soonest;
  }
}

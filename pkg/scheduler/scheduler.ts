// The scheduler process: informers feed a cache of nodes and bound pods and a
// queue of pending pods; one loop pops a pod, runs scheduleOne over the cache,
// assumes the result (the cache counts the pod at once) and binds it in the
// background, so many binds are in flight while the next pods are placed.
//
// Unschedulable pods are not polled: they wait in the queue for a cluster
// event that could help them (see queue.ts and the handlers below).
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import { nodeReadyStatus } from "../api/node-readiness.js";
import type { Client } from "../client/client.js";
import type { EventRecorder } from "../client/events.js";
import type { InformerFactory } from "../client/informer.js";
import type { KubeObject } from "../api/types.js";
import { keyOf } from "../client/lister.js";
import { realClock, type Clock } from "../util/clock.js";
import { SchedulerCache, isTerminal } from "./cache.js";
import type { DecisionSink } from "./decision-store.js";
import { newScoreTrace, type Node, type Pod, type PodCondition, type Profile } from "./framework.js";
import { SCHEDULING_GATED_MESSAGE, SCHEDULING_GATED_REASON, schedulingGatesOf } from "./plugins/scheduling-gates.js";
import { podInfoOf } from "./pod-info.js";
import { defaultProfile } from "./profile.js";
import { VOLUME_BINDING, withVolumeBinding, type VolumeLookup } from "./plugins/volume-binding.js";
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from "../api/storage.js";
import { SchedulingQueue, type ClusterEvent, type QueueStats, type QueuedPod } from "./queue.js";
import { scheduleOne, type ScheduleResult } from "./schedule-one.js";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface SchedulerOptions {
  client: Client;
  informers: InformerFactory;
  recorder?: EventRecorder;
  clock?: Clock;
  /** Plugins and their order; default: defaultProfile(). */
  plugins?: Profile;
  /**
   * Bindings in flight at once (default 64). A JavaScript scheduling cycle is
   * synchronous, so this is where the concurrency is.
   */
  parallelism?: number;
  /** See ScheduleOptions; 0/unset = adaptive like kube-scheduler. */
  percentageOfNodesToScore?: number;
  /** Only pods with this spec.schedulerName (or none) are ours. */
  schedulerName?: string;
  /** Safety net: retry a pod left unschedulable this long even without an event. Default 60 s. */
  unschedulableFlushMs?: number;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  onError?: (e: Error) => void;
  /** Where each cycle's decision is recorded for `skiff why` (decision-store.ts, in memory). */
  decisions?: DecisionSink;
}

const FIT_PLUGINS: ClusterEvent["helps"] = new Set(["NodeResourcesFit", "NodePorts"]);
/** A pod bound, or its labels changed: affinity may now be satisfied, a spread domain's count moved. */
const POD_PLACEMENT_PLUGINS: ClusterEvent["helps"] = new Set(["InterPodAffinity", "PodTopologySpread"]);
/** A pod gone: its resources, ports, anti-affinity and spread counts are freed. */
const POD_GONE_PLUGINS: ClusterEvent["helps"] = new Set(["NodeResourcesFit", "NodePorts", "InterPodAffinity", "PodTopologySpread"]);
function usesClaims(pod: Pod): boolean {
  const volumes = pod.spec?.volumes;
  if (!volumes) return false;
  for (const v of volumes) if (v.persistentVolumeClaim) return true;
  return false;
}

/** A claim, volume or class changed: pods VolumeBinding held back may fit now. */
const VOLUME_PLUGINS: ClusterEvent["helps"] = new Set([VOLUME_BINDING]);
/** Yield to the event loop after this much uninterrupted scheduling, so watch events and binds progress. */
const TIME_SLICE_MS = 5;

export class Scheduler {
  readonly cache = new SchedulerCache();
  private readonly queue: SchedulingQueue;
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly name: string;
  private readonly parallelism: number;
  private readonly onError: (e: Error) => void;
  private readonly binds = new Set<Promise<void>>();
  private readonly patches = new Set<Promise<void>>();
  private startPromise: Promise<void> | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private nextStartIndex = 0;
  /** Reused every cycle: the decision sink consumes it synchronously. */
  private readonly trace = newScoreTrace();
  /** Pods bound by this scheduler (for tests and benchmarks). */
  bound = 0;
  /**
   * The default profile plus VolumeBinding over this scheduler's informers (set by
   * start() unless opts.plugins is given), used only for pods that name a claim:
   * every other pod skips the plugin entirely, as PreFilter's Skip does in kube-scheduler.
   */
  private volumeProfile: Profile | undefined;

  constructor(private readonly opts: SchedulerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.parallelism = Math.max(1, opts.parallelism ?? 64);
    this.onError = opts.onError ?? ((e) => console.error(`scheduler: ${e.message}`));
    this.queue = new SchedulingQueue({
      clock: this.clock,
      initialBackoffMs: opts.podInitialBackoffMs,
      maxBackoffMs: opts.podMaxBackoffMs,
      unschedulableFlushMs: opts.unschedulableFlushMs,
    });
  }

  /** Subscribe to pods and nodes, wait for the informers to sync, start the loop. Idempotent. */
  start(): Promise<void> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  /** Stop scheduling and wait for the binds and status writes in flight. Idempotent. The informers belong to the caller. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.close();
    await this.loop;
    while (this.binds.size > 0 || this.patches.size > 0) await Promise.allSettled([...this.binds, ...this.patches]);
  }

  stats(): QueueStats & { bound: number; bindsInFlight: number } {
    return { ...this.queue.stats(), bound: this.bound, bindsInFlight: this.binds.size };
  }

  private async doStart(): Promise<void> {
    const pods = this.opts.informers.for<Pod>(R.pods);
    const nodes = this.opts.informers.for<Node>(R.nodes);
    // Nodes first: a late subscriber is replayed the cache, and pods should
    // find their nodes already there.
    nodes.addEventHandler({
      add: (n) => this.onNodeAdd(n),
      update: (o, n) => this.onNodeUpdate(o, n),
      delete: (n) => this.cache.removeNode(String(n.metadata.name)),
    });
    // Namespace labels, for pod affinity terms with a namespaceSelector.
    this.opts.informers.for<KubeObject>(R.namespaces).addEventHandler({
      add: (ns) => this.onNamespace(ns),
      update: (_o, ns) => this.onNamespace(ns),
      delete: (ns) => this.cache.removeNamespace(String(ns.metadata.name)),
    });
    if (!this.opts.plugins) this.volumeProfile = withVolumeBinding(defaultProfile(), this.watchVolumes());
    pods.addEventHandler({
      add: (p) => this.onPodAdd(p),
      update: (o, p) => this.onPodUpdate(o, p),
      delete: (p) => this.onPodDelete(p),
    });
    await this.opts.informers.startAll();
    if (this.stopped) return;
    this.loop = this.run();
  }

  // --- informer handlers ----------------------------------------------------------

  private isOurs(pod: Pod): boolean {
    return (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === this.name && !pod.metadata.deletionTimestamp && !isTerminal(pod);
  }

  /**
   * PreEnqueue (SchedulingGates): a gated pod of ours is kept out of the
   * queue, marked PodScheduled=False/SchedulingGated, and queued by the update
   * that removes its last gate.
   */
  private enqueue(pod: Pod): void {
    if (schedulingGatesOf(pod).length > 0) {
      this.queue.delete(keyOf(pod));
      this.setPodScheduledFalse(pod, SCHEDULING_GATED_REASON, SCHEDULING_GATED_MESSAGE);
      return;
    }
    this.queue.update(pod);
  }

  private onNamespace(ns: KubeObject): void {
    if (this.stopped) return;
    if (this.cache.setNamespace(String(ns.metadata.name), ns.metadata.labels)) this.move("NamespaceUpdate", new Set(["InterPodAffinity"]));
  }

  private onPodAdd(pod: Pod): void {
    if (this.stopped) return;
    if (pod.spec?.nodeName) {
      this.queue.delete(keyOf(pod));
      const known = this.cache.nodeOf(keyOf(pod)) !== undefined;
      this.cache.setPod(pod);
      if (!known && !isTerminal(pod)) this.move("AssignedPodAdd", POD_PLACEMENT_PLUGINS);
    } else if (this.isOurs(pod)) this.enqueue(pod);
  }

  private onPodUpdate(old: Pod, pod: Pod): void {
    if (this.stopped) return;
    const key = keyOf(pod);
    if (!pod.spec?.nodeName) {
      if (this.isOurs(pod)) this.enqueue(pod);
      else this.queue.delete(key);
      return;
    }
    // Bound: by us (this confirms the assumption) or by someone else.
    this.queue.delete(key);
    const wasCounted = !!old.spec?.nodeName && !isTerminal(old);
    const wasAssumed = this.cache.isAssumed(key);
    this.cache.setPod(pod);
    if (wasCounted && isTerminal(pod)) this.move("AssignedPodFinished", POD_GONE_PLUGINS);
    else if (wasCounted && shrank(old, pod)) this.move("AssignedPodResized", FIT_PLUGINS);
    else if (!wasCounted && !wasAssumed) this.move("AssignedPodAdd", POD_PLACEMENT_PLUGINS);
    else if (wasCounted && JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(pod.metadata.labels ?? {})) {
      this.move("AssignedPodUpdate", POD_PLACEMENT_PLUGINS);
    }
  }

  private onPodDelete(pod: Pod): void {
    if (this.stopped) return;
    const key = keyOf(pod);
    this.queue.delete(key);
    if (this.cache.nodeOf(key) !== undefined) {
      this.cache.removePod(key);
      this.move("AssignedPodDelete", POD_GONE_PLUGINS);
    }
  }

  private onNodeAdd(node: Node): void {
    if (this.stopped) return;
    this.cache.setNode(node);
    this.move("NodeAdd", "all");
  }

  private onNodeUpdate(old: Node, node: Node): void {
    if (this.stopped) return;
    this.cache.setNode(node);
    const helps = nodeChangeHelps(old, node);
    if (helps.size > 0) this.move("NodeUpdate", helps);
  }

  /** Claims, volumes and classes for VolumeBinding; a change to any may let a pod it held back go. */
  private watchVolumes(): VolumeLookup {
    const claims = this.opts.informers.for<PersistentVolumeClaim>(R.persistentvolumeclaims);
    const volumes = this.opts.informers.for<PersistentVolume>(R.persistentvolumes);
    const classes = this.opts.informers.for<StorageClass>(R.storageclasses);
    const changed = (label: string) => () => !this.stopped && this.move(label, VOLUME_PLUGINS);
    claims.addEventHandler({ add: changed("PersistentVolumeClaimAdd"), update: (o, n) => o !== n && changed("PersistentVolumeClaimUpdate")() });
    volumes.addEventHandler({ add: changed("PersistentVolumeAdd"), update: (o, n) => o !== n && changed("PersistentVolumeUpdate")() });
    classes.addEventHandler({ add: changed("StorageClassAdd") });
    return {
      claim: (ns, name) => claims.lister.get(ns, name),
      volume: (name) => volumes.lister.get(undefined, name),
      storageClass: (name) => classes.lister.get(undefined, name),
    };
  }

  private move(label: string, helps: ClusterEvent["helps"]): void {
    this.queue.moveOnEvent({ label, helps });
  }

  // --- the scheduling loop --------------------------------------------------------

  private async run(): Promise<void> {
    let sliceStart = performance.now();
    for (;;) {
      const q = this.queue.tryPop() ?? (await this.queue.pop());
      if (!q || this.stopped) return;
      this.scheduleQueued(q);
      if (this.binds.size >= this.parallelism) await Promise.race(this.binds);
      if (performance.now() - sliceStart > TIME_SLICE_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
      }
    }
  }

  private scheduleQueued(q: QueuedPod): void {
    const pod = q.pod;
    // Bound or deleted since it was queued, or its bind is still in flight.
    if (pod.spec?.nodeName || !this.isOurs(pod) || this.cache.isAssumed(q.key)) {
      this.queue.done(q.key);
      return;
    }
    let res: ScheduleResult;
    try {
      res = scheduleOne(pod, this.cache, {
        profile: this.volumeProfile && usesClaims(pod) ? this.volumeProfile : this.opts.plugins,
        percentageOfNodesToScore: this.opts.percentageOfNodesToScore,
        startIndex: this.nextStartIndex,
        trace: this.opts.decisions ? this.trace : undefined,
      });
    } catch (e) {
      // A plugin threw: that is a bug, not a verdict on the pod; retry later.
      this.onError(e instanceof Error ? e : new Error(String(e)));
      this.queue.addBackoff(q);
      return;
    }
    const n = this.cache.nodes().length;
    if (n > 0) this.nextStartIndex = (this.nextStartIndex + res.evaluatedNodes) % n;
    // Before assumePod: the record must show the nodes as the filters saw them.
    this.opts.decisions?.record(pod, res, this.trace, this.cache, q.attempts);

    if (!res.node) {
      if (res.status.code === "Error") {
        const msg = res.status.reasons.join(", ");
        this.onError(new Error(`scheduling ${q.key}: ${res.status.plugin ?? ""}: ${msg}`));
        this.opts.recorder?.event(pod, "Warning", "FailedScheduling", msg);
        this.queue.addBackoff(q);
        return;
      }
      this.unschedulable(q, res);
      return;
    }
    this.cache.assumePod(pod, res.node);
    const p = this.bind(q, pod, res.node);
    this.binds.add(p);
    void p.finally(() => this.binds.delete(p));
  }

  private unschedulable(q: QueuedPod, res: ScheduleResult): void {
    const rejectedBy = new Set<string>();
    for (const s of res.diagnosis.values()) if (s.plugin) rejectedBy.add(s.plugin);
    const message = res.status.reasons[0] ?? "pod does not fit on any node";
    this.opts.recorder?.event(q.pod, "Warning", "FailedScheduling", message);
    this.queue.addUnschedulable(q, rejectedBy);
    this.setPodScheduledFalse(q.pod, "Unschedulable", message);
  }

  /**
   * PodScheduled=False/Unschedulable with the reason, for `describe` and
   * `get pods`, written only when it changes. The patch carries the pod's
   * resourceVersion as a precondition, so it can never overwrite the
   * PodScheduled=True of a binding that happened meanwhile.
   */
  private setPodScheduledFalse(pod: Pod, reason: string, message: string): void {
    const conditions = pod.status?.conditions ?? [];
    const current = conditions.find((c) => c.type === "PodScheduled");
    if (current && current.status === "False" && current.reason === reason && current.message === message) return;
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const next: PodCondition = {
      type: "PodScheduled",
      status: "False",
      reason,
      message,
      lastProbeTime: null,
      lastTransitionTime: current?.status === "False" && current.lastTransitionTime ? current.lastTransitionTime : now,
    };
    const body = {
      metadata: { resourceVersion: pod.metadata.resourceVersion },
      // A merge patch replaces the whole list, so keep the other conditions.
      status: { conditions: [...conditions.filter((c) => c.type !== "PodScheduled"), next] },
    };
    const p = this.client
      .patch(R.pods, pod.metadata.namespace, String(pod.metadata.name), "merge", body, { subresource: "status" })
      .then(
        () => undefined,
        (e: unknown) => {
          // Conflict: the pod changed (maybe bound) since we looked — its next attempt writes again if needed.
          if (isApiError(e, "Conflict") || isApiError(e, "NotFound")) return;
          this.onError(e instanceof Error ? e : new Error(String(e)));
        },
      );
    this.patches.add(p);
    void p.finally(() => this.patches.delete(p));
  }

  private async bind(q: QueuedPod, pod: Pod, node: string): Promise<void> {
    const ns = String(pod.metadata.namespace);
    const name = String(pod.metadata.name);
    try {
      await this.client.bindPod(ns, name, node, { uid: pod.metadata.uid });
      this.bound++;
      this.queue.done(q.key);
      this.opts.recorder?.event(pod, "Normal", "Scheduled", `Successfully assigned ${ns}/${name} to ${node}`);
    } catch (e) {
      this.cache.forgetPod(q.key);
      // The capacity we had reserved is free again.
      this.move("AssumedPodForgotten", FIT_PLUGINS);
      if (isApiError(e, "NotFound")) {
        this.queue.done(q.key);
        return;
      }
      // Conflict usually means someone else bound it (the informer will say
      // so); retry only a pod that is still ours and still unbound.
      let current: Pod | undefined;
      try {
        current = await this.client.get<Pod>(R.pods, ns, name);
      } catch {
        current = undefined;
      }
      if (current && !current.spec?.nodeName && current.metadata.uid === pod.metadata.uid && this.isOurs(current)) {
        if (!isApiError(e, "Conflict")) {
          const msg = e instanceof Error ? e.message : String(e);
          this.onError(new Error(`binding ${q.key} to ${node}: ${msg}`));
          this.opts.recorder?.event(pod, "Warning", "FailedScheduling", `Binding rejected: ${msg}`);
        }
        this.queue.addBackoff(q);
      } else this.queue.done(q.key);
    }
  }
}

/** Whether the new version of a bound pod asks for less than the old one (an in-place resize). */
function shrank(old: Pod, pod: Pod): boolean {
  const a = podInfoOf(old).requests;
  const b = podInfoOf(pod).requests;
  return b.milliCpu < a.milliCpu || b.memory < a.memory;
}

/** Which filters a node update could newly satisfy; empty for heartbeats and other noise. */
export function nodeChangeHelps(old: Node, node: Node): Set<string> {
  const helps = new Set<string>();
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  // Both maps: the documentation advertises extended resources by patching capacity alone.
  if (!same(old.status?.allocatable, node.status?.allocatable) || !same(old.status?.capacity, node.status?.capacity)) helps.add("NodeResourcesFit");
  if (!same(old.metadata.labels, node.metadata.labels)) {
    helps.add("NodeAffinity");
    helps.add("PodTopologySpread");
    helps.add("InterPodAffinity");
  }
  if (!same(old.spec?.taints, node.spec?.taints)) helps.add("TaintToleration");
  if ((old.spec?.unschedulable === true) !== (node.spec?.unschedulable === true)) helps.add("NodeUnschedulable");
  if (nodeReadyStatus(old) !== nodeReadyStatus(node)) helps.add("NodeReady");
  return helps;
}

// The node agent (skiff's kubelet): registers its Node, heartbeats through a
// Lease, watches the pods bound to its node and runs one PodWorker per pod UID
// against a ContainerRuntime. On start it adopts the containers it started
// before (labels) and removes those of pods that no longer exist; it reacts to
// runtime events (die/oom) and relists every relistMs as a safety net.
import { serviceEnv } from "./service-env.js";
import path from "node:path";
import type { V1Taint } from "@kubernetes/client-node";
import { isApiError } from "../api/errors.js";
import { R, type ResourceInfo } from "../api/kinds.js";
import type { PersistentVolume, PersistentVolumeClaim } from "../api/storage.js";
import type { ConfigMap, KubeObject, Secret } from "../api/types.js";
import type { Client } from "../client/client.js";
import { EventRecorder } from "../client/events.js";
import { SharedInformer } from "../client/informer.js";
import type { EventHandler } from "../client/lister.js";
import { realClock, type Clock, type TimerHandle } from "../util/clock.js";
import { LABELS, type ContainerRuntime, type ContainerStatus, type ImageInfo, type RuntimeEvent } from "../runtime/runtime.js";
import { normalizeImageRef } from "../runtime/runtime.js";
import { Backoff, DEFAULT_BACKOFF, type BackoffConfig } from "./backoff.js";
import { agentLogs, agentStats, type NodeStats, type PodLogOptions, type PodLogSource } from "./logs.js";
import {
  hostCapacity,
  keepExtendedResources,
  leaseObject,
  LEASE_NAMESPACE,
  nodeObject,
  nodeStatus,
  nodeStatusFingerprint,
  type ConditionOverrides,
  type NodeCapacity,
  type NodeIdentity,
} from "./node-status.js";
import { DEFAULT_RUNTIME_CHECK_MS, notReadyStatus, RuntimeHealth } from "./runtime-health.js";
import { DEFAULT_EVICTION_HARD, parseEvictionHard } from "./eviction.js";
import { EvictionManager } from "./eviction-manager.js";
import { DEFAULT_IMAGE_GC, ImageGc, type ImageGcPolicy } from "./image-gc.js";
import { HostUsage, ModelUsage, type NodeUsage, type SimulatedLoad, type UsageSource } from "./node-usage.js";
import { lowestFreeIp, podCidrFromName } from "./pod-ip.js";
import { newestFirst, PodWorker, type EventKind, type WorkerContext } from "./pod-worker.js";
import type { ProbeTimingOverrides } from "./probes.js";
import type { AgentPod } from "./types.js";
import { VolumeManager } from "./volumes.js";
import type { PodNetworkConfig } from "./sandbox.js";
import { rmSync } from "node:fs";
import { listeners } from "../util/host-net.js";

/** Index of the shared pods informer: pods by spec.nodeName. */
export const NODE_NAME_INDEX = "spec.nodeName";

export interface AgentOptions {
  client: Client;
  runtime: ContainerRuntime;
  nodeName: string;
  clock?: Clock;
  /** Default: a recorder of component "kubelet" on this client. */
  recorder?: EventRecorder;
  /**
   * A pods informer shared by many agents in one process (one watch for all);
   * the agent indexes it by spec.nodeName. Default: its own informer with
   * fieldSelector spec.nodeName=<node>.
   */
  podInformer?: SharedInformer;
  /** Default: this host's CPUs and memory, 110 pods. */
  capacity?: NodeCapacity;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  /** Where emptyDir and configMap volumes live: <stateDir>/pods/<uid>/volumes/<name>. */
  stateDir: string;
  /**
   * The cluster's pod network (Docker): every pod gets a sandbox on it and the
   * sandbox's address as its IP. Unset: pod IPs from the node's loopback podCIDR.
   */
  podNetwork?: PodNetworkConfig;
  /** The address pods see as status.hostIP. Default 127.0.0.1. */
  hostIP?: string;
  /** Lease renewal period. Default 10 s. */
  heartbeatMs?: number;
  /** Node status is re-posted this often, or sooner when it changes. Default 60 s. */
  nodeStatusMs?: number;
  /** Every pod is re-synced and orphans swept this often. Default 10 s. */
  relistMs?: number;
  /** Container restart back-off. Default Kubernetes': 10 s doubling to 5 min, reset after 10 min. */
  backoff?: Partial<BackoffConfig>;
  /** Image pull back-off. Default: the same as backoff. */
  imagePullBackoff?: Partial<BackoffConfig>;
  /** The container runtime is pinged this often (the kubelet's runtime status check). Default 2 s. */
  runtimeCheckMs?: number;
  /** No answer from the runtime for this long: node NotReady, its pods not ready. Default 5 s. */
  runtimeDownAfterMs?: number;
  /** Hard eviction thresholds, the kubelet's flag syntax. Default "memory.available<100Mi,nodefs.available<10%,imagefs.available<15%"; "" = none. */
  evictionHard?: string;
  /** How often usage is checked for eviction and image GC. Default 10 s (the kubelet's). */
  evictionMonitoringMs?: number;
  /** Where usage figures come from. Default: the host's on Docker, a model of capacity and simulated load on the fake. */
  usage?: UsageSource;
  /** Fake runtime's model: the node's filesystem size in bytes. Default 100 GiB. */
  diskCapacityBytes?: number;
  /** Image GC thresholds and pinned images. Default 85% / 80%, skiff/* pinned. */
  imageGc?: Partial<ImageGcPolicy>;
  /** Test hooks replacing every probe's delay/period/timeout. */
  probeTiming?: ProbeTimingOverrides;
  /** Told about failed syncs and heartbeats (default: console.error). */
  onError?: (e: Error) => void;
}

export class Agent implements PodLogSource {
  readonly nodeName: string;
  readonly runtime: ContainerRuntime;
  readonly client: Client;
  readonly clock: Clock;
  readonly hostIP: string;
  private readonly opts: AgentOptions;
  private readonly recorder: EventRecorder;
  private readonly ownRecorder: boolean;
  private informer: SharedInformer | undefined;
  private ownInformer = false;
  private readonly workers = new Map<string, PodWorker>();
  /** UIDs whose worker finished (pod cleaned up); a late informer event must not revive them. */
  private readonly finishedUids = new Set<string>();
  private readonly ips = new Map<string, string>();
  private readonly imageIds = new Map<string, string>();
  private readonly crashBackoff: Backoff;
  private readonly pullBackoff: Backoff;
  private readonly volumes: VolumeManager;
  private readonly background = new Set<Promise<unknown>>();
  /** One pending timer per periodic loop (heartbeat, relist). */
  private readonly timers = new Map<string, TimerHandle>();
  private unsubscribeEvents: (() => void) | undefined;
  private started: Promise<void> | undefined;
  private stopped = false;
  private node: KubeObject | undefined;
  private lease: KubeObject | undefined;
  private podCIDR = "";
  private runtimeVersion = "";
  private lastNodeStatus: { fingerprint: string; at: number } | undefined;
  private readonly onErrorFn: (e: Error) => void;
  private readonly runtimeHealth: RuntimeHealth;
  private readonly eviction: EvictionManager;
  private readonly usageSource: UsageSource;
  private readonly load: SimulatedLoad = { memoryBytes: 0, diskBytes: 0, pids: 0 };
  /** The last image list the runtime gave: node status keeps it while the engine does not answer. */
  private images: ImageInfo[] = [];
  /** Chaos (pkg/chaos kill-node): heartbeats stopped, as if the node had died. */
  private heartbeatsPaused = false;

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.nodeName = opts.nodeName;
    this.runtime = opts.runtime;
    this.client = opts.client;
    this.clock = opts.clock ?? realClock;
    this.hostIP = opts.hostIP ?? "127.0.0.1";
    this.ownRecorder = !opts.recorder;
    this.recorder = opts.recorder ?? new EventRecorder(opts.client, "kubelet", { clock: this.clock, host: opts.nodeName });
    this.crashBackoff = new Backoff(this.clock, { ...DEFAULT_BACKOFF, ...opts.backoff });
    this.pullBackoff = new Backoff(this.clock, { ...DEFAULT_BACKOFF, ...opts.backoff, ...opts.imagePullBackoff });
    this.volumes = new VolumeManager(
      path.resolve(opts.stateDir),
      (ns, name) => this.getConfigMap(ns, name),
      (ns, name) => this.getSecret(ns, name),
      {
        claim: (ns, name) => this.getOrUndefined<PersistentVolumeClaim>(R.persistentvolumeclaims, ns, name),
        volume: (name) => this.getOrUndefined<PersistentVolume>(R.persistentvolumes, undefined, name),
      },
    );
    this.onErrorFn = opts.onError ?? ((e) => console.error(`agent ${this.nodeName}: ${e.message}`));
    this.runtimeHealth = new RuntimeHealth({ clock: this.clock, runtimeVersion: () => this.runtimeVersion, downAfterMs: opts.runtimeDownAfterMs });
    const load = () => this.load;
    const usage =
      opts.usage ??
      (this.runtime.name === "fake"
        ? new ModelUsage(this.runtime, this.nodeName, { memory: (opts.capacity ?? hostCapacity()).memory, diskBytes: opts.diskCapacityBytes }, load)
        : new HostUsage(path.resolve(opts.stateDir), load));
    this.usageSource = usage;
    this.eviction = new EvictionManager({
      client: this.client,
      runtime: this.runtime,
      clock: this.clock,
      nodeName: this.nodeName,
      usage,
      thresholds: parseEvictionHard(opts.evictionHard ?? DEFAULT_EVICTION_HARD),
      imageGc: new ImageGc(this.runtime, this.clock, { ...DEFAULT_IMAGE_GC, ...opts.imageGc }),
      podsOnNode: () => this.podsOnNode(),
      node: () => this.node,
      event: (obj, type, reason, message) => this.recorder.event(obj, type, reason, message),
      conditionsChanged: () => this.postNodeStatus(true),
    });
  }

  /** The /24 (or other range) pod IPs come from; known after start(). */
  get podCidr(): string {
    return this.podCIDR;
  }

  /** Register, adopt, sweep orphans, then run pods. Idempotent; resolves once pods are being synced. */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    this.runtimeVersion = await this.detectRuntimeVersion();
    await this.registerNode();
    await this.renewLease().catch((e: unknown) => this.onError(e));
    this.every("heartbeat", this.opts.heartbeatMs ?? 10_000, () => this.heartbeat());
    this.every("runtime-health", this.opts.runtimeCheckMs ?? DEFAULT_RUNTIME_CHECK_MS, () => this.checkRuntime());
    // With the engine down there is nothing to measure or evict; the next pass catches up.
    this.every("eviction", this.opts.evictionMonitoringMs ?? this.opts.relistMs ?? 10_000, async () => {
      if (!this.runtimeHealth.down) await this.eviction.synchronize();
    });
    await this.startInformer();
    if (this.stopped) return;

    // Adoption: containers this node started before keep running under their pods;
    // those whose pod is gone are orphans and are removed.
    const existing = await this.runtime.list({ [LABELS.node]: this.nodeName });
    const byUid = groupByUid(existing);
    const pods = this.podsOnNode();
    const live = new Set(pods.map((p) => String(p.metadata.uid)));
    for (const [uid, instances] of byUid) if (!live.has(uid)) this.removeOrphan(uid, instances);
    for (const pod of pods) this.ensureWorker(pod, byUid.get(String(pod.metadata.uid)) ?? []);

    this.unsubscribeEvents = this.runtime.events((ev) => this.onRuntimeEvent(ev));
    this.informer!.addEventHandler(this.podHandler());
    for (const w of this.workers.values()) w.schedule();
    this.every("relist", this.opts.relistMs ?? 10_000, () => this.relist());
    this.recorder.event(this.node!, "Normal", "Starting", "Starting skiff agent.");
  }

  /**
   * Stops syncing. By default the node's containers are stopped and removed (a
   * clean shutdown); with leaveContainers they keep running for the next agent
   * to adopt. Idempotent.
   */
  async stop(opts: { leaveContainers?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    this.unsubscribeEvents?.();
    if (this.ownInformer) this.informer?.stop();
    await this.started?.catch(() => undefined);
    await Promise.all([...this.workers.values()].map((w) => w.halt(!opts.leaveContainers).catch((e: unknown) => this.onError(e))));
    await Promise.all([...this.background]);
    if (this.ownRecorder) await this.recorder.flush();
  }

  // ---- PodLogSource and stats --------------------------------------------------------

  logs(pod: KubeObject, opts: PodLogOptions = {}): AsyncIterable<string> {
    return agentLogs(this, pod, opts);
  }

  stats(): Promise<NodeStats> {
    return agentStats(this);
  }

  /** Runtime instances of one container of a pod, newest first (current, then previous). */
  async containerInstances(uid: string, container: string): Promise<ContainerStatus[]> {
    const list = await this.runtime.list({ [LABELS.podUid]: uid, [LABELS.container]: container, [LABELS.node]: this.nodeName });
    return list.sort(newestFirst);
  }

  /** Pods bound to this node, from the informer cache (read-only objects). */
  podsOnNode(): AgentPod[] {
    if (!this.informer) return [];
    return this.informer.lister.byIndex(NODE_NAME_INDEX, this.nodeName) as AgentPod[];
  }

  // ---- node, lease ------------------------------------------------------------------

  private identity(): NodeIdentity {
    return {
      nodeName: this.nodeName,
      hostIP: this.hostIP,
      runtimeName: this.runtime.name,
      runtimeVersion: this.runtimeVersion,
      labels: this.opts.labels,
      taints: this.opts.taints,
      capacity: this.opts.capacity ?? hostCapacity(),
    };
  }

  private async detectRuntimeVersion(): Promise<string> {
    // The ContainerRuntime interface has no version(); use one when the implementation offers it.
    const rt = this.runtime as ContainerRuntime & { version?: () => Promise<string> };
    let v = "unknown";
    if (typeof rt.version === "function") v = await rt.version().catch(() => "unknown");
    else if (this.runtime.name === "fake") v = "0.1.0";
    return `${this.runtime.name}://${v}`;
  }

  private async registerNode(): Promise<void> {
    const id = this.identity();
    const wanted = nodeObject(id);
    let node: KubeObject;
    try {
      node = await this.client.create(R.nodes, undefined, wanted);
    } catch (e) {
      if (!isApiError(e, "AlreadyExists")) throw e;
      node = await this.updateExistingNode(wanted);
    }
    const spec = (node.spec ?? {}) as { podCIDR?: string };
    // Older API servers do not assign spec.podCIDR: derive a /24 from the node name instead.
    this.podCIDR = spec.podCIDR || podCidrFromName(this.nodeName);
    this.node = node;
    await this.postNodeStatus(true);
  }

  private async updateExistingNode(wanted: KubeObject): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.client.get(R.nodes, undefined, this.nodeName);
      const next = structuredClone(cur);
      next.metadata.labels = { ...cur.metadata.labels, ...wanted.metadata.labels };
      const spec = (next.spec ?? {}) as Record<string, unknown>;
      if (this.opts.taints) spec.taints = this.opts.taints;
      next.spec = spec;
      try {
        return await this.client.update(R.nodes, next);
      } catch (e) {
        if (!isApiError(e, "Conflict") || attempt >= 5) throw e;
      }
    }
  }

  private async postNodeStatus(force: boolean): Promise<void> {
    if (!this.node) return;
    this.images = await this.runtime.listImages().catch(() => this.images);
    const now = this.clock.now();
    const prev = this.node.status as { conditions?: [] } | undefined;
    const status = nodeStatus(this.identity(), now, this.images, prev, this.conditionOverrides());
    const fingerprint = nodeStatusFingerprint(status);
    const due = !this.lastNodeStatus || now - this.lastNodeStatus.at >= (this.opts.nodeStatusMs ?? 60_000);
    if (!force && !due && this.lastNodeStatus?.fingerprint === fingerprint) return;
    // Extended resources advertised through nodes/status (the documentation's
    // capacity patch) are not the agent's to drop: keep them, as the kubelet does.
    const current = await this.client.get<KubeObject>(R.nodes, undefined, this.nodeName).catch(() => this.node);
    keepExtendedResources(status, current?.status);
    const body: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name: this.nodeName }, status };
    this.node = await this.client.updateStatus(R.nodes, body);
    this.lastNodeStatus = { fingerprint, at: now };
  }

  private async renewLease(): Promise<void> {
    const now = this.clock.now();
    const fresh = leaseObject(this.nodeName, this.node?.metadata.uid, now);
    if (!this.lease) {
      try {
        this.lease = await this.client.create(R.leases, LEASE_NAMESPACE, fresh);
        return;
      } catch (e) {
        if (!isApiError(e, "AlreadyExists")) throw e;
        this.lease = await this.client.get(R.leases, LEASE_NAMESPACE, this.nodeName);
      }
    }
    const next = { ...this.lease, spec: fresh.spec, metadata: { ...this.lease.metadata, ownerReferences: fresh.metadata.ownerReferences } };
    try {
      this.lease = await this.client.update(R.leases, next);
    } catch (e) {
      // Someone else wrote it (or deleted it): start from the server's copy next time.
      this.lease = undefined;
      if (isApiError(e, "Conflict") || isApiError(e, "NotFound")) return this.renewLease();
      throw e;
    }
  }

  private async heartbeat(force = false): Promise<void> {
    if (this.heartbeatsPaused) return;
    await this.renewLease().catch((e: unknown) => this.onError(e));
    await this.postNodeStatus(force).catch((e: unknown) => this.onError(e));
  }

  /** Conditions that differ from a healthy node's, from the runtime check. */
  private conditionOverrides(): ConditionOverrides {
    const out: ConditionOverrides = { ...this.eviction.conditions() };
    if (this.runtimeHealth.down) out.Ready = { status: "False", reason: "KubeletNotReady", message: this.runtimeHealth.message() };
    return out;
  }

  /**
   * Chaos (skiff chaos memory-pressure / fill-disk): usage added on top of what
   * is measured, until set back to 0. Takes effect at the next eviction pass.
   */
  simulateLoad(load: Partial<SimulatedLoad>): void {
    Object.assign(this.load, load);
  }

  /** One eviction-manager pass now (tests, chaos): pressure conditions, image GC, at most one eviction. */
  evictionPass(): Promise<AgentPod | undefined> {
    return this.eviction.synchronize();
  }

  /** Measures the node's usage now (simulated load included). */
  measureUsage(): Promise<NodeUsage> {
    return this.usageSource.sample();
  }

  /** The usage figures of the last eviction pass. */
  get lastUsage(): NodeUsage | undefined {
    return this.eviction.usage;
  }

  /** True while the container runtime does not answer (node NotReady). */
  get runtimeDown(): boolean {
    return this.runtimeHealth.down;
  }

  /**
   * One runtime status check. Going down: the Node turns NotReady (naming the
   * runtime) and every pod not ready, so endpoints drop them. Coming back: the
   * Node is Ready again and a relist re-checks adopted containers and restarts
   * dead ones by restartPolicy (the pod workers then write the true status).
   */
  private async checkRuntime(): Promise<void> {
    const ok = await this.runtime.ping();
    const change = this.runtimeHealth.observe(ok, ok ? "" : "no answer to ping");
    if (change === "down") {
      if (this.node) this.recorder.event(this.node, "Normal", "NodeNotReady", `Node ${this.nodeName} status is now: NodeNotReady`);
      await this.postNodeStatus(true).catch((e: unknown) => this.onError(e));
    } else if (change === "up") {
      if (this.node) this.recorder.event(this.node, "Normal", "NodeReady", `Node ${this.nodeName} status is now: NodeReady`);
      await this.postNodeStatus(true).catch((e: unknown) => this.onError(e));
      await this.relist();
    }
    // Level-triggered while down: a pod that turned ready meanwhile is marked again.
    if (this.runtimeHealth.down) await this.markPodsNotReady();
  }

  private async markPodsNotReady(): Promise<void> {
    for (const pod of this.podsOnNode()) {
      if (pod.metadata.deletionTimestamp) continue;
      const status = notReadyStatus(pod.status, this.clock.now());
      if (!status) continue;
      try {
        await this.client.updateStatus(R.pods, { apiVersion: "v1", kind: "Pod", metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace }, status });
        this.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready");
      } catch (e) {
        if (!isApiError(e, "NotFound")) this.onError(e, pod);
      }
    }
  }

  /**
   * Stop renewing the Lease and posting node status (pods keep running), so the
   * control plane sees the node go silent: NotReady after its grace period,
   * then its pods evicted. For chaos testing (skiff chaos kill-node). Idempotent.
   */
  pause(): void {
    this.heartbeatsPaused = true;
  }

  /** Undo pause(): renew the Lease and post status at once. Idempotent. */
  async resume(): Promise<void> {
    if (!this.heartbeatsPaused) return;
    this.heartbeatsPaused = false;
    if (!this.stopped) await this.heartbeat(true);
  }

  get paused(): boolean {
    return this.heartbeatsPaused;
  }

  /** Runs fn every ms on the agent's clock, never two at once. */
  private every(name: string, ms: number, fn: () => Promise<void> | void): void {
    const tick = () => {
      if (this.stopped) return;
      const p = Promise.resolve()
        .then(fn)
        .catch((e: unknown) => this.onError(e))
        .finally(() => {
          this.background.delete(p);
          if (!this.stopped) this.timers.set(name, this.clock.setTimeout(tick, ms));
        });
      this.background.add(p);
    };
    this.timers.set(name, this.clock.setTimeout(tick, ms));
  }

  // ---- pods ---------------------------------------------------------------------------

  private async startInformer(): Promise<void> {
    if (this.opts.podInformer) {
      this.informer = this.opts.podInformer;
    } else {
      this.informer = new SharedInformer(this.client, R.pods, {
        fieldSelector: `spec.nodeName=${this.nodeName}`,
        clock: this.clock,
        onError: (e) => this.onError(e),
      });
      this.ownInformer = true;
    }
    ensureNodeIndex(this.informer);
    await this.informer.start();
  }

  private podHandler(): EventHandler {
    const mine = (o: KubeObject) => !this.stopped && (o.spec as { nodeName?: string } | undefined)?.nodeName === this.nodeName;
    return {
      add: (o) => {
        if (mine(o)) this.onPod(o as AgentPod);
      },
      update: (_old, o) => {
        if (mine(o)) this.onPod(o as AgentPod);
      },
      delete: (o) => {
        if (!mine(o)) return;
        const uid = String(o.metadata.uid);
        this.finishedUids.delete(uid);
        const w = this.workers.get(uid);
        if (w) {
          w.pod = undefined;
          w.schedule();
        }
      },
    };
  }

  private onPod(pod: AgentPod): void {
    const uid = String(pod.metadata.uid);
    if (this.finishedUids.has(uid)) return;
    const w = this.ensureWorker(pod, []);
    w.pod = pod;
    w.schedule();
  }

  private ensureWorker(pod: AgentPod, initial: ContainerStatus[]): PodWorker {
    const uid = String(pod.metadata.uid);
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(uid, pod, this.workerContext(), initial);
      this.workers.set(uid, w);
    } else w.adopt(initial);
    return w;
  }

  private onRuntimeEvent(ev: RuntimeEvent): void {
    if (this.stopped) return;
    if (ev.type === "resync") {
      void this.relist().catch((e: unknown) => this.onError(e));
      return;
    }
    if (ev.labels?.[LABELS.node] !== this.nodeName) return;
    const uid = ev.labels[LABELS.podUid];
    if (uid) this.workers.get(uid)?.schedule();
  }

  /** Safety net for lost events: adopt unknown instances, sweep orphans, sync every pod. */
  private async relist(): Promise<void> {
    const existing = await this.runtime.list({ [LABELS.node]: this.nodeName });
    const byUid = groupByUid(existing);
    const podsByUid = new Map(this.podsOnNode().map((p) => [String(p.metadata.uid), p]));
    for (const [uid, instances] of byUid) {
      const w = this.workers.get(uid);
      if (w) w.adopt(instances);
      else if (podsByUid.has(uid) && !this.finishedUids.has(uid)) this.ensureWorker(podsByUid.get(uid)!, instances);
      else this.removeOrphan(uid, instances);
    }
    for (const [uid, pod] of podsByUid) if (!this.workers.has(uid) && !this.finishedUids.has(uid)) this.ensureWorker(pod, []);
    for (const w of this.workers.values()) w.schedule();
  }

  private removeOrphan(uid: string, instances: ContainerStatus[]): void {
    const p = (async () => {
      for (const c of instances) {
        // never anything without skiff's labels (list() only returns those, but be certain)
        if (c.labels[LABELS.podUid] !== uid || c.labels[LABELS.node] !== this.nodeName) continue;
        await this.runtime.remove(c.id);
      }
      await this.volumes.tearDown(uid);
    })()
      .catch((e: unknown) => this.onError(e))
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  private workerContext(): WorkerContext {
    return {
      runtime: this.runtime,
      clock: this.clock,
      client: this.client,
      nodeName: this.nodeName,
      hostIP: this.hostIP,
      crashBackoff: this.crashBackoff,
      pullBackoff: this.pullBackoff,
      volumes: this.volumes,
      probeTiming: this.opts.probeTiming ?? {},
      event: (pod: AgentPod, type: EventKind, reason: string, message: string) => this.recorder.event(pod, type, reason, message),
      podNetwork: this.opts.podNetwork,
      podDir: (uid) => this.podNetworkDir(uid),
      podIP: (pod) => this.podIP(pod),
      releaseIP: (uid) => {
        this.ips.delete(uid);
        if (this.opts.podNetwork) rmSync(this.podNetworkDir(uid), { recursive: true, force: true });
      },
      getConfigMap: (ns, name) => this.getConfigMap(ns, name),
      getSecret: (ns, name) => this.getSecret(ns, name),
      serviceEnv: (ns, links) => this.serviceEnvFor(ns, links),
      imageID: (image) => this.imageIds.get(normalizeImageRef(image)) ?? "",
      learnImageID: (image) => this.learnImageID(image),
      onError: (e, pod) => this.onError(e, pod),
      finished: (uid, inApi) => {
        this.workers.delete(uid);
        // until its DELETED event, a late update must not start the pod again
        if (inApi) this.finishedUids.add(uid);
      },
    };
  }

  /** Per-pod network files (resolv.conf), beside the pod's volumes. */
  private podNetworkDir(uid: string): string {
    return path.join(path.resolve(this.opts.stateDir), "pods", uid, "network");
  }

  /** status.podIP when the pod has one; otherwise the lowest address no live pod of this node uses. */
  private podIP(pod: AgentPod): string {
    const uid = String(pod.metadata.uid);
    const fromStatus = pod.status?.podIP;
    if (fromStatus) {
      this.ips.set(uid, fromStatus);
      return fromStatus;
    }
    const mine = this.ips.get(uid);
    if (mine) return mine;
    const used = new Set<string>();
    for (const p of this.podsOnNode()) {
      const pUid = String(p.metadata.uid);
      if (pUid === uid) continue;
      const phase = p.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") continue;
      // status.podIP, or an address handed out that is not in the cached status yet
      const ip = p.status?.podIP ?? this.ips.get(pUid);
      if (ip) used.add(ip);
    }
    // Loopback is shared with every other program: an address something listens on is taken.
    for (const busy of listeners().ips) used.add(busy);
    const ip = lowestFreeIp(this.podCIDR, used);
    if (!ip) throw new Error(`node ${this.nodeName}: no free pod IP left in ${this.podCIDR}`);
    this.ips.set(uid, ip);
    return ip;
  }

  private async getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    try {
      return await this.client.get<ConfigMap>(R.configmaps, namespace, name);
    } catch (e) {
      if (isApiError(e, "NotFound")) return undefined;
      throw e;
    }
  }

  private async getOrUndefined<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.client.get<T>(info, namespace, name);
    } catch (e) {
      if (isApiError(e, "NotFound")) return undefined;
      throw e;
    }
  }

  private async getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    try {
      return await this.client.get<Secret>(R.secrets, namespace, name);
    } catch (e) {
      if (isApiError(e, "NotFound")) return undefined;
      throw e;
    }
  }

  private async serviceEnvFor(namespace: string, links: boolean): Promise<Record<string, string>> {
    const services = links ? (await this.client.list(R.services, namespace)).items : [];
    const api = namespace === "default" && links ? undefined : await this.getOrUndefined(R.services, "default", "kubernetes");
    // The namespace's own Services first: a Service named "kubernetes" there wins, as with the kubelet's map.
    return serviceEnv([...services, ...(api ? [api] : [])]);
  }

  private async learnImageID(image: string): Promise<void> {
    const list = await this.runtime.listImages().catch(() => []);
    for (const i of list) for (const tag of i.repoTags) this.imageIds.set(normalizeImageRef(tag), i.id);
  }

  private onError(e: unknown, pod?: KubeObject): void {
    const err = e instanceof Error ? e : new Error(String(e));
    if (pod) err.message = `pod ${pod.metadata.namespace}/${pod.metadata.name}: ${err.message}`;
    try {
      this.onErrorFn(err);
    } catch {
      // the hook failing must not break the agent
    }
  }
}

function groupByUid(list: ContainerStatus[]): Map<string, ContainerStatus[]> {
  const out = new Map<string, ContainerStatus[]>();
  for (const c of list) {
    const uid = c.labels[LABELS.podUid];
    if (!uid) continue;
    let l = out.get(uid);
    if (!l) out.set(uid, (l = []));
    l.push(c);
  }
  return out;
}

/** Adds the node-name index once, however many agents share the informer. */
function ensureNodeIndex(inf: SharedInformer): void {
  try {
    inf.lister.byIndex(NODE_NAME_INDEX, "");
  } catch {
    inf.addIndex(NODE_NAME_INDEX, (o) => {
      const n = (o.spec as { nodeName?: string } | undefined)?.nodeName;
      return n ? [n] : [];
    });
  }
}

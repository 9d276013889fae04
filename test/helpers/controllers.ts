// Test helpers for controllers (STYLE.md §6): an in-process cluster, a client
// that records its writes, listers built from a fresh snapshot (so a reconcile
// can run once without informers), and a tiny fake kubelet.
import type { ResourceInfo } from "../../pkg/api/kinds.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject, KubeList, WatchEvent } from "../../pkg/api/types.js";
import { Registry } from "../../pkg/apiserver/registry.js";
import type { Client, ClientWatch, DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from "../../pkg/client/client.js";
import { InProcessClient } from "../../pkg/client/in-process.js";
import type { Lister } from "../../pkg/client/lister.js";
import { LabelSelector } from "../../pkg/api/selector.js";
import { startTestCluster } from "./cluster.js";
import { BY_CONTROLLER_UID, BY_NODE_NAME, BY_OWNER_UID, ORPHANS_BY_NAMESPACE, controllerUidIndex, nodeNameIndex, orphansIndex, ownerUidIndex } from "../../pkg/controllers/indexes.js";
import { BY_UID, uidIndex } from "../../pkg/controllers/garbage-collector.js";
import type { EventSink, PodLike } from "../../pkg/controllers/util.js";
import { FakeClock } from "../../pkg/util/clock.js";
import { ReplicaSetController, type ReplicaSetLike } from "../../pkg/controllers/replicaset.js";
import { DeploymentController, type DeploymentLike } from "../../pkg/controllers/deployment.js";
import { rfc3339 } from "../../pkg/controllers/util.js";

/** The in-process cluster controller tests run against (startTestCluster's, without close). */
export async function newCluster(): Promise<{ registry: Registry; client: InProcessClient }> {
  const { registry, client } = await startTestCluster();
  return { registry, client };
}

export interface Write {
  verb: "create" | "update" | "updateStatus" | "patch" | "delete" | "bind";
  resource: string;
  name: string;
  obj?: KubeObject;
  patch?: unknown;
  opts?: unknown;
}

/** A Client that forwards to another and records every write. */
export class RecordingClient implements Client {
  writes: Write[] = [];
  constructor(private readonly inner: Client) {}
  get<T extends KubeObject>(info: ResourceInfo, ns: string | undefined, name: string) {
    return this.inner.get<T>(info, ns, name);
  }
  list<T extends KubeObject>(info: ResourceInfo, ns: string | undefined, opts?: ListOptions): Promise<KubeList<T>> {
    return this.inner.list<T>(info, ns, opts);
  }
  async create<T extends KubeObject>(info: ResourceInfo, ns: string | undefined, obj: KubeObject, opts?: WriteOptions) {
    const r = await this.inner.create<T>(info, ns, obj, opts);
    this.writes.push({ verb: "create", resource: info.plural, name: r.metadata.name!, obj: r });
    return r;
  }
  async update<T extends KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions) {
    const r = await this.inner.update<T>(info, obj, opts);
    this.writes.push({ verb: "update", resource: info.plural, name: r.metadata.name!, obj: r });
    return r;
  }
  async updateStatus<T extends KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions) {
    const r = await this.inner.updateStatus<T>(info, obj, opts);
    this.writes.push({ verb: "updateStatus", resource: info.plural, name: r.metadata.name!, obj: r });
    return r;
  }
  async patch<T extends KubeObject>(info: ResourceInfo, ns: string | undefined, name: string, type: PatchType, patch: unknown, opts?: WriteOptions & { subresource?: "status" | "scale" }) {
    const r = await this.inner.patch<T>(info, ns, name, type, patch, opts);
    this.writes.push({ verb: "patch", resource: info.plural, name, obj: r, patch });
    return r;
  }
  async delete(info: ResourceInfo, ns: string | undefined, name: string, opts?: DeleteOptions) {
    const r = await this.inner.delete(info, ns, name, opts);
    this.writes.push({ verb: "delete", resource: info.plural, name, opts });
    return r;
  }
  async bindPod(ns: string, name: string, node: string, opts?: { uid?: string }) {
    await this.inner.bindPod(ns, name, node, opts);
    this.writes.push({ verb: "bind", resource: "pods", name });
  }
  watch(info: ResourceInfo, ns: string | undefined, opts: WatchOptions, h: (ev: WatchEvent) => void): Promise<ClientWatch> {
    return this.inner.watch(info, ns, opts, h);
  }
  close(): void {
    this.inner.close();
  }
  /** Writes of one verb on one resource (ignoring the replica claim bookkeeping updates). */
  of(verb: Write["verb"], resource: string): Write[] {
    return this.writes.filter((w) => w.verb === verb && w.resource === resource);
  }
}

const INDEXES: Record<string, (o: KubeObject) => string[]> = {
  [BY_CONTROLLER_UID]: controllerUidIndex,
  [ORPHANS_BY_NAMESPACE]: orphansIndex,
  [BY_OWNER_UID]: ownerUidIndex,
  [BY_NODE_NAME]: nodeNameIndex,
  [BY_UID]: uidIndex,
};

/** A Lister over a fixed set of objects (with every controller index). */
export function staticLister<T extends KubeObject>(items: T[]): Lister<T> {
  return {
    get: (ns, name) => items.find((o) => o.metadata.name === name && (ns === undefined || (o.metadata.namespace ?? "") === ns)),
    list: (ns, sel) => {
      const s = sel ? LabelSelector.parse(sel) : undefined;
      return items.filter((o) => (ns === undefined || o.metadata.namespace === ns) && (!s || s.matches(o.metadata.labels)));
    },
    byIndex: (index, value) => items.filter((o) => (INDEXES[index]?.(o) ?? []).includes(value)),
  };
}

/** A Lister that re-reads the API on each call batch: `await l.refresh()` before a reconcile. */
export class SnapshotLister<T extends KubeObject> implements Lister<T> {
  private inner: Lister<T> = staticLister<T>([]);
  constructor(
    private readonly client: Client,
    private readonly info: ResourceInfo,
  ) {}
  async refresh(): Promise<this> {
    this.inner = staticLister((await this.client.list<T>(this.info, undefined)).items);
    return this;
  }
  get(ns: string | undefined, name: string) {
    return this.inner.get(ns, name);
  }
  list(ns?: string, sel?: string) {
    return this.inner.list(ns, sel);
  }
  byIndex(index: string, value: string) {
    return this.inner.byIndex(index, value);
  }
}

export class EventLog implements EventSink {
  events: Array<{ reason: string; message: string; type: string; name: string }> = [];
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    this.events.push({ reason, message, type, name: obj.metadata.name ?? "" });
  }
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

export async function createNode(client: Client, name: string): Promise<void> {
  await client.create(R.nodes, undefined, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }] },
  });
}

/** Mark a pod Running and Ready through the status subresource, as a kubelet would. */
export async function markReady(client: Client, pod: PodLike, nowMs = Date.now()): Promise<void> {
  const next = structuredClone(pod);
  const t = rfc3339(nowMs);
  next.status = {
    ...(next.status ?? {}),
    phase: "Running",
    conditions: [
      { type: "PodScheduled", status: "True", lastTransitionTime: t },
      { type: "Initialized", status: "True", lastTransitionTime: t },
      { type: "ContainersReady", status: "True", lastTransitionTime: t },
      { type: "Ready", status: "True", lastTransitionTime: t },
    ],
    containerStatuses: [{ name: "app", ready: true, restartCount: 0, image: "x", imageID: "", started: true, state: { running: { startedAt: t } } }],
  };
  await client.updateStatus(R.pods, next);
}

export interface FakeKubelet {
  /** One pass: bind, mark ready, finish terminations. */
  step(): Promise<void>;
  stop(): Promise<void>;
  /** Nodes whose pods it no longer touches (a dead node). */
  dead: Set<string>;
}

/**
 * A tiny stand-in for scheduler + agents: binds unscheduled pods round-robin to
 * live nodes, marks bound pods Running+Ready, and completes graceful deletions.
 * Loops every intervalMs until stop().
 */
export function fakeKubelet(client: Client, nodeNames: string[], intervalMs = 5): FakeKubelet {
  let rr = 0;
  let stopped = false;
  const dead = new Set<string>();
  const ignore = () => undefined;
  const step = async () => {
    const pods = (await client.list<PodLike>(R.pods, undefined)).items;
    const live = nodeNames.filter((n) => !dead.has(n));
    for (const pod of pods) {
      const node = pod.spec?.nodeName;
      const ns = pod.metadata.namespace!;
      if (pod.metadata.deletionTimestamp) {
        if (node && !dead.has(node)) await client.delete(R.pods, ns, pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(ignore);
        continue;
      }
      if (!node) {
        if (live.length === 0) continue;
        await client.bindPod(ns, pod.metadata.name!, live[rr++ % live.length]).catch(ignore);
      } else if (!dead.has(node) && pod.status?.phase !== "Running") {
        await markReady(client, pod).catch(ignore);
      }
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await step().catch(ignore);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    step,
    dead,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * A deterministic little world for deployment tests: snapshot listers that are
 * refreshed before every controller step (so each step sees the truth), the
 * ReplicaSet and Deployment controllers, and kubelet actions as explicit steps.
 */
export class Sim {
  readonly events = new EventLog();
  readonly pods: SnapshotLister<PodLike>;
  readonly replicaSets: SnapshotLister<ReplicaSetLike>;
  readonly deployments: SnapshotLister<DeploymentLike>;
  readonly rsController: ReplicaSetController;
  readonly deployController: DeploymentController;
  private seen = new Map<string, PodLike>();

  constructor(
    readonly client: Client,
    readonly clock: FakeClock = new FakeClock(Date.now()),
  ) {
    this.pods = new SnapshotLister<PodLike>(client, R.pods);
    this.replicaSets = new SnapshotLister<ReplicaSetLike>(client, R.replicasets);
    this.deployments = new SnapshotLister<DeploymentLike>(client, R.deployments);
    this.rsController = new ReplicaSetController({ client, replicaSets: this.replicaSets, pods: this.pods, clock, events: this.events });
    this.deployController = new DeploymentController({
      client,
      deployments: this.deployments,
      replicaSets: this.replicaSets,
      pods: this.pods,
      clock,
      events: this.events,
    });
  }

  async refresh(): Promise<void> {
    await Promise.all([this.pods.refresh(), this.replicaSets.refresh(), this.deployments.refresh()]);
    const now = new Map(this.pods.list().map((p) => [p.metadata.uid!, p]));
    for (const [uid, p] of now) {
      const old = this.seen.get(uid);
      if (!old) this.rsController.podChanged(p, "add");
      else if (old.metadata.resourceVersion !== p.metadata.resourceVersion) this.rsController.podChanged(p, "update", old);
    }
    for (const [uid, p] of this.seen) if (!now.has(uid)) this.rsController.podChanged(p, "delete");
    this.seen = now;
  }

  async deploymentStep(ns: string, name: string): Promise<void> {
    await this.refresh();
    await this.deployController.reconcile(`${ns}/${name}`);
    await this.refresh(); // an informer sees every object that ever existed, however briefly
  }

  async replicaSetStep(index: number): Promise<void> {
    await this.refresh();
    const all = this.replicaSets.list();
    if (all.length === 0) return;
    const rs = all[index % all.length];
    await this.rsController.reconcile(`${rs.metadata.namespace}/${rs.metadata.name}`);
    await this.refresh();
  }

  /** Bind (to "node-1") and mark ready one pod that is not ready yet. */
  async readyStep(index: number): Promise<void> {
    const pods = (await this.client.list<PodLike>(R.pods, undefined)).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Running");
    if (pods.length === 0) return;
    const pod = pods[index % pods.length];
    if (!pod.spec?.nodeName) await this.client.bindPod(pod.metadata.namespace!, pod.metadata.name!, "node-1");
    await markReady(this.client, await this.client.get(R.pods, pod.metadata.namespace, pod.metadata.name!), this.clock.now());
  }

  /** The kubelet finishes one graceful deletion. */
  async finishTerminationStep(index: number): Promise<void> {
    const pods = (await this.client.list<PodLike>(R.pods, undefined)).items.filter((p) => p.metadata.deletionTimestamp);
    if (pods.length === 0) return;
    const pod = pods[index % pods.length];
    await this.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }

  /** A not-ready pod dies (e.g. its image never pulls and someone deletes it). */
  async killUnreadyStep(index: number): Promise<void> {
    const pods = (await this.client.list<PodLike>(R.pods, undefined)).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Running");
    if (pods.length === 0) return;
    const pod = pods[index % pods.length];
    await this.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }

  /** Run every actor fairly until nothing changes (or maxRounds). */
  async settle(ns: string, name: string, maxRounds = 200): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      const before = (await this.client.list(R.pods, undefined)).metadata.resourceVersion;
      const rsBefore = (await this.client.list(R.replicasets, undefined)).metadata.resourceVersion;
      const dBefore = (await this.client.list(R.deployments, undefined)).metadata.resourceVersion;
      await this.deploymentStep(ns, name);
      await this.refresh();
      for (let i = 0; i < this.replicaSets.list().length; i++) await this.replicaSetStep(i);
      for (let i = 0; i < 100; i++) {
        const pending = (await this.client.list<PodLike>(R.pods, undefined)).items.some((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Running");
        if (!pending) break;
        await this.readyStep(0);
      }
      for (let i = 0; i < 100; i++) {
        const terminating = (await this.client.list<PodLike>(R.pods, undefined)).items.some((p) => p.metadata.deletionTimestamp);
        if (!terminating) break;
        await this.finishTerminationStep(0);
      }
      const after = (await this.client.list(R.pods, undefined)).metadata.resourceVersion;
      const rsAfter = (await this.client.list(R.replicasets, undefined)).metadata.resourceVersion;
      const dAfter = (await this.client.list(R.deployments, undefined)).metadata.resourceVersion;
      if (before === after && rsBefore === rsAfter && dBefore === dAfter) return;
    }
    throw new Error(`deployment ${ns}/${name} did not settle`);
  }
}

export function deploymentObject(name: string, replicas: number, image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } },
      ...extra,
    },
  };
}

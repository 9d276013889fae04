// The controller manager: wires informers → event handlers → work queues →
// runners for every controller. Event handlers only map an event to the keys
// that may need work (a pod event → its ReplicaSet and that ReplicaSet's
// Deployment); the reconcilers decide what, if anything, to do.
import { PodGarbageCollector } from "./pod-gc.js";
import { R, type ResourceInfo } from "../api/kinds.js";
import { nodeReadyStatus } from "../api/node-readiness.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { EventRecorder } from "../client/events.js";
import type { InformerFactory, SharedInformer } from "../client/informer.js";
import { keyOf, type EventHandler } from "../client/lister.js";
import { WorkQueue } from "../client/workqueue.js";
import { registerEndpointsController } from "./endpoints.js";
import type { Clock } from "../util/clock.js";
import { DeploymentController, type DeploymentLike } from "./deployment.js";
import { BY_UID, GarbageCollector, uidIndex } from "./garbage-collector.js";
import { BY_NODE_NAME, installOwnerIndexes, nodeNameIndex } from "./indexes.js";
import { LEASE_NAMESPACE, NodeLifecycleController, type LeaseLike, type NodeLike } from "./node-lifecycle.js";
import { ReplicaSetController, type ReplicaSetLike } from "./replicaset.js";
import { registerBatchControllers, type BatchControllers } from "./batch.js";
import { registerSetControllers, type SetControllers } from "./sets.js";
import { registerQuotaAndHpaControllers, type HpaTuning, type QuotaHpaControllers } from "./quota-hpa.js";
import { registerCoreApiControllers, type CoreApiControllers } from "./core-api.js";
import { registerVolumeControllers, type VolumeControllers } from "./volume.js";
import { monitorCustomResources } from "./custom-resources.js";
import type { MetricsReader } from "../metrics/index.js";
import { ControllerRunner, type Reconciler } from "./runner.js";
import { clockOrReal, type EventSink, type PodLike } from "./util.js";

export interface StartControllersOptions {
  client: Client;
  /** Shared informers; startControllers registers its handlers and starts them. The caller owns (and stops) the factory. */
  informers: InformerFactory;
  clock?: Clock;
  /** One recorder for every controller; by default each gets its own with its component name. */
  recorder?: EventRecorder;
  nodeGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  /** How long the pod GC waits before collecting the pods of a node that does not exist (default 40 s). */
  podGcQuarantineMs?: number;
  /** Workers per controller. Default 4. */
  workers?: number;
  /** The clock CronJob schedules follow (tests advance a FakeClock); default `clock`. */
  cronJobClock?: Clock;
  /** First back-off before a failed Job pod is replaced; default 10 s. */
  jobBackoffBaseMs?: number;
  /** Where reconcile failures are reported (default: console.error). */
  onError?: (controller: string, key: string, e: Error) => void;
  /** Pod usage for the HorizontalPodAutoscaler controller (the metrics sampler). */
  metrics?: MetricsReader;
  /** HPA sync period, stabilization and readiness windows (tests shorten them). */
  hpa?: HpaTuning;
  /** Where the local-path provisioner keeps volume directories; unset = no provisioner, no default StorageClass. */
  volumesDir?: string;
}

export interface RunningControllers {
  /** Stop every runner and wait for in-flight reconciles; flushes events. Idempotent. */
  stop(): Promise<void>;
  /** The reconcilers, for tests and diagnostics. */
  readonly replicaSets: ReplicaSetController;
  readonly deployments: DeploymentController;
  readonly garbageCollector: GarbageCollector;
  readonly nodeLifecycle: NodeLifecycleController;
  readonly batch: BatchControllers;
  readonly sets: SetControllers;
  readonly quotaHpa: QuotaHpaControllers;
  readonly coreApi: CoreApiControllers;
  readonly volumes: VolumeControllers;
}

function handler<T extends KubeObject>(fn: (obj: T, event: "add" | "update" | "delete", old?: T) => void): EventHandler<T> {
  return {
    add: (obj) => fn(obj, "add"),
    update: (old, obj) => fn(obj, "update", old),
    delete: (obj) => fn(obj, "delete"),
  };
}

interface NodeLifecycleWiring {
  client: Client;
  nodes: SharedInformer<NodeLike>;
  leases: SharedInformer<LeaseLike>;
  pods: SharedInformer<PodLike>;
  clock: Clock;
  events: EventSink;
  opts: Pick<StartControllersOptions, "nodeGracePeriodMs" | "podEvictionTimeoutMs">;
}

/** The node lifecycle controller, its queue fed by node and lease events, and the pod hook that starts eviction clocks. */
function registerNodeLifecycle(w: NodeLifecycleWiring): { controller: NodeLifecycleController; queue: WorkQueue; podChanged(pod: PodLike, ev: "add" | "update" | "delete"): void } {
  const controller = new NodeLifecycleController({
    client: w.client,
    nodes: w.nodes.lister,
    leases: w.leases.lister,
    pods: w.pods.lister,
    clock: w.clock,
    events: w.events,
    gracePeriodMs: w.opts.nodeGracePeriodMs,
    podEvictionTimeoutMs: w.opts.podEvictionTimeoutMs,
  });
  const queue = new WorkQueue({ clock: w.clock, name: "node-lifecycle" });
  w.nodes.addEventHandler(handler<NodeLike>((n) => queue.add(n.metadata.name!)));
  w.leases.addEventHandler(
    handler<LeaseLike>((l) => {
      if (l.metadata.namespace === LEASE_NAMESPACE) queue.add(l.metadata.name!);
    }),
  );
  return {
    controller,
    queue,
    podChanged(pod, ev) {
      // A pod landing on (or still on) an unreachable node needs the eviction clock.
      const nodeName = pod.spec?.nodeName;
      if (!nodeName || ev === "delete") return;
      const ready = nodeReadyStatus(w.nodes.lister.get(undefined, nodeName));
      if (ready && ready !== "True") queue.add(nodeName);
    },
  };
}

export async function startControllers(opts: StartControllersOptions): Promise<RunningControllers> {
  const { client, informers } = opts;
  const clock = clockOrReal(opts.clock);
  const recorders: EventRecorder[] = [];
  const sink = (component: string): EventSink => {
    if (opts.recorder) return opts.recorder;
    const r = new EventRecorder(client, component, { clock });
    recorders.push(r);
    return r;
  };

  const pods = informers.for<PodLike>(R.pods);
  const replicaSets = informers.for<ReplicaSetLike>(R.replicasets);
  const deployments = informers.for<DeploymentLike>(R.deployments);
  const nodes = informers.for<NodeLike>(R.nodes);
  const leases = informers.for<LeaseLike>(R.leases);
  for (const inf of [pods, replicaSets, deployments]) {
    installOwnerIndexes(inf);
    inf.addIndex(BY_UID, uidIndex);
  }
  pods.addIndex(BY_NODE_NAME, nodeNameIndex);
  const sets = registerSetControllers({ client, informers, clock, events: sink });
  const batch = registerBatchControllers({ client, informers, clock, cronJobClock: opts.cronJobClock, events: sink, jobBackoffBaseMs: opts.jobBackoffBaseMs });
  const quotaHpa = registerQuotaAndHpaControllers({ client, informers, clock, events: sink, metrics: opts.metrics, hpa: opts.hpa });
  const coreApi = registerCoreApiControllers({ client, informers, clock, events: sink });
  const volumes = registerVolumeControllers({ client, informers, clock, events: sink, volumesDir: opts.volumesDir });

  const rsController = new ReplicaSetController({ client, replicaSets: replicaSets.lister, pods: pods.lister, clock, events: sink("replicaset-controller") });
  const deployController = new DeploymentController({
    client,
    deployments: deployments.lister,
    replicaSets: replicaSets.lister,
    pods: pods.lister,
    clock,
    events: sink("deployment-controller"),
  });
  const services = informers.for<KubeObject>(R.services);
  installOwnerIndexes(services);
  services.addIndex(BY_UID, uidIndex);
  const gc = new GarbageCollector({
    client,
    resources: [
      { info: R.services, lister: services.lister },
      { info: R.pods, lister: pods.lister },
      { info: R.replicasets, lister: replicaSets.lister },
      { info: R.deployments, lister: deployments.lister },
      ...batch.monitored,
      ...sets.monitored,
      ...coreApi.monitored,
    ],
    events: sink("garbage-collector"),
  });
  const queue = (name: string) => new WorkQueue({ clock, name });
  const rsQueue = queue("replicaset");
  const deployQueue = queue("deployment");
  const gcQueue = queue("garbage-collector");
  const nodeLifecycle = registerNodeLifecycle({ client, nodes, leases, pods, clock, events: sink("node-controller"), opts });
  const nodeController = nodeLifecycle.controller;
  const podGc = new PodGarbageCollector({ client, pods: pods.lister, nodes: nodes.lister, clock, quarantineMs: opts.podGcQuarantineMs });
  const podGcQueue = queue("pod-gc");
  pods.addEventHandler(handler<PodLike>((pod) => addAll(podGcQueue, podGc.podChanged(pod))));
  nodes.addEventHandler({ delete: (n) => addAll(podGcQueue, podGc.nodeDeleted(pods.lister.byIndex(BY_NODE_NAME, n.metadata.name!))) });
  const nodeQueue = nodeLifecycle.queue;
  const addAll = (q: WorkQueue, keys: string[]) => {
    for (const k of keys) q.add(k);
  };
  const gcHandler = <T extends KubeObject>(info: ResourceInfo) =>
    handler<T>((obj, ev) => addAll(gcQueue, gc.objectChanged(info, obj, ev)));

  pods.addEventHandler(
    handler<PodLike>((pod, ev, old) => {
      addAll(rsQueue, rsController.podChanged(pod, ev, old));
      addAll(deployQueue, deployController.podChanged(pod));
      nodeLifecycle.podChanged(pod, ev);
    }),
  );
  pods.addEventHandler(gcHandler<PodLike>(R.pods));
  replicaSets.addEventHandler(
    handler<ReplicaSetLike>((rs, _ev, old) => {
      rsQueue.add(keyOf(rs));
      addAll(deployQueue, deployController.replicaSetChanged(rs, old));
    }),
  );
  replicaSets.addEventHandler(gcHandler<ReplicaSetLike>(R.replicasets));
  deployments.addEventHandler(handler<DeploymentLike>((d) => deployQueue.add(keyOf(d))));
  deployments.addEventHandler(gcHandler<DeploymentLike>(R.deployments));
  for (const m of batch.monitored) informers.for(m.info).addEventHandler(gcHandler(m.info));
  for (const m of [...sets.monitored, ...coreApi.monitored]) informers.for(m.info).addEventHandler(gcHandler(m.info));
  services.addEventHandler(gcHandler(R.services));
  monitorCustomResources(informers, gc, (info) => gcHandler(info));

  const workers = opts.workers ?? 4;
  const onError = opts.onError;
  const runner = (r: Reconciler, q: WorkQueue) =>
    new ControllerRunner(r, q, { workers, onError: onError ? (key, e) => onError(r.name, key, e) : undefined });
  const endpointsQueue = queue("endpoints");
  const endpoints = registerEndpointsController(informers, client, (k) => endpointsQueue.add(k));
  const runners = [
    runner(rsController, rsQueue),
    runner(deployController, deployQueue),
    runner(gc, gcQueue),
    runner(nodeController, nodeQueue),
    runner(podGc, podGcQueue),
    runner(endpoints, endpointsQueue),
    ...batch.loops.map((l) => runner(l.reconciler, l.queue)),
    ...sets.loops.map((l) => runner(l.reconciler, l.queue)),
    ...quotaHpa.loops.map((l) => runner(l.reconciler, l.queue)),
    ...coreApi.loops.map((l) => runner(l.reconciler, l.queue)),
    ...volumes.loops.map((l) => runner(l.reconciler, l.queue)),
  ];

  await informers.startAll();
  for (const r of runners) r.start();

  let stopping: Promise<void> | undefined;
  return {
    replicaSets: rsController,
    deployments: deployController,
    garbageCollector: gc,
    nodeLifecycle: nodeController,
    batch,
    sets,
    quotaHpa,
    coreApi,
    volumes,
    stop() {
      stopping ??= (async () => {
        await Promise.all(runners.map((r) => r.stop()));
        await Promise.all(recorders.map((r) => r.flush()));
      })();
      return stopping;
    },
  };
}

// Wiring for the controllers of the core APIs a namespace is expected to have
// (issue 17) — ReplicationControllers, `default` ServiceAccounts, PodDisruptionBudget
// status — so the
// controller manager adds them with one call, in the same shape as the others.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import { keyOf } from "../client/lister.js";
import { WorkQueue } from "../client/workqueue.js";
import type { Clock } from "../util/clock.js";
import { BY_UID, uidIndex, type MonitoredResource } from "./garbage-collector.js";
import { installOwnerIndexes } from "./indexes.js";
import { ReplicationControllerController, type ReplicationControllerLike } from "./replication-controller.js";
import type { Reconciler } from "./runner.js";
import { ServiceAccountController } from "./serviceaccount.js";
import { DisruptionController, type Scaled } from "./disruption.js";
import type { PodDisruptionBudget } from "../api/disruption.js";
import { EndpointSliceMirror, SERVICE_NAME_LABEL } from "./endpointslice.js";
import type { EventSink, PodLike } from "./util.js";

export interface CoreApiControllerOptions {
  client: Client;
  /** Shared informers; the pods informer must already carry the owner indexes. */
  informers: InformerFactory;
  clock: Clock;
  events: (component: string) => EventSink;
}

export interface CoreApiControllers {
  replicationControllers: ReplicationControllerController;
  serviceAccounts: ServiceAccountController;
  disruption: DisruptionController;
  endpointSlices: EndpointSliceMirror;
  loops: Array<{ reconciler: Reconciler; queue: WorkQueue }>;
  /** Owners the garbage collector must know (pods of a deleted RC go with it). */
  monitored: MonitoredResource[];
}

export function registerCoreApiControllers(opts: CoreApiControllerOptions): CoreApiControllers {
  const { client, informers, clock } = opts;
  const pods = informers.for<PodLike>(R.pods);
  const rcs = informers.for<ReplicationControllerLike>(R.replicationcontrollers);
  installOwnerIndexes(rcs);
  rcs.addIndex(BY_UID, uidIndex);
  const rcQueue = new WorkQueue({ clock, name: "replicationcontroller" });
  const replicationControllers = new ReplicationControllerController({ client, replicationControllers: rcs.lister, pods: pods.lister, clock, events: opts.events("replication-controller") });
  const enqueueAll = (q: WorkQueue, keys: string[]) => keys.forEach((k) => q.add(k));
  rcs.addEventHandler({ add: (o) => rcQueue.add(keyOf(o)), update: (_o, n) => rcQueue.add(keyOf(n)), delete: (o) => rcQueue.add(keyOf(o)) });
  pods.addEventHandler({
    add: (p) => enqueueAll(rcQueue, replicationControllers.podChanged(p, "add")),
    update: (o, n) => enqueueAll(rcQueue, replicationControllers.podChanged(n, "update", o)),
    delete: (p) => enqueueAll(rcQueue, replicationControllers.podChanged(p, "delete")),
  });

  const namespaces = informers.for<KubeObject>(R.namespaces);
  const sas = informers.for<KubeObject>(R.serviceaccounts);
  const saQueue = new WorkQueue({ clock, name: "serviceaccount" });
  const serviceAccounts = new ServiceAccountController({ client, namespaces: namespaces.lister, serviceAccounts: sas.lister });
  namespaces.addEventHandler({ add: (n) => saQueue.add(keyOf(n)), update: (_o, n) => saQueue.add(keyOf(n)) });
  sas.addEventHandler({ delete: (sa) => enqueueAll(saQueue, serviceAccounts.serviceAccountChanged(sa, "delete")) });

  const pdbs = informers.for<PodDisruptionBudget>(R.poddisruptionbudgets);
  const pdbQueue = new WorkQueue({ clock, name: "disruption" });
  const disruption = new DisruptionController({
    client,
    pdbs: pdbs.lister,
    pods: pods.lister,
    owners: {
      replicaSets: informers.for<Scaled>(R.replicasets).lister,
      deployments: informers.for<Scaled>(R.deployments).lister,
      replicationControllers: rcs.lister,
      statefulSets: informers.for<Scaled>(R.statefulsets).lister,
    },
    clock,
  });
  pdbs.addEventHandler({ add: (o) => pdbQueue.add(keyOf(o)), update: (_o, n) => pdbQueue.add(keyOf(n)) });
  pods.addEventHandler({
    add: (p) => enqueueAll(pdbQueue, disruption.podChanged(p)),
    update: (o, n) => enqueueAll(pdbQueue, disruption.podChanged(n, o)),
    delete: (p) => enqueueAll(pdbQueue, disruption.podChanged(p)),
  });
  // A scale change moves expectedPods/desiredHealthy of percentage budgets.
  for (const info of [R.replicasets, R.deployments, R.statefulsets, R.replicationcontrollers]) {
    informers.for<KubeObject>(info).addEventHandler({ update: (_o, n) => pdbs.lister.list(n.metadata.namespace).forEach((p) => pdbQueue.add(keyOf(p))) });
  }

  const endpoints = informers.for<KubeObject>(R.endpoints);
  const slices = informers.for<KubeObject>(R.endpointslices);
  const sliceQueue = new WorkQueue({ clock, name: "endpointslice-mirroring" });
  const endpointSlices = new EndpointSliceMirror({ client, endpoints: endpoints.lister, slices: slices.lister });
  endpoints.addEventHandler({ add: (o) => sliceQueue.add(keyOf(o)), update: (_o, n) => sliceQueue.add(keyOf(n)), delete: (o) => sliceQueue.add(keyOf(o)) });
  // Someone edited or deleted a mirrored slice: put it back.
  const sliceOwner = (s: KubeObject) => {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc) sliceQueue.add(`${s.metadata.namespace}/${svc}`);
  };
  slices.addEventHandler({ update: (_o, n) => sliceOwner(n), delete: sliceOwner });

  return {
    replicationControllers,
    serviceAccounts,
    disruption,
    endpointSlices,
    loops: [
      { reconciler: endpointSlices, queue: sliceQueue },
      { reconciler: disruption, queue: pdbQueue },
      { reconciler: replicationControllers, queue: rcQueue },
      { reconciler: serviceAccounts, queue: saQueue },
    ],
    monitored: [{ info: R.replicationcontrollers, lister: rcs.lister }],
  };
}

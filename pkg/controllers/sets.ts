// Wiring for the DaemonSet and StatefulSet controllers: their informers, the
// event handlers that map pod and node changes to keys, and the queues the
// manager runs them on. Kept out of manager.ts so it only needs a line or two.
import { R } from "../api/kinds.js";
import type { Client } from "../client/client.js";
import type { PersistentVolumeClaim } from "../api/storage.js";
import type { InformerFactory } from "../client/informer.js";
import { keyOf } from "../client/lister.js";
import { WorkQueue } from "../client/workqueue.js";
import type { Clock } from "../util/clock.js";
import { DaemonSetController, type DaemonSetLike } from "./daemonset.js";
import { BY_UID, uidIndex, type MonitoredResource } from "./garbage-collector.js";
import { installOwnerIndexes } from "./indexes.js";
import type { NodeLike } from "./node-lifecycle.js";
import type { Reconciler } from "./runner.js";
import { StatefulSetController, type StatefulSetLike } from "./statefulset.js";
import type { EventSink, PodLike } from "./util.js";

export interface SetControllersOptions {
  client: Client;
  /** Shared informers; the pods informer must already carry installOwnerIndexes. */
  informers: InformerFactory;
  clock: Clock;
  events: (component: string) => EventSink;
}

export interface SetControllers {
  daemonSets: DaemonSetController;
  statefulSets: StatefulSetController;
  /** Each reconciler with its queue, for the manager's runners. */
  loops: Array<{ reconciler: Reconciler; queue: WorkQueue }>;
  /** Kinds the garbage collector must watch, so deleting a DaemonSet or StatefulSet takes its pods along. */
  monitored: MonitoredResource[];
}

export function registerSetControllers(opts: SetControllersOptions): SetControllers {
  const { client, informers, clock } = opts;
  const pods = informers.for<PodLike>(R.pods);
  const nodes = informers.for<NodeLike>(R.nodes);
  const daemonSets = informers.for<DaemonSetLike>(R.daemonsets);
  const statefulSets = informers.for<StatefulSetLike>(R.statefulsets);
  for (const inf of [daemonSets, statefulSets]) {
    installOwnerIndexes(inf);
    inf.addIndex(BY_UID, uidIndex);
  }
  const dsController = new DaemonSetController({ client, daemonSets: daemonSets.lister, pods: pods.lister, nodes: nodes.lister, clock, events: opts.events("daemonset-controller") });
  const claims = informers.for<PersistentVolumeClaim>(R.persistentvolumeclaims);
  const stsController = new StatefulSetController({ client, statefulSets: statefulSets.lister, pods: pods.lister, claims: claims.lister, clock, events: opts.events("statefulset-controller") });
  const dsQueue = new WorkQueue({ clock, name: "daemonset" });
  const stsQueue = new WorkQueue({ clock, name: "statefulset" });
  const podEvent = (pod: PodLike, ev: "add" | "update" | "delete", old?: PodLike) => {
    for (const k of dsController.podChanged(pod, ev, old)) dsQueue.add(k);
    for (const k of stsController.podChanged(pod, ev, old)) stsQueue.add(k);
  };
  pods.addEventHandler({ add: (p) => podEvent(p, "add"), update: (old, p) => podEvent(p, "update", old), delete: (p) => podEvent(p, "delete") });
  const nodeEvent = () => dsController.nodeChanged().forEach((k) => dsQueue.add(k));
  // Resyncs deliver update(old === new): nothing changed, so no DaemonSet needs a look.
  nodes.addEventHandler({ add: nodeEvent, update: (old, n) => old !== n && nodeEvent(), delete: nodeEvent });
  daemonSets.addEventHandler({ add: (d) => dsQueue.add(keyOf(d)), update: (_o, d) => dsQueue.add(keyOf(d)), delete: (d) => dsQueue.add(keyOf(d)) });
  statefulSets.addEventHandler({ add: (s) => stsQueue.add(keyOf(s)), update: (_o, s) => stsQueue.add(keyOf(s)), delete: (s) => stsQueue.add(keyOf(s)) });
  return {
    daemonSets: dsController,
    statefulSets: stsController,
    loops: [
      { reconciler: dsController, queue: dsQueue },
      { reconciler: stsController, queue: stsQueue },
    ],
    monitored: [
      { info: R.daemonsets, lister: daemonSets.lister },
      { info: R.statefulsets, lister: statefulSets.lister },
    ],
  };
}

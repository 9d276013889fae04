// Wiring for the storage controllers (issue 21): the binder (claims), the
// reclaimer (volumes), protection finalizers, and the default `standard`
// StorageClass with its local-path provisioner, so the manager adds them with
// one call. Without a volumes directory there is no provisioner and no default
// class: claims then bind only to volumes an administrator made.
import { R } from "../api/kinds.js";
import { isDefaultClass, podClaimNames, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from "../api/storage.js";
import type { KubeObject } from "../api/types.js";
import type { InformerFactory } from "../client/informer.js";
import { keyOf } from "../client/lister.js";
import { WorkQueue } from "../client/workqueue.js";
import type { Client } from "../client/client.js";
import type { Clock } from "../util/clock.js";
import type { Reconciler } from "./runner.js";
import { PODS_BY_CLAIM, VolumeBinder } from "./volume-binder.js";
import { DefaultStorageClassController } from "./volume-default-class.js";
import { VolumeProtection } from "./volume-protection.js";
import { LocalPathProvisioner, type Provisioner } from "./volume-provisioner.js";
import { VolumeReclaimer } from "./volume-reclaimer.js";
import type { EventSink, PodLike } from "./util.js";
import { DEFAULT_STORAGE_CLASS_NAME } from "../api/storage.js";

export interface VolumeControllerOptions {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  events: (component: string) => EventSink;
  /** Where the local-path provisioner makes volume directories (<state dir>/volumes); none = no provisioner. */
  volumesDir?: string;
}

export interface VolumeControllers {
  binder: VolumeBinder;
  reclaimer: VolumeReclaimer;
  protection: VolumeProtection;
  loops: Array<{ reconciler: Reconciler; queue: WorkQueue }>;
}

export function registerVolumeControllers(opts: VolumeControllerOptions): VolumeControllers {
  const { client, informers, clock } = opts;
  const pods = informers.for<PodLike>(R.pods);
  pods.addIndex(PODS_BY_CLAIM, (p) => podClaimNames(p).map((c) => `${p.metadata.namespace}/${c}`));
  const claims = informers.for<PersistentVolumeClaim>(R.persistentvolumeclaims);
  const volumes = informers.for<PersistentVolume>(R.persistentvolumes);
  const classes = informers.for<StorageClass>(R.storageclasses);
  const nodes = informers.for<KubeObject>(R.nodes);
  const provisioners: Provisioner[] = opts.volumesDir ? [new LocalPathProvisioner(opts.volumesDir)] : [];
  const events = opts.events("persistentvolume-controller");

  const binder = new VolumeBinder({ client, claims: claims.lister, volumes: volumes.lister, classes: classes.lister, pods: pods.lister, nodes: nodes.lister, provisioners, events });
  const reclaimer = new VolumeReclaimer({ client, claims: claims.lister, volumes: volumes.lister, provisioners, clock, events });
  const protection = new VolumeProtection({ client, claims: claims.lister, volumes: volumes.lister, pods: pods.lister });
  const claimQueue = new WorkQueue({ clock, name: "persistentvolume-claims" });
  const volumeQueue = new WorkQueue({ clock, name: "persistentvolume-volumes" });
  const protectionQueue = new WorkQueue({ clock, name: "volume-protection" });

  const claimChanged = (c: PersistentVolumeClaim) => {
    claimQueue.add(keyOf(c));
    protectionQueue.add(VolumeProtection.claimKey(c));
    // Its volume's phase follows the claim (Bound, Released).
    for (const pv of volumes.lister.list()) if (pv.spec?.claimRef?.name === c.metadata.name && pv.spec?.claimRef?.namespace === c.metadata.namespace) volumeQueue.add(keyOf(pv));
  };
  claims.addEventHandler({ add: claimChanged, update: (_o, c) => claimChanged(c), delete: claimChanged });
  const volumeChanged = (pv: PersistentVolume) => {
    volumeQueue.add(keyOf(pv));
    protectionQueue.add(VolumeProtection.volumeKey(keyOf(pv)));
    const ref = pv.spec?.claimRef;
    if (ref?.name) claimQueue.add(`${ref.namespace}/${ref.name}`);
    // A new or freed volume may match any waiting claim.
    else for (const c of claims.lister.list()) if (!c.spec?.volumeName) claimQueue.add(keyOf(c));
  };
  volumes.addEventHandler({ add: volumeChanged, update: (_o, pv) => volumeChanged(pv), delete: volumeChanged });
  // A class made after its claims lets them provision; a new default class is given to claims without one.
  const waitsFor = (sc: StorageClass, c: PersistentVolumeClaim) => !c.spec?.volumeName && (c.spec?.storageClassName === sc.metadata.name || (c.spec?.storageClassName == null && isDefaultClass(sc)));
  const classChanged = (sc: StorageClass) => claims.lister.list().forEach((c) => waitsFor(sc, c) && claimQueue.add(keyOf(c)));
  classes.addEventHandler({ add: classChanged, update: (o, sc) => o !== sc && classChanged(sc) });
  // Pods: a scheduled consumer lets a WaitForFirstConsumer claim bind; a pod gone frees its claims for deletion.
  const podChanged = (p: PodLike) => {
    for (const name of podClaimNames(p)) {
      claimQueue.add(`${p.metadata.namespace}/${name}`);
      protectionQueue.add(`claim:${p.metadata.namespace}/${name}`);
    }
  };
  pods.addEventHandler({ add: podChanged, update: (o, p) => o.spec?.nodeName !== p.spec?.nodeName || o.status?.phase !== p.status?.phase ? podChanged(p) : undefined, delete: podChanged });

  const loops: Array<{ reconciler: Reconciler; queue: WorkQueue }> = [
    { reconciler: binder, queue: claimQueue },
    { reconciler: reclaimer, queue: volumeQueue },
    { reconciler: protection, queue: protectionQueue },
  ];
  if (provisioners.length > 0) {
    const classQueue = new WorkQueue({ clock, name: "default-storageclass" });
    loops.push({ reconciler: new DefaultStorageClassController({ client, classes: classes.lister }), queue: classQueue });
    classQueue.add(DEFAULT_STORAGE_CLASS_NAME);
  }
  return { binder, reclaimer, protection, loops };
}

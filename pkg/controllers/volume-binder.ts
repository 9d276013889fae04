// The claim side of Kubernetes' PersistentVolume controller
// (pkg/controller/volume/persistentvolume/pv_controller.go, syncClaim): an
// unbound claim is bound to the smallest Available volume that matches it
// (class, access modes, size, selector, volume mode, and the selected node's
// labels against the volume's node affinity), or gets a volume from its class's
// provisioner. A WaitForFirstConsumer claim waits until a pod using it has been
// scheduled: the binder then records that node in the
// volume.kubernetes.io/selected-node annotation (kube-scheduler's VolumeBinding
// PreBind does this in Kubernetes) and binds or provisions there.
//
// Binding writes the volume first (claimRef, phase Bound), then the claim
// (volumeName, annotations, status), so a crash in between leaves a volume
// reserved for the claim, which the next pass completes.
import { R } from "../api/kinds.js";
import {
  BIND_COMPLETED_ANNOTATION,
  BOUND_BY_CONTROLLER_ANNOTATION,
  bestVolumeFor,
  claimClass,
  claimRefMatches,
  defaultStorageClass,
  isWaitForFirstConsumer,
  SELECTED_NODE_ANNOTATION,
  STORAGE_PROVISIONER_ANNOTATION,
  volumeMismatch,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from "../api/storage.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { splitKey } from "../client/lister.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import type { Provisioner } from "./volume-provisioner.js";
import { isAlreadyExists, isNotFound, noEvents, type EventSink, type PodLike } from "./util.js";

/** Pods informer index: "namespace/claim" for every claim a pod's volumes name. */
export const PODS_BY_CLAIM = "pods-by-claim";

export interface VolumeBinderOptions {
  client: Client;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  classes: Lister<StorageClass>;
  /** Needs the PODS_BY_CLAIM index. */
  pods: Lister<PodLike>;
  nodes: Lister<KubeObject>;
  provisioners: readonly Provisioner[];
  events?: EventSink;
}

const isShutDown = (p: PodLike) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export class VolumeBinder implements Reconciler {
  readonly name = "persistentvolume-binder";
  private readonly events: EventSink;

  constructor(private readonly opts: VolumeBinderOptions) {
    this.events = opts.events ?? noEvents;
  }

  /** Idempotent: one step toward a bound claim per call; the writes' own events bring the next. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const claim = this.opts.claims.get(namespace, name);
    if (!claim || claim.metadata.deletionTimestamp) return {};
    if (claim.spec?.volumeName) await this.syncBound(claim, claim.spec.volumeName);
    else await this.syncUnbound(claim);
    return {};
  }

  private async syncBound(claim: PersistentVolumeClaim, volumeName: string): Promise<void> {
    const pv = this.opts.volumes.get(undefined, volumeName);
    if (!pv) {
      if (claim.status?.phase === "Bound" || claim.status?.phase === "Lost") {
        if (claim.status.phase !== "Lost") this.events.event(claim, "Warning", "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
        await this.setClaimStatus(claim, { phase: "Lost" });
      }
      return; // a volume named ahead of its creation: wait for it
    }
    if (pv.spec?.claimRef && !claimRefMatches(pv, claim)) {
      this.events.event(claim, "Warning", "FailedBinding", `volume "${volumeName}" already bound to a different claim.`);
      return;
    }
    if (!pv.spec?.claimRef) {
      const why = volumeMismatch(pv, claim);
      if (why) {
        this.events.event(claim, "Warning", "VolumeMismatch", `Cannot bind to requested volume "${volumeName}": ${why}`);
        return;
      }
    }
    await this.bind(pv, claim);
  }

  private async syncUnbound(claim: PersistentVolumeClaim): Promise<void> {
    // Retroactive default class (Kubernetes 1.28+): a claim made before any default
    // class existed gets it now. An explicit "" means "no class" and stays.
    if (claim.spec?.storageClassName === undefined || claim.spec.storageClassName === null) {
      const def = defaultStorageClass(this.opts.classes.list());
      if (def?.metadata.name) {
        const next = structuredClone(claim);
        next.spec = { ...next.spec, storageClassName: def.metadata.name };
        try {
          await this.opts.client.update(R.persistentvolumeclaims, next);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
        return; // the update's event brings the claim back with its class
      }
    }
    const className = claimClass(claim);
    const sc = className ? this.opts.classes.get(undefined, className) : undefined;
    let node = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    if (isWaitForFirstConsumer(sc) && !node) {
      const consumer = this.opts.pods.byIndex(PODS_BY_CLAIM, `${claim.metadata.namespace}/${claim.metadata.name}`).find((p) => p.spec?.nodeName && !isShutDown(p));
      if (!consumer) {
        this.events.event(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
        return;
      }
      node = String(consumer.spec!.nodeName);
      const annotated = await this.annotateClaim(claim, { [SELECTED_NODE_ANNOTATION]: node });
      if (!annotated) return;
      claim = annotated;
    }
    const nodeFacts = node ? { name: node, labels: this.opts.nodes.get(undefined, node)?.metadata.labels ?? { "kubernetes.io/hostname": node } } : undefined;
    const pv = bestVolumeFor(claim, this.opts.volumes.list(), nodeFacts);
    if (pv) {
      await this.bind(pv, claim);
      return;
    }
    if (!sc) {
      this.events.event(claim, "Normal", "FailedBinding", className ? `storageclass.storage.k8s.io "${className}" not found` : "no persistent volumes available for this claim and no storage class is set");
      return;
    }
    const provisioner = this.opts.provisioners.find((p) => p.name === sc.provisioner);
    if (!provisioner) {
      this.events.event(claim, "Normal", "ExternalProvisioning", `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
      return;
    }
    await this.provision(claim, sc, provisioner, isWaitForFirstConsumer(sc) ? node : undefined);
  }

  private async provision(claim: PersistentVolumeClaim, sc: StorageClass, provisioner: Provisioner, node: string | undefined): Promise<void> {
    if (!claim.metadata.annotations?.[STORAGE_PROVISIONER_ANNOTATION]) {
      const annotated = await this.annotateClaim(claim, { [STORAGE_PROVISIONER_ANNOTATION]: provisioner.name });
      if (!annotated) return;
      claim = annotated;
      this.events.event(claim, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${claim.metadata.namespace}/${claim.metadata.name}"`);
    }
    const want = provisioner.volumeFor(claim, sc, node);
    await provisioner.prepare(want);
    let pv: PersistentVolume;
    try {
      pv = await this.opts.client.create<PersistentVolume>(R.persistentvolumes, undefined, want);
      this.events.event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${pv.metadata.name}`);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        this.events.event(claim, "Warning", "ProvisioningFailed", `failed to provision volume with StorageClass "${sc.metadata.name}": ${(e as Error).message}`);
        throw e;
      }
      pv = await this.opts.client.get<PersistentVolume>(R.persistentvolumes, undefined, want.metadata.name!);
    }
    if (claimRefMatches(pv, claim)) await this.bind(pv, claim);
  }

  /** bindVolumeToClaim, then bindClaimToVolume, then both statuses; every step skipped when already done. */
  private async bind(pv: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid !== claim.metadata.uid) {
      const next = structuredClone(pv);
      next.spec = { ...next.spec, claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion } };
      if (!ref) next.metadata.annotations = { ...next.metadata.annotations, [BOUND_BY_CONTROLLER_ANNOTATION]: "yes" };
      pv = await this.opts.client.update<PersistentVolume>(R.persistentvolumes, next);
    }
    if (pv.status?.phase !== "Bound") {
      pv = await this.opts.client.updateStatus<PersistentVolume>(R.persistentvolumes, { ...structuredClone(pv), status: { ...pv.status, phase: "Bound" } });
    }
    if (claim.spec?.volumeName !== pv.metadata.name || claim.metadata.annotations?.[BIND_COMPLETED_ANNOTATION] !== "yes") {
      const next = structuredClone(claim);
      const byController = !claim.spec?.volumeName;
      next.spec = { ...next.spec, volumeName: pv.metadata.name };
      next.metadata.annotations = { ...next.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: "yes", ...(byController ? { [BOUND_BY_CONTROLLER_ANNOTATION]: "yes" } : {}) };
      claim = await this.opts.client.update<PersistentVolumeClaim>(R.persistentvolumeclaims, next);
    }
    const status = { phase: "Bound", accessModes: [...(pv.spec?.accessModes ?? [])], capacity: { ...(pv.spec?.capacity ?? {}) } };
    await this.setClaimStatus(claim, status);
  }

  /** Writes the claim's status when it differs; a claim deleted meanwhile is not an error. */
  private async setClaimStatus(claim: PersistentVolumeClaim, status: NonNullable<PersistentVolumeClaim["status"]>): Promise<void> {
    const next = { ...claim.status, ...status };
    if (JSON.stringify(next) === JSON.stringify(claim.status)) return;
    try {
      await this.opts.client.updateStatus(R.persistentvolumeclaims, { ...structuredClone(claim), status: next });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** The claim with these annotations added, or undefined when it is gone. */
  private async annotateClaim(claim: PersistentVolumeClaim, annotations: Record<string, string>): Promise<PersistentVolumeClaim | undefined> {
    const next = structuredClone(claim);
    next.metadata.annotations = { ...next.metadata.annotations, ...annotations };
    try {
      return await this.opts.client.update<PersistentVolumeClaim>(R.persistentvolumeclaims, next);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }
}

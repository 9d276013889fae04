// The volume side of Kubernetes' PersistentVolume controller (syncVolume): a
// volume without a claim is Available; one whose claim is bound to it is Bound;
// one whose claim is gone is Released and then reclaimed by its policy —
// Retain keeps it (and its data) until an administrator deletes it, Delete
// removes the data through the provisioner that made it and then the volume.
// A volume of a policy nothing can carry out is marked Failed, as in Kubernetes.
import { R } from "../api/kinds.js";
import { PROVISIONED_BY_ANNOTATION, type PersistentVolume, type PersistentVolumeClaim } from "../api/storage.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import type { Provisioner } from "./volume-provisioner.js";
import { clockOrReal, isNotFound, noEvents, rfc3339, type EventSink } from "./util.js";

export interface VolumeReclaimerOptions {
  client: Client;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  provisioners: readonly Provisioner[];
  clock?: Clock;
  events?: EventSink;
}

type VolumeStatus = NonNullable<PersistentVolume["status"]>;

export class VolumeReclaimer implements Reconciler {
  readonly name = "persistentvolume-reclaimer";
  private readonly events: EventSink;
  private readonly clock: Clock;

  constructor(private readonly opts: VolumeReclaimerOptions) {
    this.events = opts.events ?? noEvents;
    this.clock = clockOrReal(opts.clock);
  }

  /** Idempotent: sets the phase the volume's claim implies, and reclaims a released volume. */
  async reconcile(name: string): Promise<ReconcileResult> {
    const pv = this.opts.volumes.get(undefined, name);
    if (!pv) return {};
    const ref = pv.spec?.claimRef;
    if (!ref?.name) {
      if (pv.status?.phase !== "Failed") await this.setPhase(pv, { phase: "Available" });
      return {};
    }
    const claim = await this.currentClaim(ref.namespace ?? "", ref.name);
    if (claim && (!ref.uid || ref.uid === claim.metadata.uid)) {
      // Bound once the claim points back; until then it is reserved, which Kubernetes shows as Available.
      if (claim.spec?.volumeName === name) await this.setPhase(pv, { phase: "Bound" });
      else if (pv.status?.phase !== "Bound") await this.setPhase(pv, { phase: "Available" });
      return {};
    }
    // The claim is gone (or is a new claim of the same name): the volume is released.
    if (pv.status?.phase !== "Released" && pv.status?.phase !== "Failed") {
      await this.setPhase(pv, { phase: "Released" });
      return {}; // the status write brings us back for the reclaim
    }
    if (pv.status?.phase === "Failed") return {};
    await this.reclaim(pv);
    return {};
  }

  private async reclaim(pv: PersistentVolume): Promise<void> {
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? "Retain";
    if (policy === "Retain") return;
    if (policy !== "Delete") {
      await this.fail(pv, "VolumeFailedRecycle", `Recycle is not supported by skiff; delete the volume or set persistentVolumeReclaimPolicy`);
      return;
    }
    const provisioner = this.opts.provisioners.find((p) => p.name === pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION]);
    if (!provisioner) {
      await this.fail(pv, "VolumeFailedDelete", `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`);
      return;
    }
    await provisioner.remove(pv);
    try {
      await this.opts.client.delete(R.persistentvolumes, undefined, pv.metadata.name!, { preconditions: { uid: pv.metadata.uid } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private async fail(pv: PersistentVolume, reason: string, message: string): Promise<void> {
    this.events.event(pv, "Warning", reason, message);
    await this.setPhase(pv, { phase: "Failed", message });
  }

  /**
   * The claim from the cache, or from the API when the cache has none: a claim
   * made a moment ago must not make its new volume look released.
   */
  private async currentClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    const cached = this.opts.claims.get(namespace, name);
    if (cached) return cached;
    try {
      return await this.opts.client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, namespace, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private async setPhase(pv: PersistentVolume, status: VolumeStatus): Promise<void> {
    if (pv.status?.phase === status.phase && pv.status?.message === status.message) return;
    const next: VolumeStatus = { phase: status.phase, lastPhaseTransitionTime: rfc3339(this.clock.now()) };
    if (status.message) next.message = status.message;
    try {
      await this.opts.client.updateStatus(R.persistentvolumes, { ...structuredClone(pv), status: next });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

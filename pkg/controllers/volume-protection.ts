// Kubernetes' pvc-protection and pv-protection controllers: a claim being
// deleted keeps its kubernetes.io/pvc-protection finalizer while a pod that has
// not finished still uses it, and a volume being deleted keeps
// kubernetes.io/pv-protection while it is Bound. Once unused, the finalizer
// goes and the API server completes the delete.
import { R } from "../api/kinds.js";
import { podClaimNames, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, type PersistentVolume, type PersistentVolumeClaim } from "../api/storage.js";
import type { ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { splitKey } from "../client/lister.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { PODS_BY_CLAIM } from "./volume-binder.js";
import { isConflict, isNotFound, isTerminating, type PodLike } from "./util.js";

export interface VolumeProtectionOptions {
  client: Client;
  claims: Lister<PersistentVolumeClaim>;
  volumes: Lister<PersistentVolume>;
  /** Needs the PODS_BY_CLAIM index. */
  pods: Lister<PodLike>;
}

const isShutDown = (p: PodLike) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

/** Keys are "claim:<namespace>/<name>" and "volume:<name>", so one queue serves both kinds. */
export class VolumeProtection implements Reconciler {
  readonly name = "volume-protection";

  constructor(private readonly opts: VolumeProtectionOptions) {}

  static claimKey(claim: KubeObject): string {
    return `claim:${claim.metadata.namespace}/${claim.metadata.name}`;
  }

  static volumeKey(name: string): string {
    return `volume:${name}`;
  }

  /** Idempotent: removes the finalizer of an unused object being deleted. */
  async reconcile(key: string): Promise<ReconcileResult> {
    if (key.startsWith("claim:")) {
      const { namespace, name } = splitKey(key.slice("claim:".length));
      const claim = this.opts.claims.get(namespace, name);
      if (!claim || !isTerminating(claim) || !claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return {};
      if (await this.claimInUse(claim)) return {};
      await this.dropFinalizer(R.persistentvolumeclaims, claim, PVC_PROTECTION_FINALIZER);
      return {};
    }
    const pv = this.opts.volumes.get(undefined, key.slice("volume:".length));
    if (!pv || !isTerminating(pv) || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return {};
    if (pv.status?.phase === "Bound") return {};
    await this.dropFinalizer(R.persistentvolumes, pv, PV_PROTECTION_FINALIZER);
    return {};
  }

  /** Any pod that has not finished and names the claim; the cache first, then the API (a pod made a moment ago counts). */
  private async claimInUse(claim: PersistentVolumeClaim): Promise<boolean> {
    const ns = claim.metadata.namespace ?? "";
    const name = claim.metadata.name ?? "";
    const users = (pods: PodLike[]) => pods.some((p) => !isShutDown(p) && podClaimNames(p).includes(name));
    if (users(this.opts.pods.byIndex(PODS_BY_CLAIM, `${ns}/${name}`))) return true;
    const live = await this.opts.client.list<PodLike>(R.pods, ns);
    return users(live.items);
  }

  private async dropFinalizer(info: ResourceInfo, obj: KubeObject, finalizer: string): Promise<void> {
    const next = structuredClone(obj);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    try {
      await this.opts.client.update(info, next);
    } catch (e) {
      // Gone already, or changed meanwhile (its event brings us back).
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

// The StatefulSet controller (pkg/controller/statefulset, stateful_set_control.go):
// pods with stable names "<set>-0…N-1". With podManagementPolicy OrderedReady
// pods are created one at a time in ordinal order, each only once the one
// before is Running and Ready, and removed one at a time from the highest
// ordinal, each only once the one above is gone; Parallel does both at once.
// A RollingUpdate replaces pods whose controller-revision-hash is not the
// template's, from the highest ordinal down to the partition, one at a time.
// Pod names are fixed, so a create that races a stale cache fails with
// AlreadyExists instead of making a duplicate: no expectations are needed.
import { R } from "../api/kinds.js";
import { selectorOf, type LabelSelectorObject } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { templateHash, type PodTemplate } from "./history.js";
import { ownerKeysForPodEvent, type PodEvent } from "./owner-keys.js";
import { claimPods } from "./ref-manager.js";
import type { Reconciler } from "./runner.js";
import { claimsFor, ordinalOf, podName, podRevision, statefulPod, templateFromPod, type ClaimTemplate } from "./statefulset-pods.js";
import type { PersistentVolumeClaim } from "../api/storage.js";
import {
  clockOrReal,
  isAlreadyExists,
  isNotFound,
  isPodAvailable,
  isPodReady,
  isTerminating,
  msUntilAvailable,
  noEvents,
  type EventSink,
  type PodLike,
} from "./util.js";

export interface StatefulSetLike extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelectorObject;
    template?: PodTemplate;
    serviceName?: string;
    podManagementPolicy?: string;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
    volumeClaimTemplates?: ClaimTemplate[];
    minReadySeconds?: number;
    ordinals?: { start?: number };
  };
  status?: StatefulSetStatus;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas?: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
}

export interface StatefulSetControllerOptions {
  client: Client;
  statefulSets: Lister<StatefulSetLike>;
  /** Needs the BY_CONTROLLER_UID and ORPHANS_BY_NAMESPACE indexes (installOwnerIndexes). */
  pods: Lister<PodLike>;
  /** The claims informer's cache: an existing claim is reused, one being deleted is waited for. */
  claims?: Lister<PersistentVolumeClaim>;
  clock?: Clock;
  events?: EventSink;
}

/** The name of a StatefulSet's current template revision: "<set>-<hash>". */
export function updateRevisionOf(sts: StatefulSetLike): string {
  // collisionCount 0 (what the status reports) hashes like no count at all.
  return `${sts.metadata.name}-${templateHash(sts.spec?.template, sts.status?.collisionCount || undefined)}`;
}

const isCreated = (p: PodLike) => !!p.status?.phase;
const isFailed = (p: PodLike) => p.status?.phase === "Failed" || p.status?.phase === "Succeeded";
const isRunningAndReady = (p: PodLike) => p.status?.phase === "Running" && isPodReady(p);

export class StatefulSetController implements Reconciler {
  readonly name = "statefulset";
  private readonly clock: Clock;
  private readonly events: EventSink;

  constructor(private readonly opts: StatefulSetControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
  }

  /** Idempotent: at most the next step of the rollout per call when OrderedReady. */
  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const sts = this.opts.statefulSets.get(namespace, name);
    if (!sts) return {};
    const selector = selectorOf(sts);
    if (!selector) return {};
    const pods = (await claimPods(this.opts.client, this.opts.pods, sts, selector)).filter((p) => ordinalOf(sts, p) !== undefined);
    const updateRevision = updateRevisionOf(sts);
    const currentRevision = sts.status?.currentRevision || updateRevision;
    let requeueAfterMs: number | undefined;
    if (!isTerminating(sts)) requeueAfterMs = await this.updatePods(sts, pods, currentRevision, updateRevision);
    const availableIn = await this.syncStatus(sts, pods, currentRevision, updateRevision);
    if (availableIn !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, availableIn);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  /** Keys for a pod event: the StatefulSet that owns (or owned) it, or may adopt it. */
  podChanged(pod: PodLike, event: PodEvent, old?: PodLike): string[] {
    return ownerKeysForPodEvent({ kind: "StatefulSet", owners: this.opts.statefulSets, selectorOf }, pod, event, old);
  }

  // --- the pods ----------------------------------------------------------------

  /** updateStatefulSet's pod loop; returns when to look again (minReadySeconds), if ever. */
  private async updatePods(sts: StatefulSetLike, pods: PodLike[], currentRevision: string, updateRevision: string): Promise<number | undefined> {
    const replicas = sts.spec?.replicas ?? 1;
    const start = sts.spec?.ordinals?.start ?? 0;
    const monotonic = (sts.spec?.podManagementPolicy ?? "OrderedReady") !== "Parallel";
    const minReady = sts.spec?.minReadySeconds ?? 0;
    const now = this.clock.now();
    const byOrdinal = new Map<number, PodLike>();
    for (const p of pods) byOrdinal.set(ordinalOf(sts, p)!, p);
    const inRange = (o: number) => o >= start && o < start + replicas;
    const condemned = pods.filter((p) => !inRange(ordinalOf(sts, p)!)).sort((a, b) => ordinalOf(sts, a)! - ordinalOf(sts, b)!);

    // 1. Every ordinal in range has a healthy pod, in order.
    let firstUnhealthy: PodLike | undefined;
    for (let i = 0; i < replicas; i++) {
      const ordinal = start + i;
      const pod = byOrdinal.get(ordinal);
      if (!pod) {
        await this.createPod(sts, ordinal, i, pods, currentRevision, updateRevision);
        if (monotonic) return undefined; // its events bring us back
        continue;
      }
      if (isFailed(pod) && !isTerminating(pod)) {
        // A stopped pod is replaced under the same name: delete now, create next time.
        await this.deletePod(sts, pod);
        if (monotonic) return undefined;
        continue;
      }
      if (!isRunningAndReady(pod) || isTerminating(pod)) {
        firstUnhealthy ??= pod;
        if (monotonic) return undefined; // wait for it before touching the next one
        continue;
      }
      if (monotonic && !isPodAvailable(pod, minReady, now)) return msUntilAvailable(pod, minReady, now);
    }
    firstUnhealthy ??= condemned.find((p) => !isRunningAndReady(p) || isTerminating(p));

    // 2. Pods beyond the replica count go, highest ordinal first.
    for (let i = condemned.length - 1; i >= 0; i--) {
      const pod = condemned[i];
      if (isTerminating(pod)) {
        if (monotonic) return undefined; // one at a time: wait until it is gone
        continue;
      }
      // An unhealthy pod may go (it is the first in line); a healthy one waits for the others.
      if (monotonic && !isRunningAndReady(pod) && pod !== firstUnhealthy) return undefined;
      await this.deletePod(sts, pod);
      if (monotonic) return undefined;
    }

    // 3. Rolling update: highest ordinal first, down to the partition, one pod at a time.
    const strategy = sts.spec?.updateStrategy;
    if ((strategy?.type ?? "RollingUpdate") !== "RollingUpdate") return undefined;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    for (let i = replicas - 1; i >= partition; i--) {
      const pod = byOrdinal.get(start + i);
      if (!pod) return undefined;
      if (podRevision(pod) !== updateRevision && !isTerminating(pod)) {
        await this.deletePod(sts, pod);
        return undefined;
      }
      if (!isRunningAndReady(pod) || isTerminating(pod)) return undefined;
    }
    return undefined;
  }

  /**
   * newVersionedStatefulSetPod: below the partition a pod is made at the current
   * revision, from a sibling still at it (skiff keeps no ControllerRevisions; with
   * no such sibling left the update revision is used).
   */
  private async createPod(sts: StatefulSetLike, ordinal: number, index: number, pods: PodLike[], currentRevision: string, updateRevision: string): Promise<void> {
    const strategy = sts.spec?.updateStrategy;
    const partition = strategy?.rollingUpdate?.partition ?? 0;
    let revision = updateRevision;
    let template: PodTemplate = sts.spec?.template ?? {};
    const atCurrent =
      currentRevision !== updateRevision &&
      (strategy?.type ?? "RollingUpdate") === "RollingUpdate" &&
      (strategy?.rollingUpdate ? index < partition : index < (sts.status?.currentReplicas ?? 0));
    if (atCurrent) {
      const sibling = pods.find((p) => podRevision(p) === currentRevision && !isTerminating(p));
      if (sibling) {
        revision = currentRevision;
        template = templateFromPod(sibling);
      }
    }
    const name = podName(sts, ordinal);
    await this.createClaims(sts, ordinal);
    try {
      await this.opts.client.create(R.pods, sts.metadata.namespace, statefulPod(sts, template, ordinal, revision));
      this.events.event(sts, "Normal", "SuccessfulCreate", `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (e) {
      if (isAlreadyExists(e)) return; // our cache is behind: it exists, which is what we wanted
      this.events.event(sts, "Warning", "FailedCreate", `create Pod ${name} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  /**
   * createPersistentVolumeClaims: every claim of the ordinal exists before its pod.
   * Throws while one is being deleted (the pod could not start on it): the retry
   * with back-off makes it again once it is gone.
   */
  private async createClaims(sts: StatefulSetLike, ordinal: number): Promise<void> {
    for (const claim of claimsFor(sts, ordinal)) {
      const name = claim.metadata.name!;
      const existing = this.opts.claims?.get(sts.metadata.namespace, name);
      if (existing?.metadata.deletionTimestamp) {
        throw new Error(`pvc ${name} is being deleted`);
      }
      if (existing) continue;
      try {
        await this.opts.client.create(R.persistentvolumeclaims, sts.metadata.namespace, claim);
        this.events.event(sts, "Normal", "SuccessfulCreate", `create Claim ${name} Pod ${podName(sts, ordinal)} in StatefulSet ${sts.metadata.name} success`);
      } catch (e) {
        if (isAlreadyExists(e)) continue; // made by an earlier pass: reused, as Kubernetes does
        this.events.event(sts, "Warning", "FailedCreate", `create Claim ${name} for Pod ${podName(sts, ordinal)} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`);
        throw e;
      }
    }
  }

  private async deletePod(sts: StatefulSetLike, pod: PodLike): Promise<void> {
    try {
      await this.opts.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      this.events.event(sts, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (e) {
      if (isNotFound(e)) return;
      this.events.event(sts, "Warning", "FailedDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  // --- status ------------------------------------------------------------------

  /** computeReplicaStatus + completeRollingUpdate; returns ms until a ready pod turns available. */
  private async syncStatus(sts: StatefulSetLike, pods: PodLike[], currentRevision: string, updateRevision: string): Promise<number | undefined> {
    const now = this.clock.now();
    const minReady = sts.spec?.minReadySeconds ?? 0;
    const s = { replicas: 0, ready: 0, available: 0, current: 0, updated: 0 };
    let soonest: number | undefined;
    for (const p of pods) {
      if (isCreated(p)) s.replicas++;
      if (isRunningAndReady(p)) {
        s.ready++;
        if (isPodAvailable(p, minReady, now)) s.available++;
        else {
          const ms = msUntilAvailable(p, minReady, now);
          if (ms !== undefined && ms > 0) soonest = Math.min(soonest ?? Infinity, ms);
        }
      }
      if (isCreated(p) && !isTerminating(p)) {
        if (podRevision(p) === currentRevision) s.current++;
        if (podRevision(p) === updateRevision) s.updated++;
      }
    }
    let current = currentRevision;
    // The rollout is complete: the update revision becomes the current one.
    if ((sts.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate" && s.updated === s.replicas && s.ready === s.replicas) {
      s.current = s.updated;
      current = updateRevision;
    }
    const old = sts.status ?? {};
    const next: StatefulSetStatus = {
      ...old,
      observedGeneration: sts.metadata.generation,
      replicas: s.replicas,
      readyReplicas: s.ready,
      currentReplicas: s.current,
      updatedReplicas: s.updated,
      availableReplicas: s.available,
      currentRevision: current,
      updateRevision,
      collisionCount: old.collisionCount ?? 0,
    };
    const changed = (Object.keys(next) as Array<keyof StatefulSetStatus>).some((k) => next[k] !== old[k]);
    if (changed) {
      try {
        await this.opts.client.updateStatus(R.statefulsets, { ...structuredClone(sts), status: next });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return soonest;
  }
}

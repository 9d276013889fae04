// The ReplicaSet controller: keeps spec.replicas live pods for each ReplicaSet.
// Level-triggered: every reconcile re-reads the ReplicaSet and its pods from the
// informer caches and closes the difference, so running it twice is harmless.
// It is built from the ownership kit every pod-owning controller shares:
// claimPods (ref-manager.ts) adopts and releases, ownerKeysForPodEvent
// (owner-keys.ts) maps pod events to keys, expectations (as client-go) stop it
// acting again on a key until its informer has seen its own creates and
// deletes, and slowStartBatch stops creating at the first refused batch.
// Before creating or deleting it confirms the count against the API (one GET
// and one LIST, no write), so a controller whose cache lags far behind, or a
// second instance, does not act on a stale picture.
import { R } from "../api/kinds.js";
import { podFromTemplate } from "../api/pod-template.js";
import { selectorOf, type LabelSelectorObject } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { randomBytes } from "node:crypto";
import { podsToDelete } from "./active-pods.js";
import { Expectations } from "./expectations.js";
import { ownerKeysForPodEvent, type PodEvent } from "./owner-keys.js";
import { claimPods } from "./ref-manager.js";
import type { Reconciler } from "./runner.js";
import { slowStartBatch } from "./slow-start.js";
import {
  clockOrReal,
  controllerRef,
  isNotFound,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isTerminating,
  msUntilAvailable,
  newControllerRef,
  noEvents,
  type EventSink,
  type PodLike,
} from "./util.js";

export interface ReplicaSetLike extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: LabelSelectorObject;
    template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  };
  status?: ReplicaSetStatus;
}

export interface ReplicaSetStatus {
  replicas?: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: unknown[];
}

/** Kubernetes' burstReplicas: at most this many creates or deletes per reconcile. */
const BURST = 500;
/** Kubernetes' SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH = 1;
/** How many deletes run concurrently within one reconcile. */
const PARALLEL_DELETES = 50;

export interface ReplicaSetControllerOptions {
  client: Client;
  replicaSets: Lister<ReplicaSetLike>;
  /** Needs the BY_CONTROLLER_UID and ORPHANS_BY_NAMESPACE indexes (installOwnerIndexes). */
  pods: Lister<PodLike>;
  clock?: Clock;
  events?: EventSink;
  /** The ownerReference kind of the objects `replicaSets` lists (ReplicationController reuses this controller). */
  ownerKind?: string;
}

const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
function nameSuffix(): string {
  let s = "";
  for (const b of randomBytes(5)) s += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return s;
}

async function inChunks<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL_DELETES) await Promise.all(items.slice(i, i + PARALLEL_DELETES).map(fn));
}

export class ReplicaSetController implements Reconciler {
  readonly name = "replicaset";
  readonly expectations: Expectations;
  private readonly clock: Clock;
  private readonly events: EventSink;
  private readonly ownerKind: string;

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
    this.expectations = new Expectations(this.clock);
    this.ownerKind = opts.ownerKind ?? "ReplicaSet";
  }

  /** Idempotent: converges pods and status for one ReplicaSet key. */
  async reconcile(key: string, signal?: AbortSignal): Promise<{ requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const rs = this.opts.replicaSets.get(namespace, name);
    if (!rs) {
      this.expectations.delete(key);
      return {};
    }
    const selector = selectorOf(rs);
    if (!selector) return {};
    const pods = await claimPods(this.opts.client, this.opts.pods, rs, selector);
    const active = pods.filter(isPodActive);

    let requeueAfterMs: number | undefined;
    if (!isTerminating(rs)) {
      if (this.expectations.satisfied(key)) {
        requeueAfterMs = await this.manageReplicas(key, rs, active, signal);
      } else {
        // Our own writes are not visible yet; the pod events will bring us back.
        requeueAfterMs = this.expectations.msUntilExpiry(key) + 1;
      }
    }
    // Status counts what the cache shows; while our own creates and deletes are
    // unobserved it would be stale at once, and the events that settle them
    // bring us back to write it — one status write per scale, not two.
    if (this.expectations.satisfied(key)) {
      const availableIn = await this.syncStatus(rs, active);
      if (availableIn !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, availableIn);
    }
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  // --- informer hooks (wired by manager.ts) ---------------------------------

  /** Keys to enqueue for a pod event; also settles expectations. */
  podChanged(pod: PodLike, event: PodEvent, old?: PodLike): string[] {
    return ownerKeysForPodEvent({ kind: this.ownerKind, owners: this.opts.replicaSets, expectations: this.expectations, selectorOf }, pod, event, old);
  }

  // --- internals --------------------------------------------------------------

  /** Creates or deletes the difference; returns when to look again, if sooner than an event. */
  private async manageReplicas(key: string, cached: ReplicaSetLike, cachedActive: PodLike[], signal?: AbortSignal): Promise<number | undefined> {
    const want = cached.spec?.replicas ?? 1;
    if (cachedActive.length === want) return undefined;
    const fresh = await this.confirm(cached);
    if (!fresh) return undefined;
    const diff = fresh.active.length - (fresh.rs.spec?.replicas ?? 1);
    if (diff < 0) await this.createPods(key, fresh.rs, Math.min(-diff, BURST), signal);
    if (diff > 0) await this.deletePods(key, fresh.rs, podsToDelete(fresh.active, Math.min(diff, BURST)));
    return Math.abs(diff) > BURST ? 1 : undefined;
  }

  /** The cache says we must act: re-read the ReplicaSet and its pods from the API first. */
  private async confirm(cached: ReplicaSetLike): Promise<{ rs: ReplicaSetLike; active: PodLike[] } | undefined> {
    const client = this.opts.client;
    let rs: ReplicaSetLike;
    try {
      rs = await client.get<ReplicaSetLike>(R.replicasets, cached.metadata.namespace, cached.metadata.name!);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const selector = selectorOf(rs);
    if (rs.metadata.uid !== cached.metadata.uid || isTerminating(rs) || !selector) return undefined;
    const list = await client.list<PodLike>(R.pods, rs.metadata.namespace, { labelSelector: selector.toString() });
    const active = list.items.filter((p) => controllerRef(p)?.uid === rs.metadata.uid && isPodActive(p));
    return { rs, active };
  }

  /** slowStartBatch of creates; expectations are lowered for every create that failed or never ran. */
  private async createPods(key: string, rs: ReplicaSetLike, count: number, signal?: AbortSignal): Promise<void> {
    this.expectations.expect(key, count, []);
    const result = await slowStartBatch(
      count,
      SLOW_START_INITIAL_BATCH,
      async () => {
        try {
          const pod = await this.opts.client.create<PodLike>(R.pods, rs.metadata.namespace, podFromTemplate(rs.spec?.template, { namespace: rs.metadata.namespace, name: `${rs.metadata.name}-${nameSuffix()}`, generateName: `${rs.metadata.name}-`, controllerRef: newControllerRef(rs) }));
          this.events.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
        } catch (e) {
          // The create will never be observed: stop waiting for it.
          this.expectations.creationObserved(key);
          this.events.event(rs, "Warning", "FailedCreate", `Error creating: ${(e as Error).message}`);
          throw e;
        }
      },
      signal,
    );
    for (let i = 0; i < result.skipped; i++) this.expectations.creationObserved(key);
    if (result.error !== undefined) throw result.error;
  }

  private async deletePods(key: string, rs: ReplicaSetLike, victims: PodLike[]): Promise<void> {
    this.expectations.expect(key, 0, victims.map((p) => p.metadata.uid!));
    let failure: unknown;
    await inChunks(victims, async (pod) => {
      try {
        await this.opts.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
        this.events.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
      } catch (e) {
        this.expectations.deletionObserved(key, pod.metadata.uid!);
        if (!isNotFound(e)) {
          failure ??= e;
          this.events.event(rs, "Warning", "FailedDelete", `Error deleting: ${(e as Error).message}`);
        }
      }
    });
    if (failure) throw failure;
  }

  /** Write status when it changed; returns ms until a ready pod turns available (for requeue). */
  private async syncStatus(rs: ReplicaSetLike, active: PodLike[]): Promise<number | undefined> {
    const now = this.clock.now();
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const templateLabels = rs.spec?.template?.metadata?.labels ?? {};
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    let soonest: number | undefined;
    for (const p of active) {
      const labels = p.metadata.labels ?? {};
      if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
      if (isPodReady(p)) ready++;
      if (isPodAvailable(p, minReady, now)) available++;
      else {
        const ms = msUntilAvailable(p, minReady, now);
        if (ms !== undefined && ms > 0) soonest = Math.min(soonest ?? Infinity, ms);
      }
    }
    const old = rs.status ?? {};
    const next: ReplicaSetStatus = {
      ...old,
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation,
    };
    const same =
      (old.replicas ?? 0) === next.replicas &&
      (old.fullyLabeledReplicas ?? 0) === next.fullyLabeledReplicas &&
      (old.readyReplicas ?? 0) === next.readyReplicas &&
      (old.availableReplicas ?? 0) === next.availableReplicas &&
      old.observedGeneration === next.observedGeneration;
    if (!same) {
      try {
        await this.opts.client.updateStatus(R.replicasets, { ...structuredClone(rs), status: next });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return soonest;
  }
}

// The ReplicaSet controller: keeps spec.replicas live pods for each ReplicaSet.
// Level-triggered: every reconcile re-reads the ReplicaSet and its pods from the
// informer caches and closes the difference, so running it twice is harmless.
//
// Two guards keep it from ever creating duplicate pods:
// - expectations (as client-go) stop this controller from acting again on a key
//   until its informer has seen its own creates/deletes;
// - a claim written on the ReplicaSet itself (annotation, resourceVersion
//   precondition) before any create/delete. Two controllers racing on one
//   ReplicaSet both try to write the claim from the same resourceVersion; one
//   gets a Conflict and, on retry, sees the other's claim (which names the pods
//   being created or deleted) and counts them as already done.
import { R } from "../api/kinds.js";
import { LabelSelector, type LabelSelectorObject } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { keyOf, splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { randomBytes } from "node:crypto";
import { podsToDelete } from "./active-pods.js";
import { Expectations } from "./expectations.js";
import { BY_CONTROLLER_UID, ORPHANS_BY_NAMESPACE } from "./indexes.js";
import type { Reconciler } from "./runner.js";
import {
  clockOrReal,
  controllerRef,
  isConflict,
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

/** Annotation holding the in-flight create/delete claim (see the file comment). */
export const CLAIM_ANNOTATION = "skiff.dev/replica-claim";

interface Claim {
  by: string;
  at: number;
  create: string[];
  delete: string[];
}

/** Kubernetes' burstReplicas: at most this many creates or deletes per reconcile. */
const BURST = 500;
/** How many writes run concurrently within one reconcile. */
const PARALLEL = 50;

export interface ReplicaSetControllerOptions {
  client: Client;
  replicaSets: Lister<ReplicaSetLike>;
  /** Needs the BY_CONTROLLER_UID and ORPHANS_BY_NAMESPACE indexes (installOwnerIndexes). */
  pods: Lister<PodLike>;
  clock?: Clock;
  events?: EventSink;
  /** How long a claim counts as in flight if its writer never clears it. */
  claimTtlMs?: number;
  /** Identifies this controller instance in claims. */
  identity?: string;
}

const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
function nameSuffix(): string {
  let s = "";
  for (const b of randomBytes(5)) s += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return s;
}

function selectorOf(rs: ReplicaSetLike): LabelSelector | undefined {
  try {
    const sel = LabelSelector.fromObject(rs.spec?.selector);
    return sel.isEmpty() ? undefined : sel; // an empty selector would adopt everything: ignore it
  } catch {
    return undefined;
  }
}

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) await Promise.all(items.slice(i, i + PARALLEL).map(fn));
}

export class ReplicaSetController implements Reconciler {
  readonly name = "replicaset";
  readonly expectations: Expectations;
  private readonly clock: Clock;
  private readonly events: EventSink;
  private readonly claimTtlMs: number;
  private readonly identity: string;

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
    this.expectations = new Expectations(this.clock);
    this.claimTtlMs = opts.claimTtlMs ?? 30_000;
    this.identity = opts.identity ?? `rs-controller-${nameSuffix()}`;
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
    const pods = await this.claimPods(rs, selector);
    const active = pods.filter(isPodActive);

    let latest: ReplicaSetLike = rs;
    let requeueAfterMs: number | undefined;
    if (!isTerminating(rs)) {
      if (this.expectations.satisfied(key)) {
        const r = await this.manageReplicas(key, rs, active, signal);
        if (r.rs) latest = r.rs;
        requeueAfterMs = r.requeueAfterMs;
      } else {
        // Our own writes are not visible yet; the pod events will bring us back.
        requeueAfterMs = this.expectations.msUntilExpiry(key) + 1;
      }
    }
    const availableIn = await this.syncStatus(latest, active);
    if (availableIn !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, availableIn);
    return requeueAfterMs === undefined ? {} : { requeueAfterMs };
  }

  // --- informer hooks (wired by manager.ts) ---------------------------------

  /** Keys to enqueue for a pod event; also settles expectations. */
  podChanged(pod: PodLike, event: "add" | "update" | "delete", old?: PodLike): string[] {
    const keys = new Set<string>();
    const ref = controllerRef(pod);
    const rsKey = (r: { name?: string; uid?: string; kind?: string }) => {
      if (r.kind !== "ReplicaSet") return undefined;
      const rs = this.opts.replicaSets.get(pod.metadata.namespace, r.name ?? "");
      return rs && rs.metadata.uid === r.uid ? keyOf(rs) : undefined;
    };
    if (ref) {
      const k = rsKey(ref);
      if (k) {
        if (event === "add") this.expectations.creationObserved(k);
        if (event === "delete" || (event === "update" && isTerminating(pod) && old && !isTerminating(old))) {
          this.expectations.deletionObserved(k, pod.metadata.uid!);
        }
        if (event === "add" && isTerminating(pod)) this.expectations.deletionObserved(k, pod.metadata.uid!);
        keys.add(k);
      }
    }
    const oldRef = old ? controllerRef(old) : undefined;
    if (oldRef && oldRef.uid !== ref?.uid) {
      const k = rsKey(oldRef);
      if (k) keys.add(k);
    }
    // An orphan (or a pod whose labels changed) may be adopted by any matching ReplicaSet.
    if (!ref || (old && JSON.stringify(old.metadata.labels) !== JSON.stringify(pod.metadata.labels))) {
      if (!ref) for (const rs of this.opts.replicaSets.list(pod.metadata.namespace)) {
        if (selectorOf(rs)?.matches(pod.metadata.labels)) keys.add(keyOf(rs));
      }
    }
    return [...keys];
  }

  // --- internals --------------------------------------------------------------

  /** Owned pods plus adopted orphans, minus pods released because their labels no longer match. */
  private async claimPods(rs: ReplicaSetLike, selector: LabelSelector): Promise<PodLike[]> {
    const uid = rs.metadata.uid!;
    const owned: PodLike[] = [];
    for (const pod of this.opts.pods.byIndex(BY_CONTROLLER_UID, uid)) {
      if (pod.metadata.namespace !== rs.metadata.namespace) continue;
      if (selector.matches(pod.metadata.labels)) {
        owned.push(pod);
      } else if (!isTerminating(pod)) {
        await this.release(pod, uid);
      }
    }
    if (isTerminating(rs)) return owned;
    for (const pod of this.opts.pods.byIndex(ORPHANS_BY_NAMESPACE, rs.metadata.namespace ?? "")) {
      if (isTerminating(pod) || !selector.matches(pod.metadata.labels)) continue;
      const adopted = await this.adopt(pod, rs);
      if (adopted) owned.push(adopted);
    }
    return owned;
  }

  private async adopt(pod: PodLike, rs: ReplicaSetLike): Promise<PodLike | undefined> {
    const refs = [...(pod.metadata.ownerReferences ?? []), newControllerRef(rs)];
    try {
      // resourceVersion in a merge patch is a precondition: a pod changed meanwhile is retried next time.
      return await this.opts.client.patch<PodLike>(R.pods, pod.metadata.namespace, pod.metadata.name!, "merge", {
        metadata: { ownerReferences: refs, resourceVersion: pod.metadata.resourceVersion },
      });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return undefined;
      throw e;
    }
  }

  private async release(pod: PodLike, ownerUid: string): Promise<void> {
    const refs = (pod.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
    try {
      await this.opts.client.patch(R.pods, pod.metadata.namespace, pod.metadata.name!, "merge", {
        metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: pod.metadata.resourceVersion },
      });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private readClaim(rs: ReplicaSetLike): Claim | undefined {
    const raw = rs.metadata.annotations?.[CLAIM_ANNOTATION];
    if (!raw) return undefined;
    try {
      const c = JSON.parse(raw) as Claim;
      if (c.by === this.identity) return undefined; // our own, left over: our writes are done
      if (this.clock.now() - c.at > this.claimTtlMs) return undefined;
      return c;
    } catch {
      return undefined;
    }
  }

  private withClaim(rs: ReplicaSetLike, claim: Claim | undefined): ReplicaSetLike {
    const next = structuredClone(rs);
    const ann = { ...(next.metadata.annotations ?? {}) };
    if (claim) ann[CLAIM_ANNOTATION] = JSON.stringify(claim);
    else delete ann[CLAIM_ANNOTATION];
    next.metadata.annotations = ann;
    return next;
  }

  private async manageReplicas(
    key: string,
    cached: ReplicaSetLike,
    cachedActive: PodLike[],
    signal?: AbortSignal,
  ): Promise<{ rs?: ReplicaSetLike; requeueAfterMs?: number }> {
    const want = cached.spec?.replicas ?? 1;
    if (cachedActive.length === want) return {};

    // The cache says we must act: confirm against the API before writing.
    const client = this.opts.client;
    let fresh: ReplicaSetLike;
    try {
      fresh = await client.get<ReplicaSetLike>(R.replicasets, cached.metadata.namespace, cached.metadata.name!);
    } catch (e) {
      if (isNotFound(e)) return {};
      throw e;
    }
    if (fresh.metadata.uid !== cached.metadata.uid || isTerminating(fresh)) return {};
    const selector = selectorOf(fresh);
    if (!selector) return {};
    const freshWant = fresh.spec?.replicas ?? 1;
    const list = await client.list<PodLike>(R.pods, fresh.metadata.namespace, { labelSelector: selector.toString() });
    const mine = list.items.filter((p) => controllerRef(p)?.uid === fresh.metadata.uid);
    const present = new Set(mine.map((p) => p.metadata.name!));
    const claim = this.readClaim(fresh);
    const pendingDeletes = new Set(claim?.delete ?? []);
    const active = mine.filter((p) => isPodActive(p) && !pendingDeletes.has(p.metadata.name!));
    const inflightCreates = (claim?.create ?? []).filter((n) => !present.has(n)).length;
    const inflightDeletes = mine.filter((p) => isPodActive(p) && pendingDeletes.has(p.metadata.name!)).length;
    if (inflightCreates > 0 || inflightDeletes > 0) {
      // Another controller is mid-batch: its pod events (or the claim expiring) bring us back.
      return { requeueAfterMs: Math.max(1, claim!.at + this.claimTtlMs - this.clock.now()) };
    }
    const diff = active.length - freshWant;
    if (diff === 0) return {};

    const toCreate = diff < 0 ? Array.from({ length: Math.min(-diff, BURST) }, () => `${fresh.metadata.name}-${nameSuffix()}`) : [];
    const victims = diff > 0 ? podsToDelete(active, Math.min(diff, BURST)) : [];
    const newClaim: Claim = { by: this.identity, at: this.clock.now(), create: toCreate, delete: victims.map((p) => p.metadata.name!) };
    // The precondition: fails with Conflict if anyone wrote the ReplicaSet since we read it.
    const claimed = await client.update<ReplicaSetLike>(R.replicasets, this.withClaim(fresh, newClaim));

    this.expectations.expect(key, toCreate.length, victims.map((p) => p.metadata.uid!));
    let failure: unknown;
    if (toCreate.length > 0) {
      await inBatches(toCreate, async (podName) => {
        if (signal?.aborted) {
          this.expectations.creationObserved(key);
          return;
        }
        try {
          const pod = await client.create<PodLike>(R.pods, claimed.metadata.namespace, this.podFromTemplate(claimed, podName));
          this.events.event(claimed, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
        } catch (e) {
          // The create will never be observed: stop waiting for it.
          this.expectations.creationObserved(key);
          failure ??= e;
          this.events.event(claimed, "Warning", "FailedCreate", `Error creating: ${(e as Error).message}`);
        }
      });
    }
    if (victims.length > 0) {
      await inBatches(victims, async (pod) => {
        try {
          await client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
          this.events.event(claimed, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, pod.metadata.uid!);
          if (!isNotFound(e)) {
            failure ??= e;
            this.events.event(claimed, "Warning", "FailedDelete", `Error deleting: ${(e as Error).message}`);
          }
        }
      });
    }
    // Clear the claim so others need not wait for its TTL; losing this race is fine.
    let latest = claimed;
    try {
      latest = await client.update<ReplicaSetLike>(R.replicasets, this.withClaim(claimed, undefined));
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
    if (failure) throw failure;
    return { rs: latest, requeueAfterMs: Math.abs(diff) > BURST ? 1 : undefined };
  }

  private podFromTemplate(rs: ReplicaSetLike, name: string): KubeObject {
    const t = structuredClone(rs.spec?.template ?? {});
    const meta: KubeObject["metadata"] = {
      name,
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: t.metadata?.labels ?? {},
      ownerReferences: [newControllerRef(rs)],
    };
    if (t.metadata?.annotations) meta.annotations = t.metadata.annotations;
    return { apiVersion: "v1", kind: "Pod", metadata: meta, spec: t.spec };
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

// Where scheduling decisions live: in the scheduler's own memory, as
// kube-scheduler keeps its cycle state, never as objects in the user's
// namespaces (a kubectl user would not expect `kubectl get cm` to show the
// scheduler's bookkeeping). What Kubernetes shows users about a decision is
// already published by the scheduler as Events on the pod (Scheduled,
// FailedScheduling); the score table behind it is served to `skiff why` by
// the API server's read-only /apis/skiff.dev/v1/…/pods/NAME/why route
// (pkg/why/api.ts), which runs in the scheduler's process.
//
// Bounded twice: one bucket per owner (the pod's controller, e.g. its
// ReplicaSet; controller-less pods share one bucket per namespace) holding the
// last N pods' decisions (default 20), and at most maxOwners buckets, the
// least recently used dropped first — 10,000 pods of 50 Deployments keep
// 50 × 20 records, not 10,000. A restart forgets them, as it forgets
// kube-scheduler's; `skiff why` then says no decision is recorded.
//
// Cheap on the scheduling path: record() takes the capture (decision.ts) and
// files it; the wording and layout are made only when someone asks (find()).
import { captureDecision, compactCapture, type Decision, type DecisionCapture } from "./decision.js";
import type { Pod, Profile, ScoreTrace, Snapshot } from "./framework.js";
import type { ScheduleResult } from "./schedule-one.js";

export const DEFAULT_MAX_PER_OWNER = 20;
/**
 * A kept capture holds its pod object (shared with the informer's cache while
 * the pod exists, the capture's own after it is deleted): 512 owners × 20 pods
 * bounds that at about 10,000 pod objects.
 */
export const DEFAULT_MAX_OWNERS = 512;
/** Standalone pods share one bucket per namespace, so it keeps more. */
const STANDALONE_FACTOR = 5;

/** The scheduler's side: what it calls after every cycle. Must not block or throw. */
export interface DecisionSink {
  record(pod: Pod, res: ScheduleResult, trace: ScoreTrace, snapshot: Snapshot, attempts: number): void;
}

/** The reader's side (`skiff why`): the latest decision kept for this pod. */
export interface DecisionLookup {
  find(pod: Pod): Decision | undefined;
}

export interface DecisionRecorderOptions {
  /** Decisions kept per owner. Default 20. */
  maxPerOwner?: number;
  /** Owners (buckets) kept, least recently recorded dropped first. Default 512. */
  maxOwners?: number;
  /** The scheduler's profile, whose filters explain their rejections. */
  profile?: Profile;
  now?: () => number;
  onError?: (e: Error) => void;
}

/** The bucket a pod's decision is filed under: "ns/owner-uid", or "ns/" for pods without a controller. */
export function decisionBucket(pod: Pod): { key: string; standalone: boolean } {
  const namespace = String(pod.metadata.namespace ?? "default");
  const uid = pod.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
  return uid ? { key: `${namespace}/${uid}`, standalone: false } : { key: `${namespace}/`, standalone: true };
}

/** A capture until someone reads it, then its compacted form (made once). */
type Kept = { capture: DecisionCapture; decision?: Decision };

export class DecisionRecorder implements DecisionSink, DecisionLookup {
  private readonly max: number;
  private readonly maxOwners: number;
  private readonly now: () => number;
  private readonly onError: (e: Error) => void;
  /** Bucket key → pod name → record; both Maps in insertion order, so the oldest is first. */
  private readonly buckets = new Map<string, Map<string, Kept>>();
  /** Records taken (for tests and benchmarks). */
  recorded = 0;

  constructor(private readonly opts: DecisionRecorderOptions = {}) {
    this.max = Math.max(1, opts.maxPerOwner ?? DEFAULT_MAX_PER_OWNER);
    this.maxOwners = Math.max(1, opts.maxOwners ?? DEFAULT_MAX_OWNERS);
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => undefined);
  }

  record(pod: Pod, res: ScheduleResult, trace: ScoreTrace, snapshot: Snapshot, attempts: number): void {
    let capture: DecisionCapture;
    try {
      capture = captureDecision(pod, res, trace, snapshot, { nowMs: this.now(), attempts, profile: this.opts.profile });
    } catch (e) {
      this.onError(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.recorded++;
    const { key, standalone } = decisionBucket(pod);
    let b = this.buckets.get(key);
    // Re-inserting moves a bucket (and a pod) to the end: the least recently recorded is first.
    if (b) this.buckets.delete(key);
    else b = new Map();
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxOwners) this.buckets.delete(this.buckets.keys().next().value!);
    const podName = String(pod.metadata.name ?? "");
    b.delete(podName);
    b.set(podName, { capture });
    const limit = standalone ? this.max * STANDALONE_FACTOR : this.max;
    while (b.size > limit) b.delete(b.keys().next().value!);
  }

  /** The latest decision kept for this pod; a record of an earlier pod of the same name (other uid) is not its. */
  find(pod: Pod): Decision | undefined {
    const kept = this.buckets.get(decisionBucket(pod).key)?.get(String(pod.metadata.name ?? ""));
    if (!kept) return undefined;
    const uid = pod.metadata.uid;
    if (uid && kept.capture.pod.metadata.uid && kept.capture.pod.metadata.uid !== uid) return undefined;
    kept.decision ??= compactCapture(kept.capture);
    return kept.decision;
  }

  /** Records kept now, over all buckets. */
  size(): number {
    let n = 0;
    for (const b of this.buckets.values()) n += b.size;
    return n;
  }
}

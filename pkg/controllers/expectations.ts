// Expectations, as client-go's ControllerExpectations / UIDTrackingControllerExpectations:
// after a controller creates or deletes pods it records how many add/delete
// events it is waiting for, and skips acting on that key until the informer has
// caught up. Without this, a reconcile that runs before the watch delivers its own
// creations would see too few pods and create them again.
import type { Clock } from "../util/clock.js";

/** Kubernetes' ExpectationsTimeout: a lost event never blocks a key for longer than this. */
export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Record_ {
  add: number;
  del: number;
  /** Uids of pods whose deletion we wait to observe (so one deletion is never counted twice). */
  deleting: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record_>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when nothing is pending for key (or what is pending has expired). */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.at > this.ttlMs;
  }

  /** Milliseconds until the pending expectations for key expire (0 if none). */
  msUntilExpiry(key: string): number {
    const r = this.records.get(key);
    return r ? Math.max(0, r.at + this.ttlMs - this.clock.now()) : 0;
  }

  /** Replace expectations for key; call before issuing the writes. */
  expect(key: string, adds: number, deleteUids: string[]): void {
    this.records.set(key, { add: adds, del: deleteUids.length, deleting: new Set(deleteUids), at: this.clock.now() });
  }

  /** One create was observed (informer add) or will never happen (create failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.add > 0) r.add--;
  }

  /** A deletion of uid was observed (or the delete call failed); idempotent per uid. */
  deletionObserved(key: string, uid: string): void {
    const r = this.records.get(key);
    if (r && r.deleting.delete(uid)) r.del--;
  }

  /** Forget key entirely (its owner is gone). */
  delete(key: string): void {
    this.records.delete(key);
  }
}

// Shared pools (service cluster IPs, node ports, node pod CIDRs) that several
// API servers allocate from at once, e.g. several `skiff control-plane`s over
// one etcd. Every value in use is one small stored object (its key is the
// value), so taking a value is a single store create: atomic in every backend,
// and of two API servers that pick the same free value exactly one succeeds —
// the other gets AlreadyExists, learns the value is taken and picks again.
// Each registry keeps a view of who holds what to pick well on the first try;
// the view is only a hint, the store's create is what decides.
//
// A value is claimed before the object that uses it is written; if that write
// fails the claim is released. If the process dies in between, the claim is
// left behind until a repair — on a registry's first use of the pool and every
// 10 minutes after — deletes claims that no live object holds and that are
// older than a grace period, and adds claims for what live objects hold but
// the pool lacks (objects written before pools existed).
import { isApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { ObjectRef, Store } from "../store/store.js";

/** Store key of the claims; not an API resource, so nobody reaches them over HTTP. The "namespace" is the pool. */
export const RANGE_ALLOCATION_RESOURCE = "skiff.dev/rangeallocations";

export interface Claim {
  /** Who holds the value: "<namespace>/<name>#<uid>" of a Service, "<name>#<uid>" of a Node. */
  owner: string;
  /** When it was claimed (RFC 3339), for repairing claims a crash left behind. */
  at: string;
}

interface ClaimObject extends KubeObject {
  value: string;
  owner: string;
  at: string;
}

export interface RangeAllocatorOptions {
  /** Every value live objects hold now, with its owner (read at each repair). */
  seed: () => Promise<Array<[value: string, owner: string]>>;
  clock?: () => Date;
  /** A claim without a live owner is kept this long (its object may still be being written). Default 60 s. */
  graceMs?: number;
  /** Repair again after this long (claims left by a crash elsewhere). Default 10 min. */
  repairEveryMs?: number;
}

const MAX_ATTEMPTS = 100;

export class RangeAllocator {
  /** value → owner: this registry's view, refreshed by repairs and corrected by every failed create. */
  private view: Map<string, string> | undefined;
  private repairedAt = 0;
  private repairing: Promise<Map<string, string>> | undefined;
  private readonly clock: () => Date;
  private readonly graceMs: number;

  constructor(
    private readonly store: Store,
    readonly pool: string,
    private readonly opts: RangeAllocatorOptions,
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.graceMs = opts.graceMs ?? 60_000;
  }

  /**
   * Claim for `owner` the values `decide` picks. `decide` gets the values held
   * by others; it may be called again when a pick turns out to be taken, must
   * have no side effects, and what it throws is passed on with nothing claimed.
   * Values the owner already holds stay claimed.
   */
  async claim<T>(owner: string, decide: (taken: ReadonlySet<string>) => { values: string[]; result: T }, opts: { dryRun?: boolean } = {}): Promise<T> {
    const seenBefore = this.repairedAt;
    let view = await this.currentView();
    let refreshed = this.repairedAt !== seenBefore; // the view was (re)read by this very call
    for (let attempt = 0; ; attempt++) {
      const taken = new Set<string>();
      for (const [v, o] of view) if (o !== owner) taken.add(v);
      let picked: { values: string[]; result: T };
      try {
        picked = decide(taken);
      } catch (e) {
        // "Already allocated" or "range full" may only be this view being stale
        // (another API server freed values since): look again before saying so.
        if (refreshed) throw e;
        view = await this.currentView(true);
        refreshed = true;
        continue;
      }
      const { values, result } = picked;
      if (opts.dryRun) return result;
      const created: string[] = [];
      let clash = false;
      for (const v of values) {
        if (view.get(v) === owner) continue;
        const holder = await this.tryCreate(v, owner);
        view.set(v, holder);
        if (holder === owner) created.push(v);
        else {
          clash = true; // someone else was faster: give back this attempt's picks and decide again
          break;
        }
      }
      if (!clash) return result;
      for (const v of created) await this.drop(v, owner);
      if (attempt >= MAX_ATTEMPTS) throw new Error(`allocation from pool ${this.pool} kept colliding with other API servers`);
    }
  }

  /** Give up these values if `owner` holds them (its object is gone, changed, or never got stored). Idempotent. */
  async release(owner: string, values: Iterable<string>): Promise<void> {
    for (const v of values) await this.drop(v, owner);
  }

  /** Every claim in the store (tests and diagnostics). */
  async claims(): Promise<Record<string, Claim>> {
    const items = (await this.store.list(RANGE_ALLOCATION_RESOURCE, { namespace: this.pool })).items as ClaimObject[];
    return Object.fromEntries(items.map((o) => [o.value, { owner: o.owner, at: o.at }]));
  }

  private ref(value: string): ObjectRef {
    // Store names may not contain "/" (pod CIDRs do).
    return { resource: RANGE_ALLOCATION_RESOURCE, namespace: this.pool, name: value.replace(/\//g, "_") };
  }

  /** Create the claim; returns who holds the value afterwards (owner when it worked). */
  private async tryCreate(value: string, owner: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.create(this.ref(value), this.claimObject(value, owner));
        return owner;
      } catch (e) {
        if (!isApiError(e, "AlreadyExists")) throw e;
      }
      const existing = (await this.store.get(this.ref(value))) as ClaimObject | undefined;
      // Released between our create and get: try once more.
      if (existing || attempt >= 3) return existing?.owner ?? "<unknown>";
    }
  }

  private async drop(value: string, owner: string): Promise<void> {
    const view = this.view;
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = (await this.store.get(this.ref(value))) as ClaimObject | undefined;
      if (!existing || existing.owner !== owner) {
        if (view?.get(value) === owner) view.delete(value);
        return;
      }
      try {
        await this.store.delete(this.ref(value), existing.metadata.resourceVersion);
        view?.delete(value);
        return;
      } catch (e) {
        if (isApiError(e, "NotFound")) return void view?.delete(value);
        if (!isApiError(e, "Conflict")) throw e;
      }
    }
  }

  private claimObject(value: string, owner: string, at = this.clock().toISOString()): ClaimObject {
    return { apiVersion: "skiff.dev/v1", kind: "RangeAllocation", metadata: { name: this.ref(value).name, namespace: this.pool }, value, owner, at };
  }

  private currentView(force = false): Promise<Map<string, string>> {
    const due = force || !this.view || this.clock().getTime() - this.repairedAt > (this.opts.repairEveryMs ?? 600_000);
    if (!due) return Promise.resolve(this.view!);
    // One repair at a time; concurrent claims wait for it.
    this.repairing ??= this.repair().finally(() => (this.repairing = undefined));
    return this.repairing;
  }

  /** Bring the stored claims in line with the live objects; returns the fresh view. */
  private async repair(): Promise<Map<string, string>> {
    const stored = (await this.store.list(RANGE_ALLOCATION_RESOURCE, { namespace: this.pool })).items as ClaimObject[];
    const live = await this.opts.seed();
    const held = new Set(live.map(([v, o]) => `${v}\u0000${o}`));
    const cutoff = this.clock().getTime() - this.graceMs;
    const view = new Map<string, string>();
    for (const c of stored) {
      if (held.has(`${c.value}\u0000${c.owner}`) || Date.parse(c.at) > cutoff) {
        view.set(c.value, c.owner);
        continue;
      }
      // Left by a writer that died (or a release that failed): free it, unless it changed meanwhile.
      await this.store.delete(this.ref(c.value), c.metadata.resourceVersion).catch((e: unknown) => {
        if (!isApiError(e, "Conflict") && !isApiError(e, "NotFound")) throw e;
      });
    }
    for (const [v, o] of live) {
      if (view.has(v)) continue;
      view.set(v, await this.tryCreate(v, o));
    }
    this.view = view;
    this.repairedAt = this.clock().getTime();
    return view;
  }
}

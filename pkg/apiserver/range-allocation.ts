// Shared pools (service cluster IPs, node ports, node pod CIDRs) that several
// API servers allocate from at once. Like Kubernetes' RangeAllocation objects
// in etcd, each pool is one small stored object listing who holds which value,
// and it only changes by compare-and-swap: two API servers that pick the same
// free value race on the pool object's resourceVersion, one wins, the other
// re-reads and picks again. Nothing is cached between requests, so it works
// the same with one process or many over one etcd.
//
// A claim is recorded before the object that uses it is written. If that write
// fails the claim is released; if the process dies in between, the claim is
// left behind and the first allocation of the next registry to use the pool
// repairs it (claims whose owner does not exist and that are older than a grace
// period are dropped; live objects missing from the pool are added).
import { isApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { ObjectRef, Store } from "../store/store.js";

/** Store key of the pool objects; not an API resource, so nobody reaches them over HTTP. */
export const RANGE_ALLOCATION_RESOURCE = "skiff.dev/rangeallocations";

export interface Claim {
  /** Who holds the value: "<namespace>/<name>#<uid>" of a Service, "<name>#<uid>" of a Node. */
  owner: string;
  /** When it was claimed (RFC 3339), for repairing claims a crash left behind. */
  at: string;
}

export interface RangeAllocationObject extends KubeObject {
  claims: Record<string, Claim>;
}

export interface RangeAllocatorOptions {
  /** Every value live objects hold now, with its owner (read once, for the first repair). */
  seed: () => Promise<Array<[value: string, owner: string]>>;
  clock?: () => Date;
  /** A claim without a live owner is kept this long (its object may still be being written). Default 60 s. */
  graceMs?: number;
  /** Repair again after this long (claims left by a crash elsewhere). Default 10 min. */
  repairEveryMs?: number;
}

const MAX_ATTEMPTS = 50;

export class RangeAllocator {
  private readonly ref: ObjectRef;
  private repairedAt: number | undefined;
  private readonly clock: () => Date;
  private readonly graceMs: number;

  constructor(
    private readonly store: Store,
    readonly pool: string,
    private readonly opts: RangeAllocatorOptions,
  ) {
    this.ref = { resource: RANGE_ALLOCATION_RESOURCE, namespace: "", name: pool };
    this.clock = opts.clock ?? (() => new Date());
    this.graceMs = opts.graceMs ?? 60_000;
  }

  /**
   * Atomically replace what `owner` holds by what `decide` returns. `decide`
   * gets the values held by everyone else; it may be called several times (on
   * write conflicts) and must not have side effects; what it throws is passed
   * on with nothing claimed.
   */
  async claim<T>(owner: string, decide: (taken: ReadonlySet<string>) => { values: string[]; result: T }, opts: { dryRun?: boolean } = {}): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const current = (await this.store.get(this.ref)) as RangeAllocationObject | undefined;
      let claims = { ...(current?.claims ?? {}) };
      const since = this.repairedAt === undefined ? Infinity : this.clock().getTime() - this.repairedAt;
      const repairing = !current || since > (this.opts.repairEveryMs ?? 600_000);
      if (repairing) claims = await this.repair(claims);
      const taken = new Set(Object.entries(claims).flatMap(([v, c]) => (c.owner === owner ? [] : [v])));
      const { values, result } = decide(taken);
      if (opts.dryRun) return result;
      const now = this.clock().toISOString();
      const next: Record<string, Claim> = {};
      for (const [v, c] of Object.entries(claims)) if (c.owner !== owner) next[v] = c;
      for (const v of values) next[v] = claims[v]?.owner === owner ? claims[v] : { owner, at: now };
      if (current && !repairing && sameClaims(current.claims, next)) return result;
      try {
        await this.write(current, next);
        if (repairing) this.repairedAt = this.clock().getTime();
        return result;
      } catch (e) {
        // Someone else changed the pool since we read it: read again and decide again.
        if ((isApiError(e, "Conflict") || isApiError(e, "AlreadyExists") || isApiError(e, "NotFound")) && attempt < MAX_ATTEMPTS) continue;
        throw e;
      }
    }
  }

  /** Drop every claim of `owner` (its object is gone, or its write failed). Idempotent. */
  async release(owner: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = (await this.store.get(this.ref)) as RangeAllocationObject | undefined;
      if (!current || !Object.values(current.claims ?? {}).some((c) => c.owner === owner)) return;
      const next = Object.fromEntries(Object.entries(current.claims).filter(([, c]) => c.owner !== owner));
      try {
        await this.write(current, next);
        return;
      } catch (e) {
        if ((isApiError(e, "Conflict") || isApiError(e, "NotFound")) && attempt < MAX_ATTEMPTS) continue;
        throw e;
      }
    }
  }

  /** What the pool holds now (tests and diagnostics). */
  async claims(): Promise<Record<string, Claim>> {
    return ((await this.store.get(this.ref)) as RangeAllocationObject | undefined)?.claims ?? {};
  }

  private async repair(claims: Record<string, Claim>): Promise<Record<string, Claim>> {
    const live = await this.opts.seed();
    const held = new Set(live.map(([v, o]) => `${v}\u0000${o}`));
    const cutoff = this.clock().getTime() - this.graceMs;
    const next: Record<string, Claim> = {};
    for (const [v, c] of Object.entries(claims)) {
      if (held.has(`${v}\u0000${c.owner}`) || Date.parse(c.at) > cutoff) next[v] = c;
    }
    const at = this.clock().toISOString();
    for (const [v, owner] of live) if (!next[v]) next[v] = { owner, at };
    return next;
  }

  private async write(current: RangeAllocationObject | undefined, claims: Record<string, Claim>): Promise<void> {
    const obj: RangeAllocationObject = { apiVersion: "skiff.dev/v1", kind: "RangeAllocation", metadata: { name: this.pool }, claims };
    if (current) await this.store.update(this.ref, obj, current.metadata.resourceVersion);
    else await this.store.create(this.ref, obj);
  }
}

function sameClaims(a: Record<string, Claim> | undefined, b: Record<string, Claim>): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => a![k]?.owner === b[k]?.owner);
}

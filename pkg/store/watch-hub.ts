// The part of a store that both backends share: the history ring of recent writes,
// watch fan-out with replay from a resourceVersion, and the small helpers that
// turn a store key into Kubernetes errors.
//
// Every write a backend commits is published here exactly once, in version order.
// Because every write (of any resource) takes the next version, the ring holds a
// contiguous run of versions: a watch from version v can be served from memory
// when v >= floor (the newest version the ring no longer needs), and otherwise
// gets 410 Gone, like the Kubernetes watch cache.
import { errors } from "../api/errors.js";
import type { KubeObject, WatchEvent } from "../api/types.js";
import type { Watch, WatchHandler, WatchOptions } from "./store.js";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** One committed write as the hub remembers it. */
export interface Change {
  rv: number;
  resource: string;
  namespace: string;
  type: ChangeType;
  /**
   * The object as JSON with metadata.resourceVersion === String(rv). Kept
   * serialized so every watcher gets its own copy and nobody can mutate history.
   */
  json: string;
}

export const DEFAULT_HISTORY_SIZE = 10_000;

export interface WatchHubOptions {
  /** How many recent writes (of all resources together) a watch can replay. Default 10 000. */
  historySize?: number;
  /** Told about handler exceptions, which are otherwise dropped (the write already committed). */
  onHandlerError?: (err: unknown, event: WatchEvent) => void;
}

interface Watcher {
  resource: string;
  namespace: string | undefined;
  /** Highest version delivered (or skipped as "before the start"); later duplicates are ignored. */
  lastRv: number;
  handler: WatchHandler;
  stopped: boolean;
}

export class WatchHub {
  private readonly capacity: number;
  private readonly ring: Array<Change | undefined>;
  private head = 0; // index of the oldest retained change
  private count = 0;
  /** Every change with rv > floor is retained; a watch may resume from any v >= floor. */
  private floor: number;
  private latest: number;
  private readonly watchers = new Map<string, Set<Watcher>>();
  // Changes published while handlers run (a handler that writes) wait here, so
  // every watcher still sees versions in increasing order.
  private readonly pending: Change[] = [];
  private delivering = false;
  private readonly onHandlerError: WatchHubOptions["onHandlerError"];

  /** currentRv: the store's version when the hub starts (history before it is unknown). */
  constructor(currentRv: number, opts: WatchHubOptions = {}) {
    const size = opts.historySize ?? DEFAULT_HISTORY_SIZE;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`historySize must be a positive integer, got ${size}`);
    this.capacity = size;
    this.ring = new Array<Change | undefined>(size);
    this.floor = currentRv;
    this.latest = currentRv;
    this.onHandlerError = opts.onHandlerError;
  }

  /** Record a committed change and deliver it to matching watchers. Call once per write, in version order. */
  publish(change: Change): void {
    if (change.rv <= this.latest) {
      throw new Error(`store bug: published resourceVersion ${change.rv} after ${this.latest}`);
    }
    this.append(change);
    this.latest = change.rv;
    this.pending.push(change);
    this.drain();
  }

  /**
   * Start a watch. Replayed events (rv > opts.resourceVersion) are delivered
   * before this returns; live events follow as writes commit.
   */
  watch(resource: string, opts: WatchOptions, handler: WatchHandler): Watch {
    const from = parseWatchVersion(opts.resourceVersion);
    const start = from ?? this.latest;
    if (start < this.floor) {
      // Same wording as the Kubernetes watch cache, which also reports the
      // oldest version one can still resume from.
      throw errors.gone(`too old resource version: ${start} (${this.floor})`);
    }
    const w: Watcher = { resource, namespace: opts.namespace, lastRv: start, handler, stopped: false };
    let set = this.watchers.get(resource);
    if (!set) this.watchers.set(resource, (set = new Set()));
    set.add(w);

    if (from !== undefined && from < this.latest) this.replay(w, from);

    return {
      stop: () => {
        if (w.stopped) return;
        w.stopped = true;
        const s = this.watchers.get(resource);
        s?.delete(w);
        if (s && s.size === 0) this.watchers.delete(resource);
      },
    };
  }

  /** Stop every watcher (the store is closing). */
  stopAll(): void {
    for (const set of this.watchers.values()) for (const w of set) w.stopped = true;
    this.watchers.clear();
  }

  private append(change: Change): void {
    if (this.count < this.capacity) {
      this.ring[(this.head + this.count) % this.capacity] = change;
      this.count++;
      return;
    }
    const evicted = this.ring[this.head];
    if (evicted) this.floor = evicted.rv;
    this.ring[this.head] = change;
    this.head = (this.head + 1) % this.capacity;
  }

  private at(i: number): Change {
    return this.ring[(this.head + i) % this.capacity] as Change;
  }

  private replay(w: Watcher, from: number): void {
    // Versions in the ring increase; binary-search the first one after `from`.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).rv <= from) lo = mid + 1;
      else hi = mid;
    }
    // Writes made by these handlers queue in `pending` instead of jumping ahead
    // of the remaining replay.
    const outer = this.delivering;
    this.delivering = true;
    try {
      const end = this.count;
      for (let i = lo; i < end && !w.stopped; i++) this.deliver(w, this.at(i));
    } finally {
      this.delivering = outer;
    }
    this.drain();
  }

  private drain(): void {
    if (this.delivering) return; // the outer loop will get to it
    this.delivering = true;
    try {
      for (let i = 0; i < this.pending.length; i++) {
        const change = this.pending[i] as Change;
        const set = this.watchers.get(change.resource);
        if (!set) continue;
        for (const w of set) this.deliver(w, change);
      }
    } finally {
      this.pending.length = 0;
      this.delivering = false;
    }
  }

  private deliver(w: Watcher, change: Change): void {
    if (w.stopped || change.rv <= w.lastRv || change.resource !== w.resource) return;
    if (w.namespace !== undefined && w.namespace !== change.namespace) return;
    w.lastRv = change.rv;
    const event: WatchEvent = { type: change.type, object: JSON.parse(change.json) as KubeObject };
    try {
      w.handler(event);
    } catch (err) {
      // The write has committed and other watchers still need the event: a
      // broken handler only loses its own copy.
      try {
        this.onHandlerError?.(err, event);
      } catch {
        // A failing error hook must not break the write either.
      }
    }
  }
}

/** undefined for "start now" ("0", "" or absent); otherwise the version number. */
function parseWatchVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === "" || rv === "0") return undefined;
  if (!/^[0-9]+$/.test(rv)) throw errors.badRequest(`invalid resourceVersion "${rv}": must be a non-negative integer`);
  return Number(rv);
}

// ---- helpers both backends use -------------------------------------------------

/** "apps/deployments" → {group: "apps", plural: "deployments"}; "pods" → group "". */
export function splitResource(resource: string): { group: string; plural: string } {
  const i = resource.lastIndexOf("/");
  return i < 0 ? { group: "", plural: resource } : { group: resource.slice(0, i), plural: resource.slice(i + 1) };
}

export function notFound(resource: string, name: string) {
  const { group, plural } = splitResource(resource);
  return errors.notFound(group, plural, name);
}

export function alreadyExists(resource: string, name: string) {
  const { group, plural } = splitResource(resource);
  return errors.alreadyExists(group, plural, name);
}

export function conflict(resource: string, name: string) {
  const { group, plural } = splitResource(resource);
  return errors.conflict(group, plural, name);
}

/** True when the caller asked for a precondition and the stored version differs. */
export function isStale(expected: string | undefined, storedRv: number): boolean {
  return expected !== undefined && expected !== "" && expected !== String(storedRv);
}

/** Serialize obj with metadata.resourceVersion set, without touching the caller's object. */
export function stampJson(obj: KubeObject, rv: number): string {
  return JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });
}

/** Store order for list: namespace, then name, by code unit (like Go's string compare). */
export function compareKeys(a: { namespace: string; name: string }, b: { namespace: string; name: string }): number {
  if (a.namespace !== b.namespace) return a.namespace < b.namespace ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return 0;
}

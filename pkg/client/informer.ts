// Informers: a local, always-current copy of one resource, kept by list + watch,
// with event handlers and secondary indexes (client-go's SharedIndexInformer).
//
// The loop: list every object (paged), replace the cache, tell the handlers,
// then watch from the list's resourceVersion. When a watch ends it is resumed
// from the last version seen; when the server says that version is too old
// (410 Expired/Gone) the informer lists again and delivers only the differences,
// so handlers see a consistent add/update/delete history either way.
import { isApiError } from "../api/errors.js";
import type { ResourceInfo } from "../api/kinds.js";
import { LabelSelector } from "../api/selector.js";
import type { KubeObject, WatchEvent } from "../api/types.js";
import { realClock, type Clock, type TimerHandle } from "../util/clock.js";
import type { Client, ClientWatch } from "./client.js";
import { keyOf, type EventHandler, type Informer, type Lister } from "./lister.js";

export interface SharedInformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Call update(obj, obj) for every cached object this often; 0 = never (default). */
  resyncMs?: number;
  clock?: Clock;
  /** Told about list/watch failures and handler exceptions; neither stops the informer. */
  onError?: (e: Error) => void;
}

const PAGE_SIZE = 500;
const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 5_000;
const SELECTOR_CACHE_SIZE = 256;
/** A watch open at least this long counts as healthy even without events. */
const HEALTHY_WATCH_MS = 1_000;

/** The built-in index: objects by namespace ("" for cluster-scoped). */
export const NAMESPACE_INDEX = "namespace";

type IndexFn<T> = (obj: T) => string[];

export class SharedInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly lister: Lister<T>;
  private readonly clock: Clock;
  private readonly resyncMs: number;
  private readonly onError: (e: Error) => void;

  private readonly items = new Map<string, T>();
  private readonly indexFns = new Map<string, IndexFn<T>>();
  /** index name → index value → keys. */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: EventHandler<T>[] = [];
  private readonly selectorCache = new Map<string, LabelSelector>();

  private startPromise: Promise<void> | undefined;
  private resolveSynced: (() => void) | undefined;
  private synced = false;
  private stopped = false;
  /** Newest resourceVersion seen (list, event or bookmark): where a re-watch resumes. */
  private lastRv = "";
  private currentWatch: ClientWatch | undefined;
  /** Bumped for every watch, so events of an abandoned watch are dropped. */
  private watchGeneration = 0;
  private resyncTimer: TimerHandle | undefined;
  private wakeSleeper: (() => void) | undefined;

  constructor(
    private readonly client: Client,
    readonly info: ResourceInfo,
    private readonly opts: SharedInformerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.resyncMs = opts.resyncMs ?? 0;
    this.onError = opts.onError ?? ((e) => console.error(`informer ${info.plural}: ${e.message}`));
    this.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? ""]);
    this.lister = {
      get: (namespace, name) => this.items.get(info.namespaced && namespace ? `${namespace}/${name}` : name),
      list: (namespace, labelSelector) => this.list(namespace, labelSelector),
      byIndex: (indexName, value) => this.byIndex(indexName, value),
    };
  }

  /**
   * Register handlers. Handlers added after objects are cached get add() for
   * each of them first, as client-go does, so late subscribers miss nothing.
   */
  addEventHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
    if (this.synced) for (const obj of [...this.items.values()]) this.call(h, "add", obj);
  }

  /** Add (or replace) a secondary index; existing objects are indexed at once. */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.indexFns.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) for (const v of this.indexValues(fn, obj)) addToIndex(index, v, key);
  }

  /** List then watch; resolves once the first list reached the handlers (or stop() came first). Idempotent. */
  start(): Promise<void> {
    if (!this.startPromise) {
      this.startPromise = new Promise<void>((resolve) => (this.resolveSynced = resolve));
      void this.run();
    }
    return this.startPromise;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Stop watching and resyncing. Idempotent; the cache keeps its last contents. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.resyncTimer?.cancel();
    this.currentWatch?.stop();
    this.currentWatch = undefined;
    this.wakeSleeper?.();
    this.resolveSynced?.();
  }

  /** The resourceVersion a re-watch would resume from. */
  get resourceVersion(): string {
    return this.lastRv;
  }

  // ---- the list/watch loop ------------------------------------------------------

  private async run(): Promise<void> {
    let needList = true;
    let failures = 0;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
          failures = 0;
          if (this.stopped) break;
        }
        const { error, progressed } = await this.watchOnce();
        if (this.stopped) break;
        if (error && isExpired(error)) {
          needList = true;
          continue;
        }
        if (error) throw error;
        if (progressed) {
          failures = 0;
          continue;
        }
        // The watch ended without delivering anything: wait a little so a server
        // that closes every watch at once does not make us spin.
        await this.sleep(backoff(failures++));
      } catch (e) {
        if (this.stopped) break;
        // A watch refused as too old relists at once; a failing list backs off
        // (even an "expired" one, or it would spin).
        if (isExpired(e) && !needList) {
          needList = true;
          continue;
        }
        this.report(e);
        await this.sleep(backoff(failures++));
      }
    }
  }

  /** List every page, replace the cache and deliver the differences to the handlers. */
  private async relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let listRv: string | undefined;
    let cont: string | undefined;
    do {
      const page = await this.client.list<T>(this.info, this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: PAGE_SIZE,
        continue: cont,
      });
      if (this.stopped) return;
      // Pages are read at different moments; watching from the first (oldest)
      // version replays whatever changed while later pages were read, and the
      // stale-event check below drops what the cache already has.
      listRv ??= page.metadata.resourceVersion;
      for (const item of page.items) fresh.set(keyOf(item), item);
      cont = page.metadata.continue || undefined;
    } while (cont);

    const adds: T[] = [];
    const updates: Array<[T, T]> = [];
    const deletes: T[] = [];
    for (const [key, obj] of fresh) {
      const old = this.items.get(key);
      if (!old) adds.push(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) updates.push([old, obj]);
    }
    for (const [key, old] of this.items) if (!fresh.has(key)) deletes.push(old);

    // Update the cache before any handler runs, so handlers read a consistent lister.
    for (const old of deletes) this.remove(keyOf(old), old);
    for (const obj of adds) this.put(keyOf(obj), obj, undefined);
    for (const [old, obj] of updates) this.put(keyOf(obj), obj, old);
    this.lastRv = listRv ?? this.lastRv;

    for (const old of deletes) this.notify("delete", old);
    for (const obj of adds) this.notify("add", obj);
    for (const [old, obj] of updates) this.notify("update", obj, old);

    if (!this.synced) {
      this.synced = true;
      this.scheduleResync();
      this.resolveSynced?.();
    }
  }

  /** One watch from lastRv, until it ends. Throws when the watch cannot be opened. */
  private async watchOnce(): Promise<{ error?: Error; progressed: boolean }> {
    const generation = ++this.watchGeneration;
    let progressed = false;
    const w = await this.client.watch(
      this.info,
      this.opts.namespace,
      {
        resourceVersion: this.lastRv,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        allowWatchBookmarks: true,
      },
      (ev) => {
        if (generation !== this.watchGeneration || this.stopped) return;
        progressed = true;
        this.apply(ev as WatchEvent<T>);
      },
    );
    if (this.stopped) {
      w.stop();
      return { progressed };
    }
    this.currentWatch = w;
    const openedAt = this.clock.now();
    const end = await w.done;
    // A quiet watch that stayed open a while was healthy too (server timeout).
    if (this.clock.now() - openedAt >= HEALTHY_WATCH_MS) progressed = true;
    if (this.currentWatch === w) this.currentWatch = undefined;
    // Anything the old watch still delivers after this point is stale.
    this.watchGeneration++;
    return { error: end.error, progressed };
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    const rv = obj?.metadata?.resourceVersion;
    if (rv && newer(rv, this.lastRv)) this.lastRv = rv;
    switch (ev.type) {
      case "ADDED":
      case "MODIFIED": {
        const key = keyOf(obj);
        const old = this.items.get(key);
        // A re-watch may replay what the cache already has: keep the newer copy.
        if (old && !newer(rv, old.metadata.resourceVersion)) return;
        this.put(key, obj, old);
        if (old) this.notify("update", obj, old);
        else this.notify("add", obj);
        return;
      }
      case "DELETED": {
        const key = keyOf(obj);
        const old = this.items.get(key);
        if (!old || newer(old.metadata.resourceVersion, rv)) return;
        this.remove(key, old);
        this.notify("delete", obj);
        return;
      }
      default:
        // BOOKMARK only moves lastRv (done above); ERROR is turned into done.error by the client.
        return;
    }
  }

  // ---- cache and indexes --------------------------------------------------------

  private put(key: string, obj: T, old: T | undefined): void {
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexFns) {
      const index = this.indices.get(name)!;
      for (const v of this.indexValues(fn, obj)) addToIndex(index, v, key);
    }
  }

  private remove(key: string, old: T): void {
    this.unindex(key, old);
    this.items.delete(key);
  }

  private unindex(key: string, old: T): void {
    for (const [name, fn] of this.indexFns) {
      const index = this.indices.get(name)!;
      for (const v of this.indexValues(fn, old)) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(v);
      }
    }
  }

  private indexValues(fn: IndexFn<T>, obj: T): string[] {
    try {
      return fn(obj);
    } catch (e) {
      this.report(e);
      return [];
    }
  }

  private list(namespace?: string, labelSelector?: string): T[] {
    let out: T[];
    if (namespace !== undefined && this.info.namespaced) out = this.byIndex(NAMESPACE_INDEX, namespace);
    else out = [...this.items.values()];
    if (!labelSelector) return out;
    const sel = this.selector(labelSelector);
    return out.filter((o) => sel.matches(o.metadata.labels));
  }

  private byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`informer ${this.info.plural}: no index named "${indexName}" (call addIndex first)`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.items.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  private selector(s: string): LabelSelector {
    let sel = this.selectorCache.get(s);
    if (!sel) {
      sel = LabelSelector.parse(s); // throws SelectorError on bad input: the caller's bug
      if (this.selectorCache.size >= SELECTOR_CACHE_SIZE) this.selectorCache.delete(this.selectorCache.keys().next().value as string);
      this.selectorCache.set(s, sel);
    }
    return sel;
  }

  // ---- handlers, resync, timing -------------------------------------------------

  private notify(kind: "add" | "delete", obj: T): void;
  private notify(kind: "update", obj: T, old: T): void;
  private notify(kind: "add" | "update" | "delete", obj: T, old?: T): void {
    for (const h of this.handlers) this.call(h, kind, obj, old);
  }

  private call(h: EventHandler<T>, kind: "add" | "update" | "delete", obj: T, old?: T): void {
    try {
      if (kind === "add") h.add?.(obj);
      else if (kind === "update") h.update?.(old as T, obj);
      else h.delete?.(obj);
    } catch (e) {
      // One broken handler must not starve the others or stop the informer.
      this.report(e);
    }
  }

  private scheduleResync(): void {
    if (this.resyncMs <= 0 || this.stopped) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      for (const obj of [...this.items.values()]) this.notify("update", obj, obj);
      this.scheduleResync();
    }, this.resyncMs);
  }

  /** Sleep on the injected clock; stop() cuts it short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = this.clock.setTimeout(() => {
        this.wakeSleeper = undefined;
        resolve();
      }, ms);
      this.wakeSleeper = () => {
        t.cancel();
        this.wakeSleeper = undefined;
        resolve();
      };
    });
  }

  private report(e: unknown): void {
    try {
      this.onError(e instanceof Error ? e : new Error(String(e)));
    } catch {
      // The error hook itself failing must not break the loop.
    }
  }
}

/** One informer per resource, shared by every controller that asks for it. */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();

  constructor(
    private readonly client: Client,
    private readonly opts: { resyncMs?: number; clock?: Clock; onError?: (e: Error) => void } = {},
  ) {}

  /** The shared informer for info (created on first use; start it with startAll). */
  for<T extends KubeObject = KubeObject>(info: ResourceInfo): SharedInformer<T> {
    const key = `${info.group}/${info.plural}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new SharedInformer<KubeObject>(this.client, info, { resyncMs: this.opts.resyncMs, clock: this.opts.clock, onError: this.opts.onError });
      this.informers.set(key, inf);
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Start every informer created so far; resolves when all have synced. Safe to call again after for(). */
  async startAll(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  stopAll(): void {
    for (const i of this.informers.values()) i.stop();
  }
}

function addToIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function isExpired(e: unknown): boolean {
  return isApiError(e, "Expired") || isApiError(e, "Gone");
}

function backoff(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** failures);
}

/**
 * True when version a is newer than b. skiff's versions are integers and compare
 * as numbers; for opaque versions (another server) any difference counts as newer.
 */
function newer(a: string | undefined, b: string | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  if (/^[0-9]+$/.test(a) && /^[0-9]+$/.test(b)) return a.length !== b.length ? a.length > b.length : a > b;
  return a !== b;
}

// The etcd Store: etcd v3 (through the etcd3 client) is the source of truth,
// shared by every API server of a highly available control plane.
//
// Layout and versions, as in Kubernetes' storage/etcd3:
// - Every object is one key, `<prefix>/registry/<resource>/<namespace>/<name>`
//   (namespace "" for cluster-scoped objects), holding the object's JSON without
//   metadata.resourceVersion.
// - resourceVersion comes from etcd's mod_revision: global, strictly increasing,
//   one step per write. It is counted from this cluster's epoch (the revision at
//   which `<prefix>/skiff-epoch` was created), so a new cluster starts at "0" like
//   the other backends; ordering and compare-and-swap are etcd's own.
// - create is a transaction "create_revision == 0 → put" (else AlreadyExists);
//   update and delete compare mod_revision with the expected version (else
//   Conflict), or just that the key exists (else NotFound).
//
// Watches are served the way the Kubernetes watch cache serves them: one etcd
// watch over the whole prefix feeds a WatchHub (the same history ring the other
// backends use), so a store.watch() replays synchronously from memory, answers
// 410 Gone for versions older than what the ring holds, and every API server
// sees every other one's writes. A write returns only after the hub has
// published it, so the caller's own watchers have seen it by then (the Store
// contract's "delivered before the write's promise settled").
import { Etcd3, type IKeyValue, type IWatchResponse, type Watcher } from "etcd3";
import { ApiError, isApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { ListOptions, ListResult, ObjectRef, Store, Watch, WatchHandler, WatchOptions } from "./store.js";
import { WatchHub, alreadyExists, compareKeys, conflict, notFound, type WatchHubOptions } from "./watch-hub.js";

export interface EtcdStoreOptions extends WatchHubOptions {
  /** host:port of each etcd member ("127.0.0.1:2379"). */
  endpoints: string[];
  /** Key prefix that keeps several clusters apart in one etcd ("" or "/skiff"). */
  prefix?: string;
  /** Give up connecting after this long. Default 5 s. */
  dialTimeoutMs?: number;
  /** How long a write waits for its own watch event before returning anyway. Default 10 s. */
  watchLagTimeoutMs?: number;
  /** Told about trouble with the shared watch (default: console.error). */
  onWatchError?: (e: Error) => void;
}

/** A list is read in pages of this many keys, all at one revision (a consistent snapshot). */
const PAGE = 500;

/**
 * "etcd://127.0.0.1:2379" or "etcd://h1:2379,h2:2379?prefix=/skiff" →
 * endpoints and prefix. The prefix must start with "/" and not end with one.
 */
export function parseEtcdSpec(spec: string): { endpoints: string[]; prefix: string } {
  if (!spec.startsWith("etcd://")) throw new Error(`store spec "${spec}" is not an etcd:// spec`);
  const rest = spec.slice("etcd://".length);
  const q = rest.indexOf("?");
  const hostsPart = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? "" : rest.slice(q + 1));
  const endpoints = hostsPart
    .split(",")
    .map((h) => h.trim().replace(/\/$/, ""))
    .filter(Boolean);
  if (endpoints.length === 0) throw new Error(`store spec "${spec}" names no etcd endpoint; use etcd://127.0.0.1:2379`);
  for (const e of endpoints) {
    if (!/^[A-Za-z0-9.\-[\]:]+:\d+$/.test(e)) throw new Error(`store spec "${spec}": endpoint "${e}" is not host:port`);
  }
  for (const k of params.keys()) if (k !== "prefix") throw new Error(`store spec "${spec}": unknown option "${k}" (only prefix=/path is understood)`);
  const prefix = params.get("prefix") ?? "";
  if (prefix !== "" && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
    throw new Error(`store spec "${spec}": prefix must start with "/" and not end with one, e.g. prefix=/skiff`);
  }
  return { endpoints, prefix };
}

export class EtcdStore implements Store {
  private readonly hub: WatchHub;
  private readonly registry: string;
  private readonly waiters: Array<{ rev: number; resolve: () => void }> = [];
  /** Highest etcd revision the shared watch has delivered to the hub. */
  private seen: number;
  private closed = false;
  private watchBroken: Error | undefined;

  private constructor(
    private readonly client: Etcd3,
    private readonly watcher: Watcher,
    private readonly epoch: number,
    startRevision: number,
    hub: WatchHub,
    readonly prefix: string,
    private readonly opts: EtcdStoreOptions,
  ) {
    this.hub = hub;
    this.registry = `${prefix}/registry/`;
    this.seen = startRevision;
    watcher.on("data", (res: IWatchResponse) => this.onWatchData(res));
    watcher.on("error", (e: Error) => this.onWatchFailure(e));
  }

  /** Connect, find (or set) the cluster's epoch and start the shared watch. */
  static async open(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const prefix = opts.prefix ?? "";
    const client = new Etcd3({ hosts: opts.endpoints.map((e) => `http://${e}`), dialTimeout: opts.dialTimeoutMs ?? 5000 });
    try {
      const epochKey = Buffer.from(`${prefix}/skiff-epoch`);
      // Create the epoch key once per cluster; every API server then reads the same value.
      const res = await client.kv.txn({
        compare: [{ key: epochKey, target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key: epochKey, value: Buffer.from("skiff/v1") } }],
        failure: [{ request_range: { key: epochKey } }],
      });
      const current = Number(res.header.revision);
      const epoch = res.succeeded ? current : Number(res.responses[0]?.response_range.kvs[0]?.create_revision);
      if (!Number.isFinite(epoch) || epoch <= 0) throw new Error(`cannot read ${prefix}/skiff-epoch`);
      const hub = new WatchHub(current - epoch, opts);
      const watcher = await client
        .watch()
        .prefix(`${prefix}/registry/`)
        .withPreviousKV()
        .startRevision(String(current + 1))
        .create();
      return new EtcdStore(client, watcher, epoch, current, hub, prefix, opts);
    } catch (e) {
      client.close();
      throw new Error(`cannot open etcd store at ${opts.endpoints.join(",")}: ${(e as Error).message}`, { cause: e });
    }
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.assertOpen();
    const res = await this.call(() => this.client.kv.range({ key: this.key(ref) }));
    const kv = res.kvs[0];
    return kv ? this.decode(kv.value, Number(kv.mod_revision)) : undefined;
  }

  async list(resource: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const base = `${this.registry}${resource}/`;
    const start = opts.namespace === undefined ? base : `${base}${opts.namespace}/`;
    const end = prefixEnd(Buffer.from(start));
    const items: Array<{ namespace: string; name: string; obj: KubeObject }> = [];
    let key = Buffer.from(start);
    let revision: number | undefined;
    for (;;) {
      const page = await this.call(() => this.client.kv.range({ key, range_end: end, limit: PAGE, ...(revision ? { revision } : {}) }));
      revision ??= Number(page.header.revision);
      for (const kv of page.kvs) {
        // Only <namespace>/<name> right under the resource: "apps" must not list "apps/deployments".
        const parts = kv.key.toString("utf8").slice(base.length).split("/");
        if (parts.length !== 2) continue;
        items.push({ namespace: parts[0] ?? "", name: parts[1] ?? "", obj: this.decode(kv.value, Number(kv.mod_revision)) });
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      key = Buffer.concat([last.key, Buffer.from([0])]);
    }
    // etcd orders by key bytes, where "default-x/…" sorts before "default/…"; the contract wants namespace, then name.
    items.sort(compareKeys);
    return { items: items.map((i) => i.obj), resourceVersion: String(revision - this.epoch) };
  }

  async create(ref: ObjectRef, obj: KubeObject): Promise<KubeObject> {
    this.assertOpen();
    const key = this.key(ref);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [{ key, target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key, value: encode(obj) } }],
      }),
    );
    if (!res.succeeded) throw alreadyExists(ref.resource, ref.name);
    return this.written(obj, Number(res.header.revision));
  }

  async update(ref: ObjectRef, obj: KubeObject, expectedResourceVersion?: string): Promise<KubeObject> {
    this.assertOpen();
    const key = this.key(ref);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [this.precondition(key, expectedResourceVersion)],
        success: [{ request_put: { key, value: encode(obj) } }],
        failure: [{ request_range: { key, count_only: true } }],
      }),
    );
    if (!res.succeeded) throw this.failure(ref, res.responses[0]?.response_range.count);
    return this.written(obj, Number(res.header.revision));
  }

  async delete(ref: ObjectRef, expectedResourceVersion?: string): Promise<KubeObject> {
    this.assertOpen();
    const key = this.key(ref);
    const res = await this.call(() =>
      this.client.kv.txn({
        compare: [this.precondition(key, expectedResourceVersion)],
        success: [{ request_delete_range: { key, prev_kv: true } }],
        failure: [{ request_range: { key, count_only: true } }],
      }),
    );
    if (!res.succeeded) throw this.failure(ref, res.responses[0]?.response_range.count);
    const prev = res.responses[0]?.response_delete_range.prev_kvs[0];
    if (!prev) throw notFound(ref.resource, ref.name); // deleted between compare and delete: cannot happen in one txn
    const revision = Number(res.header.revision);
    const gone = this.decode(prev.value, revision);
    await this.caughtUp(revision);
    return gone;
  }

  watch(resource: string, opts: WatchOptions, handler: WatchHandler): Watch {
    this.assertOpen();
    if (this.watchBroken) {
      // The shared watch lost history it cannot recover: no watch can be served exactly.
      throw new ApiError("ServiceUnavailable", `the etcd watch failed: ${this.watchBroken.message}`);
    }
    return this.hub.watch(resource, opts, handler);
  }

  async currentResourceVersion(): Promise<string> {
    this.assertOpen();
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(`${this.prefix}/skiff-epoch`), count_only: true }));
    return String(Number(res.header.revision) - this.epoch);
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.stopAll();
    for (const w of this.waiters.splice(0)) w.resolve();
    // An unreachable etcd must not hold up shutdown.
    await Promise.race([this.watcher.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    this.client.close();
  }

  // ---- internals -------------------------------------------------------------------

  private key(ref: ObjectRef): Buffer {
    return Buffer.from(`${this.registry}${ref.resource}/${ref.namespace}/${ref.name}`);
  }

  /** "the object is at exactly this version" or, without one, "the object exists". */
  private precondition(key: Buffer, expected: string | undefined) {
    if (expected === undefined || expected === "") return { key, target: "Create" as const, result: "Greater" as const, create_revision: 0 };
    const n = /^\d+$/.test(expected) ? Number(expected) + this.epoch : -1;
    return { key, target: "Mod" as const, result: "Equal" as const, mod_revision: n };
  }

  private failure(ref: ObjectRef, count: string | undefined): ApiError {
    return Number(count ?? 0) === 0 ? notFound(ref.resource, ref.name) : conflict(ref.resource, ref.name);
  }

  private decode(value: Buffer, revision: number): KubeObject {
    const obj = JSON.parse(value.toString("utf8")) as KubeObject;
    obj.metadata = { ...obj.metadata, resourceVersion: String(revision - this.epoch) };
    return obj;
  }

  /** The object as stored at `revision`, once the shared watch has published that write. */
  private async written(obj: KubeObject, revision: number): Promise<KubeObject> {
    const copy = JSON.parse(JSON.stringify(obj)) as KubeObject;
    copy.metadata = { ...copy.metadata, resourceVersion: String(revision - this.epoch) };
    await this.caughtUp(revision);
    return copy;
  }

  private caughtUp(revision: number): Promise<void> {
    if (this.seen >= revision || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { rev: revision, resolve };
      this.waiters.push(waiter);
      // The write has committed whatever happens to the watch; never hang the caller on it.
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        this.reportWatchError(new Error(`the etcd watch has not delivered revision ${revision} after ${this.opts.watchLagTimeoutMs ?? 10_000} ms`));
        resolve();
      }, this.opts.watchLagTimeoutMs ?? 10_000);
      t.unref();
      const done = waiter.resolve;
      waiter.resolve = () => {
        clearTimeout(t);
        done();
      };
    });
  }

  private onWatchData(res: IWatchResponse): void {
    if (this.closed) return;
    for (const ev of res.events ?? []) {
      const revision = Number(ev.kv.mod_revision);
      if (revision <= this.seen) continue; // a replay after a reconnect
      const change = this.toChange(ev.type, ev.kv, ev.prev_kv);
      this.seen = revision;
      if (change) {
        try {
          this.hub.publish(change);
        } catch (e) {
          this.reportWatchError(e as Error);
        }
      }
    }
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.rev <= this.seen);
      for (const w of ready) this.waiters.splice(this.waiters.indexOf(w), 1);
      for (const w of ready) w.resolve();
    }
  }

  private toChange(type: string, kv: IKeyValue, prev: IKeyValue | undefined) {
    const path = kv.key.toString("utf8").slice(this.registry.length).split("/");
    if (path.length < 3) return undefined;
    const name = path[path.length - 1] ?? "";
    const namespace = path[path.length - 2] ?? "";
    const resource = path.slice(0, -2).join("/");
    const revision = Number(kv.mod_revision);
    if (type === "Delete") {
      // etcd's delete event carries no value; the previous one (withPreviousKV) is the deleted object.
      const obj: KubeObject = prev ? this.decode(prev.value, revision) : { apiVersion: "", kind: "", metadata: { name, ...(namespace ? { namespace } : {}), resourceVersion: String(revision - this.epoch) } };
      return { rv: revision - this.epoch, resource, namespace, type: "DELETED" as const, json: JSON.stringify(obj) };
    }
    const obj = this.decode(kv.value, revision);
    return { rv: revision - this.epoch, resource, namespace, type: kv.version === "1" ? ("ADDED" as const) : ("MODIFIED" as const), json: JSON.stringify(obj) };
  }

  private onWatchFailure(e: Error): void {
    if (this.closed) return;
    // Canceled by etcd (compaction while we were disconnected): history is lost.
    this.watchBroken = e;
    this.hub.stopAll();
    this.reportWatchError(e);
  }

  private reportWatchError(e: Error): void {
    (this.opts.onWatchError ?? ((err: Error) => console.error(`etcd store: ${err.message}`)))(e);
  }

  /** etcd failures are the store being unavailable (503), not a bad request. */
  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (isApiError(e)) throw e;
      throw new ApiError("ServiceUnavailable", `the etcd store is unavailable: ${(e as Error).message}`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`etcd store ${this.opts.endpoints.join(",")}${this.prefix} is closed`);
  }
}

/** The stored bytes: the object without its resourceVersion (etcd's mod_revision is the version). */
function encode(obj: KubeObject): Buffer {
  const { resourceVersion: _drop, ...metadata } = obj.metadata ?? {};
  return Buffer.from(JSON.stringify({ ...obj, metadata }));
}

/** The smallest key greater than every key starting with `prefix` (etcd's range_end for a prefix). */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

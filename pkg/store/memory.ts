// In-memory Store: tests, benchmarks and `skiff up --store memory`. Nothing
// survives the process. Objects are kept as JSON strings, so every get/list/watch
// hands out a fresh parse and no caller can reach the stored copy.
import type { KubeObject } from "../api/types.js";
import type { ListOptions, ListResult, ObjectRef, Store, Watch, WatchHandler, WatchOptions } from "./store.js";
import {
  WatchHub,
  alreadyExists,
  compareKeys,
  conflict,
  isStale,
  notFound,
  stampJson,
  type ChangeType,
  type WatchHubOptions,
} from "./watch-hub.js";

export type MemoryStoreOptions = WatchHubOptions;

interface Entry {
  namespace: string;
  name: string;
  rv: number;
  json: string;
}

export class MemoryStore implements Store {
  /** resource → "namespace/name" → entry (names never contain "/"). */
  private readonly objects = new Map<string, Map<string, Entry>>();
  private rv = 0;
  private readonly hub: WatchHub;
  private closed = false;

  constructor(opts: MemoryStoreOptions = {}) {
    this.hub = new WatchHub(0, opts);
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.assertOpen();
    const e = this.objects.get(ref.resource)?.get(key(ref));
    return e ? (JSON.parse(e.json) as KubeObject) : undefined;
  }

  async list(resource: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const entries: Entry[] = [];
    for (const e of this.objects.get(resource)?.values() ?? []) {
      if (opts.namespace === undefined || e.namespace === opts.namespace) entries.push(e);
    }
    entries.sort(compareKeys);
    return { items: entries.map((e) => JSON.parse(e.json) as KubeObject), resourceVersion: String(this.rv) };
  }

  async create(ref: ObjectRef, obj: KubeObject): Promise<KubeObject> {
    this.assertOpen();
    let byKey = this.objects.get(ref.resource);
    if (byKey?.has(key(ref))) throw alreadyExists(ref.resource, ref.name);
    if (!byKey) this.objects.set(ref.resource, (byKey = new Map()));
    return this.commit(byKey, ref, "ADDED", stampJson(obj, this.rv + 1));
  }

  async update(ref: ObjectRef, obj: KubeObject, expectedResourceVersion?: string): Promise<KubeObject> {
    this.assertOpen();
    const byKey = this.objects.get(ref.resource);
    const cur = byKey?.get(key(ref));
    if (!byKey || !cur) throw notFound(ref.resource, ref.name);
    if (isStale(expectedResourceVersion, cur.rv)) throw conflict(ref.resource, ref.name);
    return this.commit(byKey, ref, "MODIFIED", stampJson(obj, this.rv + 1));
  }

  async delete(ref: ObjectRef, expectedResourceVersion?: string): Promise<KubeObject> {
    this.assertOpen();
    const byKey = this.objects.get(ref.resource);
    const cur = byKey?.get(key(ref));
    if (!byKey || !cur) throw notFound(ref.resource, ref.name);
    if (isStale(expectedResourceVersion, cur.rv)) throw conflict(ref.resource, ref.name);
    const rv = ++this.rv;
    byKey.delete(key(ref));
    const gone = JSON.parse(cur.json) as KubeObject;
    gone.metadata.resourceVersion = String(rv);
    this.hub.publish({ rv, resource: ref.resource, namespace: ref.namespace, type: "DELETED", json: JSON.stringify(gone) });
    return gone;
  }

  watch(resource: string, opts: WatchOptions, handler: WatchHandler): Watch {
    this.assertOpen();
    return this.hub.watch(resource, opts, handler);
  }

  async currentResourceVersion(): Promise<string> {
    return String(this.rv);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.hub.stopAll();
  }

  // json already carries version this.rv + 1.
  private commit(byKey: Map<string, Entry>, ref: ObjectRef, type: ChangeType, json: string): KubeObject {
    const rv = ++this.rv;
    byKey.set(key(ref), { namespace: ref.namespace, name: ref.name, rv, json });
    this.hub.publish({ rv, resource: ref.resource, namespace: ref.namespace, type, json });
    return JSON.parse(json) as KubeObject;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("memory store is closed");
  }
}

function key(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}

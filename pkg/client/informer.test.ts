import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { errors } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeList, KubeObject, WatchEvent } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { buildApiServer } from "../apiserver/server.js";
import { MemoryStore } from "../store/memory.js";
import { FakeClock } from "../util/clock.js";
import type { Client, ClientWatch, ListOptions, WatchOptions } from "./client.js";
import { HttpClient } from "./http-client.js";
import { InProcessClient } from "./in-process.js";
import { InformerFactory, SharedInformer } from "./informer.js";
import { keyOf } from "./lister.js";

// ---- helpers --------------------------------------------------------------------

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Cluster {
  /** What the informer under test uses (in-process or HTTP, wrapped so tests can break watches). */
  client: FlakyClient;
  /** Writes go straight to the registry. */
  writer: InProcessClient;
}

type Transport = "in-process" | "http";

async function cluster(transport: Transport, opts: { historySize?: number; watchTimeoutMs?: number } = {}): Promise<Cluster> {
  const store = new MemoryStore({ historySize: opts.historySize });
  const registry = new Registry(store);
  await registry.bootstrap();
  const writer = new InProcessClient(registry);
  await writer.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } });
  cleanups.push(() => registry.close());
  if (transport === "in-process") return { client: new FlakyClient(new InProcessClient(registry)), writer };
  const app = await buildApiServer({ registry, authenticator: null, watch: { defaultTimeoutMs: opts.watchTimeoutMs } });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const http = new HttpClient({ server: `http://127.0.0.1:${port}`, namespace: "default", contextName: "t" });
  const client = new FlakyClient(http);
  cleanups.push(async () => {
    client.breakWatches();
    http.close();
    await app.close();
  });
  return { client, writer };
}

/**
 * A Client that passes everything through but lets a test cut every open watch
 * (as a dropped connection would) and hold re-watches back meanwhile, and that
 * counts list calls.
 */
class FlakyClient implements Client {
  private watches = new Set<ClientWatch>();
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  readonly lists: ListOptions[] = [];
  watchCalls = 0;

  constructor(private readonly inner: Client) {}

  breakWatches(): void {
    for (const w of this.watches) w.stop();
    this.watches.clear();
  }
  holdWatches(): void {
    this.gate = new Promise((r) => (this.openGate = r));
  }
  releaseWatches(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  get: Client["get"] = (...a) => this.inner.get(...a);
  create: Client["create"] = (...a) => this.inner.create(...a);
  update: Client["update"] = (...a) => this.inner.update(...a);
  updateStatus: Client["updateStatus"] = (...a) => this.inner.updateStatus(...a);
  patch: Client["patch"] = (...a) => this.inner.patch(...a);
  delete: Client["delete"] = (...a) => this.inner.delete(...a);
  bindPod: Client["bindPod"] = (...a) => this.inner.bindPod(...a);
  list: Client["list"] = (info, ns, opts) => {
    this.lists.push({ ...opts });
    return this.inner.list(info, ns, opts);
  };
  async watch(...a: Parameters<Client["watch"]>): Promise<ClientWatch> {
    this.watchCalls++;
    if (this.gate) await this.gate;
    const w = await this.inner.watch(...a);
    this.watches.add(w);
    void w.done.then(() => this.watches.delete(w));
    return w;
  }
  close(): void {
    this.inner.close();
  }
}

async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function cm(name: string, namespace = "default", labels?: Record<string, string>, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, labels }, data };
}

/** A map kept only from handler calls: it must end equal to the server's state. */
function mirror(inf: SharedInformer) {
  const m = new Map<string, string>();
  const log: string[] = [];
  inf.addEventHandler({
    add: (o) => {
      if (m.has(keyOf(o))) throw new Error(`add for known ${keyOf(o)}`);
      m.set(keyOf(o), o.metadata.resourceVersion!);
      log.push(`add ${keyOf(o)}`);
    },
    update: (old, o) => {
      if (!m.has(keyOf(o))) throw new Error(`update for unknown ${keyOf(o)}`);
      if (m.get(keyOf(old)) !== old.metadata.resourceVersion) throw new Error(`update's old object is not the previous copy of ${keyOf(o)}`);
      m.set(keyOf(o), o.metadata.resourceVersion!);
      log.push(`update ${keyOf(o)}`);
    },
    delete: (o) => {
      if (!m.delete(keyOf(o))) throw new Error(`delete for unknown ${keyOf(o)}`);
      log.push(`delete ${keyOf(o)}`);
    },
  });
  return { m, log };
}

async function serverState(writer: Client): Promise<Map<string, string>> {
  const list = await writer.list(R.configmaps, undefined);
  return new Map(list.items.map((o) => [keyOf(o), o.metadata.resourceVersion!]));
}

function cacheState(inf: SharedInformer): Map<string, string> {
  return new Map(inf.lister.list().map((o) => [keyOf(o), o.metadata.resourceVersion!]));
}

function startInformer(client: Client, opts: ConstructorParameters<typeof SharedInformer>[2] = {}) {
  const errs: Error[] = [];
  const inf = new SharedInformer(client, R.configmaps, { onError: (e) => errs.push(e), ...opts });
  cleanups.push(() => inf.stop());
  return { inf, errs };
}

// ---- against both transports ------------------------------------------------------

describe.each<Transport>(["in-process", "http"])("SharedInformer over %s", (transport) => {
  it("delivers existing objects on sync, then live adds, updates and deletes", async () => {
    const { client, writer } = await cluster(transport);
    await writer.create(R.configmaps, "default", cm("a"));
    await writer.create(R.configmaps, "other", cm("b", "other"));
    const { inf, errs } = startInformer(client);
    const { m, log } = mirror(inf);
    expect(inf.hasSynced()).toBe(false);
    await inf.start();
    expect(inf.hasSynced()).toBe(true);
    expect(log.sort()).toEqual(["add default/a", "add other/b"]);
    expect(inf.lister.get("default", "a")?.metadata.name).toBe("a");

    await writer.create(R.configmaps, "default", cm("c"));
    const a = await writer.get(R.configmaps, "default", "a");
    await writer.update(R.configmaps, { ...a, data: { k: "v" } });
    await writer.delete(R.configmaps, "other", "b");
    await eventually(async () => expect(m).toEqual(await serverState(writer)));
    expect(log.slice(2)).toEqual(["add default/c", "update default/a", "delete other/b"]);
    expect(inf.lister.get("default", "a")?.data).toEqual({ k: "v" });
    expect(inf.lister.get("other", "b")).toBeUndefined();
    expect(cacheState(inf)).toEqual(await serverState(writer));
    expect(errs).toEqual([]);
  });

  it("keeps indexes and filtered lists current", async () => {
    const { client, writer } = await cluster(transport);
    await writer.create(R.configmaps, "default", cm("web-1", "default", { app: "web", tier: "front" }));
    await writer.create(R.configmaps, "default", cm("db-1", "default", { app: "db" }));
    await writer.create(R.configmaps, "other", cm("web-2", "other", { app: "web" }));
    const { inf } = startInformer(client);
    inf.addIndex("app", (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
    await inf.start();
    const names = (os: KubeObject[]) => os.map((o) => o.metadata.name).sort();
    expect(names(inf.lister.byIndex("app", "web"))).toEqual(["web-1", "web-2"]);
    expect(names(inf.lister.byIndex("namespace", "other"))).toEqual(["web-2"]);
    expect(names(inf.lister.list("default"))).toEqual(["db-1", "web-1"]);
    expect(names(inf.lister.list(undefined, "app=web"))).toEqual(["web-1", "web-2"]);
    expect(names(inf.lister.list("default", "app in (web,db),tier!=front"))).toEqual(["db-1"]);
    expect(names(inf.lister.list(undefined, ""))).toEqual(["db-1", "web-1", "web-2"]);

    // Relabel web-1 → db; delete web-2: both indexes must follow.
    const w1 = await writer.get(R.configmaps, "default", "web-1");
    await writer.update(R.configmaps, { ...w1, metadata: { ...w1.metadata, labels: { app: "db" } } });
    await writer.delete(R.configmaps, "other", "web-2");
    await eventually(() => expect(names(inf.lister.byIndex("app", "db"))).toEqual(["db-1", "web-1"]));
    await eventually(() => expect(inf.lister.byIndex("namespace", "other")).toEqual([]));
    expect(inf.lister.byIndex("app", "web")).toEqual([]);

    // An index added late covers objects already cached.
    inf.addIndex("name", (o) => [o.metadata.name!]);
    expect(names(inf.lister.byIndex("name", "db-1"))).toEqual(["db-1"]);
    expect(() => inf.lister.byIndex("nope", "x")).toThrow(/no index named "nope"/);
  });

  it("re-watches after the watch connection drops and converges to the server's state", async () => {
    const { client, writer } = await cluster(transport);
    for (let i = 0; i < 5; i++) await writer.create(R.configmaps, "default", cm(`c${i}`));
    const { inf, errs } = startInformer(client);
    const { m } = mirror(inf);
    await inf.start();
    const listsAfterSync = client.lists.length;

    client.holdWatches();
    client.breakWatches();
    // Changes while nobody watches: the re-watch from the last version replays them.
    await writer.create(R.configmaps, "default", cm("new"));
    await writer.delete(R.configmaps, "default", "c0");
    const c1 = await writer.get(R.configmaps, "default", "c1");
    await writer.update(R.configmaps, { ...c1, data: { x: "1" } });
    client.releaseWatches();

    await eventually(async () => expect(m).toEqual(await serverState(writer)));
    expect(cacheState(inf)).toEqual(await serverState(writer));
    expect(client.lists.length).toBe(listsAfterSync); // history was enough: no relist
    expect(errs).toEqual([]);
  });

  it("relists after the resourceVersion expired and delivers exactly the differences", async () => {
    const { client, writer } = await cluster(transport, { historySize: 5 });
    for (let i = 0; i < 4; i++) await writer.create(R.configmaps, "default", cm(`c${i}`));
    const { inf } = startInformer(client);
    const { m, log } = mirror(inf);
    await inf.start();
    const listsAfterSync = client.lists.length;
    log.length = 0;

    client.holdWatches();
    client.breakWatches();
    // Far more writes than the 5-entry history holds.
    await writer.delete(R.configmaps, "default", "c0");
    const c1 = await writer.get(R.configmaps, "default", "c1");
    await writer.update(R.configmaps, { ...c1, data: { x: "1" } });
    for (let i = 0; i < 8; i++) await writer.create(R.configmaps, "other", cm(`n${i}`, "other"));
    for (let i = 0; i < 7; i++) await writer.delete(R.configmaps, "other", `n${i}`);
    client.releaseWatches();

    await eventually(async () => expect(cacheState(inf)).toEqual(await serverState(writer)));
    expect(m).toEqual(await serverState(writer));
    expect(client.lists.length).toBeGreaterThan(listsAfterSync);
    // Unchanged c2, c3 produce nothing; objects created and deleted while away are never seen.
    expect(log.sort()).toEqual(["add other/n7", "delete default/c0", "update default/c1"]);

    // And it keeps watching afterwards.
    await writer.create(R.configmaps, "default", cm("after"));
    await eventually(() => expect(inf.lister.get("default", "after")).toBeDefined());
  });

  it("isolates a throwing handler: reported, other handlers still called", async () => {
    const { client, writer } = await cluster(transport);
    const { inf, errs } = startInformer(client);
    inf.addEventHandler({
      add: () => {
        throw new Error("handler bug");
      },
    });
    const { m } = mirror(inf);
    await inf.start();
    await writer.create(R.configmaps, "default", cm("a"));
    await writer.create(R.configmaps, "default", cm("b"));
    await eventually(async () => expect(m).toEqual(await serverState(writer)));
    expect(errs.map((e) => e.message)).toEqual(["handler bug", "handler bug"]);
  });

  it("lists in pages of 500", async () => {
    const { client, writer } = await cluster(transport);
    for (let i = 0; i < 1100; i++) await writer.create(R.configmaps, "default", cm(`c${String(i).padStart(4, "0")}`));
    const { inf } = startInformer(client);
    await inf.start();
    expect(inf.lister.list()).toHaveLength(1100);
    expect(client.lists.map((l) => l.limit)).toEqual([500, 500, 500]);
    expect(client.lists[0]!.continue).toBeUndefined();
    expect(client.lists[1]!.continue).toBeTruthy();
  });
});

describe("SharedInformer over HTTP with a server that ends watches", () => {
  it("keeps re-watching across server timeouts and converges", async () => {
    const { client, writer } = await cluster("http", { watchTimeoutMs: 150 });
    const { inf, errs } = startInformer(client);
    const { m } = mirror(inf);
    await inf.start();
    for (let round = 0; round < 4; round++) {
      await writer.create(R.configmaps, "default", cm(`r${round}`));
      if (round > 0) await writer.delete(R.configmaps, "default", `r${round - 1}`);
      await new Promise((r) => setTimeout(r, 120));
    }
    await eventually(async () => expect(m).toEqual(await serverState(writer)));
    expect(cacheState(inf)).toEqual(await serverState(writer));
    expect(client.watchCalls).toBeGreaterThan(2); // the server really did end watches
    expect(client.lists).toHaveLength(1);
    expect(errs).toEqual([]);
  });
});

// ---- against a scripted client: exact event handling and timing ------------------------

/** A Client whose list and watch answers the test scripts. */
class ScriptedClient implements Client {
  listResult: KubeList = { apiVersion: "v1", kind: "ConfigMapList", metadata: { resourceVersion: "1" }, items: [] };
  listError: Error | undefined;
  listCalls = 0;
  watchOpts: WatchOptions[] = [];
  handler: ((ev: WatchEvent) => void) | undefined;
  endWatch: ((v: { error?: Error }) => void) | undefined;

  async list<T extends KubeObject>(): Promise<KubeList<T>> {
    this.listCalls++;
    if (this.listError) throw this.listError;
    return structuredClone(this.listResult) as KubeList<T>;
  }
  async watch(_i: unknown, _n: unknown, opts: WatchOptions, handler: (ev: WatchEvent) => void): Promise<ClientWatch> {
    this.watchOpts.push(opts);
    this.handler = handler;
    const done = new Promise<{ error?: Error }>((r) => (this.endWatch = r));
    return { stop: () => this.endWatch?.({}), done };
  }
  get = notUsed;
  create = notUsed;
  update = notUsed;
  updateStatus = notUsed;
  patch = notUsed;
  delete = notUsed;
  bindPod = notUsed;
  close(): void {}
}
function notUsed(): never {
  throw new Error("not used by informers");
}

function obj(name: string, rv: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", resourceVersion: rv }, data };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("SharedInformer event handling", () => {
  it("ignores replayed events older than the cached copy and tracks bookmarks", async () => {
    const c = new ScriptedClient();
    c.listResult.items = [obj("a", "5")];
    c.listResult.metadata.resourceVersion = "5";
    const { inf } = startInformer(c);
    const { log } = mirror(inf);
    await inf.start();
    await tick();
    expect(c.watchOpts[0]).toMatchObject({ resourceVersion: "5", allowWatchBookmarks: true });
    c.handler!({ type: "MODIFIED", object: obj("a", "4", { old: "1" }) }); // older: ignored
    c.handler!({ type: "ADDED", object: obj("a", "5") }); // duplicate: ignored
    c.handler!({ type: "DELETED", object: obj("a", "3") }); // stale delete: ignored
    expect(inf.lister.get("default", "a")?.metadata.resourceVersion).toBe("5");
    c.handler!({ type: "MODIFIED", object: obj("a", "10", { v: "2" }) });
    expect(inf.lister.get("default", "a")?.data).toEqual({ v: "2" });
    c.handler!({ type: "BOOKMARK", object: { apiVersion: "v1", kind: "ConfigMap", metadata: { resourceVersion: "42" } } });
    expect(inf.resourceVersion).toBe("42");
    expect(log).toEqual(["add default/a", "update default/a"]);

    // A re-watch resumes from the bookmark.
    c.endWatch!({});
    await tick();
    await tick();
    expect(c.watchOpts.at(-1)?.resourceVersion).toBe("42");
  });

  it("relists on an Expired watch end or a Gone watch call", async () => {
    const clock = new FakeClock();
    const c = new ScriptedClient();
    c.listResult.items = [obj("a", "1"), obj("b", "2")];
    c.listResult.metadata.resourceVersion = "2";
    const { inf } = startInformer(c, { clock });
    const { log } = mirror(inf);
    await inf.start();
    await tick();
    log.length = 0;
    c.listResult.items = [obj("b", "7"), obj("c", "8")];
    c.listResult.metadata.resourceVersion = "8";
    c.endWatch!({ error: errors.expired("too old resource version: 2 (5)") });
    await tick();
    await tick();
    expect(c.listCalls).toBe(2);
    expect(log.sort()).toEqual(["add default/c", "delete default/a", "update default/b"]);
    expect(c.watchOpts.at(-1)?.resourceVersion).toBe("8");

    // The watch call itself refusing with Gone also relists.
    const origWatch = c.watch.bind(c);
    let refused = false;
    c.watch = async (...a) => {
      if (!refused) {
        refused = true;
        throw errors.gone("too old");
      }
      return origWatch(...a);
    };
    c.endWatch!({}); // an empty watch that ended: re-watched after a short back-off
    await tick();
    await clock.advance(100);
    for (let i = 0; i < 5; i++) await tick();
    expect(c.listCalls).toBe(3);
  });

  it("backs off on repeated list failures: 100 ms doubling, capped at 5 s", async () => {
    const clock = new FakeClock();
    const c = new ScriptedClient();
    c.listError = new Error("connection refused");
    const { inf, errs } = startInformer(c, { clock });
    void inf.start();
    await tick();
    expect(c.listCalls).toBe(1);
    const callTimes: number[] = [];
    const t0 = clock.now();
    for (let i = 0; i < 10_000 && c.listCalls < 9; i++) {
      const before = c.listCalls;
      await clock.advance(10);
      if (c.listCalls > before) callTimes.push(clock.now() - t0);
    }
    // Gaps: 100, 200, 400, 800, 1600, 3200, 5000, 5000
    const gaps = callTimes.map((t, i) => t - (i === 0 ? 0 : callTimes[i - 1]!));
    expect(gaps).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(errs.length).toBe(9);
    expect(inf.hasSynced()).toBe(false);

    c.listError = undefined;
    await clock.advance(5000);
    expect(inf.hasSynced()).toBe(true);
    inf.stop();
  });

  it("resyncs every resyncMs with update(obj, obj)", async () => {
    const clock = new FakeClock();
    const c = new ScriptedClient();
    c.listResult.items = [obj("a", "1"), obj("b", "2")];
    const { inf } = startInformer(c, { clock, resyncMs: 1000 });
    const resyncs: string[] = [];
    inf.addEventHandler({ update: (o, n) => o === n && resyncs.push(n.metadata.name!) });
    await inf.start();
    await clock.advance(999);
    expect(resyncs).toEqual([]);
    await clock.advance(1);
    expect(resyncs.sort()).toEqual(["a", "b"]);
    await clock.advance(1000);
    expect(resyncs).toHaveLength(4);
    inf.stop();
    await clock.advance(5000);
    expect(resyncs).toHaveLength(4);
  });

  it("gives a handler added after sync an add for every cached object", async () => {
    const c = new ScriptedClient();
    c.listResult.items = [obj("a", "1"), obj("b", "2")];
    const { inf } = startInformer(c);
    await inf.start();
    const seen: string[] = [];
    inf.addEventHandler({ add: (o) => seen.push(o.metadata.name!) });
    expect(seen.sort()).toEqual(["a", "b"]);
  });

  it("stop() ends the watch and start() resolves even when stopped before syncing", async () => {
    const c = new ScriptedClient();
    c.listError = new Error("down");
    const { inf } = startInformer(c, { clock: new FakeClock() });
    const started = inf.start();
    inf.stop();
    await started;
    expect(inf.hasSynced()).toBe(false);
  });
});

describe("InformerFactory", () => {
  it("shares one informer per resource and startAll waits for every sync", async () => {
    const { client, writer } = await cluster("in-process");
    await writer.create(R.configmaps, "default", cm("a"));
    const f = new InformerFactory(client);
    cleanups.push(() => f.stopAll());
    const a = f.for(R.configmaps);
    expect(f.for(R.configmaps)).toBe(a);
    const ns = f.for(R.namespaces);
    expect(ns).not.toBe(a);
    await f.startAll();
    expect(a.hasSynced() && ns.hasSynced()).toBe(true);
    expect(a.lister.get("default", "a")).toBeDefined();
    expect(ns.lister.get(undefined, "other")).toBeDefined();
    expect(ns.lister.get("ignored-for-cluster-scoped", "default")).toBeDefined();
    f.stopAll();
    await writer.create(R.configmaps, "default", cm("late"));
    await new Promise((r) => setTimeout(r, 20));
    expect(a.lister.get("default", "late")).toBeUndefined();
  });
});

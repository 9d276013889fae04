// The behaviour every Store backend must show, as one vitest suite. A backend's
// test file calls runStoreContract with a factory; memory, sqlite and a future
// etcd backend all run exactly these cases. It lives with the test helpers
// because only test files run it; source never imports it.
import { afterEach, describe, expect, it } from "vitest";
import { isApiError, type ApiError } from "../../pkg/api/errors.js";
import type { KubeObject, WatchEvent } from "../../pkg/api/types.js";
import type { ObjectRef, Store } from "../../pkg/store/index.js";

export interface StoreFixture {
  store: Store;
  /** Close the store and open the same persistent state again (persistent backends only). */
  reopen?: () => Promise<Store>;
  /** Close whatever store is open and remove its state. */
  cleanup: () => Promise<void>;
}

export interface StoreFixtureOptions {
  /** Watch history size; the 410 case asks for a small one. */
  historySize?: number;
}

export function runStoreContract(name: string, makeStore: (opts: StoreFixtureOptions) => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture | undefined;
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });
    async function open(opts: StoreFixtureOptions = {}): Promise<Store> {
      fixture = await makeStore(opts);
      return fixture.store;
    }

    describe("CRUD", () => {
      it("creates, gets, updates and deletes an object", async () => {
        const s = await open();
        expect(await s.currentResourceVersion()).toBe("0");
        expect(await s.get(podRef("web"))).toBeUndefined();

        const created = await s.create(podRef("web"), pod("web", { image: "nginx:1" }));
        expect(created.metadata.resourceVersion).toBe("1");
        expect(created.spec).toEqual({ image: "nginx:1" });
        expect(await s.get(podRef("web"))).toEqual(created);

        const updated = await s.update(podRef("web"), pod("web", { image: "nginx:2" }));
        expect(updated.metadata.resourceVersion).toBe("2");
        expect((await s.get(podRef("web")))?.spec).toEqual({ image: "nginx:2" });

        const deleted = await s.delete(podRef("web"));
        expect(deleted.spec).toEqual({ image: "nginx:2" });
        expect(deleted.metadata.resourceVersion).toBe("3");
        expect(await s.get(podRef("web"))).toBeUndefined();
        expect(await s.currentResourceVersion()).toBe("3");
      });

      it("ignores a resourceVersion the caller put on the object and stamps its own", async () => {
        const s = await open();
        const obj = pod("a");
        obj.metadata.resourceVersion = "999";
        expect((await s.create(podRef("a"), obj)).metadata.resourceVersion).toBe("1");
        expect(obj.metadata.resourceVersion).toBe("999"); // the caller's object is untouched
      });

      it("refuses to create an existing key with AlreadyExists naming group and plural", async () => {
        const s = await open();
        await s.create(podRef("web"), pod("web"));
        const podErr = await rejection(s.create(podRef("web"), pod("web")));
        expect(podErr.reason).toBe("AlreadyExists");
        expect(podErr.httpStatus).toBe(409);
        expect(podErr.message).toBe('pods "web" already exists');

        await s.create(deployRef("web"), deploy("web"));
        const depErr = await rejection(s.create(deployRef("web"), deploy("web")));
        expect(depErr.message).toBe('deployments.apps "web" already exists');
        expect(depErr.details).toMatchObject({ group: "apps", kind: "deployments", name: "web" });

        const lease: ObjectRef = { resource: "coordination.k8s.io/leases", namespace: "kube-node-lease", name: "n1" };
        await s.create(lease, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n1" } });
        expect((await rejection(s.create(lease, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n1" } }))).message).toBe(
          'leases.coordination.k8s.io "n1" already exists',
        );
        expect(await s.currentResourceVersion()).toBe("3"); // failed writes consume no version
      });

      it("reports NotFound for update and delete of a missing key", async () => {
        const s = await open();
        const u = await rejection(s.update(podRef("ghost"), pod("ghost")));
        expect(u.reason).toBe("NotFound");
        expect(u.httpStatus).toBe(404);
        expect(u.message).toBe('pods "ghost" not found');
        const d = await rejection(s.delete(deployRef("ghost")));
        expect(d.reason).toBe("NotFound");
        expect(d.message).toBe('deployments.apps "ghost" not found');
        expect(await s.currentResourceVersion()).toBe("0");
      });

      it("keeps resources, namespaces and names apart", async () => {
        const s = await open();
        await s.create(podRef("x", "a"), pod("x", "pod-a", "a"));
        await s.create(podRef("x", "b"), pod("x", "pod-b", "b"));
        await s.create(deployRef("x", "a"), deploy("x", "a"));
        expect((await s.get(podRef("x", "a")))?.spec).toBe("pod-a");
        expect((await s.get(podRef("x", "b")))?.spec).toBe("pod-b");
        expect((await s.get(deployRef("x", "a")))?.kind).toBe("Deployment");
        expect(await s.get(deployRef("x", "b"))).toBeUndefined();
      });
    });

    describe("resourceVersion", () => {
      it("takes the next value for every create, update and delete, across resources", async () => {
        const s = await open();
        const seen: string[] = [];
        seen.push((await s.create(podRef("a"), pod("a"))).metadata.resourceVersion ?? "");
        seen.push((await s.create(deployRef("d"), deploy("d"))).metadata.resourceVersion ?? "");
        seen.push((await s.update(podRef("a"), pod("a", 2))).metadata.resourceVersion ?? "");
        seen.push((await s.delete(deployRef("d"))).metadata.resourceVersion ?? "");
        seen.push((await s.create(deployRef("d"), deploy("d"))).metadata.resourceVersion ?? "");
        expect(seen).toEqual(["1", "2", "3", "4", "5"]);
        expect(await s.currentResourceVersion()).toBe("5");
        expect((await s.list("pods")).resourceVersion).toBe("5");
      });

      it("rejects a stale expectedResourceVersion with Conflict and accepts the current one", async () => {
        const s = await open();
        const v1 = await s.create(podRef("a"), pod("a", 1));
        await s.update(podRef("a"), pod("a", 2), v1.metadata.resourceVersion);
        const stale = await rejection(s.update(podRef("a"), pod("a", 3), v1.metadata.resourceVersion));
        expect(stale.reason).toBe("Conflict");
        expect(stale.httpStatus).toBe(409);
        expect(stale.message).toContain('Operation cannot be fulfilled on pods "a"');
        expect((await s.get(podRef("a")))?.spec).toBe(2);

        const delStale = await rejection(s.delete(podRef("a"), "1"));
        expect(delStale.reason).toBe("Conflict");
        expect(await s.get(podRef("a"))).toBeDefined();
        await s.delete(podRef("a"), "2");
        expect(await s.get(podRef("a"))).toBeUndefined();
      });

      it("lets exactly one of two concurrent updates with the same expected version win", async () => {
        const s = await open();
        const base = await s.create(podRef("a"), pod("a", 0));
        const rv = base.metadata.resourceVersion;
        const results = await Promise.allSettled([s.update(podRef("a"), pod("a", "left"), rv), s.update(podRef("a"), pod("a", "right"), rv)]);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(isApiError(lost[0]?.reason, "Conflict")).toBe(true);
        const winner = (won[0] as PromiseFulfilledResult<KubeObject>).value;
        expect((await s.get(podRef("a")))?.spec).toBe(winner.spec);
      });
    });

    describe("copies", () => {
      it("never lets a caller reach the stored object", async () => {
        const s = await open();
        const input = pod("a", { image: "v1" });
        const created = await s.create(podRef("a"), input);
        (input.spec as { image: string }).image = "mutated-input";
        (created.spec as { image: string }).image = "mutated-result";
        const got = await s.get(podRef("a"));
        expect(got?.spec).toEqual({ image: "v1" });
        (got?.spec as { image: string }).image = "mutated-get";
        got!.metadata.labels = { hacked: "yes" };
        const listed = (await s.list("pods")).items[0];
        expect(listed?.spec).toEqual({ image: "v1" });
        expect(listed?.metadata.labels).toEqual({ app: "a" });
        (listed?.spec as { image: string }).image = "mutated-list";
        expect((await s.get(podRef("a")))?.spec).toEqual({ image: "v1" });
      });

      it("gives each watcher its own copy of an event", async () => {
        const s = await open();
        const first: WatchEvent[] = [];
        const second: WatchEvent[] = [];
        s.watch("pods", {}, (e) => {
          (e.object.spec as { image: string }).image = "mutated-by-watcher";
          first.push(e);
        });
        s.watch("pods", {}, (e) => second.push(e));
        await s.create(podRef("a"), pod("a", { image: "v1" }));
        expect(first).toHaveLength(1);
        expect(second[0]?.object.spec).toEqual({ image: "v1" });
        expect((await s.get(podRef("a")))?.spec).toEqual({ image: "v1" });
      });
    });

    describe("list", () => {
      it("sorts by namespace then name, filters by namespace and separates resources", async () => {
        const s = await open();
        for (const [ns, n] of [["zeta", "b"], ["alpha", "z"], ["zeta", "a"], ["alpha", "a"], ["mid", "m"]] as const) {
          await s.create(podRef(n, ns), pod(n, undefined, ns));
        }
        await s.create(deployRef("a", "alpha"), deploy("a", "alpha"));
        const all = await s.list("pods");
        expect(all.items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(["alpha/a", "alpha/z", "mid/m", "zeta/a", "zeta/b"]);
        expect(all.resourceVersion).toBe("6");
        const zeta = await s.list("pods", { namespace: "zeta" });
        expect(zeta.items.map((o) => o.metadata.name)).toEqual(["a", "b"]);
        expect((await s.list("pods", { namespace: "nowhere" })).items).toEqual([]);
        expect((await s.list("apps/deployments")).items.map((o) => o.metadata.name)).toEqual(["a"]);
        expect((await s.list("services")).items).toEqual([]);
      });

      it("lists cluster-scoped objects under namespace \"\"", async () => {
        const s = await open();
        const node = (n: string): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name: n } });
        await s.create({ resource: "nodes", namespace: "", name: "n2" }, node("n2"));
        await s.create({ resource: "nodes", namespace: "", name: "n1" }, node("n1"));
        expect((await s.list("nodes")).items.map((o) => o.metadata.name)).toEqual(["n1", "n2"]);
        expect((await s.list("nodes", { namespace: "" })).items).toHaveLength(2);
      });
    });

    describe("watch", () => {
      it("delivers live events in order, synchronously with the write, for its resource only", async () => {
        const s = await open();
        const events: Array<[string, string, unknown, string | undefined]> = [];
        s.watch("pods", {}, (e) => events.push([e.type, e.object.metadata.name ?? "", e.object.spec, e.object.metadata.resourceVersion]));
        await s.create(podRef("a"), pod("a", 1));
        expect(events).toHaveLength(1); // delivered before the write's promise settled
        await s.create(deployRef("d"), deploy("d"));
        await s.update(podRef("a"), pod("a", 2));
        await s.create(podRef("b"), pod("b", 1));
        await s.delete(podRef("a"));
        expect(events).toEqual([
          ["ADDED", "a", 1, "1"],
          ["MODIFIED", "a", 2, "3"],
          ["ADDED", "b", 1, "4"],
          ["DELETED", "a", 2, "5"],
        ]);
      });

      it("filters by namespace", async () => {
        const s = await open();
        const names: string[] = [];
        s.watch("pods", { namespace: "a" }, (e) => names.push(e.object.metadata.name ?? ""));
        await s.create(podRef("in-a", "a"), pod("in-a", 0, "a"));
        await s.create(podRef("in-b", "b"), pod("in-b", 0, "b"));
        await s.create(podRef("in-a-2", "a"), pod("in-a-2", 0, "a"));
        expect(names).toEqual(["in-a", "in-a-2"]);
      });

      it("starts at the present for resourceVersion \"0\" or none", async () => {
        const s = await open();
        await s.create(podRef("old"), pod("old"));
        const fromZero: string[] = [];
        const fromNone: string[] = [];
        s.watch("pods", { resourceVersion: "0" }, (e) => fromZero.push(e.object.metadata.name ?? ""));
        s.watch("pods", {}, (e) => fromNone.push(e.object.metadata.name ?? ""));
        await s.create(podRef("new"), pod("new"));
        expect(fromZero).toEqual(["new"]);
        expect(fromNone).toEqual(["new"]);
      });

      it("replays every retained event after a past version, then continues live", async () => {
        const s = await open();
        await s.create(podRef("a"), pod("a", 1)); // 1
        await s.create(podRef("b", "other"), pod("b", 1, "other")); // 2
        await s.update(podRef("a"), pod("a", 2)); // 3
        await s.create(deployRef("d"), deploy("d")); // 4
        await s.delete(podRef("a")); // 5
        const all: string[] = [];
        const inDefault: string[] = [];
        const fmt = (e: WatchEvent) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`;
        s.watch("pods", { resourceVersion: "1" }, (e) => all.push(fmt(e)));
        s.watch("pods", { resourceVersion: "1", namespace: "default" }, (e) => inDefault.push(fmt(e)));
        expect(all).toEqual(["ADDED b 2", "MODIFIED a 3", "DELETED a 5"]); // replayed before watch() returned
        await s.create(podRef("c"), pod("c")); // 6
        expect(all).toEqual(["ADDED b 2", "MODIFIED a 3", "DELETED a 5", "ADDED c 6"]);
        expect(inDefault).toEqual(["MODIFIED a 3", "DELETED a 5", "ADDED c 6"]);

        const fromNow: string[] = [];
        s.watch("pods", { resourceVersion: await s.currentResourceVersion() }, (e) => fromNow.push(fmt(e)));
        expect(fromNow).toEqual([]);
      });

      it("waits for a version newer than the current one", async () => {
        const s = await open();
        await s.create(podRef("a"), pod("a")); // 1
        const names: string[] = [];
        s.watch("pods", { resourceVersion: "2" }, (e) => names.push(`${e.object.metadata.name}@${e.object.metadata.resourceVersion}`));
        await s.create(podRef("b"), pod("b")); // 2: not after 2
        await s.create(podRef("c"), pod("c")); // 3
        expect(names).toEqual(["c@3"]);
      });

      it("answers 410 Gone for a version older than the retained history", async () => {
        const s = await open({ historySize: 3 });
        for (const n of ["a", "b", "c", "d", "e"]) await s.create(podRef(n), pod(n)); // 1..5; ring keeps 3..5
        const err = catchSync(() => s.watch("pods", { resourceVersion: "1" }, () => {}));
        expect(isApiError(err, "Gone")).toBe(true);
        expect((err as ApiError).httpStatus).toBe(410);
        expect((err as ApiError).message).toBe("too old resource version: 1 (2)");
        // The oldest resumable version still works and replays everything after it.
        const names: string[] = [];
        const w = s.watch("pods", { resourceVersion: "2" }, (e) => names.push(e.object.metadata.name ?? ""));
        expect(names).toEqual(["c", "d", "e"]);
        w.stop();
        // History is per store, across resources: deployments push pods out too.
        for (const n of ["x", "y", "z"]) await s.create(deployRef(n), deploy(n)); // 6..8
        expect(isApiError(catchSync(() => s.watch("pods", { resourceVersion: "4" }, () => {})), "Gone")).toBe(true);
      });

      it("rejects a resourceVersion that is not a number with BadRequest", async () => {
        const s = await open();
        expect(isApiError(catchSync(() => s.watch("pods", { resourceVersion: "abc" }, () => {})), "BadRequest")).toBe(true);
      });

      it("keeps writes and other watchers working when a handler throws", async () => {
        const s = await open();
        const thrower: string[] = [];
        const other: string[] = [];
        s.watch("pods", {}, (e) => {
          thrower.push(e.object.metadata.name ?? "");
          throw new Error("handler bug");
        });
        s.watch("pods", {}, (e) => other.push(e.object.metadata.name ?? ""));
        const a = await s.create(podRef("a"), pod("a"));
        expect(a.metadata.resourceVersion).toBe("1");
        await s.update(podRef("a"), pod("a", 2));
        expect(thrower).toEqual(["a", "a"]);
        expect(other).toEqual(["a", "a"]);
        expect((await s.get(podRef("a")))?.spec).toBe(2);
      });

      it("stops delivering after stop(), which is idempotent and works from inside a handler", async () => {
        const s = await open();
        const names: string[] = [];
        const w = s.watch("pods", {}, (e) => names.push(e.object.metadata.name ?? ""));
        await s.create(podRef("a"), pod("a"));
        w.stop();
        w.stop();
        await s.create(podRef("b"), pod("b"));
        expect(names).toEqual(["a"]);

        const once: string[] = [];
        const self = s.watch("pods", {}, (e) => {
          once.push(e.object.metadata.name ?? "");
          self.stop();
        });
        await s.create(podRef("c"), pod("c"));
        await s.create(podRef("d"), pod("d"));
        expect(once).toEqual(["c"]);
      });

      it("carries the deleted object with the deletion's version", async () => {
        const s = await open();
        await s.create(podRef("a"), pod("a", { image: "x" }));
        const events: WatchEvent[] = [];
        s.watch("pods", {}, (e) => events.push(e));
        const returned = await s.delete(podRef("a"));
        expect(events).toHaveLength(1);
        expect(events[0]?.type).toBe("DELETED");
        expect(events[0]?.object).toEqual(returned);
        expect(events[0]?.object.metadata).toMatchObject({ name: "a", namespace: "default", labels: { app: "a" }, resourceVersion: "2" });
        expect(events[0]?.object.spec).toEqual({ image: "x" });
      });

      it("keeps every watcher in version order when a handler writes", async () => {
        const s = await open();
        let reaction: Promise<unknown> | undefined;
        s.watch("pods", {}, (e) => {
          // A reconciler-like handler reacting to an ADDED with a write of its own.
          if (e.type === "ADDED" && e.object.metadata.name === "a") reaction = s.update(podRef("a"), pod("a", "touched"));
        });
        const seen: number[] = [];
        s.watch("pods", {}, (e) => seen.push(Number(e.object.metadata.resourceVersion)));
        await s.create(podRef("a"), pod("a"));
        await reaction;
        await s.create(podRef("b"), pod("b"));
        expect(seen).toEqual([1, 2, 3]);
        expect((await s.get(podRef("a")))?.spec).toBe("touched");
      });
    });

    describe("persistence", () => {
      it("keeps every object and the counter across a reopen, then continues the sequence", async (ctx) => {
        const f = (fixture = await makeStore({}));
        if (!f.reopen) return ctx.skip();
        let s = f.store;
        await s.create(podRef("a"), pod("a", 1)); // 1
        await s.create(deployRef("d", "x"), deploy("d", "x")); // 2
        await s.update(podRef("a"), pod("a", 2)); // 3
        await s.create(podRef("gone"), pod("gone")); // 4
        await s.delete(podRef("gone")); // 5: a delete alone must advance the stored counter
        const before = { pods: await s.list("pods"), deploys: await s.list("apps/deployments") };
        s = await f.reopen();
        expect(await s.currentResourceVersion()).toBe("5");
        expect(await s.list("pods")).toEqual(before.pods);
        expect(await s.list("apps/deployments")).toEqual(before.deploys);
        expect((await s.create(podRef("next"), pod("next"))).metadata.resourceVersion).toBe("6");
      });
    });
  });
}

// ---- fixtures -------------------------------------------------------------------

function podRef(name: string, namespace = "default"): ObjectRef {
  return { resource: "pods", namespace, name };
}

function deployRef(name: string, namespace = "default"): ObjectRef {
  return { resource: "apps/deployments", namespace, name };
}

function pod(name: string, spec: unknown = {}, namespace = "default"): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels: { app: name } }, spec };
}

function deploy(name: string, namespace = "default"): KubeObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace }, spec: { replicas: 1 } };
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (isApiError(err)) return err;
    throw err;
  }
  throw new Error("expected the store call to fail");
}

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to throw");
}

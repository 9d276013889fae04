// The shared Store contract on etcd: the same cases memory and sqlite pass,
// against a real etcd (Debian's etcd-server) that this file starts and stops.
// Each case gets its own key prefix, i.e. its own cluster inside one etcd.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStoreContract } from "../helpers/store-contract.js";
import { EtcdStore, openStore, parseEtcdSpec } from "../../pkg/store/index.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { etcdAvailable, startEtcd, type TestEtcd } from "../helpers/etcd.js";

const available = etcdAvailable();
let etcd: TestEtcd | undefined;
let prefixes = 0;

beforeAll(async () => {
  if (available) etcd = await startEtcd();
}, 60_000);
afterAll(async () => {
  await etcd?.stop();
});

const podRef = (name: string, namespace = "default") => ({ resource: "pods", namespace, name });
const pod = (name: string, spec: unknown = {}, namespace = "default"): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec });

describe.skipIf(!available)("etcd store", () => {
  runStoreContract("etcd", async (opts) => {
    const prefix = `/contract-${++prefixes}`;
    const open = () => EtcdStore.open({ endpoints: [etcd!.endpoint], prefix, ...opts });
    let current = await open();
    return {
      store: current,
      reopen: async () => {
        await current.close();
        current = await open();
        return current;
      },
      cleanup: () => current.close(),
    };
  });

  describe("etcd specifics", () => {
    it("is what openStore(\"etcd://…?prefix=…\") returns, and parses endpoint lists", async () => {
      const s = await openStore(`${etcd!.spec}?prefix=/spec-test`);
      try {
        expect(s).toBeInstanceOf(EtcdStore);
        expect((s as EtcdStore).prefix).toBe("/spec-test");
        await s.create(podRef("a"), pod("a"));
        expect((await s.get(podRef("a")))?.metadata.resourceVersion).toBe("1");
      } finally {
        await s.close();
      }
      expect(parseEtcdSpec("etcd://10.0.0.1:2379,10.0.0.2:2379")).toEqual({ endpoints: ["10.0.0.1:2379", "10.0.0.2:2379"], prefix: "" });
      expect(() => parseEtcdSpec("etcd://h:2379?foo=1")).toThrow(/unknown option "foo"/);
      expect(() => parseEtcdSpec("etcd://nohostport")).toThrow(/not host:port/);
    });

    it("fails to open with the endpoint named when nothing answers", async () => {
      await expect(EtcdStore.open({ endpoints: ["127.0.0.1:1"], prefix: "/none", dialTimeoutMs: 500 })).rejects.toThrow(/cannot open etcd store at 127\.0\.0\.1:1/);
    }, 30_000);

    it("shows two stores over one prefix each other's writes, in one version order, with CAS between them", async () => {
      const prefix = "/shared-two";
      const a = await EtcdStore.open({ endpoints: [etcd!.endpoint], prefix });
      const b = await EtcdStore.open({ endpoints: [etcd!.endpoint], prefix });
      try {
        const seenByB: string[] = [];
        b.watch("pods", {}, (e) => seenByB.push(`${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`));
        const created = await a.create(podRef("x"), pod("x", 1));
        const fromB = await b.get(podRef("x"));
        expect(fromB).toEqual(created);
        // Both read the same version; only one CAS wins.
        const rv = created.metadata.resourceVersion;
        const results = await Promise.allSettled([a.update(podRef("x"), pod("x", "a"), rv), b.update(podRef("x"), pod("x", "b"), rv)]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        await expect(b.create(podRef("x"), pod("x"))).rejects.toMatchObject({ reason: "AlreadyExists" });
        const gone = await b.delete(podRef("x"));
        await waitFor(() => seenByB.length === 3);
        expect(seenByB[0]).toBe(`ADDED x@${rv}`);
        expect(seenByB[2]).toBe(`DELETED x@${gone.metadata.resourceVersion}`);
        // A writes, B's list and A's current version agree.
        expect(await a.currentResourceVersion()).toBe((await b.list("pods")).resourceVersion);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it("lists more objects than one page, in namespace/name order", async () => {
      const s = await EtcdStore.open({ endpoints: [etcd!.endpoint], prefix: "/paging" });
      try {
        const names: Array<[string, string]> = [];
        await Promise.all(
          Array.from({ length: 1200 }, (_, i) => {
            const ns = i % 2 === 0 ? "default" : "default-x";
            const name = `p${String(i).padStart(4, "0")}`;
            names.push([ns, name]);
            return s.create(podRef(name, ns), pod(name, {}, ns));
          }),
        );
        const all = await s.list("pods");
        expect(all.items).toHaveLength(1200);
        const byNamespaceThenName = names.sort(([n1, a], [n2, b]) => (n1 === n2 ? (a < b ? -1 : 1) : n1 < n2 ? -1 : 1));
        expect(all.items.map((o) => [o.metadata.namespace, o.metadata.name])).toEqual(byNamespaceThenName);
        expect(all.items[0]?.metadata.namespace).toBe("default"); // before "default-x", unlike etcd's byte order of the keys
        expect((await s.list("pods", { namespace: "default-x" })).items).toHaveLength(600);
      } finally {
        await s.close();
      }
    }, 60_000);

    it("keeps resources whose names nest apart (apps vs apps/deployments)", async () => {
      const s = await EtcdStore.open({ endpoints: [etcd!.endpoint], prefix: "/nesting" });
      try {
        await s.create({ resource: "apps/deployments", namespace: "default", name: "web" }, pod("web"));
        await s.create({ resource: "apps", namespace: "default", name: "odd" }, pod("odd"));
        expect((await s.list("apps")).items.map((o) => o.metadata.name)).toEqual(["odd"]);
        expect((await s.list("apps/deployments")).items.map((o) => o.metadata.name)).toEqual(["web"]);
      } finally {
        await s.close();
      }
    });
  });
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

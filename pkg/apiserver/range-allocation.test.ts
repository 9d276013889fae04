// Exact addresses below assume the default address block (no listeners are opened here).
process.env.SKIFF_ADDRESS_BLOCK = "0";
// Shared allocation pools: several registries over one store (as several API
// servers over one etcd) never hand out the same service IP, node port or pod
// CIDR, and values come back when their object is gone or never got stored.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryStore } from "../store/memory.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { isApiError } from "../api/errors.js";
import { Registry, newContext, type AdmissionPlugin } from "./registry.js";
import { RangeAllocator } from "./range-allocation.js";

const svc = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});
const node = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name } });
type Spec = { clusterIP: string; ports: Array<{ nodePort?: number }>; podCIDR?: string };
const specOf = (o: KubeObject) => o.spec as Spec;

describe("shared allocation pools", () => {
  let store: MemoryStore;
  let a: Registry;
  let b: Registry;
  beforeEach(async () => {
    store = new MemoryStore();
    a = new Registry(store);
    b = new Registry(store);
    await a.bootstrap();
    await b.bootstrap();
  });
  afterEach(async () => {
    a.close();
    b.close();
    await store.close();
  });

  it("gives services created concurrently through two registries distinct IPs and node ports", async () => {
    const made = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).create(R.services, "default", svc(`s${i}`, { type: "NodePort" }), newContext())),
    );
    expect(new Set(made.map((m) => specOf(m).clusterIP)).size).toBe(30);
    expect(new Set(made.map((m) => specOf(m).ports[0]?.nodePort)).size).toBe(30);
    // The pool records exactly what the services hold.
    const claims = await new RangeAllocator(store, "services", { seed: async () => [] }).claims();
    expect(Object.keys(claims)).toHaveLength(60);
    for (const m of made) expect(claims[`ip:${specOf(m).clusterIP}`]?.owner).toBe(`default/${m.metadata.name}#${m.metadata.uid}`);
  });

  it("gives nodes registered concurrently through two registries distinct pod CIDRs", async () => {
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).create(R.nodes, undefined, node(`n${i}`), newContext())));
    const cidrs = made.map((n) => specOf(n).podCIDR);
    expect(new Set(cidrs).size).toBe(20);
    // Deleting one frees its range at once for the registry that deleted it.
    const first = made.find((n) => specOf(n).podCIDR === "127.128.0.0/24")!;
    await a.delete(R.nodes, undefined, first.metadata.name!, {}, newContext());
    expect(specOf(await a.create(R.nodes, undefined, node("late"), newContext())).podCIDR).toBe("127.128.0.0/24");
  });

  it("frees a value at once when its service is deleted, and never claims for a dry run", async () => {
    const s1 = await a.create(R.services, "default", svc("one"), newContext());
    const dry = await b.create(R.services, "default", svc("dry"), newContext({ dryRun: true }));
    expect(specOf(dry).clusterIP).not.toBe(specOf(s1).clusterIP);
    const s2 = await b.create(R.services, "default", svc("two"), newContext());
    expect(specOf(s2).clusterIP).toBe(specOf(dry).clusterIP); // the dry run held nothing
    await a.delete(R.services, "default", "one", {}, newContext());
    const s3 = await a.create(R.services, "default", svc("three"), newContext());
    expect(specOf(s3).clusterIP).toBe(specOf(s1).clusterIP);
  });

  it("gives back what a create claimed when admission refuses it", async () => {
    let refuse = true;
    const gate: AdmissionPlugin = {
      name: "gate",
      admit: (x) => {
        if (refuse && x.info.kind === "Service" && x.operation === "CREATE") throw new Error("refused by test");
      },
    };
    const gated = new Registry(store, { admission: [gate] });
    try {
      await expect(gated.create(R.services, "default", svc("x", { type: "NodePort" }), newContext())).rejects.toThrow(/refused by test/);
      refuse = false;
      const ok = await a.create(R.services, "default", svc("y", { type: "NodePort" }), newContext());
      expect(specOf(ok).clusterIP).toBe("127.96.0.2");
      expect(specOf(ok).ports[0]?.nodePort).toBe(30000);
    } finally {
      gated.close();
    }
  });

  it("keeps an updated service's old values claimed when the update fails, and frees them when it succeeds", async () => {
    const s = await a.create(R.services, "default", svc("s", { clusterIP: "127.96.1.1" }), newContext());
    const stale = structuredClone(s);
    await a.update(R.services, "default", "s", { ...structuredClone(s), metadata: { ...s.metadata, labels: { v: "2" } } }, newContext());
    // A PUT with an old resourceVersion moving the service to another IP: Conflict, and 127.96.1.1 stays taken.
    const move = { ...stale, spec: { ...stale.spec!, clusterIP: "127.96.1.2", clusterIPs: ["127.96.1.2"] } } as KubeObject;
    await expect(b.update(R.services, "default", "s", move, newContext())).rejects.toSatisfy((e: unknown) => isApiError(e, "Conflict"));
    await expect(b.create(R.services, "default", svc("t", { clusterIP: "127.96.1.1" }), newContext())).rejects.toThrow(/already allocated/);
    expect(specOf(await b.create(R.services, "default", svc("u", { clusterIP: "127.96.1.2" }), newContext())).clusterIP).toBe("127.96.1.2");
  });

  it("takes a value another allocator freed when its own view says the pool is full or the value taken", async () => {
    const seed = async () => [] as Array<[string, string]>;
    const one = new RangeAllocator(store, "tiny", { seed });
    const two = new RangeAllocator(store, "tiny", { seed });
    const pickFrom = (range: string[]) => (taken: ReadonlySet<string>) => {
      const free = range.find((v) => !taken.has(v));
      if (!free) throw new Error("range is full");
      return { values: [free], result: free };
    };
    const range = ["v0", "v1", "v2"];
    for (const o of ["a", "b", "c"]) await one.claim(o, pickFrom(range));
    await expect(two.claim("d", pickFrom(range))).rejects.toThrow(/range is full/); // two's view: full
    await one.release("b", ["v1"]);
    expect(await two.claim("d", pickFrom(range))).toBe("v1"); // stale "full" → looked again
    // Both pick the same "free" value from stale views: the store lets only one have it.
    await one.release("a", ["v0"]);
    await one.release("c", ["v2"]);
    const [x, y] = await Promise.all([one.claim("x", pickFrom(range)), two.claim("y", pickFrom(range))]);
    expect(x).not.toBe(y);
    expect(Object.keys(await one.claims()).sort()).toEqual(["v0", "v1", "v2"]);
  });

  it("repairs claims a crashed writer left behind once they are older than the grace period", async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = () => new Date(now);
    const services: KubeObject[] = [];
    const pool = new RangeAllocator(store, "test-pool", { clock, graceMs: 60_000, repairEveryMs: 1000, seed: async () => services.map((o) => [String(o.spec), o.metadata.name!]) });
    const pick = (taken: ReadonlySet<string>) => {
      for (let i = 0; ; i++) if (!taken.has(`v${i}`)) return { values: [`v${i}`], result: `v${i}` };
    };
    expect(await pool.claim("crashed", pick)).toBe("v0"); // its object never gets written
    // Meanwhile an object holding v1 was stored by an older skiff that kept no pool.
    services.push({ apiVersion: "v1", kind: "X", metadata: { name: "live" }, spec: "v1" });
    now += 2000; // past repairEveryMs, within the grace period
    expect(await pool.claim("other", pick)).toBe("v2"); // v0 is still in grace; v1 was added by the repair
    services.push({ apiVersion: "v1", kind: "X", metadata: { name: "other" }, spec: "v2" });
    now += 61_000;
    expect(await pool.claim("third", pick)).toBe("v0"); // repaired: the crashed claim is gone
    expect(Object.keys(await pool.claims()).sort()).toEqual(["v0", "v1", "v2"]);
  });
});

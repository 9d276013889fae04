import { describe, expect, it } from "vitest";
import { runStoreContract } from "../../test/helpers/store-contract.js";
import { openStore } from "./index.js";
import { MemoryStore } from "./memory.js";

runStoreContract("memory", async (opts) => {
  const store = new MemoryStore(opts);
  return { store, cleanup: () => store.close() };
});

describe("MemoryStore", () => {
  it("is what openStore(\"memory\") returns", async () => {
    const s = await openStore("memory");
    expect(s).toBeInstanceOf(MemoryStore);
    await s.close();
  });

  it("refuses unknown store specs with the forms it understands", async () => {
    await expect(openStore("postgres://x")).rejects.toThrow(/unknown store spec "postgres:\/\/x": use "memory", "sqlite:\/path\/to\/skiff.db" or "etcd:\/\/127.0.0.1:2379"/);
    await expect(openStore("sqlite:")).rejects.toThrow(/no file path/);
    await expect(openStore("etcd://")).rejects.toThrow(/names no etcd endpoint/);
    await expect(openStore("etcd://127.0.0.1:2379?prefix=skiff")).rejects.toThrow(/prefix must start with/);
  });

  it("refuses use after close", async () => {
    const s = new MemoryStore();
    await s.close();
    await expect(s.get({ resource: "pods", namespace: "", name: "x" })).rejects.toThrow(/closed/);
    expect(() => s.watch("pods", {}, () => {})).toThrow(/closed/);
  });

  it("creates 10 000 pods from 50 concurrent writers quickly and keeps versions dense", async () => {
    const s = new MemoryStore();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 50 }, async (_, w) => {
        for (let i = 0; i < 200; i++) {
          const name = `p-${w}-${i}`;
          await s.create(
            { resource: "pods", namespace: "default", name },
            { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { containers: [{ name: "c", image: "nginx" }] } },
          );
        }
      }),
    );
    const ms = performance.now() - start;
    const list = await s.list("pods");
    expect(list.items).toHaveLength(10_000);
    expect(list.resourceVersion).toBe("10000");
    expect(new Set(list.items.map((o) => o.metadata.resourceVersion)).size).toBe(10_000);
    expect(ms).toBeLessThan(2_000); // ~100 ms here; generous for slow CI
  });
});

// Exact addresses below assume the default address block (no listeners are opened here).
process.env.SKIFF_ADDRESS_BLOCK = "0";
import { describe, expect, it } from "vitest";
import { allocatePodCidr, cidrAt, indexOfCidr } from "./node-ipam.js";
import { openStore } from "../store/index.js";
import { Registry, newContext } from "./registry.js";
import { R } from "../api/kinds.js";

describe("node IPAM", () => {
  it("maps indices to /24s inside 127.128.0.0/10 and back", () => {
    expect(cidrAt(0)).toBe("127.128.0.0/24");
    expect(cidrAt(257)).toBe("127.129.1.0/24");
    expect(cidrAt(64 * 256 - 1)).toBe("127.191.255.0/24");
    expect(indexOfCidr("127.129.1.0/24")).toBe(257);
    expect(indexOfCidr("10.0.0.0/24")).toBeUndefined();
  });
  it("allocates the lowest free range", () => {
    expect(allocatePodCidr(["127.128.0.0/24", "127.128.2.0/24"])).toBe("127.128.1.0/24");
  });
  it("gives every new Node a distinct pod CIDR and keeps one a node brings", async () => {
    const store = await openStore("memory");
    const registry = new Registry(store);
    const cidrs = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const n = await registry.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: `n${i}` } }, newContext());
      cidrs.add((n.spec as { podCIDR: string }).podCIDR);
    }
    expect(cidrs.size).toBe(20);
    const own = await registry.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "own" }, spec: { podCIDR: "127.190.0.0/24" } }, newContext());
    expect((own.spec as { podCIDR: string }).podCIDR).toBe("127.190.0.0/24");
    await store.close();
  });
});

describe("node IPAM under concurrency", () => {
  it("never gives two nodes created at the same time the same range", async () => {
    const store = await openStore("memory");
    const registry = new Registry(store);
    const nodes = await Promise.all(
      Array.from({ length: 30 }, (_, i) => registry.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: `c${i}` } }, newContext())),
    );
    expect(new Set(nodes.map((n) => (n.spec as { podCIDR: string }).podCIDR)).size).toBe(30);
    await store.close();
  });
});

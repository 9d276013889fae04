import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Balancer, endpointKey, leastConnectionsIndex, roundRobinIndex, type Endpoint } from "./balancer.js";

const eps = (n: number): Endpoint[] =>
  Array.from({ length: n }, (_, i) => ({ key: endpointKey(`127.128.0.${i + 1}`, 8080), ip: `127.128.0.${i + 1}`, port: 8080 }));

describe("roundRobinIndex / leastConnectionsIndex", () => {
  it("round-robin skips excluded candidates and gives -1 when all are excluded", () => {
    expect(roundRobinIndex(3, 1, (i) => i === 1)).toBe(2);
    expect(roundRobinIndex(3, 2, (i) => i === 2)).toBe(0);
    expect(roundRobinIndex(3, 0, () => true)).toBe(-1);
  });

  it("least-connections picks a minimum, breaking ties from the cursor", () => {
    expect(leastConnectionsIndex([3, 1, 2], 0, () => false)).toBe(1);
    expect(leastConnectionsIndex([1, 1, 1], 2, () => false)).toBe(2);
    expect(leastConnectionsIndex([0, 5], 0, (i) => i === 0)).toBe(1);
  });
});

describe("Balancer", () => {
  it("round-robin: k·n picks over n endpoints give each exactly k (any n, k, starting state)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 30 }), (n, k, warm) => {
        const b = new Balancer();
        b.setEndpoints(eps(n));
        for (let i = 0; i < warm; i++) b.pick();
        const counts = new Map<string, number>();
        for (let i = 0; i < k * n; i++) {
          const e = b.pick()!;
          counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
        }
        expect(counts.size).toBe(n);
        for (const c of counts.values()) expect(c).toBe(k);
      }),
    );
  });

  it("round-robin stays even (max-min ≤ 1) across endpoint set changes", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 50 }), (sizes, picks) => {
        const b = new Balancer();
        for (const n of sizes) {
          b.setEndpoints(eps(n));
          const counts = new Map<string, number>(eps(n).map((e) => [e.key, 0]));
          for (let i = 0; i < picks; i++) {
            const e = b.pick()!;
            counts.set(e.key, counts.get(e.key)! + 1);
          }
          const vals = [...counts.values()];
          expect(Math.max(...vals) - Math.min(...vals)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it("least-connections: every pick has the fewest active connections; counts never go negative", () => {
    type Op = { kind: "open" } | { kind: "close"; which: number };
    const op: fc.Arbitrary<Op> = fc.oneof(fc.constant({ kind: "open" as const }), fc.record({ kind: fc.constant("close" as const), which: fc.nat() }));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (n, ops) => {
        const b = new Balancer({ algorithm: "least-connections" });
        const list = eps(n);
        b.setEndpoints(list);
        const open: string[] = [];
        for (const o of ops) {
          if (o.kind === "open") {
            const min = Math.min(...list.map((e) => b.active(e.key)));
            const e = b.pick()!;
            expect(b.active(e.key)).toBe(min);
            b.acquire(e.key);
            open.push(e.key);
          } else if (open.length > 0) {
            const [key] = open.splice(o.which % open.length, 1);
            b.release(key);
          }
          for (const e of list) expect(b.active(e.key)).toBeGreaterThanOrEqual(0);
          expect(list.reduce((s, e) => s + b.active(e.key), 0)).toBe(open.length);
        }
      }),
    );
  });

  it("least-connections with only opens keeps the spread at most 1", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 100 }), (n, opens) => {
        const b = new Balancer({ algorithm: "least-connections" });
        const list = eps(n);
        b.setEndpoints(list);
        for (let i = 0; i < opens; i++) b.acquire(b.pick()!.key);
        const counts = list.map((e) => b.active(e.key));
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("exclusion skips endpoints that refused, and gives up when none is left", () => {
    const b = new Balancer();
    const list = eps(3);
    b.setEndpoints(list);
    const tried = new Set([list[0].key, list[1].key]);
    for (let i = 0; i < 5; i++) expect(b.pick(undefined, tried)!.key).toBe(list[2].key);
    tried.add(list[2].key);
    expect(b.pick(undefined, tried)).toBeUndefined();
    b.setEndpoints([]);
    expect(b.pick()).toBeUndefined();
  });

  it("ClientIP affinity pins a client until the timeout after its last connection", () => {
    let now = 0;
    const b = new Balancer({ affinityTimeoutMs: 10_000, now: () => now });
    b.setEndpoints(eps(3));
    const first = b.pick("10.0.0.1")!;
    for (let i = 0; i < 10; i++) {
      now += 9_000; // each use refreshes the pin
      expect(b.pick("10.0.0.1")!.key).toBe(first.key);
    }
    // Other clients still rotate.
    const others = new Set([b.pick("10.0.0.2")!.key, b.pick("10.0.0.3")!.key, b.pick("10.0.0.4")!.key]);
    expect(others.size).toBe(3);
    now += 10_001;
    const after = new Set(Array.from({ length: 3 }, () => b.pick("10.0.0.1")!.key));
    expect(after.size).toBe(1); // re-pinned (to whichever came next), still sticky
  });

  it("a pinned endpoint that left the ready set (or refused) is replaced", () => {
    const b = new Balancer({ affinityTimeoutMs: 60_000, now: () => 0 });
    const list = eps(3);
    b.setEndpoints(list);
    const pinned = b.pick("c")!;
    expect(b.pick("c", new Set([pinned.key]))!.key).not.toBe(pinned.key);
    b.setEndpoints(list.filter((e) => e.key !== pinned.key));
    const moved = b.pick("c")!;
    expect(moved.key).not.toBe(pinned.key);
    expect(b.pick("c")!.key).toBe(moved.key);
  });

  it("without affinity a client IP changes nothing", () => {
    const b = new Balancer();
    b.setEndpoints(eps(2));
    expect(b.pick("x")!.key).not.toBe(b.pick("x")!.key);
  });
});

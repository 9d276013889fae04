import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry } from "./registry.js";
import { buildApiServer } from "./server.js";
import { StaticTokenAuthenticator } from "./auth.js";
import { rateLimitFromEnv, TokenBuckets, type RateLimitOptions } from "./rate-limit.js";

describe("TokenBuckets", () => {
  it("allows a burst, then the sustained rate, per key", () => {
    let now = 0;
    const b = new TokenBuckets({ ratePerSecond: 2, burst: 3, now: () => now });
    expect([b.take("a"), b.take("a"), b.take("a")]).toEqual([0, 0, 0]);
    expect(b.take("a")).toBe(1); // empty: a token in 0.5 s, rounded up to 1 s
    expect(b.take("b")).toBe(0); // another client has its own bucket
    now += 500;
    expect(b.take("a")).toBe(0);
    expect(b.take("a")).toBeGreaterThan(0);
    now += 10_000;
    expect([b.take("a"), b.take("a"), b.take("a"), b.take("a")]).toEqual([0, 0, 0, 1]); // refills only up to the burst
  });
  it("forgets the least recently seen clients beyond maxClients", () => {
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 1, now: () => 0, maxClients: 2 });
    b.take("a");
    b.take("b");
    b.take("c"); // evicts a: a's next request starts with a full bucket
    expect(b.take("a")).toBe(0);
    expect(b.take("c")).toBeGreaterThan(0);
  });
  it("reads SKIFF_API_RATE_LIMIT", () => {
    expect(rateLimitFromEnv({ SKIFF_API_RATE_LIMIT: "50:100" })).toEqual({ ratePerSecond: 50, burst: 100 });
    expect(rateLimitFromEnv({ SKIFF_API_RATE_LIMIT: "off" })).toBe(false);
    expect(rateLimitFromEnv({})).toBeUndefined();
  });
});

describe("API server rate limit", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;

  async function start(rateLimit?: RateLimitOptions | false): Promise<string> {
    store = await openStore("memory");
    registry = new Registry(store);
    await registry.bootstrap();
    const authenticator = new StaticTokenAuthenticator({ alice: "alice", bob: "bob", root: { user: "root", groups: ["system:masters"] } });
    app = await buildApiServer({ registry, authenticator, rateLimit });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const addr = app.server.address() as { port: number };
    return `http://127.0.0.1:${addr.port}`;
  }
  afterEach(async () => {
    registry.close();
    await app.close();
    await store.close();
  });

  const get = (url: string, token?: string) => fetch(`${url}/api/v1/namespaces/default/configmaps`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it("answers 429 with Retry-After and a Status once a user outruns the bucket; others are unaffected", async () => {
    const url = await start({ ratePerSecond: 0.5, burst: 5 });
    for (let i = 0; i < 5; i++) expect((await get(url, "alice")).status).toBe(200);
    const limited = await get(url, "alice");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const status = (await limited.json()) as { reason: string; message: string; details: { retryAfterSeconds: number } };
    expect(status.reason).toBe("TooManyRequests");
    expect(status.message).toContain('user "alice"');
    expect(status.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((await get(url, "bob")).status).toBe(200);
    // system:masters is exempt, as in Kubernetes' API Priority and Fairness; so are health checks.
    for (let i = 0; i < 10; i++) expect((await get(url, "root")).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("has defaults generous enough for a busy client (300 requests in a row)", async () => {
    const url = await start();
    const codes = await Promise.all(Array.from({ length: 300 }, () => get(url, "alice").then((r) => r.status)));
    expect(codes.every((c) => c === 200)).toBe(true);
  });

  it("can be turned off", async () => {
    const url = await start(false);
    const codes = await Promise.all(Array.from({ length: 500 }, () => get(url, "alice").then((r) => r.status)));
    expect(codes.filter((c) => c !== 200)).toEqual([]);
  });
});

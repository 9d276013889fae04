// Shared by the reliability suite: an API server over a memory store with a
// real authenticator, store snapshots for "nothing changed" checks, a per-case
// time limit, and a record of how many cases each property ran (written only
// when SKIFF_RELIABILITY_RESULTS names a directory; `npm run test:reliability`
// sets it and the soak turns the records into docs/reliability.md).
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { RESOURCES, resourceKey } from "../../pkg/api/kinds.js";
import { openStore } from "../../pkg/store/index.js";
import type { Store } from "../../pkg/store/store.js";
import { Registry } from "../../pkg/apiserver/registry.js";
import { buildApiServer, type ApiServerOptions } from "../../pkg/apiserver/server.js";
import { RANGE_ALLOCATION_RESOURCE } from "../../pkg/apiserver/range-allocation.js";
import { StaticTokenAuthenticator } from "../../pkg/apiserver/auth.js";

export const TOKEN = "fuzz-token";
export const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Scale every property's run count: SKIFF_FUZZ_SCALE=10 for a long local run. */
export const FUZZ_SCALE = Math.max(0.05, Number(process.env.SKIFF_FUZZ_SCALE ?? "1") || 1);
export const runs = (n: number): number => Math.max(10, Math.round(n * FUZZ_SCALE));
/** Per-test time limit for fuzz properties, scaled with the run counts (a loaded 2-core machine is slow). */
export const FUZZ_TIMEOUT_MS = Math.round(240_000 * Math.max(1, FUZZ_SCALE));

export interface TestApi {
  app: FastifyInstance;
  store: Store;
  registry: Registry;
  close(): Promise<void>;
}

export async function startTestApi(extra: Partial<ApiServerOptions> = {}): Promise<TestApi> {
  const store = await openStore("memory");
  const registry = new Registry(store);
  await registry.bootstrap();
  const app = await buildApiServer({
    registry,
    authenticator: new StaticTokenAuthenticator({ [TOKEN]: { user: "admin", groups: ["system:masters"] } }),
    // Random watch requests must end on their own.
    watch: { defaultTimeoutMs: 300 },
    ...extra,
  });
  return {
    app,
    store,
    registry,
    async close() {
      registry.close();
      await app.close();
      await store.close();
    },
  };
}

/**
 * Everything in the store, as one comparable string, plus its resourceVersion
 * and the shared allocation pools' claims (value → owner, without timestamps).
 */
export async function snapshot(store: Store): Promise<{ rv: string; listing: string; pools: string }> {
  const parts: string[] = [];
  for (const info of RESOURCES) {
    const l = await store.list(resourceKey(info));
    parts.push(`${resourceKey(info)}=${JSON.stringify(l.items)}`);
  }
  const pools = (await store.list(RANGE_ALLOCATION_RESOURCE)).items.map((p) => {
    const claims = (p as unknown as { claims?: Record<string, { owner: string }> }).claims ?? {};
    return `${p.metadata.name}=${JSON.stringify(Object.entries(claims).map(([v, c]) => [v, c.owner]).sort())}`;
  });
  return { rv: await store.currentResourceVersion(), listing: parts.join("\n"), pools: pools.join("\n") };
}

/** Reject when `p` takes longer than `ms`: a hang is a failure, not a stuck test run. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`hang: ${what} took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Counts per property, appended as one JSON line per test file run. */
export class CaseCounter {
  private readonly counts = new Map<string, { cases: number; outcomes: Record<string, number> }>();

  constructor(private readonly suite: string) {}

  count(property: string, outcome: string): void {
    const c = this.counts.get(property) ?? { cases: 0, outcomes: {} };
    c.cases++;
    c.outcomes[outcome] = (c.outcomes[outcome] ?? 0) + 1;
    this.counts.set(property, c);
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c.cases;
    return n;
  }

  get(property: string): number {
    return this.counts.get(property)?.cases ?? 0;
  }

  /** Write the counts if the run asked for results; returns them either way. */
  flush(): Record<string, { cases: number; outcomes: Record<string, number> }> {
    const out = Object.fromEntries(this.counts);
    recordResult({ kind: "fuzz", suite: this.suite, properties: out, total: this.total() });
    return out;
  }
}

/** Append one result record (fuzz counts, a survived fault) for docs/reliability.md. */
export function recordResult(record: Record<string, unknown>): void {
  const dir = process.env.SKIFF_RELIABILITY_RESULTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, "results.jsonl"), JSON.stringify({ time: new Date().toISOString(), ...record }) + "\n");
}

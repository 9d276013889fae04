// Hostile HTTP input against a real API server (fastify inject, real token
// authentication): random JSON bodies, valid objects with one part broken,
// deep nesting, huge strings, prototype-pollution keys, random content types,
// paths, query strings and headers. Every case must end within a time limit
// with a 2xx (valid input) or a 4xx Status that says what was wrong — never a
// 5xx or a crash — and a rejected write must leave the store as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { AUTH, CaseCounter, FUZZ_TIMEOUT_MS, runs, snapshot, startTestApi, withTimeout, type TestApi } from "./helpers.js";
import { deepJsonText, hostileJson, mutate, mutation, nastyString, pathsOf, percentEncode, templates } from "./arbitraries.js";

const CASE_MS = 10_000;
const JSON_TYPES = ["application/json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json"];
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number] | "HEAD" | "OPTIONS";

describe("fuzzing the API server", { timeout: FUZZ_TIMEOUT_MS }, () => {
  let api: TestApi;
  const counter = new CaseCounter("api");

  beforeAll(async () => {
    api = await startTestApi();
    // Objects for PUT/PATCH/DELETE to find; names not used by generated creates.
    for (const t of templates("base")) {
      const res = await api.app.inject({ method: "POST", url: t.url, headers: AUTH, payload: t.body });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  afterAll(async () => {
    const counts = counter.flush();
    console.log(`API fuzz: ${counter.total()} cases`, JSON.stringify(counts));
    await api.close();
  });

  /**
   * Send one request and check the contract. Writes that fail must not change
   * the store (resourceVersion and the full listing).
   */
  async function check(property: string, req: { method: Method; url: string; payload?: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse> {
    const write = req.method !== "GET" && req.method !== "HEAD" && req.method !== "OPTIONS";
    const before = write ? await snapshot(api.store) : undefined;
    const res = await withTimeout(
      api.app.inject({ method: req.method, url: req.url, payload: req.payload, headers: { ...AUTH, ...(req.headers ?? {}) } }),
      CASE_MS,
      `${req.method} ${req.url.slice(0, 100)}`,
    );
    const what = `${req.method} ${req.url.slice(0, 200)} ${String(req.payload ?? "").slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
    counter.count(property, res.statusCode >= 500 ? "5xx" : res.statusCode >= 400 ? String(res.statusCode) : "2xx");
    expect(res.statusCode, what).toBeLessThan(500);
    if (res.statusCode >= 400 && req.method !== "HEAD") {
      const status = res.json() as { kind?: string; message?: string; code?: number };
      expect(status.kind, what).toBe("Status");
      expect(status.code, what).toBe(res.statusCode);
      expect(typeof status.message === "string" && status.message.length > 0, what).toBe(true);
    }
    if (before && (res.statusCode >= 400 || /dryRun=All/.test(req.url))) {
      const after = await snapshot(api.store);
      expect(after.listing === before.listing, `store changed by a rejected write: ${what}`).toBe(true);
      expect(after.pools, `a rejected write left an allocation claim behind: ${what}`).toBe(before.pools);
      // The revision stays put too — except that a Service or Node create claims its IP, ports or
      // CIDR in a shared pool before validation and releases it on rejection (two bookkeeping
      // writes, as Kubernetes' allocator makes); the pools and every object are compared above.
      if (!/\/(services|nodes)(\/|\?|$)/.test(req.url)) expect(after.rv, `store revision moved on a rejected write: ${what}`).toBe(before.rv);
    }
    return res;
  }

  /** The body with metadata.name set (metadata created when the mutation removed or replaced it). */
  function withName(body: unknown, name: string): unknown {
    if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
    const b = body as Record<string, unknown>;
    const meta = b.metadata !== null && typeof b.metadata === "object" && !Array.isArray(b.metadata) ? b.metadata : {};
    return { ...b, metadata: { ...meta, name } };
  }

  /** Delete and wait until it is gone (a namespace empties itself in the background). */
  async function removeAndWait(url: string): Promise<void> {
    await api.app.inject({ method: "DELETE", url: `${url}?gracePeriodSeconds=0`, headers: AUTH });
    for (let i = 0; i < 200; i++) {
      if ((await api.app.inject({ method: "GET", url, headers: AUTH })).statusCode === 404) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${url} was not removed`);
  }

  it("random JSON bodies with prototype keys, sent to every kind and verb", async () => {
    const targets = templates("base").flatMap((t) => [
      { method: "POST" as const, url: t.url },
      { method: "PUT" as const, url: `${t.url}/base` },
      { method: "PATCH" as const, url: `${t.url}/base` },
      { method: "DELETE" as const, url: `${t.url}/base?dryRun=All` },
    ]);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), hostileJson, fc.constantFrom(...JSON_TYPES), async (target, body, ct) => {
        await check("random-json-bodies", { ...target, payload: JSON.stringify(body) ?? "null", headers: { "content-type": ct } });
      }),
      { numRuns: runs(1500) },
    );
  });

  it("valid objects with one part replaced, removed or extended (wrong types, unicode, __proto__)", async () => {
    const cases = fc
      .record({ t: fc.nat(), p: fc.nat(), m: mutation, verb: fc.constantFrom("create", "replace", "merge", "dry-run"), name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/) })
      .map(({ t, p, m, verb, name }) => {
        const all = templates(`f-${name}`);
        const tpl = all[t % all.length];
        const paths = pathsOf(tpl.body);
        return { tpl, path: paths[p % paths.length], m, verb };
      });
    await fc.assert(
      fc.asyncProperty(cases, async ({ tpl, path, m, verb }) => {
        const body = mutate(tpl.body, path, m);
        const payload = JSON.stringify(body) ?? "null";
        const name = (tpl.body.metadata as { name: string }).name;
        if (verb === "create") await check("mutated-objects", { method: "POST", url: tpl.url, payload, headers: { "content-type": "application/json" } });
        else if (verb === "dry-run") await check("mutated-objects", { method: "POST", url: `${tpl.url}?dryRun=All&fieldValidation=Strict`, payload, headers: { "content-type": "application/json" } });
        else if (verb === "replace") {
          // PUT onto the pre-created "base" object, with the name fixed up so it is a real replace.
          const fixed = withName(body, "base");
          await check("mutated-objects", { method: "PUT", url: `${tpl.url}/base`, payload: JSON.stringify(fixed) ?? "null", headers: { "content-type": "application/json" } });
        } else {
          await check("mutated-objects", { method: "PATCH", url: `${tpl.url}/base`, payload, headers: { "content-type": "application/strategic-merge-patch+json" } });
        }
        // Whatever got in was valid: clean it up so the next case starts from the same store.
        if (verb === "create") await removeAndWait(`${tpl.url}/${encodeURIComponent(name)}`);
      }),
      { numRuns: runs(1500) },
    );
  });

  it("deeply nested bodies (up to 20,000 levels) get a 400, not a stack overflow", async () => {
    const targets = ["/api/v1/namespaces/default/configmaps", "/api/v1/namespaces/default/configmaps/base", "/api/v1/namespaces/default/pods/base"];
    await fc.assert(
      fc.asyncProperty(deepJsonText, fc.constantFrom(...targets), fc.constantFrom(...JSON_TYPES), async (text, url, ct) => {
        const method = url.endsWith("/base") ? (ct === "application/json" ? "PUT" : "PATCH") : "POST";
        const res = await check("deep-nesting", { method, url, payload: text, headers: { "content-type": ct } });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: runs(150) },
    );
    // The YAML flavour (server-side apply) too.
    const yamlDeep = "data:\n  a: " + "[".repeat(5000) + "1" + "]".repeat(5000) + "\n";
    const res = await check("deep-nesting", { method: "PATCH", url: "/api/v1/namespaces/default/configmaps/base?fieldManager=fuzz", payload: yamlDeep, headers: { "content-type": "application/apply-patch+yaml" } });
    expect(res.statusCode).toBe(400);
  });

  it("huge strings in names, labels, annotations and data", async () => {
    const sizes = fc.constantFrom(64, 254, 256, 10_000, 300_000, 1_100_000, 3_500_000);
    const where = fc.constantFrom("name", "label-key", "label-value", "annotation", "data", "image");
    await fc.assert(
      fc.asyncProperty(sizes, where, fc.constantFrom("a", "é", "😀", "-", "."), async (size, at, ch) => {
        const big = ch.repeat(Math.ceil(size / ch.length));
        const body: Record<string, unknown> = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "huge" }, data: { k: "v" } };
        const meta = body.metadata as Record<string, unknown>;
        if (at === "name") meta.name = big;
        if (at === "label-key") meta.labels = { [big]: "v" };
        if (at === "label-value") meta.labels = { k: big };
        if (at === "annotation") meta.annotations = { k: big };
        if (at === "data") body.data = { k: big };
        if (at === "image") {
          body.kind = "Pod";
          body.spec = { containers: [{ name: "c", image: big }] };
        }
        const url = at === "image" ? "/api/v1/namespaces/default/pods?dryRun=All" : "/api/v1/namespaces/default/configmaps?dryRun=All";
        const res = await check("huge-strings", { method: "POST", url, payload: JSON.stringify(body), headers: { "content-type": "application/json" } });
        if (size > 3 * 1024 * 1024) expect(res.statusCode).toBe(413);
      }),
      { numRuns: runs(120) },
    );
  });

  it("random and wrong content types", async () => {
    const ct = fc.oneof(
      fc.constantFrom("text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/yaml", "application/apply-patch+yaml", "application/json; charset=utf-16", "", "*/*", "application/vnd.kubernetes.protobuf"),
      nastyString.filter((s) => /^[\x21-\x7e ]*$/.test(s)),
    );
    const body = fc.oneof(hostileJson.map((v) => JSON.stringify(v) ?? "null"), nastyString, fc.constant("a: [1, {b: *x}]\n---\n- &x y"));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), ct, body, async (method, type, payload) => {
        const url = method === "POST" ? "/api/v1/namespaces/default/configmaps" : "/api/v1/namespaces/default/configmaps/base";
        await check("content-types", { method, url: url + "?fieldManager=fuzz", payload, headers: type ? { "content-type": type } : {} });
      }),
      { numRuns: runs(500) },
    );
  });

  it("random paths, methods and query parameters (selectors, limit, continue, resourceVersion, watch)", async () => {
    const segment = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom("api", "apis", "v1", "apps", "namespaces", "default", "kube-system", "pods", "deployments", "services", "configmaps", "secrets", "nodes", "base", "status", "scale", "log", "binding", "batch", "openapi", "v3", "version", "healthz", "") },
      { weight: 1, arbitrary: fc.constantFrom("..", ".", "%2e%2e", "%2F", "%00", "%ff", "~", "*", "$", "a".repeat(300)) },
      { weight: 1, arbitrary: nastyString.map(percentEncode) },
    );
    const value = fc.oneof(
      fc.constantFrom("", "0", "1", "-1", "true", "false", "abc", "1e999", "NaN", "9007199254740993", "app=web", "app in (a,b)", "!app", "a,b,,", "metadata.name=base", "status.phase!=Running", "spec.nodeName=", "x=", "=", "in (", "a notin ((b))", "Strict", "Warn", "Ignore", "All", "Background", "Orphan", "Foreground"),
      nastyString,
      fc.string({ unit: "binary", maxLength: 10 }).map((s) => s.repeat(100)),
    );
    const param = fc.tuple(
      fc.constantFrom("labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "resourceVersionMatch", "watch", "allowWatchBookmarks", "timeoutSeconds", "fieldValidation", "dryRun", "fieldManager", "propagationPolicy", "gracePeriodSeconds", "includeObject", "container", "tailLines", "follow", "previous", "force", "pretty", "__proto__", "constructor"),
      value,
    );
    const query = fc.array(param, { maxLength: 5 }).map((ps) => {
      // Keep random watches short: they are streams that end on a timeout (the test server's default is 300 ms).
      const hasWatch = ps.some(([k]) => k === "watch");
      const out = ps.filter(([k]) => k !== "timeoutSeconds" || !hasWatch).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`);
      return out.length > 0 ? `?${out.join("&")}` : "";
    });
    const rawQuery = fc.constantFrom("?a=%zz", "?limit=1&limit=2", "?watch", "?&&&", "?=x", "?labelSelector=%E0%A4%A", "?" + "x=1&".repeat(2000));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Method>(...METHODS, "HEAD", "OPTIONS"),
        fc.array(segment, { minLength: 0, maxLength: 8 }),
        fc.oneof({ weight: 5, arbitrary: query }, { weight: 1, arbitrary: rawQuery }),
        fc.option(hostileJson, { nil: undefined }),
        async (method, segs, q, body) => {
          // DELETE of a collection would remove the fixtures; dry-run keeps the store intact.
          const dry = method === "DELETE" ? (q ? "&dryRun=All" : "?dryRun=All") : "";
          const url = "/" + segs.join("/") + q + dry;
          await check("paths-and-queries", {
            method,
            url,
            payload: body === undefined || method === "GET" || method === "HEAD" ? undefined : JSON.stringify(body),
            headers: body === undefined ? {} : { "content-type": "application/json" },
          });
        },
      ),
      { numRuns: runs(2000) },
    );
  });

  it("list and watch endpoints with garbage selectors, limits, continue tokens and versions", async () => {
    const garbage = fc.oneof(nastyString, fc.constantFrom("", "-5", "0", "abc", "99999999999999999999", "%", "a=b,c", "eyJ2Ijoic2tpZmYuMSIsIm5zIjoxLCJuIjpudWxsfQ", "eyJ2Ijoic2tpZmYuMSIsIm5zIjoiIiwibiI6IiJ9"));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/v1/pods", "/api/v1/namespaces/default/pods", "/apis/apps/v1/deployments", "/api/v1/namespaces", "/api/v1/namespaces/default/configmaps/base"),
        fc.record({ labelSelector: garbage, fieldSelector: garbage, limit: garbage, continue: garbage, resourceVersion: garbage }, { requiredKeys: [] }),
        fc.boolean(),
        fc.boolean(),
        async (path, params, watch, table) => {
          const qs = new URLSearchParams(params as Record<string, string>);
          if (watch) {
            qs.set("watch", "true"); // ends after the test server's 300 ms default
          }
          const headers: Record<string, string> = table ? { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" } : {};
          await check("list-watch-queries", { method: "GET", url: `${path}?${qs.toString()}`, headers });
        },
      ),
      { numRuns: runs(800) },
    );
  });

  it("garbage in headers: authorization, accept, content-length mismatch", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(nastyString, fc.constantFrom("Bearer", "Bearer ", "bearer fuzz-token", "Basic Zm9vOmJhcg==", "Bearer fuzz-token extra", "Bearer fuzz-tokeN")),
        fc.oneof(nastyString, fc.constantFrom("application/json;as=Table;v=v1;g=meta.k8s.io", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", "application/vnd.kubernetes.protobuf", "*/*;q=0.1")),
        async (authorization, accept) => {
          const headers: Record<string, string> = {};
          // Node refuses header values with control characters before they reach the server.
          if (/^[\t\x20-\x7e\x80-\xff]*$/.test(authorization)) headers.authorization = authorization;
          if (/^[\t\x20-\x7e\x80-\xff]*$/.test(accept)) headers.accept = accept;
          const res = await withTimeout(api.app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods", headers }), CASE_MS, "GET with garbage headers");
          counter.count("headers", String(res.statusCode));
          expect(res.statusCode).toBeLessThan(500);
          if (!/^Bearer\s+fuzz-token\s*$/i.test(headers.authorization ?? "")) expect(res.statusCode).toBe(401);
        },
      ),
      { numRuns: runs(300) },
    );
  });
});

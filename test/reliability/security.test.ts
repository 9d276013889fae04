// Security properties of a running control plane, over real HTTPS sockets:
// it listens on loopback unless told otherwise; every route refuses a request
// without a valid token (a sweep of every registered route and verb); state
// files are private (0600, directory 0700); oversized bodies get 413 and
// oversized headers 431; and secrets do not show up in logs, events, the audit
// log or CLI output.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request as httpsRequest } from "node:https";
import { connect as tlsConnect } from "node:tls";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RESOURCES } from "../../pkg/api/kinds.js";
import { startControlPlane, type ControlPlane } from "../../pkg/cluster/control-plane.js";
import { buildProgram } from "../../cmd/skiff.js";
import { recordResult } from "./helpers.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(cp: ControlPlane, method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer; declaredLength?: number } = {}): Promise<Reply> {
  const u = new URL(path, cp.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, ca: cp.caPem, headers: { ...(opts.headers ?? {}), ...(opts.body ? { "content-length": String(opts.declaredLength ?? Buffer.byteLength(opts.body)) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    // A server that refuses a big body answers early and closes: the answer may arrive just after our write fails.
    req.on("error", (e) => setTimeout(() => reject(e), 2_000));
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    if (opts.body) req.write(opts.body);
    if (opts.declaredLength === undefined) req.end();
  });
}

/**
 * Write `raw` on a TLS socket and return the first response line. The server
 * answers 431 and closes while we may still be writing, so write errors are ignored.
 */
function rawStatusLine(cp: ControlPlane, raw: string): Promise<string> {
  const u = new URL(cp.url);
  return new Promise((resolve, reject) => {
    let got = "";
    const sock = tlsConnect({ host: u.hostname, port: Number(u.port), ca: cp.caPem, servername: "localhost" }, () => {
      sock.write(raw);
    });
    sock.on("data", (d: Buffer) => {
      got += d.toString("latin1");
      if (got.includes("\r\n")) {
        resolve(got.split("\r\n")[0]);
        sock.destroy();
      }
    });
    sock.on("error", () => undefined);
    sock.on("close", () => (got.includes("\r\n") ? undefined : reject(new Error(`no response line; got ${JSON.stringify(got.slice(0, 100))}`))));
    sock.setTimeout(30_000, () => sock.destroy());
  });
}

/** Every (method, path) fastify knows, from its route tree, with parameters filled in. */
export function routesOf(tree: string): Array<{ path: string; methods: string[] }> {
  const stack: string[] = [];
  const out: Array<{ path: string; methods: string[] }> = [];
  for (const line of tree.split("\n")) {
    const m = /^([│ ]*)[├└]── (.*) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? "") + m[2];
    stack[depth] = full;
    out.push({ path: full, methods: m[3].split(",").map((s) => s.trim()) });
  }
  return out;
}

/** Concrete URLs for a route pattern: every resource, scope and subresource behind a wildcard. */
function concretePaths(pattern: string): string[] {
  const fill = (p: string) => p.replace(":namespace", "default").replace(":group", "apps").replace(":version", "v1");
  if (pattern === "/api/v1*" || pattern === "/apis/:group/:version*") {
    const out: string[] = [];
    for (const r of RESOURCES) {
      const base = r.group ? `/apis/${r.group}/${r.version}` : "/api/v1";
      const coll = r.namespaced ? `${base}/namespaces/default/${r.plural}` : `${base}/${r.plural}`;
      out.push(coll, `${coll}/x`, ...r.subresources.map((s) => `${coll}/x/${s}`));
      if (r.namespaced) out.push(`${base}/${r.plural}`);
    }
    return out;
  }
  if (pattern.endsWith("*")) return [fill(pattern.slice(0, -1)) + (pattern.startsWith("/openapi") ? "/api/v1" : "x")];
  return [fill(pattern)];
}

describe("a running control plane", () => {
  let dir: string;
  let cp: ControlPlane;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-sec-"));
    // An existing, too-open state dir must be tightened.
    mkdirSync(join(dir, "home"), { mode: 0o755 });
    chmodSync(join(dir, "home"), 0o755);
    cp = await startControlPlane({ stateDir: join(dir, "home"), store: "sqlite", port: 0, dashboard: true });
  });
  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("listens on 127.0.0.1 by default, and `skiff up` defaults to it", () => {
    const addr = cp.app.server.address() as { address: string };
    expect(addr.address).toBe("127.0.0.1");
    expect(cp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const up = buildProgram().commands.find((c) => c.name() === "up")!;
    expect(up.options.find((o) => o.long === "--host")?.defaultValue).toBe("127.0.0.1");
    recordResult({ kind: "check", check: "the API server listens on 127.0.0.1 unless --host says otherwise", leaks: [] });
  });

  it("keeps the state dir 0700 and tokens, kubeconfig, keys and the store 0600", () => {
    const mode = (p: string) => statSync(join(cp.paths.dir, p)).mode & 0o777;
    expect(mode(".")).toBe(0o700);
    for (const f of ["tokens.json", "kubeconfig", "pki/ca.key", "pki/apiserver.key", "skiff.db"]) expect(mode(f), f).toBe(0o600);
    for (const f of ["skiff.db-wal", "skiff.db-shm", "audit.log"]) if (existsSync(join(cp.paths.dir, f))) expect(mode(f), f).toBe(0o600);
    // Nothing in the state dir is readable by others.
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
    for (const f of walk(cp.paths.dir)) {
      if (f.endsWith(".crt") || f.endsWith(".lock")) continue; // certificates are public; a lock file holds a pid
      expect(statSync(f).mode & 0o077, f).toBe(0);
    }
    recordResult({ kind: "check", check: "state dir 0700; tokens.json, kubeconfig, private keys and skiff.db 0600", leaks: [] });
  });

  it("refuses every route and verb without a valid token (401), except health checks and the dashboard's login pages", async () => {
    const routes = routesOf(cp.app.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(10);
    const publicPaths = new Set(["/healthz", "/livez", "/readyz"]);
    let checked = 0;
    for (const r of routes) {
      for (const path of concretePaths(r.path)) {
        for (const method of r.methods) {
          for (const authorization of [undefined, "Bearer not-a-token", `Basic ${Buffer.from("admin:admin").toString("base64")}`]) {
            const headers: Record<string, string> = authorization ? { authorization } : {};
            const body = method === "POST" || method === "PUT" || method === "PATCH" ? "{}" : undefined;
            if (body) headers["content-type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
            const res = await send(cp, method, path, { headers, body });
            checked++;
            if (publicPaths.has(path)) {
              expect(res.status, `${method} ${path}`).toBeLessThan(500);
              continue;
            }
            if (path.startsWith("/ui")) {
              // The dashboard checks its own session cookie: pages and the login form are public, data is not.
              expect(res.status, `${method} ${path}`).toBeLessThan(500);
              if (/^\/ui\/(watch|session|tickets)/.test(path)) expect([401, 403, 404, 405], `${method} ${path} -> ${res.status}`).toContain(res.status);
              expect(res.body).not.toMatch(/"kind":"(Pod|Secret|Namespace)List"/);
              continue;
            }
            expect(res.status, `${method} ${path} (${authorization ?? "no token"}) -> ${res.status} ${res.body.slice(0, 200)}`).toBe(401);
          }
        }
      }
    }
    console.log(`unauthenticated sweep: ${checked} requests over ${routes.length} routes`);
    recordResult({ kind: "check", check: `every route refuses requests without a valid token: ${checked} requests (no token, a wrong token, Basic auth) over ${routes.length} routes, all 401 except health checks and the dashboard's login pages`, leaks: [] });
    expect(checked).toBeGreaterThan(500);
  }, 120_000);

  it("refuses a body over 3 MiB with 413 and a 64 KiB header with 431", async () => {
    const auth = { authorization: `Bearer ${cp.token}`, "content-type": "application/json" };
    // Declare the size and send only the start: the server must refuse on the declared length
    // (sending it all would race the server closing the connection).
    const start = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"' + "x".repeat(1024);
    const res = await send(cp, "POST", "/api/v1/namespaces/default/configmaps", { headers: auth, body: start, declaredLength: 3 * 1024 * 1024 + 1 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ kind: "Status", reason: "RequestEntityTooLarge" });
    expect(await rawStatusLine(cp, `GET /api/v1/namespaces HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${cp.token}\r\nX-Padding: ${"p".repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
    // The server is still fine afterwards.
    expect((await send(cp, "GET", "/api/v1/namespaces", { headers: auth })).status).toBe(200);
    expect((await send(cp, "GET", "/api/v1/namespaces/default/configmaps/big", { headers: auth })).status).toBe(404);
    recordResult({ kind: "check", check: "a body over 3 MiB gets 413, a 64 KiB header 431, and the server carries on", leaks: [] });
  });

  it("answers a deeply nested body with 400 over the wire too", async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${"[".repeat(10_000)}${"]".repeat(10_000)}}`;
    const res = await send(cp, "POST", "/api/v1/namespaces/default/configmaps", { headers: { authorization: `Bearer ${cp.token}`, "content-type": "application/json" }, body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/nests .* more than 100 levels/);
  });

  it("refuses host-escaping pod settings by default (Pod Security Admission, baseline, is wired into the control plane)", async () => {
    const headers = { authorization: `Bearer ${cp.token}`, "content-type": "application/json" };
    const cases: Array<[string, Record<string, unknown>]> = [
      ['privileged (container "c" must not set securityContext.privileged=true)', { containers: [{ name: "c", image: "skiff/busybox:latest", securityContext: { privileged: true } }] }],
      ["host namespaces (hostNetwork=true)", { hostNetwork: true, containers: [{ name: "c", image: "skiff/busybox:latest" }] }],
      ['hostPath volumes (volume "root")', { volumes: [{ name: "root", hostPath: { path: "/" } }], containers: [{ name: "c", image: "skiff/busybox:latest" }] }],
    ];
    for (const [violation, spec] of cases) {
      const res = await send(cp, "POST", "/api/v1/namespaces/default/pods", { headers, body: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "escape" }, spec }) });
      expect(res.status, violation).toBe(403);
      expect(JSON.parse(res.body).message).toContain(`violates PodSecurity "baseline:latest": ${violation}`);
    }
    recordResult({ kind: "check", check: "privileged containers, host namespaces and hostPath volumes are refused (403, PodSecurity baseline) unless a namespace label or the admin allows them", leaks: [] });
  });

  it("never writes the admin token into the audit log or the kubeconfig's neighbours", () => {
    const audit = join(cp.paths.dir, "audit.log");
    if (existsSync(audit)) expect(readFileSync(audit, "utf8")).not.toContain(cp.token);
  });
});

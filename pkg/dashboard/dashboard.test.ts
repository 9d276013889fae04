import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { StaticTokenAuthenticator, type Authorizer } from "../apiserver/auth.js";
import { newContext, Registry } from "../apiserver/registry.js";
import { buildApiServer } from "../apiserver/server.js";
import { openStore } from "../store/index.js";
import { buildDashboard, escapeHtml } from "./dashboard.js";

const HOST = "127.0.0.1:6443";
let app: FastifyInstance;
let registry: Registry;

// The viewer may watch everything but events: the dashboard's stream must refuse it as the API would.
const authorizer: Authorizer = {
  authorize: (a) => ({ allowed: !(a.user === "viewer" && a.resource === "events"), reason: "test policy" }),
};

beforeAll(async () => {
  const store = await openStore("memory");
  registry = new Registry(store);
  await registry.bootstrap();
  const authenticator = new StaticTokenAuthenticator({ "admin-token": "admin", "viewer-token": "viewer" });
  const dashboard = buildDashboard({ registry, authenticator, authorizer });
  app = await buildApiServer({ registry, authenticator, authorizer, sessions: dashboard.sessions, plugins: [dashboard.plugin] });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  registry?.close();
});

async function login(token = "admin-token"): Promise<string> {
  const res = await app.inject({ method: "POST", url: "/ui/login", headers: { host: HOST, "content-type": "application/x-www-form-urlencoded" }, payload: `token=${token}` });
  expect(res.statusCode).toBe(303);
  const set = String(res.headers["set-cookie"]);
  return set.split(";")[0];
}

describe("dashboard login", () => {
  it("shows the token form without a session, with a strict content security policy", async () => {
    const res = await app.inject({ method: "GET", url: "/ui/" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form method="post" action="/ui/login"');
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(res.headers["x-frame-options"]).toBe("DENY");
  });

  it("serves the page's script and styles without a session", async () => {
    const js = await app.inject({ method: "GET", url: "/ui/app.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["content-type"]).toContain("text/javascript");
    expect(js.body).toContain("/ui/watch");
    expect((await app.inject({ method: "GET", url: "/ui/style.css" })).statusCode).toBe(200);
  });

  it("turns a valid token into an HttpOnly, Secure, SameSite=Strict session cookie", async () => {
    const res = await app.inject({ method: "POST", url: "/ui/login", payload: "token=admin-token", ...form() });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/ui/");
    const set = String(res.headers["set-cookie"]);
    expect(set).toMatch(/^__Host-skiff-session-6443=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict; Max-Age=\d+$/);
    const page = await app.inject({ method: "GET", url: "/ui", headers: { cookie: set.split(";")[0] } });
    expect(page.body).toContain('id="deployments"');
  });

  it("refuses a wrong token, on the form and as JSON", async () => {
    const formRes = await app.inject({ method: "POST", url: "/ui/login", payload: "token=guess", ...form() });
    expect(formRes.statusCode).toBe(401);
    expect(formRes.body).toContain("That token is not valid");
    expect(formRes.headers["set-cookie"]).toBeUndefined();
    const jsonRes = await app.inject({ method: "POST", url: "/ui/login", payload: { token: "guess" } });
    expect(jsonRes.statusCode).toBe(401);
    expect(jsonRes.json().kind).toBe("Status");
  });

  it("logs in with JSON (the #token= fragment) and answers with the user", async () => {
    const res = await app.inject({ method: "POST", url: "/ui/login", headers: { host: HOST }, payload: { token: "admin-token" } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ user: "admin" });
    expect(String(res.headers["set-cookie"])).toContain("HttpOnly");
  });

  it("refuses a login posted from another origin", async () => {
    const res = await app.inject({ method: "POST", url: "/ui/login", payload: "token=admin-token", ...form({ origin: "https://evil.example" }) });
    expect(res.statusCode).toBe(403);
    const same = await app.inject({ method: "POST", url: "/ui/login", payload: "token=admin-token", ...form({ origin: `https://${HOST}` }) });
    expect(same.statusCode).toBe(303);
  });

  it("trades a bearer token for a single-use ticket (skiff dashboard)", async () => {
    expect((await app.inject({ method: "POST", url: "/ui/tickets" })).statusCode).toBe(401);
    const t = await app.inject({ method: "POST", url: "/ui/tickets", headers: { authorization: "Bearer admin-token" } });
    expect(t.statusCode).toBe(201);
    const { ticket } = t.json() as { ticket: string };
    const first = await app.inject({ method: "GET", url: `/ui/login?ticket=${ticket}`, headers: { host: HOST } });
    expect(first.statusCode).toBe(303);
    const cookie = String(first.headers["set-cookie"]).split(";")[0];
    expect((await app.inject({ method: "GET", url: "/ui/session", headers: { cookie } })).json()).toEqual({ user: "admin" });
    const again = await app.inject({ method: "GET", url: `/ui/login?ticket=${ticket}` });
    expect(again.statusCode).toBe(401);
    expect(again.headers["set-cookie"]).toBeUndefined();
  });

  it("logs out: the cookie stops working", async () => {
    const cookie = await login();
    expect((await app.inject({ method: "POST", url: "/ui/logout", headers: { cookie } })).statusCode).toBe(403);
    const out = await app.inject({ method: "POST", url: "/ui/logout", headers: { cookie, "x-skiff-csrf": "1", host: HOST } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
    expect((await app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods", headers: { cookie } })).statusCode).toBe(401);
  });
});

describe("the session cookie on the API", () => {
  it("reads with the cookie alone; without it, 401", async () => {
    const cookie = await login();
    expect((await app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods", headers: { cookie } })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods" })).statusCode).toBe(401);
  });

  it("writes only with the CSRF header", async () => {
    const cookie = await login();
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "csrf" }, data: { a: "1" } };
    const bare = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/configmaps", headers: { cookie }, payload: cm });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().message).toContain("x-skiff-csrf");
    const ok = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/configmaps", headers: { cookie, "x-skiff-csrf": "1" }, payload: cm });
    expect(ok.statusCode).toBe(201);
  });

  it("lets a bearer token decide when there is one, even next to a valid cookie", async () => {
    const cookie = await login();
    const res = await app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods", headers: { cookie, authorization: "Bearer wrong" } });
    expect(res.statusCode).toBe(401);
  });

  it("does not make the API accept HTML form posts", async () => {
    const res = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/configmaps", payload: "metadata=x", ...form({ authorization: "Bearer admin-token" }) });
    expect(res.statusCode).toBe(415);
  });
});

describe("the multiplexed watch", () => {
  it("streams changes of several kinds after a resourceVersion, each line naming its resource", async () => {
    const cookie = await login();
    const rv = (await registry.list(R.pods, "default")).metadata.resourceVersion;
    await registry.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ignored" } }, ctx());
    await registry.create(R.services, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { ports: [{ port: 80 }] } }, ctx());
    await registry.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "node-9" } }, ctx());
    const res = await app.inject({ method: "GET", url: `/ui/watch?resourceVersion=${rv}&timeoutSeconds=1`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const lines = res.body.trim().split("\n").map((l) => JSON.parse(l) as { type: string; resource?: string; object: { metadata: { name: string } } });
    const seen = lines.filter((l) => l.type !== "BOOKMARK").map((l) => `${l.type} ${l.resource} ${l.object.metadata.name}`);
    expect(seen).toEqual(["ADDED services web", "ADDED nodes node-9"]);
  });

  it("needs a session or a token", async () => {
    expect((await app.inject({ method: "GET", url: "/ui/watch?timeoutSeconds=1" })).statusCode).toBe(401);
  });

  it("authorizes watch on every resource it streams", async () => {
    const cookie = await login("viewer-token");
    const denied = await app.inject({ method: "GET", url: "/ui/watch?timeoutSeconds=1", headers: { cookie } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toContain('cannot watch resource "events"');
    const allowed = await app.inject({ method: "GET", url: "/ui/watch?resources=pods,nodes&timeoutSeconds=1", headers: { cookie } });
    expect(allowed.statusCode).toBe(200);
  });

  it("rejects kinds it does not show", async () => {
    const res = await app.inject({ method: "GET", url: "/ui/watch?resources=secrets", headers: { authorization: "Bearer admin-token" } });
    expect(res.statusCode).toBe(400);
  });
});

it("escapes HTML", () => {
  expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

function form(headers: Record<string, string> = {}) {
  return { headers: { "content-type": "application/x-www-form-urlencoded", host: HOST, ...headers } };
}

function ctx() {
  return newContext({ user: "test", groups: [] });
}

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry } from "./registry.js";
import { buildApiServer } from "./server.js";
import { StaticTokenAuthenticator } from "./auth.js";

const TOKEN = "secret-token";
const auth = { authorization: `Bearer ${TOKEN}` };

const deployment = (name = "web", replicas = 2) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "skiff/busybox:latest" }] } },
  },
});

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "c", image: "skiff/busybox:latest" }] },
});

describe("API server", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;

  beforeEach(async () => {
    store = await openStore("memory");
    registry = new Registry(store);
    await registry.bootstrap();
    app = await buildApiServer({ registry, authenticator: new StaticTokenAuthenticator({ [TOKEN]: "admin" }) });
  });
  afterEach(async () => {
    registry.close();
    await app.close();
    await store.close();
  });

  const post = (url: string, payload: unknown, query = "") =>
    app.inject({ method: "POST", url: url + query, headers: auth, payload: payload as object });

  describe("authentication", () => {
    it("refuses requests without a token with a 401 Status", async () => {
      const res = await app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods" });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    });
    it("refuses a wrong token", async () => {
      const res = await app.inject({ method: "GET", url: "/api", headers: { authorization: "Bearer nope" } });
      expect(res.statusCode).toBe(401);
    });
    it("leaves health checks open", async () => {
      expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(200);
    });
  });

  it("refuses bodies over the size limit with 413", async () => {
    const big = { ...pod("big"), metadata: { name: "big", annotations: { a: "x".repeat(4 * 1024 * 1024) } } };
    const res = await post("/api/v1/namespaces/default/pods", big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ kind: "Status", reason: "RequestEntityTooLarge" });
    expect((await registry.list((await import("../api/kinds.js")).resolveResource("pods")!, "default")).items).toHaveLength(0);
  });

  describe("discovery", () => {
    it("serves /api, /apis and resource lists with short names", async () => {
      expect((await app.inject({ url: "/api", headers: auth })).json()).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
      const groups = (await app.inject({ url: "/apis", headers: auth })).json();
      expect(groups.groups.map((g: { name: string }) => g.name)).toContain("apps");
      const apps = (await app.inject({ url: "/apis/apps/v1", headers: auth })).json();
      const dep = apps.resources.find((r: { name: string }) => r.name === "deployments");
      expect(dep).toMatchObject({ kind: "Deployment", namespaced: true, shortNames: ["deploy"] });
      expect(apps.resources.find((r: { name: string }) => r.name === "deployments/scale")).toMatchObject({ kind: "Scale", group: "autoscaling" });
      const v = (await app.inject({ url: "/version", headers: auth })).json();
      expect(v.major).toBe("1");
    });
  });

  describe("CRUD", () => {
    it("creates with defaults, uid and generation, and 409s a duplicate", async () => {
      const res = await post("/apis/apps/v1/namespaces/default/deployments", deployment());
      expect(res.statusCode).toBe(201);
      const d = res.json();
      expect(d.metadata).toMatchObject({ name: "web", namespace: "default", generation: 1 });
      expect(d.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } });
      const dup = await post("/apis/apps/v1/namespaces/default/deployments", deployment());
      expect(dup.statusCode).toBe(409);
      expect(dup.json()).toMatchObject({ reason: "AlreadyExists", details: { name: "web", group: "apps", kind: "deployments" } });
    });

    it("returns 422 naming the field for invalid objects and stores nothing", async () => {
      const bad = deployment();
      bad.spec.replicas = -1;
      const res = await post("/apis/apps/v1/namespaces/default/deployments", bad);
      expect(res.statusCode).toBe(422);
      const s = res.json();
      expect(s.reason).toBe("Invalid");
      expect(s.details.causes[0].field).toBe("spec.replicas");
      expect((await app.inject({ url: "/apis/apps/v1/namespaces/default/deployments/web", headers: auth })).statusCode).toBe(404);
    });

    it("rejects unknown and duplicate fields with fieldValidation=Strict, warns by default", async () => {
      const typo = { ...pod("p1"), spec: { containers: [{ name: "c", image: "i", imagePullPolcy: "Always" }] } };
      const strict = await post("/api/v1/namespaces/default/pods", typo, "?fieldValidation=Strict");
      expect(strict.statusCode).toBe(400);
      expect(strict.json().message).toContain('unknown field "spec.containers[0].imagePullPolcy"');
      const warn = await post("/api/v1/namespaces/default/pods", typo);
      expect(warn.statusCode).toBe(201);
      expect(String(warn.headers.warning)).toContain("imagePullPolcy");
      const dup = await app.inject({
        method: "POST",
        url: "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
        headers: { ...auth, "content-type": "application/json" },
        payload: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"},"data":{"a":"1"},"data":{"b":"2"}}',
      });
      expect(dup.statusCode).toBe(400);
      expect(dup.json().message).toMatch(/strict decoding error/);
    });

    it("404s in a namespace that does not exist", async () => {
      const res = await post("/api/v1/namespaces/nope/pods", pod("p"));
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toBe('namespaces "nope" not found');
    });

    it("updates with optimistic concurrency: a stale resourceVersion gets 409", async () => {
      const created = (await post("/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } })).json();
      const url = "/api/v1/namespaces/default/configmaps/c";
      const first = await app.inject({ method: "PUT", url, headers: auth, payload: { ...created, data: { a: "2" } } });
      expect(first.statusCode).toBe(200);
      const stale = await app.inject({ method: "PUT", url, headers: auth, payload: { ...created, data: { a: "3" } } });
      expect(stale.statusCode).toBe(409);
      expect(stale.json().reason).toBe("Conflict");
      expect((await app.inject({ url, headers: auth })).json().data).toEqual({ a: "2" });
    });

    it("bumps generation only on spec changes, and ignores status on the main resource", async () => {
      const url = "/apis/apps/v1/namespaces/default/deployments/web";
      await post("/apis/apps/v1/namespaces/default/deployments", deployment());
      const patchLabels = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/merge-patch+json" }, payload: { metadata: { labels: { x: "y" } }, status: { replicas: 9 } } });
      expect(patchLabels.json().metadata.generation).toBe(1);
      expect(patchLabels.json().status.replicas).toBeUndefined();
      const patchSpec = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/merge-patch+json" }, payload: { spec: { replicas: 4 } } });
      expect(patchSpec.json().metadata.generation).toBe(2);
      const status = await app.inject({ method: "PATCH", url: `${url}/status`, headers: { ...auth, "content-type": "application/merge-patch+json" }, payload: { status: { replicas: 4 }, spec: { replicas: 100 } } });
      expect(status.json().status.replicas).toBe(4);
      expect(status.json().spec.replicas).toBe(4);
    });

    it("scales through the scale subresource like kubectl scale", async () => {
      await post("/apis/apps/v1/namespaces/default/deployments", deployment());
      const url = "/apis/apps/v1/namespaces/default/deployments/web/scale";
      const scale = (await app.inject({ url, headers: auth })).json();
      expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 2 }, status: { selector: "app=web" } });
      const res = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/merge-patch+json" }, payload: { spec: { replicas: 5 } } });
      expect(res.statusCode).toBe(200);
      expect(res.json().spec.replicas).toBe(5);
      const bad = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/merge-patch+json" }, payload: { spec: { replicas: -3 } } });
      expect(bad.statusCode).toBe(422);
    });

    it("server-side apply creates then merges", async () => {
      const url = "/apis/apps/v1/namespaces/default/deployments/web?fieldManager=skiff&force=true";
      const yamlBody = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: c\n        image: a\n";
      const created = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/apply-patch+yaml" }, payload: yamlBody });
      expect(created.statusCode).toBe(201 === created.statusCode ? 201 : 200);
      expect(created.json().spec.replicas).toBe(3);
      const again = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/apply-patch+yaml" }, payload: yamlBody.replace("image: a", "image: b") });
      expect(again.json().spec.template.spec.containers[0].image).toBe("b");
    });

    it("dry run validates and defaults without storing", async () => {
      const res = await post("/api/v1/namespaces/default/pods", pod("dry"), "?dryRun=All");
      expect(res.statusCode).toBe(200);
      expect(res.json().spec.restartPolicy).toBe("Always");
      expect((await app.inject({ url: "/api/v1/namespaces/default/pods/dry", headers: auth })).statusCode).toBe(404);
    });

    it("lists with label and field selectors, and pages with limit/continue", async () => {
      for (let i = 0; i < 5; i++) await post("/api/v1/namespaces/default/pods", pod(`p${i}`, { n: String(i % 2) }));
      const odd = (await app.inject({ url: "/api/v1/namespaces/default/pods?labelSelector=n%3D1", headers: auth })).json();
      expect(odd.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["p1", "p3"]);
      const byName = (await app.inject({ url: "/api/v1/pods?fieldSelector=metadata.name%3Dp4", headers: auth })).json();
      expect(byName.items).toHaveLength(1);
      const bad = await app.inject({ url: "/api/v1/pods?fieldSelector=spec.bogus%3Dx", headers: auth });
      expect(bad.statusCode).toBe(400);
      const page1 = (await app.inject({ url: "/api/v1/namespaces/default/pods?limit=2", headers: auth })).json();
      expect(page1.items).toHaveLength(2);
      expect(page1.metadata.remainingItemCount).toBe(3);
      const page2 = (await app.inject({ url: `/api/v1/namespaces/default/pods?limit=2&continue=${page1.metadata.continue}`, headers: auth })).json();
      expect(page2.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(["p2", "p3"]);
    });

    it("answers Table requests with kubectl's columns", async () => {
      await post("/apis/apps/v1/namespaces/default/deployments", deployment());
      const res = await app.inject({ url: "/apis/apps/v1/namespaces/default/deployments", headers: { ...auth, accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" } });
      const t = res.json();
      expect(t.kind).toBe("Table");
      expect(t.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 5)).toEqual(["Name", "Ready", "Up-to-date", "Available", "Age"]);
      expect(t.rows[0].cells.slice(0, 4)).toEqual(["web", "0/2", 0, 0]);
      expect(t.rows[0].object.kind).toBe("PartialObjectMetadata");
    });

    it("deletes unscheduled pods at once, scheduled ones gracefully", async () => {
      await post("/api/v1/namespaces/default/pods", pod("a"));
      const gone = await app.inject({ method: "DELETE", url: "/api/v1/namespaces/default/pods/a", headers: auth });
      expect(gone.statusCode).toBe(200);
      const onNode = { ...pod("b"), spec: { ...pod("b").spec, nodeName: "node-1" } };
      await post("/api/v1/namespaces/default/pods", onNode);
      const graceful = await app.inject({ method: "DELETE", url: "/api/v1/namespaces/default/pods/b", headers: auth });
      expect(graceful.statusCode).toBe(200);
      expect(graceful.json().metadata.deletionTimestamp).toBeDefined();
      expect(graceful.json().metadata.deletionGracePeriodSeconds).toBe(30);
      const now = await app.inject({ method: "DELETE", url: "/api/v1/namespaces/default/pods/b", headers: auth, payload: { gracePeriodSeconds: 0 } });
      expect(now.statusCode).toBe(200);
      expect((await app.inject({ url: "/api/v1/namespaces/default/pods/b", headers: auth })).statusCode).toBe(404);
    });

    it("keeps an object with finalizers until the last one is removed", async () => {
      const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "f", finalizers: ["example.com/hold"] }, data: {} };
      await post("/api/v1/namespaces/default/configmaps", cm);
      const url = "/api/v1/namespaces/default/configmaps/f";
      expect((await app.inject({ method: "DELETE", url, headers: auth })).statusCode).toBe(200);
      expect((await app.inject({ url, headers: auth })).json().metadata.deletionTimestamp).toBeDefined();
      await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/merge-patch+json" }, payload: { metadata: { finalizers: null } } });
      expect((await app.inject({ url, headers: auth })).statusCode).toBe(404);
    });

    it("rejects pod spec changes other than the image", async () => {
      await post("/api/v1/namespaces/default/pods", pod("imm"));
      const url = "/api/v1/namespaces/default/pods/imm";
      const img = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/strategic-merge-patch+json" }, payload: { spec: { containers: [{ name: "c", image: "new" }] } } });
      expect(img.statusCode).toBe(200);
      const cmd = await app.inject({ method: "PATCH", url, headers: { ...auth, "content-type": "application/strategic-merge-patch+json" }, payload: { spec: { containers: [{ name: "c", command: ["x"] }] } } });
      expect(cmd.statusCode).toBe(422);
      expect(cmd.json().message).toContain("pod updates may not change fields");
    });

    it("maps malformed JSON and prototype-pollution keys to 400, never 500", async () => {
      const res = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/configmaps", headers: { ...auth, "content-type": "application/json" }, payload: "{not json" });
      expect(res.statusCode).toBe(400);
      const proto = await app.inject({ method: "POST", url: "/api/v1/namespaces/default/configmaps", headers: { ...auth, "content-type": "application/json" }, payload: '{"__proto__":{"x":1},"metadata":{"name":"p"}}' });
      expect(proto.statusCode).toBe(400);
      const unsupported = await app.inject({ method: "PATCH", url: "/api/v1/namespaces/default/configmaps/x", headers: { ...auth, "content-type": "text/plain" }, payload: "x" });
      expect(unsupported.statusCode).toBe(415);
    });
  });

  describe("namespaces", () => {
    it("deleting a namespace removes its content, then the namespace", async () => {
      await post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "lab" } });
      await post("/api/v1/namespaces/lab/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
      const del = await app.inject({ method: "DELETE", url: "/api/v1/namespaces/lab", headers: auth });
      expect(del.json().status.phase).toBe("Terminating");
      const refused = await post("/api/v1/namespaces/lab/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "y" } });
      expect(refused.statusCode).toBe(403);
      await expect.poll(async () => (await app.inject({ url: "/api/v1/namespaces/lab", headers: auth })).statusCode, { timeout: 5000 }).toBe(404);
      expect((await app.inject({ url: "/api/v1/namespaces/lab/configmaps/x", headers: auth })).statusCode).toBe(404);
    });
    it("protects the default namespace", async () => {
      expect((await app.inject({ method: "DELETE", url: "/api/v1/namespaces/default", headers: auth })).statusCode).toBe(403);
    });
  });

  describe("OpenAPI", () => {
    it("serves the v3 index and group documents kubectl validates with", async () => {
      const index = (await app.inject({ url: "/openapi/v3", headers: auth })).json();
      const appsUrl = index.paths["apis/apps/v1"].serverRelativeURL;
      const doc = (await app.inject({ url: appsUrl, headers: auth })).json();
      const patch = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
      expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
      expect(JSON.stringify(patch.parameters ?? doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].parameters)).toContain("fieldValidation");
    });
  });
});

describe("filtered watches", () => {
  it("report an object that stops matching as DELETED and one that starts as ADDED", async () => {
    const store = await openStore("memory");
    const registry = new Registry(store);
    await registry.bootstrap();
    const { R } = await import("../api/kinds.js");
    const { newContext } = await import("./registry.js");
    const seen: string[] = [];
    const w = await registry.watch(R.pods, "default", { labelSelector: "tier=web" }, (ev) => seen.push(`${ev.type} ${ev.object.metadata.name}`));
    await registry.create(R.pods, "default", pod("a", { tier: "web" }), newContext());
    await registry.create(R.pods, "default", pod("b", { tier: "db" }), newContext());
    await registry.patch(R.pods, "default", "a", "application/merge-patch+json", { metadata: { labels: { tier: "db" } } }, newContext());
    await registry.patch(R.pods, "default", "b", "application/merge-patch+json", { metadata: { labels: { tier: "web" } } }, newContext());
    await registry.delete(R.pods, "default", "b", {}, newContext());
    await registry.delete(R.pods, "default", "a", {}, newContext());
    w.stop();
    expect(seen).toEqual(["ADDED a", "DELETED a", "ADDED b", "DELETED b"]);
    registry.close();
    await store.close();
  });
});

describe("authorization, audit and admission hooks", () => {
  it("refuses what the authorizer denies with Kubernetes' 403 wording, audits every request, runs admission", async () => {
    const { ApiError } = await import("../api/errors.js");
    const store = await openStore("memory");
    const registry = new Registry(store, {
      admission: [
        {
          name: "NoBigReplicas",
          admit(a) {
            const replicas = (a.object?.spec as { replicas?: number } | undefined)?.replicas ?? 0;
            if (a.info.kind === "Deployment" && replicas > 10) throw new ApiError("Forbidden", `deployments "${a.name}" is forbidden: more than 10 replicas`);
          },
        },
      ],
    });
    await registry.bootstrap();
    const audit: Array<{ user: string; verb: string; resource?: string; code: number }> = [];
    const app = await buildApiServer({
      registry,
      authenticator: new StaticTokenAuthenticator({ admin: "admin", viewer: { user: "vic", groups: ["viewers"] } }),
      authorizer: { authorize: (a) => ({ allowed: a.user === "admin" || ["get", "list", "watch"].includes(a.verb) || !a.isResourceRequest }) },
      audit: (e) => audit.push(e),
    });
    const as = (t: string) => ({ authorization: `Bearer ${t}` });
    const denied = await app.inject({ method: "POST", url: "/apis/apps/v1/namespaces/default/deployments", headers: as("viewer"), payload: deployment() });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toBe('deployments is forbidden: User "vic" cannot create resource "deployments" in API group "apps" in the namespace "default"');
    expect((await app.inject({ url: "/api/v1/namespaces/default/pods?watch=false", headers: as("viewer") })).statusCode).toBe(200);
    const big = await app.inject({ method: "POST", url: "/apis/apps/v1/namespaces/default/deployments", headers: as("admin"), payload: deployment("big", 11) });
    expect(big.statusCode).toBe(403);
    expect(big.json().message).toContain("more than 10 replicas");
    expect((await app.inject({ method: "POST", url: "/apis/apps/v1/namespaces/default/deployments", headers: as("admin"), payload: deployment("ok", 3) })).statusCode).toBe(201);
    expect(audit.map((e) => `${e.user} ${e.verb} ${e.resource} ${e.code}`)).toEqual([
      "vic create deployments 403",
      "vic list pods 200",
      "admin create deployments 403",
      "admin create deployments 201",
    ]);
    registry.close();
    await app.close();
    await store.close();
  });
});

// Kubernetes' exact wire behaviour, each detail one case (issue #17): what the
// official clients send and what they compare byte for byte.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry } from "./registry.js";
import { buildApiServer } from "./server.js";
import { queryBool } from "./query-bool.js";

const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels }, data: { k: "v" } });

describe("Kubernetes wire behaviour", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;
  const CM = "/api/v1/namespaces/default/configmaps";

  beforeAll(async () => {
    store = await openStore("memory");
    registry = new Registry(store);
    await registry.bootstrap();
    app = await buildApiServer({ registry, authenticator: null, rateLimit: false });
  });
  afterAll(async () => {
    registry.close();
    await app.close();
    await store.close();
  });

  const post = (url: string, body: unknown) => app.inject({ method: "POST", url, payload: body as object });
  /** Watch events of a stream that ends after one second. */
  async function watchEvents(url: string): Promise<Array<{ type: string; object: { metadata: { name: string } } }>> {
    const res = await app.inject({ method: "GET", url: `${url}${url.includes("?") ? "&" : "?"}timeoutSeconds=1` });
    expect(res.statusCode).toBe(200);
    return res.body
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  }

  it("accepts DELETE with Content-Type application/json and an empty body, for one object and a collection", async () => {
    await post(CM, cm("empty-1", { batch: "e" }));
    await post(CM, cm("empty-2", { batch: "e" }));
    await post(CM, cm("empty-3", { batch: "e" }));
    const one = await app.inject({ method: "DELETE", url: `${CM}/empty-1`, headers: { "content-type": "application/json" }, payload: "" });
    expect(one.statusCode).toBe(200);
    const all = await app.inject({ method: "DELETE", url: `${CM}?labelSelector=batch%3De`, headers: { "content-type": "application/json" }, payload: "" });
    expect(all.statusCode).toBe(200);
    expect(all.json().items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["empty-2", "empty-3"]);
    // Other verbs still need a body.
    expect((await app.inject({ method: "POST", url: CM, headers: { "content-type": "application/json" }, payload: "" })).statusCode).toBe(400);
  });

  it("parses boolean query parameters as Kubernetes does: anything but 0 or false is true", async () => {
    expect(["true", "True", "TRUE", "1", "yes", ""].map(queryBool)).toEqual([true, true, true, true, true, true]);
    expect(["false", "False", "0", undefined].map(queryBool)).toEqual([false, false, false, false]);
    await post(CM, cm("bool-watch"));
    const events = await watchEvents(`${CM}?watch=True&allowWatchBookmarks=True&fieldSelector=metadata.name%3Dbool-watch`);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED bool-watch"]);
    const list = await app.inject({ url: `${CM}?watch=False&fieldSelector=metadata.name%3Dbool-watch` });
    expect(list.json().kind).toBe("ConfigMapList");
  });

  it("writes Status errors with Kubernetes' field order, no empty group for core kinds, and a trailing newline", async () => {
    await post(CM, cm("dup"));
    const conflict = await post(CM, cm("dup"));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"dup\\" already exists","reason":"AlreadyExists","details":{"name":"dup","kind":"configmaps"},"code":409}\n',
    );
    const missing = await app.inject({ url: "/apis/apps/v1/namespaces/default/deployments/nope" });
    expect(missing.body).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}\n',
    );
  });

  it("answers DELETE with 200 and, per kind, the object or a Success Status", async () => {
    const made = (await post(CM, cm("del-status"))).json();
    const status = await app.inject({ method: "DELETE", url: `${CM}/del-status` });
    expect(status.statusCode).toBe(200);
    expect(status.body).toBe(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"del-status","kind":"configmaps","uid":"${made.metadata.uid}"}}`);
    // Pods are one of the kinds whose store returns the deleted object (ReturnDeletedObject).
    await post("/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "del-pod" }, spec: { containers: [{ name: "c", image: "skiff/busybox" }] } });
    const pod = await app.inject({ method: "DELETE", url: "/api/v1/namespaces/default/pods/del-pod" });
    expect(pod.statusCode).toBe(200);
    expect(pod.json()).toMatchObject({ kind: "Pod", metadata: { name: "del-pod" } });
    // Still there (a finalizer): 200 with the object, not 202.
    await post(CM, { ...cm("del-held"), metadata: { name: "del-held", finalizers: ["example.com/hold"] } });
    const held = await app.inject({ method: "DELETE", url: `${CM}/del-held` });
    expect(held.statusCode).toBe(200);
    expect(held.json().metadata.deletionTimestamp).toBeDefined();
    await app.inject({ method: "PATCH", url: `${CM}/del-held`, headers: { "content-type": "application/merge-patch+json" }, payload: { metadata: { finalizers: null } } });
  });

  it("replays a selector watch from a resourceVersion as Kubernetes does", async () => {
    await post(CM, cm("rv-a", { tier: "web" }));
    await post(CM, cm("rv-b", { tier: "db" }));
    await post(CM, cm("rv-quiet", { tier: "db" }));
    const rv = (await app.inject({ url: CM })).json().metadata.resourceVersion as string;
    await post(CM, cm("rv-new", { tier: "web" })); // created after rv: ADDED
    const patch = (name: string, tier: string) =>
      app.inject({ method: "PATCH", url: `${CM}/${name}`, headers: { "content-type": "application/merge-patch+json" }, payload: { metadata: { labels: { tier } } } });
    await patch("rv-a", "db"); // stops matching: DELETED
    await patch("rv-b", "web"); // starts matching: ADDED
    await patch("rv-b", "web2"); // stops again: DELETED
    const events = await watchEvents(`${CM}?watch=true&labelSelector=tier%3Dweb&resourceVersion=${rv}`);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED rv-new", "DELETED rv-a", "ADDED rv-b", "DELETED rv-b"]);
  });
});

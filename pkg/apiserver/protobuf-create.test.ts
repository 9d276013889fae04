// Acceptance (issue #17): a client-go-style protobuf create of each served
// built-in kind round-trips — encoded JSON→protobuf with skiff's schema, POSTed
// as application/vnd.kubernetes.protobuf, read back equal to the same object
// created as JSON.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry } from "./registry.js";
import { buildApiServer } from "./server.js";
import { RESOURCES, apiVersionOf, type ResourceInfo } from "../api/kinds.js";
import { encodeProtobufBody, messageFor, PROTOBUF_CONTENT_TYPE } from "../api/protobuf/codec.js";
import { FIXTURES } from "../api/protobuf/testdata/fixtures.js";

const served = RESOURCES.filter((r) => messageFor(apiVersionOf(r), r.kind));

function collectionUrl(r: ResourceInfo): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced ? `${base}/namespaces/default/${r.plural}` : `${base}/${r.plural}`;
}

/** What differs between two creates of the same object by design: identity, versions, times, allocated addresses. */
function normalize(o: Record<string, unknown>): unknown {
  const copy = structuredClone(o) as { metadata: Record<string, unknown>; spec?: Record<string, unknown> };
  for (const k of ["name", "uid", "resourceVersion", "creationTimestamp", "managedFields"]) delete copy.metadata[k];
  const labels = copy.metadata.labels as Record<string, string> | undefined;
  if (labels) delete labels["kubernetes.io/metadata.name"];
  if (copy.spec) for (const k of ["clusterIP", "clusterIPs", "podCIDR", "podCIDRs"]) delete copy.spec[k];
  if (o.kind === "APIService" && copy.spec) delete copy.spec.group;
  return copy;
}

describe("protobuf create of every served built-in kind", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;

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

  it.each(served.map((r) => [`${apiVersionOf(r)}/${r.kind}`, r] as const))("%s", async (key, info) => {
    const fixture = FIXTURES[key];
    expect(fixture, `a fixture for ${key} in pkg/api/protobuf/testdata/fixtures.ts`).toBeDefined();
    // An APIService's name must be "<version>.<group>": each copy gets a group of its own.
    const isApiService = info.kind === "APIService";
    const nameOf = (variant: string) => (isApiService ? `v1.${variant}.example.com` : `${info.plural}-${variant}`);
    const make = (variant: string) => ({
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      ...fixture,
      ...(isApiService ? { spec: { ...(fixture.spec as object), group: `${variant}.example.com` } } : {}),
      metadata: { ...((fixture.metadata as object | undefined) ?? {}), name: nameOf(variant) },
    });
    const viaJson = await app.inject({ method: "POST", url: collectionUrl(info), payload: make("json") });
    expect(viaJson.statusCode, viaJson.body).toBe(201);
    const viaProtobuf = await app.inject({
      method: "POST",
      url: collectionUrl(info),
      headers: { "content-type": PROTOBUF_CONTENT_TYPE, accept: `${PROTOBUF_CONTENT_TYPE},application/json` },
      payload: encodeProtobufBody(make("pb")),
    });
    expect(viaProtobuf.statusCode, viaProtobuf.body).toBe(201);
    const a = (await app.inject({ url: `${collectionUrl(info)}/${nameOf("json")}` })).json();
    const b = (await app.inject({ url: `${collectionUrl(info)}/${nameOf("pb")}` })).json();
    expect(normalize(b)).toEqual(normalize(a));
  });

  it("reads protobuf bodies for the scale subresource and DeleteOptions", async () => {
    const dep = { apiVersion: "apps/v1", kind: "Deployment", ...FIXTURES["apps/v1/Deployment"], metadata: { name: "scaled" } };
    await app.inject({ method: "POST", url: "/apis/apps/v1/namespaces/default/deployments", payload: dep });
    const scale = encodeProtobufBody({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "scaled", namespace: "default" }, spec: { replicas: 4 } });
    const put = await app.inject({ method: "PUT", url: "/apis/apps/v1/namespaces/default/deployments/scaled/scale", headers: { "content-type": PROTOBUF_CONTENT_TYPE }, payload: scale });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().spec.replicas).toBe(4);
    const opts = encodeProtobufBody({ apiVersion: "apps/v1", kind: "DeleteOptions", propagationPolicy: "Nonsense" });
    const del = await app.inject({ method: "DELETE", url: "/apis/apps/v1/namespaces/default/deployments/scaled", headers: { "content-type": PROTOBUF_CONTENT_TYPE }, payload: opts });
    // The options were read: the bad policy is refused by name.
    expect(del.statusCode).toBe(400);
    expect(del.json().message).toMatch(/Nonsense/);
  });
});

import { describe, expect, it } from "vitest";
import Fastify from "fastify";
import { decodeProtobufBody } from "../api/protobuf/codec.js";
import { accessReviewRoutes, reviewAttributes } from "./access-review.js";
import { RbacAuthorizer, staticRbacSource } from "./rbac.js";
import { canISpec } from "./can-i.js";
import type { Authorizer } from "../apiserver/auth.js";
import { ApiError } from "../api/errors.js";

// A minimal protobuf writer: enough to build what kubectl sends.
function field(no: number, value: Buffer | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  return Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
}
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
function envelope(kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([field(1, "authorization.k8s.io/v1"), field(2, kind)]);
  return Buffer.concat([Buffer.from("k8s\0", "binary"), field(1, typeMeta), field(2, raw), field(4, "application/vnd.kubernetes.protobuf")]);
}

describe("access reviews in protobuf", () => {
  const attrs = Buffer.concat([field(1, "a"), field(2, "create"), field(3, "apps"), field(5, "deployments"), field(7, "web")]);

  it("decodes a SelfSubjectAccessReview as kubectl sends it", () => {
    const raw = Buffer.concat([field(1, Buffer.alloc(0)), field(2, field(1, attrs))]);
    expect(decodeProtobufBody(envelope("SelfSubjectAccessReview", raw)).object.spec).toEqual({
      resourceAttributes: { namespace: "a", verb: "create", group: "apps", resource: "deployments", name: "web" },
    });
  });

  it("decodes a SubjectAccessReview's user and groups, and non-resource attributes", () => {
    const spec = Buffer.concat([field(2, Buffer.concat([field(1, "/healthz"), field(2, "get")])), field(3, "bob"), field(4, "dev"), field(4, "ops")]);
    const got = decodeProtobufBody(envelope("SubjectAccessReview", field(2, spec))).object.spec;
    expect(got).toMatchObject({ nonResourceAttributes: { path: "/healthz", verb: "get" }, user: "bob", groups: ["dev", "ops"] });
  });

  it("refuses what is not a Kubernetes protobuf message", () => {
    expect(() => decodeProtobufBody(Buffer.from("{}"))).toThrow(/not a Kubernetes protobuf/);
    expect(() => decodeProtobufBody(Buffer.concat([Buffer.from("k8s\0", "binary"), Buffer.from([0x12, 0x50])]))).toThrow(/envelope/);
  });
});

describe("access review routes", () => {
  const authz: Authorizer = { authorize: (a) => ({ allowed: a.user === "ann" && a.verb === "get", reason: a.user === "ann" ? undefined : "nope" }) };
  const rbac = new RbacAuthorizer(staticRbacSource([]));
  async function app() {
    const f = Fastify();
    f.addHook("onRequest", async (req) => {
      req.user = "ann";
      req.groups = ["system:authenticated"];
    });
    // What the API server's error handler does with ApiError.
    f.setErrorHandler((e, _req, reply) => {
      reply.code(e instanceof ApiError ? e.httpStatus : 500).send(e instanceof ApiError ? e.toStatus() : { message: String(e) });
    });
    f.post("/api/v1/*", async () => "stored");
    accessReviewRoutes(authz, rbac)(f);
    await f.ready();
    return f;
  }

  it("answers a SelfSubjectAccessReview for the caller, in JSON or protobuf", async () => {
    const f = await app();
    const json = await f.inject({ method: "POST", url: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", payload: { spec: { resourceAttributes: { verb: "get", resource: "pods" } } } });
    expect(json.statusCode).toBe(201);
    expect(json.json()).toMatchObject({ kind: "SelfSubjectAccessReview", status: { allowed: true } });
    const raw = field(2, field(1, Buffer.concat([field(2, "delete"), field(5, "pods")])));
    const pb = await f.inject({ method: "POST", url: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", headers: { "content-type": "application/vnd.kubernetes.protobuf" }, payload: envelope("SelfSubjectAccessReview", raw) });
    expect(pb.statusCode).toBe(201);
    expect(pb.json().status).toEqual({ allowed: false });
    expect((await f.inject({ method: "POST", url: "/api/v1/namespaces/default/pods", headers: { "content-type": "application/vnd.kubernetes.protobuf" }, payload: Buffer.from("k8s\0") })).statusCode).toBe(415);
    await f.close();
  });

  it("answers a SubjectAccessReview for the named user, and refuses an empty spec", async () => {
    const f = await app();
    const r = await f.inject({ method: "POST", url: "/apis/authorization.k8s.io/v1/subjectaccessreviews", payload: { spec: { user: "bob", resourceAttributes: { verb: "get", resource: "pods" } } } });
    expect(r.json().status).toEqual({ allowed: false, reason: "nope" });
    const bad = await f.inject({ method: "POST", url: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", payload: { spec: {} } });
    expect(bad.statusCode).toBe(400);
    await f.close();
  });

  it("turns review specs into request attributes", () => {
    expect(reviewAttributes({ resourceAttributes: { verb: "get", resource: "pods", subresource: "log", namespace: "a", name: "p" } }, { user: "u", groups: [] })).toMatchObject({
      isResourceRequest: true,
      apiGroup: "",
      resource: "pods",
      subresource: "log",
      namespace: "a",
      name: "p",
    });
    expect(() => reviewAttributes({ resourceAttributes: { resource: "pods" } }, { user: "u", groups: [] })).toThrow(/verb/);
  });

  it("resolves can-i resources like kubectl", () => {
    expect(canISpec({ verb: "create", resource: "deploy", namespace: "a" }).spec.resourceAttributes).toEqual({ verb: "create", group: "apps", resource: "deployments", namespace: "a" });
    expect(canISpec({ verb: "list", resource: "nodes", namespace: "a" }).spec.resourceAttributes).toEqual({ verb: "list", group: "", resource: "nodes" });
    expect(canISpec({ verb: "get", resource: "pods/log", namespace: "a" }).spec.resourceAttributes).toMatchObject({ resource: "pods", subresource: "log" });
    expect(canISpec({ verb: "get", resource: "/healthz", namespace: "a" }).spec).toEqual({ nonResourceAttributes: { path: "/healthz", verb: "get" } });
    expect(canISpec({ verb: "get", resource: "widgets.example.com", namespace: "a" })).toMatchObject({ warning: expect.stringContaining("widgets.example.com"), spec: { resourceAttributes: { group: "example.com", resource: "widgets" } } });
  });
});

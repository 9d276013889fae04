import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RESOURCES, apiVersionOf } from "../kinds.js";
import { decodeProtobufBody, encodeProtobufBody, messageFor, protobufKinds, readProtobufRequestBody } from "./codec.js";
import { generateSchema, readFacts, renderSchema, SCHEMA_DIR, type GeneratedSchema, type NamespaceJson } from "./generate-schema.js";
import { FIXTURES } from "./testdata/fixtures.js";
import { ApiError } from "../errors.js";

const withType = (key: string, o: Record<string, unknown>) => {
  const kind = key.slice(key.lastIndexOf("/") + 1);
  const apiVersion = key.slice(0, key.lastIndexOf("/"));
  const metadata = { name: "x", ...((o.metadata as object | undefined) ?? {}) };
  return { apiVersion, kind, ...o, metadata };
};

describe("Kubernetes protobuf codec", () => {
  it("is generated from the kinds registry and the IDL facts (the committed schema covers every served kind)", () => {
    const committed = JSON.parse(readFileSync(join(SCHEMA_DIR, "schema.generated.json"), "utf8")) as GeneratedSchema;
    const wanted = generateSchema(readFacts());
    const hint = "regenerate: npm run build && node dist/pkg/api/protobuf/generate-schema.js";
    for (const [kind, message] of Object.entries(wanted.kinds)) expect(committed.kinds[kind], `${kind} (${hint})`).toBe(message);
    const messages = (ns: NamespaceJson, prefix = "", out = new Map<string, unknown>()) => {
      if (ns.fields) out.set(prefix, ns.fields);
      for (const [k, v] of Object.entries(ns.nested ?? {})) messages(v, prefix ? `${prefix}.${k}` : k, out);
      return out;
    };
    const have = messages(committed.root);
    for (const [name, fields] of messages(wanted.root)) expect(have.get(name), `${name} (${hint})`).toEqual(fields);
    // The committed file is the generator's own rendering.
    expect(readFileSync(join(SCHEMA_DIR, "schema.generated.json"), "utf8")).toBe(renderSchema(committed));
  });

  it("has a protobuf form and a fixture for every built-in kind skiff serves", () => {
    const served = RESOURCES.map((r) => `${apiVersionOf(r)}/${r.kind}`).filter((k) => messageFor(k.slice(0, k.lastIndexOf("/")), k.slice(k.lastIndexOf("/") + 1)));
    expect(served.length).toBeGreaterThanOrEqual(22);
    for (const k of served) expect(FIXTURES[k], `fixture for ${k}`).toBeDefined();
    for (const k of ["policy/v1/Eviction", "autoscaling/v1/Scale", "authentication.k8s.io/v1/TokenRequest", "v1/Binding", "meta.k8s.io/v1/DeleteOptions"]) expect(protobufKinds()).toContain(k);
  });

  it.each(Object.keys(FIXTURES))("round-trips %s: decode(encode(json)) equals the json", (key) => {
    const obj = withType(key, FIXTURES[key]);
    const body = encodeProtobufBody(obj);
    expect(body.subarray(0, 4)).toEqual(Buffer.from("k8s\0", "binary"));
    expect(decodeProtobufBody(body).object).toEqual(obj);
  });

  it("reads Go's always-written zeros as JSON would: omitempty fields dropped, pointer zeros kept, zero times absent", () => {
    // Go's generated marshallers write every non-pointer field; only pointers mark presence.
    const asGoWrites = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", generateName: "", namespace: "", generation: 0, creationTimestamp: "1970-01-01T00:00:00Z" },
      spec: { replicas: 0, minReadySeconds: 0, paused: false, template: { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80, hostPort: 0 }] }] } } },
      status: {},
    };
    expect(decodeProtobufBody(encodeProtobufBody(asGoWrites)).object).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 0, template: { spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: 80 }] }] } } },
      status: {},
    });
  });

  it("maps bad bodies to 400 and kinds without a protobuf form to 415", () => {
    const status = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ApiError ? e.httpStatus : 0;
      }
      return 200;
    };
    expect(status(() => readProtobufRequestBody(Buffer.from("{}")))).toBe(400);
    expect(status(() => readProtobufRequestBody(Buffer.concat([Buffer.from("k8s\0", "binary"), Buffer.from([0x12, 0x50])])))).toBe(400);
    const custom = encodeProtobufBody({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } });
    expect(status(() => readProtobufRequestBody(Buffer.from(custom.toString("latin1").replace("ConfigMap", "Configmap"), "latin1")))).toBe(415);
  });
});

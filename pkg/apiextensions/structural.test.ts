import { describe, expect, it } from "vitest";
import type { JSONSchemaProps } from "../api/custom-resources.js";
import { applySchemaDefaults, prune, validateSchema } from "./structural.js";
import { validateCrd } from "./crd-validation.js";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      required: ["image"],
      properties: {
        image: { type: "string", minLength: 1 },
        replicas: { type: "integer", minimum: 1, maximum: 10, default: 1 },
        port: { "x-kubernetes-int-or-string": true },
        mode: { type: "string", enum: ["a", "b"] },
        tags: { type: "array", items: { type: "string" }, maxItems: 2 },
        extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        labels: { type: "object", additionalProperties: { type: "string" } },
        template: { type: "object", "x-kubernetes-embedded-resource": true, properties: { spec: { type: "object", properties: { a: { type: "string" } } } } },
      },
    },
  },
};

describe("structural schemas", () => {
  it("prunes unknown fields but keeps preserved, additionalProperties and embedded type meta", () => {
    const obj = { apiVersion: "x/v1", kind: "X", metadata: { name: "n" }, spec: { image: "i", junk: 1, extra: { any: { thing: 1 } }, labels: { a: "b" }, template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { a: "x", b: "gone" } } }, other: true };
    expect(prune(obj, schema).sort()).toEqual(["other", "spec.junk", "spec.template.spec.b"]);
    expect(obj).toEqual({ apiVersion: "x/v1", kind: "X", metadata: { name: "n" }, spec: { image: "i", extra: { any: { thing: 1 } }, labels: { a: "b" }, template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { a: "x" } } } });
  });

  it("fills in defaults of missing fields", () => {
    const obj = { spec: { image: "i" } };
    applySchemaDefaults(obj, schema);
    expect(obj.spec).toEqual({ image: "i", replicas: 1 });
  });

  it("reports every violation with Kubernetes' paths and wording", () => {
    const errs = validateSchema({ spec: { replicas: 15, port: 1.5, mode: "c", tags: ["a", "b", "c"], labels: { a: 1 }, template: { metadata: {} } } }, schema).map((e) => e.message);
    expect(errs).toEqual(
      expect.arrayContaining([
        "spec.image: Required value",
        "spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10",
        'spec.port: Invalid value: 1.5: spec.port in body must be of type integer or string: "number"',
        'spec.mode: Unsupported value: "c": supported values: "a", "b"',
        "spec.tags: Invalid value: 3: must have at most 2 items",
        'spec.labels.a: Invalid value: 1: spec.labels.a in body must be of type string: "integer"',
        "spec.template.apiVersion: Required value: must not be empty",
      ]),
    );
    expect(validateSchema({ spec: { replicas: "3", image: "i" } }, schema).map((e) => e.message)).toEqual(['spec.replicas: Invalid value: "3": spec.replicas in body must be of type integer: "string"']);
    expect(validateSchema({ spec: { image: "i", port: "http" } }, schema)).toEqual([]);
  });
});

describe("CRD validation", () => {
  const crd = (patch: Record<string, unknown> = {}) => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "crontabs.stable.example.com" },
    spec: { group: "stable.example.com", scope: "Namespaced", names: { plural: "crontabs", kind: "CronTab" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { a: {} } } } } } }], ...patch },
  });

  it("requires a typed structural schema, one storage version and matching names", () => {
    const msgs = validateCrd(crd() as never).map((e) => e.message);
    expect(msgs).toEqual(["spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[a].type: Required value: must not be empty for specified object fields"]);
    const bad = validateCrd(crd({ group: "example", scope: "Global", versions: [{ name: "v1", served: true, storage: false, schema: { openAPIV3Schema: { type: "object" } } }] }) as never).map((e) => e.message);
    expect(bad).toEqual(
      expect.arrayContaining([
        'spec.group: Invalid value: "example": should be a domain with at least one dot',
        'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
        'metadata.name: Invalid value: "crontabs.stable.example.com": must be spec.names.plural+"."+spec.group',
        expect.stringMatching(/^spec\.versions: Invalid value: .*must have exactly one version marked as storage version$/),
      ]),
    );
  });

  it("rejects defaults that do not validate", () => {
    const c = crd({ versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { n: { type: "integer", maximum: 3, default: 5 } } } } } } }] });
    expect(validateCrd(c as never).map((e) => e.message)).toEqual([
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[n].default: Invalid value: 5: spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[n].default in body should be less than or equal to 3",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors.js";
import { applyPatch, SUPPORTED_PATCH_TYPES } from "./patch.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const deployment = deepFreeze({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "a", image: "a:1" }, { name: "b", image: "b:1" }] } } },
});

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

describe("applyPatch", () => {
  it("kubectl scale: merge patch on the scale subresource, with a charset parameter and a text body", () => {
    const scale = deepFreeze({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 2 } });
    const out = applyPatch("application/merge-patch+json; charset=utf-8", scale, '{"spec":{"replicas":5}}', "Scale");
    expect(out).toEqual({ ...scale, spec: { replicas: 5 } });
  });

  it("dispatches on content type: merge replaces lists, strategic merges them by key", () => {
    const patch = { spec: { template: { spec: { containers: [{ name: "b", image: "b:2" }] } } } };
    const merged = applyPatch("application/merge-patch+json", deployment, patch, "Deployment") as any;
    expect(merged.spec.template.spec.containers).toEqual([{ name: "b", image: "b:2" }]);
    const strategic = applyPatch("application/strategic-merge-patch+json", deployment, Buffer.from(JSON.stringify(patch)), "Deployment") as any;
    expect(strategic.spec.template.spec.containers).toEqual([{ name: "a", image: "a:1" }, { name: "b", image: "b:2" }]);
  });

  it("json patch, with 422 when a test fails", () => {
    const out = applyPatch("application/json-patch+json", deployment, [{ op: "replace", path: "/spec/replicas", value: 4 }], "Deployment") as any;
    expect(out.spec.replicas).toBe(4);
    const err = failure(() => applyPatch("application/json-patch+json", deployment, '[{"op":"test","path":"/spec/replicas","value":9}]', "Deployment"));
    expect(err.httpStatus).toBe(422);
  });

  it("apply patch takes YAML text and needs a field manager", () => {
    const yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 7\n";
    const out = applyPatch("application/apply-patch+yaml", deployment, yaml, "Deployment", { fieldManager: "kubectl", now: () => new Date(0) }) as any;
    expect(out.spec.replicas).toBe(7);
    expect(out.spec.template.spec.containers).toHaveLength(2);
    expect(out.metadata.managedFields).toEqual([{ manager: "kubectl", operation: "Apply", apiVersion: "apps/v1", time: "1970-01-01T00:00:00Z", fieldsType: "FieldsV1" }]);
    expect(failure(() => applyPatch("application/apply-patch+yaml", deployment, yaml, "Deployment")).reason).toBe("BadRequest");
  });

  it("unsupported content types are a 415 listing the supported ones", () => {
    const err = failure(() => applyPatch("application/json", deployment, {}, "Deployment"));
    expect(err.reason).toBe("UnsupportedMediaType");
    expect(err.httpStatus).toBe(415);
    for (const t of SUPPORTED_PATCH_TYPES) expect(err.message).toContain(t);
  });

  it("undecodable bodies and non-object results are 400s", () => {
    expect(failure(() => applyPatch("application/merge-patch+json", deployment, "{not json", "Deployment")).reason).toBe("BadRequest");
    expect(failure(() => applyPatch("application/merge-patch+json", deployment, "[1]", "Deployment")).reason).toBe("BadRequest");
    expect(failure(() => applyPatch("application/strategic-merge-patch+json", deployment, "[]", "Deployment")).reason).toBe("BadRequest");
  });
});

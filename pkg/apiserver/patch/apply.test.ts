import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors.js";
import { parseApplyBody, serverSideApply } from "./apply.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const now = () => new Date("2024-06-01T12:34:56.789Z");

const applied = deepFreeze({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
});

describe("serverSideApply", () => {
  it("with no live object the result is the applied object plus managedFields", () => {
    const out = serverSideApply(undefined, applied, "kubectl", { now });
    expect(out).toEqual({
      ...applied,
      metadata: {
        ...applied.metadata,
        managedFields: [{ manager: "kubectl", operation: "Apply", apiVersion: "apps/v1", time: "2024-06-01T12:34:56Z", fieldsType: "FieldsV1" }],
      },
    });
  });

  it("merges into the live object by key and keeps fields the config does not mention", () => {
    const live = deepFreeze({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "web",
        uid: "u1",
        labels: { app: "web", team: "x" },
        managedFields: [
          { manager: "kubectl", operation: "Apply", apiVersion: "apps/v1", time: "2024-01-01T00:00:00Z", fieldsType: "FieldsV1" },
          { manager: "kube-controller-manager", operation: "Update", apiVersion: "apps/v1", time: "2024-01-01T00:00:00Z", fieldsType: "FieldsV1", subresource: "status" },
        ],
      },
      spec: {
        replicas: 1,
        template: {
          spec: {
            containers: [
              { name: "web", image: "nginx:1.25", imagePullPolicy: "IfNotPresent", args: ["--old"] },
              { name: "sidecar", image: "envoy" },
            ],
          },
        },
      },
      status: { replicas: 1 },
    });
    const out = serverSideApply(live, applied, "kubectl", { now }) as any;
    expect(out.metadata.uid).toBe("u1");
    expect(out.metadata.labels).toEqual({ app: "web", team: "x" });
    expect(out.spec.replicas).toBe(3);
    expect(out.spec.template.spec.containers).toEqual([
      { name: "web", image: "nginx:1.27", imagePullPolicy: "IfNotPresent", args: ["--old"] },
      { name: "sidecar", image: "envoy" },
    ]);
    expect(out.status).toEqual({ replicas: 1 });
    // The manager's old Apply entry is replaced; other managers' entries stay.
    expect(out.metadata.managedFields.map((e: { manager: string; time: string }) => `${e.manager}@${e.time}`)).toEqual([
      "kube-controller-manager@2024-01-01T00:00:00Z",
      "kubectl@2024-06-01T12:34:56Z",
    ]);
  });

  it("ignores managedFields in the applied config and requires a field manager", () => {
    const withFields = { ...applied, metadata: { ...applied.metadata, managedFields: [{ manager: "forged" }] } };
    const out = serverSideApply(undefined, withFields, "skiff", { now }) as any;
    expect(out.metadata.managedFields).toHaveLength(1);
    expect(out.metadata.managedFields[0].manager).toBe("skiff");
    expect(() => serverSideApply(undefined, applied, "")).toThrow(ApiError);
  });
});

describe("parseApplyBody", () => {
  it("reads JSON and YAML", () => {
    expect(parseApplyBody('{"kind":"Pod","metadata":{"name":"p"}}')).toEqual({ kind: "Pod", metadata: { name: "p" } });
    expect(parseApplyBody("kind: Pod\nmetadata:\n  name: p\n  labels: {a: '1'}\n")).toEqual({ kind: "Pod", metadata: { name: "p", labels: { a: "1" } } });
  });

  it("reports the line of a YAML syntax error as a 400", () => {
    let err: unknown;
    try {
      parseApplyBody("kind: Pod\nmetadata:\n  name: p\n spec: [1, 2\n");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe("BadRequest");
    expect((err as ApiError).message).toMatch(/at line 4, column \d+/);
  });

  it("rejects duplicate keys, several documents, non-objects and empty bodies", () => {
    expect(() => parseApplyBody("a: 1\na: 2\n")).toThrowError(/line 2.*unique/);
    expect(() => parseApplyBody("a: 1\n---\nb: 2\n")).toThrowError(/single YAML document/);
    expect(() => parseApplyBody("- 1\n")).toThrowError(/must be an object/);
    expect(() => parseApplyBody("  \n")).toThrowError(/empty/);
  });
});

import { describe, expect, it } from "vitest";
import { checkKubeObject } from "./object-check.js";

describe("checkKubeObject", () => {
  it("accepts a well-formed object and gives an absent metadata as {}", () => {
    const input = { apiVersion: "v1", kind: "ConfigMap", data: { a: "1" } };
    const r = checkKubeObject(input);
    expect(r.problems).toBeUndefined();
    expect(r.object).toEqual({ apiVersion: "v1", kind: "ConfigMap", data: { a: "1" }, metadata: {} });
    expect(input).not.toHaveProperty("metadata");
  });

  it("keeps the object's fields and their order", () => {
    const r = checkKubeObject({ kind: "Pod", apiVersion: "v1", metadata: { name: "p", labels: { app: "x" } }, spec: { containers: [] } });
    expect(Object.keys(r.object ?? {})).toEqual(["kind", "apiVersion", "metadata", "spec"]);
  });

  it("names every bad field by its path", () => {
    const r = checkKubeObject({ apiVersion: 1, metadata: { name: 3, labels: { app: 4 }, finalizers: "x" } });
    expect(r.object).toBeUndefined();
    expect(r.problems).toEqual([
      "apiVersion must be a string, not a number (1)",
      "kind not set",
      "metadata.name must be a string, not a number (3)",
      "metadata.labels.app must be a string, not a number (4)",
      'metadata.finalizers must be a list, not a string ("x")',
    ]);
  });

  it("refuses a metadata that is not a map", () => {
    expect(checkKubeObject({ apiVersion: "v1", kind: "Pod", metadata: ["a"] }).problems).toEqual(["metadata must be a map, not a list"]);
    expect(checkKubeObject({ apiVersion: "v1", kind: "Pod", metadata: "x" }).problems).toEqual(['metadata must be a map, not a string ("x")']);
  });
});

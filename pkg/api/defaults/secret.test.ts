import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";

describe("Secret defaults", () => {
  it("defaults type to Opaque", () => {
    expect(applyDefaults({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }).type).toBe("Opaque");
    expect(applyDefaults({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, type: "kubernetes.io/tls" }).type).toBe("kubernetes.io/tls");
  });

  it("merges stringData into data as base64, overriding data, and drops it", () => {
    const s = applyDefaults({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { a: Buffer.from("old").toString("base64"), b: "Yg==" },
      stringData: { a: "new", "c.txt": "héllo" },
    });
    expect(s.stringData).toBeUndefined();
    expect(s.data).toEqual({ a: Buffer.from("new").toString("base64"), b: "Yg==", "c.txt": Buffer.from("héllo").toString("base64") });
    // Idempotent: a second pass changes nothing.
    expect(applyDefaults(structuredClone(s))).toEqual(s);
  });

  it("leaves a malformed stringData for validation to report", () => {
    const s = applyDefaults({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { a: 1 } });
    expect(s.stringData).toEqual({ a: 1 });
    expect(s.data).toBeUndefined();
  });
});

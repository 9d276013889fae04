import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import type { KubeObject } from "../types.js";
import { validateObject } from "../validation.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function secret(fields: Record<string, unknown>): KubeObject {
  return applyDefaults({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "default" }, ...fields });
}

const messages = (obj: KubeObject, old?: KubeObject) => validateObject(obj, old ? { isUpdate: true, old } : {}).map((e) => e.message);

describe("Secret validation", () => {
  it("accepts base64 data and merged stringData", () => {
    expect(messages(secret({ data: { password: b64("hunter2") }, stringData: { user: "admin" } }))).toEqual([]);
  });

  it("reports bad base64 like Go's decoder, never echoing the value", () => {
    const errs = validateObject(secret({ data: { password: "hunter2!" } }));
    expect(errs.map((e) => e.message)).toEqual(['data[password]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 7']);
    expect(JSON.stringify(errs)).not.toContain("hunter2");
  });

  it("checks keys like ConfigMap keys and the 1 MiB limit on decoded data", () => {
    expect(messages(secret({ data: { "a b": b64("x") } })).join("\n")).toContain("data[a b]: Invalid value");
    const big = Buffer.alloc(1024 * 1024 + 1).toString("base64");
    expect(messages(secret({ data: { big } })).join("\n")).toContain("data: Too long");
    expect(messages(secret({ data: { big: Buffer.alloc(1024 * 1024).toString("base64") } }))).toEqual([]);
  });

  it("requires each well-known type's keys", () => {
    expect(messages(secret({ type: "kubernetes.io/tls", data: { "tls.crt": b64("c") } }))).toEqual(["data[tls.key]: Required value"]);
    expect(messages(secret({ type: "kubernetes.io/basic-auth", data: {} }))).toEqual(["data[username]: Required value", "data[password]: Required value"]);
    expect(messages(secret({ type: "kubernetes.io/basic-auth", stringData: { password: "" } }))).toEqual([]);
    expect(messages(secret({ type: "kubernetes.io/dockerconfigjson", data: {} }))).toEqual(["data[.dockerconfigjson]: Required value"]);
    const notJson = messages(secret({ type: "kubernetes.io/dockerconfigjson", stringData: { ".dockerconfigjson": "{auths: sekrit" } }));
    expect(notJson).toEqual(['data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": must be valid JSON']);
    expect(messages(secret({ type: "kubernetes.io/ssh-auth", data: {} }))).toEqual(["data[ssh-privatekey]: Required value"]);
    expect(messages(secret({ type: "kubernetes.io/service-account-token" }))).toEqual(["metadata.annotations[kubernetes.io/service-account.name]: Required value"]);
  });

  it("keeps type immutable, and data too once immutable is set", () => {
    const old = secret({ data: { a: b64("1") }, immutable: true });
    const changed = secret({ type: "kubernetes.io/tls", data: { a: b64("2"), "tls.crt": "", "tls.key": "" }, immutable: true });
    const m = messages(changed, old).join("\n");
    expect(m).toContain('type: Invalid value: "kubernetes.io/tls": field is immutable');
    expect(m).toContain("data: Forbidden: field is immutable when `immutable` is set");
    expect(messages(secret({ data: { a: b64("1") } }), old).join("\n")).toContain("immutable: Forbidden");
  });
});

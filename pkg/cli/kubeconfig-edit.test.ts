import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildKubeconfig, kubeconfigYaml } from "../client/kubeconfig.js";
import { contextRows, currentContext, parseKubeconfig, setContext, useContext, viewJson, viewKubeconfig, viewYaml } from "./kubeconfig-edit.js";

const two = () => {
  const cfg = parseKubeconfig(kubeconfigYaml(buildKubeconfig({ server: "https://127.0.0.1:6443", caPem: "PEM", token: "secret-token" })));
  (cfg.clusters as unknown[]).push({ name: "other", cluster: { server: "https://10.0.0.1", "certificate-authority-data": "QQ==" } });
  (cfg.users as unknown[]).push({ name: "bob", user: { "client-key-data": "S0VZ", password: "pw" } });
  (cfg.contexts as unknown[]).push({ name: "other", context: { cluster: "other", user: "bob" } });
  return cfg;
};

describe("config view", () => {
  it("redacts secrets like kubectl (DATA+OMITTED, REDACTED) unless --raw", () => {
    const text = viewYaml(viewKubeconfig(two()));
    expect(text).not.toContain("secret-token");
    expect(text).toContain("token: REDACTED");
    expect(text).toContain("password: REDACTED");
    expect(text).toContain("certificate-authority-data: DATA+OMITTED");
    expect(text).toContain("client-key-data: DATA+OMITTED");
    expect(text).toMatch(/^clusters:\n- cluster:\n {4}certificate-authority-data: DATA\+OMITTED\n {4}server: https:\/\/127\.0\.0\.1:6443\n {2}name: skiff\n/m);
    expect(viewYaml(viewKubeconfig(two(), { raw: true }))).toContain("token: secret-token");
  });

  it("--minify keeps only the current context, its cluster and its user", () => {
    const v = parse(viewYaml(viewKubeconfig(two(), { minify: true })));
    expect(v.clusters.map((c: { name: string }) => c.name)).toEqual(["skiff"]);
    expect(v.users.map((c: { name: string }) => c.name)).toEqual(["skiff-admin"]);
    expect(v.contexts).toHaveLength(1);
    expect(parse(viewYaml(viewKubeconfig(two(), { minify: true, context: "other" }))).users[0].name).toBe("bob");
  });

  it("prints JSON in client-go's field order", () => {
    const json = viewJson(viewKubeconfig(two()));
    expect(Object.keys(JSON.parse(json))).toEqual(["kind", "apiVersion", "preferences", "clusters", "users", "contexts", "current-context"]);
    expect(json).toMatch(/"name": "skiff",\n\s+"cluster": \{\n\s+"server"/);
  });
});

describe("config contexts", () => {
  it("sets the namespace of the current context, switches and lists contexts", () => {
    const cfg = two();
    expect(currentContext(cfg)).toBe("skiff");
    expect(setContext(cfg, "skiff", { namespace: "lab" })).toBe("modified");
    expect(setContext(cfg, "new", { cluster: "other", user: "bob" })).toBe("created");
    useContext(cfg, "other");
    expect(() => useContext(cfg, "nope")).toThrow(/no context exists/);
    expect(contextRows(cfg)).toEqual([
      ["", "skiff", "skiff", "skiff-admin", "lab"],
      ["*", "other", "other", "bob", ""],
      ["", "new", "other", "bob", ""],
    ]);
  });
});

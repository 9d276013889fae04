import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/types.js";
import { RouteTable, servedBy } from "./routes.js";

type Path = { path?: string; pathType: string; svc: string };
const rule = (host: string | undefined, paths: Path[]) => ({
  ...(host ? { host } : {}),
  http: { paths: paths.map((p) => ({ ...(p.path !== undefined ? { path: p.path } : {}), pathType: p.pathType, backend: { service: { name: p.svc, port: { number: 80 } } } })) },
});
const ing = (name: string, spec: Record<string, unknown>, created = "2026-01-01T00:00:00Z"): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name, namespace: "default", creationTimestamp: created },
  spec: { ingressClassName: "skiff", ...spec },
});
const svcOf = (t: RouteTable, host: string, path: string) => t.match(host, path)?.service ?? "404";

describe("ingress routing precedence", () => {
  const table = RouteTable.build([
    ing("a", {
      rules: [
        rule("foo.example", [
          { path: "/", pathType: "Prefix", svc: "root" },
          { path: "/api", pathType: "Prefix", svc: "api" },
          { path: "/api/v2", pathType: "ImplementationSpecific", svc: "api-v2" },
          { path: "/api/exact", pathType: "Exact", svc: "exact" },
        ]),
        rule("*.example", [{ path: "/", pathType: "Prefix", svc: "wild" }]),
        rule(undefined, [{ path: "/shared", pathType: "Prefix", svc: "any-host" }]),
      ],
    }),
    ing("b", { defaultBackend: { service: { name: "fallback", port: { number: 80 } } }, rules: [rule("bar.example", [{ path: "/only", pathType: "Exact", svc: "bar-only" }])] }, "2026-01-02T00:00:00Z"),
  ]);

  it("prefers Exact, then the longest element-wise Prefix", () => {
    expect(svcOf(table, "foo.example", "/api/exact")).toBe("exact");
    expect(svcOf(table, "foo.example", "/api/exact/more")).toBe("api");
    expect(svcOf(table, "foo.example", "/api/v2/users?x=1")).toBe("api-v2");
    expect(svcOf(table, "foo.example", "/api")).toBe("api");
    expect(svcOf(table, "foo.example", "/api/")).toBe("api");
    expect(svcOf(table, "foo.example", "/apix")).toBe("root");
    expect(svcOf(table, "FOO.example:8080", "/")).toBe("root");
  });

  it("prefers an exact host over a wildcard (one label only) over rules without a host", () => {
    expect(svcOf(table, "baz.example", "/anything")).toBe("wild");
    expect(svcOf(table, "a.b.example", "/shared/x")).toBe("any-host");
    expect(svcOf(table, "example", "/shared")).toBe("any-host");
  });

  it("falls back to a defaultBackend, else nothing (404)", () => {
    expect(svcOf(table, "bar.example", "/only")).toBe("bar-only");
    expect(svcOf(table, "bar.example", "/only/not")).toBe("fallback");
    expect(svcOf(table, "a.b.example", "/nope")).toBe("fallback");
    expect(RouteTable.build([ing("c", { rules: [rule("x.example", [{ path: "/", pathType: "Exact", svc: "x" }])] })]).match("x.example", "/y")).toBeUndefined();
  });

  it("only serves Ingresses of its class (field or legacy annotation)", () => {
    expect(servedBy(ing("a", {}), "skiff")).toBe(true);
    expect(servedBy(ing("a", { ingressClassName: "nginx" }), "skiff")).toBe(false);
    const legacy: KubeObject = { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "l", annotations: { "kubernetes.io/ingress.class": "skiff" } }, spec: {} };
    expect(servedBy(legacy, "skiff")).toBe(true);
  });
});

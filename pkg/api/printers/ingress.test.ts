import { describe, expect, it } from "vitest";
import { tableFor } from "../printers.js";
import type { KubeObject } from "../types.js";

const now = new Date("2026-01-01T01:00:00Z");
const meta = (name: string) => ({ name, creationTimestamp: "2026-01-01T00:00:00Z" });
const rows = (kind: string, objs: KubeObject[]) => tableFor(kind, objs, { now, includeObject: "None" });

describe("networking printers (kubectl's columns)", () => {
  it("prints an Ingress with class, hosts, address and ports", () => {
    const hosts = (n: number) => Array.from({ length: n }, (_, i) => ({ host: `h${i}.example` }));
    const t = rows("Ingress", [
      { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta("web"), spec: { ingressClassName: "skiff", rules: hosts(2) }, status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } },
      { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta("many"), spec: { rules: hosts(5), tls: [{ hosts: ["h0.example"] }] } },
      { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: meta("any"), spec: { defaultBackend: {} } },
    ]);
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Class", "Hosts", "Address", "Ports", "Age"]);
    expect(t.rows.map((r) => r.cells)).toEqual([
      ["web", "skiff", "h0.example,h1.example", "127.0.0.1", "80", "60m"],
      ["many", "<none>", "h0.example,h1.example,h2.example + 2 more...", "", "80, 443", "60m"],
      ["any", "<none>", "*", "", "80", "60m"],
    ]);
  });

  it("prints IngressClass parameters and NetworkPolicy selectors", () => {
    const ic = rows("IngressClass", [
      { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: meta("skiff"), spec: { controller: "skiff.dev/ingress" } },
      { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: meta("p"), spec: { controller: "x.dev/c", parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb" } } },
    ]);
    expect(ic.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Controller", "Parameters", "Age"]);
    expect(ic.rows.map((r) => r.cells)).toEqual([
      ["skiff", "skiff.dev/ingress", "<none>", "60m"],
      ["p", "x.dev/c", "IngressParameters.k8s.example.com/external-lb", "60m"],
    ]);
    const np = rows("NetworkPolicy", [
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("db"), spec: { podSelector: { matchLabels: { app: "db" } } } },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta("all"), spec: { podSelector: {} } },
    ]);
    expect(np.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Pod-Selector", "Age"]);
    expect(np.rows.map((r) => r.cells)).toEqual([
      ["db", "app=db", "60m"],
      ["all", "<none>", "60m"],
    ]);
  });
});

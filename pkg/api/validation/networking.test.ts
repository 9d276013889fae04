import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import type { KubeObject } from "../types.js";
import { validateObject } from "../validation.js";

const backend = (name: string, port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } });

function ingress(spec: Record<string, unknown>, annotations?: Record<string, string>): KubeObject {
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "web", namespace: "default", ...(annotations ? { annotations } : {}) }, spec };
}

const messages = (obj: KubeObject, old?: KubeObject) => validateObject(obj, old ? { isUpdate: true, old } : {}).map((e) => e.message);

describe("Ingress validation", () => {
  it("accepts hosts, wildcard hosts, every path type and a default backend", () => {
    const ok = ingress({
      ingressClassName: "skiff",
      defaultBackend: backend("fallback", { name: "http" }),
      rules: [
        { host: "foo.example", http: { paths: [{ path: "/api", pathType: "Prefix", backend: backend("api") }, { path: "/exact", pathType: "Exact", backend: backend("x") }] } },
        { host: "*.bar.example", http: { paths: [{ path: "/", pathType: "ImplementationSpecific", backend: backend("bar") }] } },
        { http: { paths: [{ pathType: "ImplementationSpecific", backend: backend("any") }] } },
      ],
    });
    expect(messages(ok)).toEqual([]);
  });

  it("reports every problem with its field path", () => {
    const bad = ingress(
      {
        ingressClassName: "skiff",
        rules: [
          { host: "10.0.0.1", http: { paths: [{ path: "api", pathType: "Prefix", backend: backend("Api_svc") }] } },
          { host: "a.*.example", http: { paths: [{ path: "/a//b", pathType: "Sometimes", backend: { service: { name: "s", port: { name: "http", number: 80 } } } }] } },
          { host: "ok.example", http: { paths: [] } },
          { http: { paths: [{ path: "/x", backend: { service: { name: "s", port: {} } } }] } },
        ],
      },
      { "kubernetes.io/ingress.class": "nginx" },
    );
    const msgs = messages(bad);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^metadata\.annotations\.kubernetes\.io\/ingress\.class: Invalid value: "nginx": can not be set when the class field is also set/),
        expect.stringMatching(/^spec\.rules\[0\]\.host: Invalid value: "10\.0\.0\.1": must be a DNS name, not an IP address/),
        expect.stringMatching(/^spec\.rules\[0\]\.http\.paths\[0\]\.path: Invalid value: "api": must be an absolute path/),
        expect.stringMatching(/^spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.name: Invalid value: "Api_svc": a DNS-1035 label/),
        expect.stringMatching(/^spec\.rules\[1\]\.host: Invalid value: "a\.\*\.example"/),
        expect.stringMatching(/^spec\.rules\[1\]\.http\.paths\[0\]\.pathType: Unsupported value: "Sometimes": supported values: "Exact", "ImplementationSpecific", "Prefix"/),
        expect.stringMatching(/^spec\.rules\[1\]\.http\.paths\[0\]\.backend\.service\.port: Invalid value: .*cannot set both port name & port number/),
        expect.stringMatching(/^spec\.rules\[2\]\.http\.paths: Required value/),
        expect.stringMatching(/^spec\.rules\[3\]\.http\.paths\[0\]\.pathType: Required value: pathType must be specified/),
        expect.stringMatching(/^spec\.rules\[3\]\.http\.paths\[0\]\.backend\.service\.port: Required value: port name or number is required/),
      ]),
    );
    expect(msgs).toHaveLength(10);
  });

  it("needs rules or a default backend", () => {
    expect(messages(ingress({}))).toEqual([expect.stringMatching(/^spec: Invalid value: "": either `defaultBackend` or `rules` must be specified/)]);
  });

  it("checks the load balancer status the controller writes", () => {
    const ing = ingress({ defaultBackend: backend("a") });
    ing.status = { loadBalancer: { ingress: [{ ip: "127.0.0.1" }, { ip: "nope" }] } };
    expect(messages(ing)).toEqual([expect.stringMatching(/^status\.loadBalancer\.ingress\[1\]\.ip: Invalid value: "nope"/)]);
  });
});

describe("IngressClass validation and defaulting", () => {
  const ic = (spec: Record<string, unknown>): KubeObject => applyDefaults({ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "skiff" }, spec });

  it("needs a domain-prefixed controller that never changes", () => {
    expect(messages(ic({ controller: "skiff.dev/ingress" }))).toEqual([]);
    expect(messages(ic({}))).toEqual(["spec.controller: Required value"]);
    expect(messages(ic({ controller: "nginx" }))).toEqual([expect.stringMatching(/^spec\.controller: Invalid value: "nginx": must be a domain-prefixed path/)]);
    expect(messages(ic({ controller: "other.dev/x" }), ic({ controller: "skiff.dev/ingress" }))).toEqual([expect.stringMatching(/^spec\.controller: Invalid value: "other\.dev\/x": field is immutable/)]);
  });

  it("defaults parameters to cluster scope and checks their namespace", () => {
    const cluster = ic({ controller: "skiff.dev/ingress", parameters: { kind: "Params", name: "p" } });
    expect((cluster.spec as { parameters: { scope: string } }).parameters.scope).toBe("Cluster");
    expect(messages(cluster)).toEqual([]);
    expect(messages(ic({ controller: "skiff.dev/ingress", parameters: { kind: "Params", name: "p", scope: "Namespace" } }))).toEqual([
      expect.stringMatching(/^spec\.parameters\.namespace: Required value/),
    ]);
  });
});

describe("NetworkPolicy validation and defaulting", () => {
  const np = (spec: Record<string, unknown>): KubeObject => applyDefaults({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "np", namespace: "default" }, spec });

  it("defaults policy types and port protocols as Kubernetes does", () => {
    const p = np({ podSelector: {}, ingress: [{ ports: [{ port: 80 }] }], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] });
    expect(p.spec).toMatchObject({ policyTypes: ["Ingress", "Egress"], ingress: [{ ports: [{ port: 80, protocol: "TCP" }] }] });
    expect(messages(p)).toEqual([]);
    expect(np({}).spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
  });

  it("reports bad peers, ports and policy types by path", () => {
    const p = np({
      podSelector: { matchLabels: { "bad key!": "x" } },
      ingress: [{ from: [{}, { ipBlock: { cidr: "10.0.0.0/33" }, podSelector: {} }], ports: [{ port: 80, endPort: 70 }, { port: "http", endPort: 90 }, { protocol: "ICMP", port: 1 }] }],
      egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["fd00::/8"] } }] }],
      policyTypes: ["Ingress", "Ingress", "Sideways"],
    });
    const msgs = messages(p);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^spec\.podSelector\.matchLabels/),
        expect.stringMatching(/^spec\.ingress\[0\]\.from\[0\]: Required value: must specify a peer/),
        expect.stringMatching(/^spec\.ingress\[0\]\.from\[1\]: Forbidden: may not specify both ipBlock and another peer/),
        expect.stringMatching(/^spec\.ingress\[0\]\.from\[1\]\.ipBlock\.cidr: Invalid value: "10\.0\.0\.0\/33"/),
        expect.stringMatching(/^spec\.ingress\[0\]\.ports\[0\]\.endPort: Invalid value: 70: must be greater than or equal to `port`/),
        expect.stringMatching(/^spec\.ingress\[0\]\.ports\[1\]\.endPort: Forbidden/),
        expect.stringMatching(/^spec\.ingress\[0\]\.ports\[2\]\.protocol: Unsupported value: "ICMP"/),
        expect.stringMatching(/^spec\.egress\[0\]\.to\[0\]\.ipBlock\.except\[0\]: Invalid value: "fd00::\/8": must be in the same IP family as cidr/),
        expect.stringMatching(/^spec\.policyTypes: Invalid value/),
        expect.stringMatching(/^spec\.policyTypes\[1\]: Duplicate value: "Ingress"/),
        expect.stringMatching(/^spec\.policyTypes\[2\]: Unsupported value: "Sideways"/),
      ]),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/types.js";
import { endpointKey, type Endpoint } from "./balancer.js";
import { diffEndpoints, listenAddresses, readyEndpoints, sameEndpoints, servicePorts } from "./service-ports.js";

const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { namespace: "ns", name: "web" }, spec });

describe("servicePorts", () => {
  it("lists TCP ports with cluster IP, node port and affinity", () => {
    const { ports, skipped } = servicePorts(
      svc({
        type: "NodePort",
        clusterIP: "127.96.0.5",
        sessionAffinity: "ClientIP",
        ports: [
          { name: "http", port: 80, protocol: "TCP", nodePort: 30080 },
          { name: "dns", port: 53, protocol: "UDP", nodePort: 30053 },
        ],
      }),
    );
    expect(ports).toEqual([
      { key: "ns/web:http", service: "ns/web", portName: "http", clusterIP: "127.96.0.5", port: 80, nodePort: 30080, affinityTimeoutMs: 10_800_000 },
    ]);
    expect(skipped).toEqual(["ns/web:dns/UDP"]);
    expect(listenAddresses(ports[0], "127.0.0.1")).toEqual([
      { host: "127.96.0.5", port: 80, kind: "cluster" },
      { host: "127.0.0.1", port: 30080, kind: "node" },
    ]);
  });

  it("ignores node ports on ClusterIP services and serves nothing for headless, ExternalName or unallocated ones", () => {
    expect(servicePorts(svc({ type: "ClusterIP", clusterIP: "127.96.0.1", ports: [{ port: 80, nodePort: 30001 }] })).ports[0].nodePort).toBeUndefined();
    expect(servicePorts(svc({ clusterIP: "None", ports: [{ port: 80 }] })).ports).toEqual([]);
    expect(servicePorts(svc({ type: "ExternalName", externalName: "x.example" })).ports).toEqual([]);
    expect(servicePorts(svc({ ports: [{ port: 80 }] })).ports).toEqual([]);
  });

  it("takes the configured affinity timeout", () => {
    const s = svc({ clusterIP: "127.96.0.1", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } }, ports: [{ port: 80 }] });
    expect(servicePorts(s).ports[0].affinityTimeoutMs).toBe(5000);
  });
});

describe("readyEndpoints", () => {
  const eps: KubeObject = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { namespace: "ns", name: "web" },
    subsets: [
      {
        addresses: [{ ip: "127.128.0.2", targetRef: { name: "b" } }, { ip: "127.128.0.1", targetRef: { name: "a" } }],
        notReadyAddresses: [{ ip: "127.128.0.9" }],
        ports: [{ name: "http", port: 8080 }, { name: "metrics", port: 9090 }],
      },
      { addresses: [{ ip: "127.128.0.3" }], ports: [{ name: "http", port: 8081 }] },
    ],
  };

  it("pairs ports by name, takes only ready addresses, sorts by key", () => {
    expect(readyEndpoints(eps, "http").map((e) => e.key)).toEqual(["127.128.0.1:8080", "127.128.0.2:8080", "127.128.0.3:8081"]);
    expect(readyEndpoints(eps, "metrics").map((e) => e.key)).toEqual(["127.128.0.1:9090", "127.128.0.2:9090"]);
    expect(readyEndpoints(eps, "http")[0].podName).toBe("a");
    expect(readyEndpoints(eps, "")).toEqual([]);
    expect(readyEndpoints(undefined, "http")).toEqual([]);
  });

  it("an unnamed service port matches an unnamed endpoint port", () => {
    const e: KubeObject = { apiVersion: "v1", kind: "Endpoints", metadata: {}, subsets: [{ addresses: [{ ip: "127.128.1.1" }], ports: [{ port: 80 }] }] };
    expect(readyEndpoints(e, "").map((x) => x.key)).toEqual(["127.128.1.1:80"]);
  });
});

describe("diffEndpoints", () => {
  const ep = (i: number): Endpoint => ({ key: endpointKey(`127.128.0.${i}`, 80), ip: `127.128.0.${i}`, port: 80 });
  it("partitions into added, removed and kept (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 30 })), fc.uniqueArray(fc.integer({ min: 1, max: 30 })), (a, b) => {
        const before = a.map(ep);
        const after = b.map(ep);
        const d = diffEndpoints(before, after);
        const keys = (xs: Endpoint[]) => new Set(xs.map((x) => x.key));
        expect(d.added.length + d.kept.length).toBe(after.length);
        expect(d.removed.length + d.kept.length).toBe(before.length);
        for (const x of d.added) expect(keys(before).has(x.key)).toBe(false);
        for (const x of d.removed) expect(keys(after).has(x.key)).toBe(false);
        for (const x of d.kept) expect(keys(before).has(x.key) && keys(after).has(x.key)).toBe(true);
        expect(sameEndpoints(before, after)).toBe(a.length === b.length && a.every((v, i) => v === b[i]));
      }),
    );
  });
});

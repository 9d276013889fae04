import { describe, expect, it } from "vitest";
import { endpointsPrinter, formatEndpoints, formatServicePorts, serviceExternalIP, servicePrinter } from "./network.js";

const now = new Date("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:58:00Z";

describe("servicePrinter", () => {
  it("has NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE and wide SELECTOR", () => {
    expect(servicePrinter.columns.map((c) => [c.name, c.priority])).toEqual([
      ["Name", 0],
      ["Type", 0],
      ["Cluster-IP", 0],
      ["External-IP", 0],
      ["Port(s)", 0],
      ["Age", 0],
      ["Selector", 1],
    ]);
  });

  it("prints a ClusterIP service", () => {
    const row = servicePrinter.row(
      {
        metadata: { name: "web", creationTimestamp: created },
        spec: {
          type: "ClusterIP",
          clusterIP: "127.96.0.10",
          clusterIPs: ["127.96.0.10"],
          selector: { tier: "front", app: "web" },
          ports: [
            { port: 80, protocol: "TCP" },
            { port: 443, protocol: "TCP" },
          ],
        },
      },
      now,
    );
    expect(row.cells).toEqual(["web", "ClusterIP", "127.96.0.10", "<none>", "80/TCP,443/TCP", "2m", "app=web,tier=front"]);
  });

  it("falls back to spec.clusterIP and shows <none> for no ports or selector", () => {
    const row = servicePrinter.row({ metadata: { name: "x", creationTimestamp: created }, spec: { clusterIP: "None" } }, now);
    expect(row.cells).toEqual(["x", "ClusterIP", "None", "<none>", "<none>", "2m", "<none>"]);
  });
});

describe("formatServicePorts", () => {
  it("shows node ports as port:nodePort/protocol", () => {
    expect(
      formatServicePorts([
        { port: 80, nodePort: 30080, protocol: "TCP" },
        { port: 443, protocol: "TCP" },
        { port: 53, nodePort: 31053, protocol: "UDP" },
      ]),
    ).toBe("80:30080/TCP,443/TCP,53:31053/UDP");
  });

  it("prints TCP for a port without protocol, as the apiserver would after defaulting", () => {
    expect(formatServicePorts([{ port: 8080 }])).toBe("8080/TCP");
  });
});

describe("serviceExternalIP", () => {
  it("is <pending> for a LoadBalancer without ingress", () => {
    expect(serviceExternalIP({ spec: { type: "LoadBalancer" } })).toBe("<pending>");
  });

  it("lists load balancer ingress addresses, then external IPs", () => {
    expect(
      serviceExternalIP({
        spec: { type: "LoadBalancer", externalIPs: ["9.9.9.9"] },
        status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }, { hostname: "lb.example.com" }] } },
      }),
    ).toBe("1.2.3.4,lb.example.com,9.9.9.9");
  });

  it("shows externalIPs for ClusterIP/NodePort and the name for ExternalName", () => {
    expect(serviceExternalIP({ spec: { type: "NodePort" } })).toBe("<none>");
    expect(serviceExternalIP({ spec: { type: "ClusterIP", externalIPs: ["5.6.7.8", "5.6.7.9"] } })).toBe("5.6.7.8,5.6.7.9");
    expect(serviceExternalIP({ spec: { type: "ExternalName", externalName: "db.example.com" } })).toBe("db.example.com");
  });
});

describe("formatEndpoints", () => {
  const addrs = (n: number) => Array.from({ length: n }, (_, i) => ({ ip: `10.0.0.${i + 1}` }));

  it("shows at most three then + N more...", () => {
    expect(formatEndpoints({ subsets: [{ addresses: addrs(5), ports: [{ port: 80 }] }] })).toBe(
      "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...",
    );
  });

  it("shows exactly three without a suffix", () => {
    expect(formatEndpoints({ subsets: [{ addresses: addrs(3), ports: [{ port: 80 }] }] })).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80");
  });

  it("counts every address for every port", () => {
    expect(formatEndpoints({ subsets: [{ addresses: addrs(2), ports: [{ name: "http", port: 80 }, { name: "https", port: 443 }] }] })).toBe(
      "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...",
    );
  });

  it("is <none> without subsets; headless subsets without ports list bare IPs; IPv6 gets brackets", () => {
    expect(formatEndpoints({})).toBe("<none>");
    expect(formatEndpoints({ subsets: [] })).toBe("<none>");
    expect(formatEndpoints({ subsets: [{ addresses: addrs(2) }] })).toBe("10.0.0.1,10.0.0.2");
    expect(formatEndpoints({ subsets: [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 80 }] }] })).toBe("[fd00::1]:80");
  });
});

describe("endpointsPrinter", () => {
  it("prints NAME ENDPOINTS AGE", () => {
    expect(endpointsPrinter.columns.map((c) => c.name)).toEqual(["Name", "Endpoints", "Age"]);
    const row = endpointsPrinter.row(
      { metadata: { name: "web", creationTimestamp: created }, subsets: [{ addresses: [{ ip: "127.244.0.5" }], ports: [{ port: 8080 }] }] },
      now,
    );
    expect(row.cells).toEqual(["web", "127.244.0.5:8080", "2m"]);
  });
});

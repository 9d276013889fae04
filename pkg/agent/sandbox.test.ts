import { describe, expect, it } from "vitest";
import { podDnsSettings, podHostname, resolvConfText, sandboxSpec, type PodNetworkConfig } from "./sandbox.js";
import type { AgentPod } from "./types.js";

const cfg: PodNetworkConfig = { network: "skiff-abc", dnsAddress: "10.224.8.10", pauseImage: "skiff/busybox:latest" };

function pod(spec: Record<string, unknown> = {}): AgentPod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "web-0", namespace: "shop", uid: "u1" }, spec: { containers: [{ name: "c", image: "x" }], ...spec } } as AgentPod;
}

describe("pod sandbox", () => {
  it("writes the kubelet's resolv.conf for ClusterFirst (the default)", () => {
    const dns = podDnsSettings(pod(), cfg)!;
    expect(resolvConfText(dns)).toBe("search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.224.8.10\noptions ndots:5\n");
    expect(podDnsSettings(pod({ dnsPolicy: "ClusterFirstWithHostNet" }), cfg)).toEqual(dns);
  });

  it("uses the host's resolvers for Default, and only dnsConfig for None", () => {
    expect(podDnsSettings(pod({ dnsPolicy: "Default" }), cfg)).toBeUndefined();
    expect(podDnsSettings(pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.2.3.4"], searches: ["a.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } }), cfg)).toEqual({
      nameservers: ["1.2.3.4"],
      searches: ["a.example"],
      options: ["ndots:2", "edns0"],
    });
  });

  it("merges dnsConfig into ClusterFirst, options by name", () => {
    const dns = podDnsSettings(pod({ dnsConfig: { searches: ["corp.example"], options: [{ name: "ndots", value: "1" }] } }), cfg)!;
    expect(dns.searches.at(-1)).toBe("corp.example");
    expect(dns.options).toEqual(["ndots:1"]);
  });

  it("names the host after the pod, or spec.hostname with a subdomain FQDN", () => {
    expect(podHostname(pod(), cfg)).toEqual({ hostname: "web-0" });
    expect(podHostname(pod({ hostname: "h", subdomain: "nginx" }), cfg)).toEqual({ hostname: "h", domainname: "nginx.shop.svc.cluster.local" });
  });

  it("publishes only hostPorts, on the sandbox", () => {
    const s = sandboxSpec(pod({ containers: [{ name: "c", image: "x", ports: [{ containerPort: 80 }, { containerPort: 443, hostPort: 8443 }] }] }), "node-1", 0, cfg, "127.0.0.1");
    expect(s.ports).toEqual([{ containerPort: 443, hostIP: "127.0.0.1", hostPort: 8443, protocol: "TCP" }]);
    expect(s.network).toMatchObject({ kind: "pod", attachment: { network: "skiff-abc", hostname: "web-0" } });
    expect(s.labels["skiff.container"]).toBe("POD");
  });
});

import { describe, expect, it } from "vitest";
import { buildNatRules, chainNames, chainsInSave } from "./iptables-rules.js";

const names = chainNames("0123456789abcdef");
const ep = (ip: string, port: number) => ({ key: `${ip}:${port}`, ip, port });

describe("NAT rules for Services (syncProxyRules)", () => {
  it("names chains per cluster, within iptables' 28 characters", () => {
    expect(names.services).toMatch(/^SK-[0-9A-F]{8}-SERVICES$/);
    expect(chainNames("another").prefix).not.toBe(names.prefix);
    const doc = buildNatRules(names, [{ key: "default/web:http", clusterIP: "10.224.8.16", port: 80, endpoints: [ep("10.224.0.2", 8080)] }], []);
    for (const c of chainsInSave(doc)) expect(c.length).toBeLessThanOrEqual(28);
  });

  it("spreads a Service port over its endpoints with falling probabilities and DNATs to pod IP:targetPort", () => {
    const doc = buildNatRules(names, [{ key: "default/web:http", clusterIP: "10.224.8.16", port: 80, endpoints: [ep("10.224.0.2", 8080), ep("10.224.0.3", 8080), ep("10.224.0.4", 8080)] }], []);
    expect(doc).toMatch(new RegExp(`-A ${names.services} -d 10.224.8.16/32 -p tcp -m tcp --dport 80 .* -j ${names.prefix}S-`));
    expect(doc).toContain("--probability 0.3333333333");
    expect(doc).toContain("--probability 0.5000000000");
    for (const ip of ["10.224.0.2", "10.224.0.3", "10.224.0.4"]) expect(doc).toContain(`-j DNAT --to-destination ${ip}:8080`);
    // hairpin: a pod reaching itself through its Service is masqueraded
    expect(doc).toContain("-s 10.224.0.2/32 -j MARK --set-xmark 0x2000/0x2000");
    expect(doc).toMatch(/^COMMIT$/m);
  });

  it("pins a client to one endpoint with ClientIP affinity", () => {
    const doc = buildNatRules(names, [{ key: "default/web:", clusterIP: "10.224.8.17", port: 80, affinitySeconds: 60, endpoints: [ep("10.224.0.2", 80), ep("10.224.0.3", 80)] }], []);
    expect(doc.match(/--rcheck --seconds 60 --reap/g)).toHaveLength(2);
    expect(doc.match(/--rsource --set -j DNAT/g)).toHaveLength(2);
  });

  it("writes no rule for a Service without ready endpoints (the bound address refuses)", () => {
    const doc = buildNatRules(names, [{ key: "default/none:", clusterIP: "10.224.8.18", port: 80, endpoints: [] }], []);
    expect(doc).not.toContain("10.224.8.18");
  });

  it("deletes chains of ours that are no longer wanted and leaves everyone else's alone", () => {
    const stale = `${names.prefix}S-DEADBEEF00`;
    const doc = buildNatRules(names, [], [stale, "DOCKER", "SK-OTHER000-SERVICES", names.services]);
    expect(doc).toContain(`-X ${stale}`);
    expect(doc).not.toContain("DOCKER");
    expect(doc).not.toContain("SK-OTHER000");
  });
});

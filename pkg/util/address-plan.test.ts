import { describe, expect, it } from "vitest";
import { candidateSubnet, CANDIDATE_COUNT, cidrContains, cidrsOverlap, planFor } from "./address-plan.js";

describe("address plan", () => {
  it("splits a /20 into a pod half (Docker's --ip-range) and a service half with the DNS address", () => {
    expect(planFor("10.224.16.0/20")).toEqual({
      subnet: "10.224.16.0/20",
      gateway: "10.224.16.1",
      podRange: "10.224.16.0/21",
      serviceRange: "10.224.24.0/21",
      dnsAddress: "10.224.24.10",
    });
  });

  it("keeps pods, services and DNS apart", () => {
    const p = planFor(candidateSubnet(7));
    expect(cidrContains(p.subnet, p.dnsAddress)).toBe(true);
    expect(cidrContains(p.serviceRange, p.dnsAddress)).toBe(true);
    expect(cidrContains(p.podRange, p.dnsAddress)).toBe(false);
    expect(cidrsOverlap(p.podRange, p.serviceRange)).toBe(false);
  });

  it("offers 256 distinct candidates inside 10.224.0.0/12, wrapping around", () => {
    const all = new Set(Array.from({ length: CANDIDATE_COUNT }, (_, i) => candidateSubnet(i)));
    expect(all.size).toBe(256);
    expect(candidateSubnet(0)).toBe("10.224.0.0/20");
    expect(candidateSubnet(255)).toBe("10.239.240.0/20");
    expect(candidateSubnet(256)).toBe("10.224.0.0/20");
    for (const s of all) expect(cidrsOverlap(s, "10.224.0.0/12")).toBe(true);
  });

  it("detects overlaps with engine networks and host routes", () => {
    expect(cidrsOverlap("10.224.0.0/20", "10.0.0.0/8")).toBe(true);
    expect(cidrsOverlap("10.224.0.0/20", "10.224.15.0/24")).toBe(true);
    expect(cidrsOverlap("10.224.0.0/20", "10.224.16.0/24")).toBe(false);
    expect(cidrsOverlap("172.17.0.0/16", "10.224.0.0/20")).toBe(false);
  });
});

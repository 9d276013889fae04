import { describe, expect, it } from "vitest";
import { lowestFreeIp, parseCidr, numberToIp, podCidrFromName } from "./pod-ip.js";

describe("pod IPs", () => {
  it("gives the lowest free address, skipping .0, .1 and broadcast", () => {
    expect(lowestFreeIp("127.128.3.0/24", new Set())).toBe("127.128.3.2");
    expect(lowestFreeIp("127.128.3.0/24", new Set(["127.128.3.2", "127.128.3.4"]))).toBe("127.128.3.3");
    const all = new Set(Array.from({ length: 253 }, (_, i) => `127.128.3.${i + 2}`));
    all.delete("127.128.3.254");
    expect(lowestFreeIp("127.128.3.0/24", all)).toBe("127.128.3.254");
    all.add("127.128.3.254");
    expect(lowestFreeIp("127.128.3.0/24", all)).toBeUndefined();
  });

  it("parses CIDRs and normalises the network address", () => {
    expect(numberToIp(parseCidr("127.128.3.77/24").base)).toBe("127.128.3.0");
    expect(() => parseCidr("127.300.0.0/24")).toThrow();
    expect(() => parseCidr("nonsense")).toThrow();
  });

  it("derives a stable /24 inside 127.128.0.0/10 from a node name", () => {
    const c = podCidrFromName("node-7");
    expect(c).toBe(podCidrFromName("node-7"));
    const m = /^127\.(\d+)\.(\d+)\.0\/24$/.exec(c)!;
    expect(Number(m[1])).toBeGreaterThanOrEqual(128);
    expect(Number(m[1])).toBeLessThan(192);
    expect(podCidrFromName("node-8")).not.toBe(c);
  });
});

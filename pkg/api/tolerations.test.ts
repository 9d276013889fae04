import { describe, expect, it } from "vitest";
import { tolerates, toleratesAny } from "./tolerations.js";

describe("tolerates (Toleration.ToleratesTaint)", () => {
  const taint = { key: "gpu", value: "nvidia", effect: "NoSchedule" };
  it.each([
    [{ key: "gpu", operator: "Equal", value: "nvidia", effect: "NoSchedule" }, true],
    [{ key: "gpu", value: "nvidia" }, true], // empty effect matches all, operator defaults to Equal
    [{ key: "gpu", operator: "", value: "nvidia" }, true],
    [{ key: "gpu", operator: "Equal", value: "amd" }, false],
    [{ key: "gpu", operator: "Exists" }, true],
    [{ operator: "Exists" }, true],
    [{ operator: "Exists", effect: "NoExecute" }, false],
    [{ key: "other", operator: "Exists" }, false],
    // An empty key matches every key; Equal still compares the value.
    [{ operator: "Equal", value: "nvidia" }, true],
    [{ operator: "Equal", value: "amd" }, false],
    // An operator Kubernetes does not know matches nothing.
    [{ key: "gpu", operator: "In", value: "nvidia" }, false],
  ])("%j → %s", (t, want) => expect(tolerates(t, taint)).toBe(want));

  it("toleratesAny: none of no tolerations", () => {
    expect(toleratesAny(undefined, taint)).toBe(false);
    expect(toleratesAny([{ key: "x", operator: "Exists" }, { key: "gpu", operator: "Exists" }], taint)).toBe(true);
  });
});

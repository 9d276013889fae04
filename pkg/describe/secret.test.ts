import { describe, expect, it } from "vitest";
import { describeSecret } from "./secret.js";

describe("describe secret", () => {
  it("shows type and key sizes, never values", () => {
    const out = describeSecret({
      metadata: { name: "db", namespace: "default" },
      type: "Opaque",
      data: { user: Buffer.from("admin").toString("base64"), password: Buffer.from("hunter22").toString("base64") },
    });
    expect(out).toContain("Type:");
    expect(out).toMatch(/password:\s+8 bytes\n/);
    expect(out).toMatch(/user:\s+5 bytes\n/);
    expect(out.indexOf("password:")).toBeLessThan(out.indexOf("user:"));
    for (const s of ["admin", "hunter22", "YWRtaW4=", "aHVudGVyMjI="]) expect(out).not.toContain(s);
  });
});

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { base64ErrorOffset, decodeStdBase64 } from "./go-base64.js";

describe("Go-compatible StdEncoding base64", () => {
  it("decodes what Buffer encodes, for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(decodeStdBase64(b.toString("base64")).equals(b)).toBe(true);
      }),
    );
  });

  it("skips newlines like Go", () => {
    expect(decodeStdBase64("YWRt\naW4=\r\n").toString()).toBe("admin");
  });

  // Offsets as Go's decodeQuantum computes them (base64.StdEncoding.DecodeString).
  it.each([
    ["abc", 0], // incomplete quantum without padding
    ["YWRtaW4", 4],
    ["YW!=", 2],
    ["YQ=", 3], // "=" must be doubled after two characters
    ["YQ=x", 2],
    ["=YWJj", 0],
    ["YWJj=", 4],
    ["YQ==YQ==", 4], // trailing garbage after padding
    ["plain text", 5],
  ])("rejects %j at byte %i", (s, offset) => {
    expect(base64ErrorOffset(s)).toBe(offset);
    expect(() => decodeStdBase64(s)).toThrow(`illegal base64 data at input byte ${offset}`);
  });

  it("accepts the empty string", () => {
    expect(base64ErrorOffset("")).toBeUndefined();
    expect(decodeStdBase64("").length).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { splitJsonStream } from "./json-stream.js";

describe("splitJsonStream", () => {
  it("finds each top-level value, ignoring braces inside strings", () => {
    const text = '{"a": "}{\\"}"}\n  [1, {"b": []}] {"c": 1}\n';
    const ranges = splitJsonStream(text);
    expect(ranges?.map(({ start, end }) => text.slice(start, end))).toEqual([
      '{"a": "}{\\"}"}',
      '[1, {"b": []}]',
      '{"c": 1}',
    ]);
  });

  it("gives up on anything that is not a clean JSON stream", () => {
    expect(splitJsonStream("apiVersion: v1\n")).toBeUndefined();
    expect(splitJsonStream('{"a": 1}\nkind: Pod\n')).toBeUndefined();
    expect(splitJsonStream('{"a": [1}')).toBeUndefined();
    expect(splitJsonStream("  \n")).toEqual([]);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors.js";
import { jsonPatch, parsePointer } from "./json-patch.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

describe("jsonPatch: RFC 6902 appendix A", () => {
  const ok: [string, unknown, unknown, unknown][] = [
    ["A.1 add an object member", { foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }], { baz: "qux", foo: "bar" }],
    ["A.2 add an array element", { foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }], { foo: ["bar", "qux", "baz"] }],
    ["A.3 remove an object member", { baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }], { foo: "bar" }],
    ["A.4 remove an array element", { foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }], { foo: ["bar", "baz"] }],
    ["A.5 replace a value", { baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }], { baz: "boo", foo: "bar" }],
    [
      "A.6 move a value",
      { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
      [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
      { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
    ],
    ["A.7 move an array element", { foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }], { foo: ["all", "cows", "eat", "grass"] }],
    [
      "A.8 test a value: success",
      { baz: "qux", foo: ["a", 2, "c"] },
      [
        { op: "test", path: "/baz", value: "qux" },
        { op: "test", path: "/foo/1", value: 2 },
      ],
      { baz: "qux", foo: ["a", 2, "c"] },
    ],
    ["A.10 add a nested member object", { foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }], { foo: "bar", child: { grandchild: {} } }],
    ["A.11 ignore unrecognized elements", { foo: "bar" }, [{ op: "add", path: "/baz", value: "qux", xyz: 123 }], { foo: "bar", baz: "qux" }],
    ["A.14 ~ escape ordering", { "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }], { "/": 9, "~1": 10 }],
    ["A.16 add an array value", { foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }], { foo: ["bar", ["abc", "def"]] }],
  ];
  it.each(ok)("%s", (_name, doc, patch, expected) => {
    expect(jsonPatch(deepFreeze(doc), deepFreeze(patch))).toEqual(expected);
  });

  it("A.9 test a value: error → 422 Invalid with a clear message", () => {
    const err = failure(() => jsonPatch({ baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }]));
    expect(err.reason).toBe("Invalid");
    expect(err.httpStatus).toBe(422);
    expect(err.message).toContain('test failed: value is "qux", expected "bar"');
  });

  it("A.12 add to a nonexistent target → 422", () => {
    const err = failure(() => jsonPatch({ foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }]));
    expect(err.reason).toBe("Invalid");
    expect(err.message).toContain('"/baz/bat"');
    expect(err.message).toContain("path not found");
  });

  it("A.15 comparing strings and numbers fails the test", () => {
    const doc = { "/": 9, "~1": 10 };
    expect(failure(() => jsonPatch(doc, [{ op: "test", path: "/~01", value: "10" }])).reason).toBe("Invalid");
  });
});

describe("jsonPatch: pointers, copy, errors", () => {
  it("decodes ~1 and ~0 in keys (a label with a slash)", () => {
    const pod = deepFreeze({ metadata: { labels: { "app.kubernetes.io/name": "web", "a~b": "x", keep: "y" } } });
    const out = jsonPatch(pod, [
      { op: "remove", path: "/metadata/labels/app.kubernetes.io~1name" },
      { op: "replace", path: "/metadata/labels/a~0b", value: "z" },
    ]);
    expect(out).toEqual({ metadata: { labels: { "a~b": "z", keep: "y" } } });
    expect(parsePointer("/a~1b/~0c/~01")).toEqual(["a/b", "~c", "~1"]);
  });

  it("appends with '-' and copies values deeply", () => {
    const doc = deepFreeze({ spec: { containers: [{ name: "a", args: ["x"] }] } });
    const out = jsonPatch(doc, [
      { op: "copy", from: "/spec/containers/0", path: "/spec/containers/-" },
      { op: "replace", path: "/spec/containers/1/name", value: "b" },
      { op: "add", path: "/spec/containers/1/args/-", value: "y" },
    ]) as { spec: { containers: { name: string; args: string[] }[] } };
    expect(out.spec.containers).toEqual([
      { name: "a", args: ["x"] },
      { name: "b", args: ["x", "y"] },
    ]);
  });

  it("replaces the whole document with an empty path", () => {
    expect(jsonPatch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it("rejects undecodable patches with 400 BadRequest", () => {
    const bad: unknown[] = [
      { op: "add", path: "/a", value: 1 }, // not an array
      [{ op: "frobnicate", path: "/a" }],
      [{ op: "add", path: "a", value: 1 }], // pointer without leading slash
      [{ op: "add", path: "/a" }], // missing value
      [{ op: "move", path: "/a" }], // missing from
      [{ op: "remove", path: "/a~2" }], // bad escape
    ];
    for (const patch of bad) expect(failure(() => jsonPatch({ a: 1 }, patch)).reason).toBe("BadRequest");
  });

  it("rejects operations that do not fit the document with 422", () => {
    const doc = { list: [1, 2], obj: { a: 1 } };
    const cases: unknown[] = [
      [{ op: "remove", path: "/missing" }],
      [{ op: "replace", path: "/list/2", value: 3 }],
      [{ op: "add", path: "/list/3", value: 3 }],
      [{ op: "add", path: "/list/01", value: 3 }],
      [{ op: "move", from: "/obj", path: "/obj/inner" }],
      [{ op: "remove", path: "" }],
    ];
    for (const patch of cases) expect(failure(() => jsonPatch(doc, patch)).httpStatus).toBe(422);
  });

  it("never mutates its input, even when a later operation fails", () => {
    const doc = deepFreeze({ a: { b: 1 }, list: [1] });
    expect(() => jsonPatch(doc, [{ op: "add", path: "/a/c", value: 2 }, { op: "test", path: "/a/b", value: 5 }])).toThrow(ApiError);
    expect(jsonPatch(doc, [{ op: "add", path: "/list/0", value: 0 }])).toEqual({ a: { b: 1 }, list: [0, 1] });
  });

  it("property: add then remove of a fresh key is the identity; testing the root with itself passes", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), fc.jsonValue(), (doc, value) => {
        const fresh = "fresh/key~" + Object.keys(doc).join("");
        const pointer = "/" + fresh.replace(/~/g, "~0").replace(/\//g, "~1");
        const out = jsonPatch(deepFreeze(doc), [
          { op: "add", path: pointer, value },
          { op: "remove", path: pointer },
          { op: "test", path: "", value: doc },
        ]);
        expect(out).toEqual(doc);
      }),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMergePatch, jsonMergePatch } from "./merge-patch.js";

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe("jsonMergePatch (RFC 7386)", () => {
  // RFC 7386 Appendix A, every row.
  const appendix: [unknown, unknown, unknown][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(appendix.map(([t, p, r], i) => [i + 1, t, p, r]))("appendix A example %i", (_n, target, patch, result) => {
    expect(jsonMergePatch(deepFreeze(target), deepFreeze(patch))).toEqual(result);
  });

  it("applies the RFC's worked example and keeps untouched members", () => {
    const target = deepFreeze({
      title: "Goodbye!",
      author: { givenName: "John", familyName: "Doe" },
      tags: ["example", "sample"],
      content: "This will be unchanged",
    });
    const patch = deepFreeze({ title: "Hello!", phoneNumber: "+01-123-456-7890", author: { familyName: null }, tags: ["example"] });
    expect(jsonMergePatch(target, patch)).toEqual({
      title: "Hello!",
      author: { givenName: "John" },
      tags: ["example"],
      content: "This will be unchanged",
      phoneNumber: "+01-123-456-7890",
    });
  });

  it("returns a result that shares nothing with its inputs", () => {
    const target = { a: { b: [1, 2] }, keep: { x: 1 } };
    const patch = { c: { d: [3] } };
    const out = jsonMergePatch(target, patch) as { a: { b: number[] }; keep: object; c: { d: number[] } };
    out.a.b.push(9);
    out.c.d.push(9);
    expect(target.a.b).toEqual([1, 2]);
    expect(patch.c.d).toEqual([3]);
    expect(out.keep).not.toBe(target.keep);
  });

  it("treats a __proto__ key as data, not as the prototype", () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as unknown;
    const out = jsonMergePatch({}, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("kubectl scale: {spec:{replicas:5}} changes only replicas", () => {
    const scale = deepFreeze({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "web" }, spec: { replicas: 2 }, status: { replicas: 2, selector: "app=web" } });
    expect(jsonMergePatch(scale, { spec: { replicas: 5 } })).toEqual({ ...scale, spec: { replicas: 5 } });
  });
});

const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("__proto__", "constructor", "toString"));
const jsonObject = fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
/** Objects whose members are never null (a merge patch cannot produce a null member). */
const { nullFree } = fc.letrec((tie) => ({
  nullFree: fc.dictionary(key, fc.oneof({ depthSize: "small" }, fc.integer(), fc.string(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }), tie("nullFree")), { maxKeys: 4 }),
}));

describe("jsonMergePatch properties", () => {
  it("an empty patch is the identity on objects", () => {
    fc.assert(
      fc.property(jsonObject, (a) => {
        expect(jsonMergePatch(deepFreeze(a), {})).toEqual(a);
      }),
    );
  });

  it("is idempotent: applying a patch twice equals applying it once", () => {
    fc.assert(
      fc.property(jsonObject, jsonObject, (a, p) => {
        const once = jsonMergePatch(deepFreeze(a), deepFreeze(p));
        expect(jsonMergePatch(once, p)).toEqual(once);
      }),
    );
  });

  it("createMergePatch(a, b) turns a into b when b has no nulls", () => {
    fc.assert(
      fc.property(nullFree, nullFree, (a, b) => {
        const patch = createMergePatch(deepFreeze(a) as Record<string, unknown>, deepFreeze(b) as Record<string, unknown>);
        expect(jsonMergePatch(a, patch)).toEqual(b);
      }),
    );
  });
});

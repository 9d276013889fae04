// Hostile input to the parsers users feed directly: the manifest decoder,
// defaulting and validation on random object trees, quantities, label and
// field selectors. Each must answer with its own error type (which the CLI and
// API turn into a clear message) or a value — never throw anything else, never
// hang, and never let a "__proto__" key reach Object.prototype.
import { afterAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { stringify } from "yaml";
import { decodeText, ManifestErrors } from "../../pkg/manifest/decode.js";
import { validateObject } from "../../pkg/api/validation.js";
import { applyDefaults } from "../../pkg/api/defaults.js";
import { findUnknownFields } from "../../pkg/api/schema.js";
import { FieldError } from "../../pkg/api/errors.js";
import { isValidQuantity, parseQuantity, QuantityError } from "../../pkg/api/quantity.js";
import { FieldSelector, LabelSelector, SelectorError } from "../../pkg/api/selector.js";
import { RESOURCES } from "../../pkg/api/kinds.js";
import { qosClass } from "../../pkg/api/qos.js";
import { CaseCounter, FUZZ_TIMEOUT_MS, runs } from "./helpers.js";
import { hostileJson, mutate, mutation, nastyString, pathsOf, templates } from "./arbitraries.js";

const counter = new CaseCounter("parsers");
afterAll(() => {
  const counts = counter.flush();
  console.log(`parser fuzz: ${counter.total()} cases`, JSON.stringify(counts));
});

/** Runs f; returns "ok" or the error's class name, failing on anything but the expected error types. */
function outcome(property: string, f: () => unknown, allowed: Array<new (...a: never[]) => Error>): string {
  let result = "ok";
  try {
    f();
  } catch (e) {
    if (!allowed.some((t) => e instanceof t)) throw e;
    result = (e as Error).name;
  }
  counter.count(property, result);
  return result;
}

function expectPrototypeClean(): void {
  for (const k of ["a", "polluted", "x", "isAdmin", "toString2"]) expect((Object.prototype as Record<string, unknown>)[k]).toBeUndefined();
}

describe("manifest decoder", { timeout: FUZZ_TIMEOUT_MS }, () => {
  const yamlish = fc
    .array(
      fc.oneof(
        fc.constantFrom("apiVersion: v1\n", "kind: Pod\n", "metadata:\n", "  name: x\n", "---\n", "- a\n", "  - b\n", "a: &x [1,2]\n", "b: *x\n", "<<: *x\n", "c: !!binary aGk=\n", "d: !!js/function x\n", "? complex\n", ": value\n", "{", "}", "[", "]", "'", '"', "|\n", ">-\n", "\t", "%YAML 1.1\n", "%TAG ! tag:x:\n", "...\n", "e: 0644\n", "f: .inf\n", "g: 1e400\n", "__proto__: {polluted: 1}\n", "constructor: {prototype: {polluted: 1}}\n", "\ufeff", "\u0000", "#comment\n", "h: ~\n", "i: 2001-12-14t21:59:43.10-05:00\n"),
        nastyString,
      ),
      { maxLength: 30 },
    )
    .map((parts) => parts.join(""));

  it("random YAML-ish text: documents or ManifestErrors naming the file", () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        let docs: unknown[] = [];
        const r = outcome("decode-yamlish", () => (docs = decodeText(text, "fuzz.yaml")), [ManifestErrors]);
        if (r === "ManifestErrors") {
          try {
            decodeText(text, "fuzz.yaml");
          } catch (e) {
            for (const m of (e as ManifestErrors).errors) expect(m.message).toContain("fuzz.yaml");
          }
        }
        expect(Array.isArray(docs)).toBe(true);
        expectPrototypeClean();
      }),
      { numRuns: runs(3000) },
    );
  });

  it("random JSON and YAML renderings of hostile values", () => {
    fc.assert(
      fc.property(hostileJson, fc.boolean(), (v, asYaml) => {
        const text = asYaml ? stringify(v) : (JSON.stringify(v) ?? "null");
        outcome("decode-values", () => decodeText(text, "fuzz.json"), [ManifestErrors]);
        expectPrototypeClean();
      }),
      { numRuns: runs(2000) },
    );
  });

  it("deep nesting, alias bombs and huge documents end quickly with an error or documents", () => {
    const inputs = [
      "a: " + "[".repeat(10_000) + "]".repeat(10_000),
      "a: " + "{b: ".repeat(5_000) + "1" + "}".repeat(5_000),
      "[".repeat(50_000),
      Array.from({ length: 2000 }, (_, i) => "  ".repeat(i) + "a:").join("\n") + " 1",
      // Billion laughs: each alias doubles the size.
      ["a0: &a0 [x, x]", ...Array.from({ length: 30 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}, *a${i}]`)].join("\n"),
      "k: " + "x".repeat(5_000_000),
      Array.from({ length: 20_000 }, (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}`).join("\n"),
      '{"a":1}'.repeat(20_000),
    ];
    // Each must end with documents or ManifestErrors (no hang, no other exception); the
    // test's timeout is the hang guard — a per-input stopwatch only measured the machine's load.
    for (const text of inputs) outcome("decode-extremes", () => decodeText(text, "big.yaml"), [ManifestErrors]);
  }, FUZZ_TIMEOUT_MS);
});

describe("defaulting and validation on random object trees", { timeout: FUZZ_TIMEOUT_MS }, () => {
  const kinds = RESOURCES.map((r) => ({ apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind }));

  it("random trees with a real kind: validateObject returns FieldErrors, defaults never throw", () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), hostileJson, hostileJson, hostileJson, (gvk, metadata, spec, rest) => {
        const obj = { ...(rest !== null && typeof rest === "object" && !Array.isArray(rest) ? rest : {}), ...gvk, metadata, spec } as never;
        outcome("defaults-random", () => applyDefaults(obj), []);
        const errs = validateObject(obj);
        counter.count("validate-random", errs.length > 0 ? "invalid" : "valid");
        for (const e of errs) expect(e).toBeInstanceOf(FieldError);
        if (gvk.kind === "Pod") outcome("qos-random", () => qosClass(spec), []);
        findUnknownFields(obj, RESOURCES.find((r) => r.kind === gvk.kind)!.model);
        expectPrototypeClean();
      }),
      { numRuns: runs(3000) },
    );
  });

  it("valid objects with one part broken: errors name a field path, old and new pairs too", () => {
    const cases = fc.record({ t: fc.nat(), p: fc.nat(), m: mutation, update: fc.boolean() }).map(({ t, p, m, update }) => {
      const all = templates("v");
      const tpl = all[t % all.length];
      const paths = pathsOf(tpl.body);
      return { tpl, path: paths[p % paths.length], m, update };
    });
    fc.assert(
      fc.property(cases, ({ tpl, path, m, update }) => {
        const obj = mutate(tpl.body, path, m) as never;
        outcome("defaults-mutated", () => applyDefaults(obj), []);
        const old = applyDefaults(structuredClone(tpl.body) as never);
        const errs = update ? validateObject(obj, { isUpdate: true, old }) : validateObject(obj);
        counter.count("validate-mutated", errs.length > 0 ? "invalid" : "valid");
        for (const e of errs) {
          expect(e).toBeInstanceOf(FieldError);
          expect(typeof e.path).toBe("string");
          expect(e.message.length).toBeGreaterThan(0);
        }
        expectPrototypeClean();
      }),
      { numRuns: runs(4000) },
    );
  });
});

describe("quantities", { timeout: FUZZ_TIMEOUT_MS }, () => {
  const quantityish = fc.oneof(
    fc.stringMatching(/^[+-]?[0-9]{0,30}(\.[0-9]{0,30})?([eE][+-]?[0-9]{1,12})?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/),
    nastyString,
    fc.constantFrom("1e999999999", "1E1001", "9".repeat(10_000), "0.".padEnd(5000, "0") + "1", "1Ki1", "--1", "+", ".", "1.", ".5", "1e", "1e+", "Infinity", "NaN", "0x10", "1_000"),
  );

  it("parse or QuantityError; a parsed quantity prints text that parses to the same value", () => {
    fc.assert(
      fc.property(quantityish, (s) => {
        const start = Date.now();
        let q;
        const r = outcome("quantity", () => (q = parseQuantity(s)), [QuantityError]);
        expect(isValidQuantity(s)).toBe(r === "ok");
        if (q) {
          const again = parseQuantity(String(q));
          expect(String(again)).toBe(String(q));
        }
        expect(Date.now() - start).toBeLessThan(2_000);
      }),
      { numRuns: runs(5000) },
    );
  });
});

describe("selectors", { timeout: FUZZ_TIMEOUT_MS }, () => {
  const token = fc.constantFrom("app", "tier", "a.b/c", "x", "=", "==", "!=", "!", " in ", " notin ", "(", ")", ",", " ", "web", "", "-", "_", ".", "/", "\\", "\\,", "gt", "lt", "metadata.name", "status.phase", "Running", "kubernetes.io/", "__proto__", "constructor");
  const selectorish = fc.oneof(fc.array(token, { maxLength: 20 }).map((t) => t.join("")), nastyString, fc.constantFrom("a in (" + "b,".repeat(10_000) + "c)", "a=" + "b".repeat(100_000), "(".repeat(10_000)));

  it("label selectors: parse or SelectorError; a parsed selector re-parses to itself", () => {
    fc.assert(
      fc.property(selectorish, (s) => {
        let sel: LabelSelector | undefined;
        outcome("label-selector", () => (sel = LabelSelector.parse(s)), [SelectorError]);
        if (sel) {
          expect(String(LabelSelector.parse(String(sel)))).toBe(String(sel));
          sel.matches({ app: "web", __proto__: "x" } as Record<string, string>);
        }
        expectPrototypeClean();
      }),
      { numRuns: runs(5000) },
    );
  });

  it("label selector objects from random trees: a selector or SelectorError", () => {
    fc.assert(
      fc.property(hostileJson, (v) => {
        outcome("label-selector-object", () => LabelSelector.fromObject(v as never), [SelectorError]);
      }),
      { numRuns: runs(2000) },
    );
  });

  it("field selectors: parse or SelectorError; a parsed selector re-parses to itself and matches safely", () => {
    fc.assert(
      fc.property(selectorish, hostileJson, (s, obj) => {
        let sel: FieldSelector | undefined;
        outcome("field-selector", () => (sel = FieldSelector.parse(s)), [SelectorError]);
        if (sel) {
          // Same requirements (Kubernetes sorts the raw terms, so "==" and "=" may reorder them).
          const reqs = (x: FieldSelector) => x.requirements.map((r) => JSON.stringify(r)).sort();
          expect(reqs(FieldSelector.parse(String(sel)))).toEqual(reqs(sel));
          if (obj !== null && typeof obj === "object") sel.matches(obj as Record<string, unknown>);
        }
      }),
      { numRuns: runs(5000) },
    );
  });
});

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  escapeFieldValue,
  FieldSelector,
  fieldValue,
  LabelSelector,
  labelValueErrors,
  matchesLabelSelector,
  parseLabelSelector,
  qualifiedNameErrors,
  SelectorError,
  unescapeFieldValue,
  type Operator,
  type Requirement,
} from "./selector.js";

function parseError(s: string): SelectorError {
  try {
    LabelSelector.parse(s);
  } catch (e) {
    if (e instanceof SelectorError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(s)} to be rejected`);
}

describe("LabelSelector.parse", () => {
  // input → canonical text and requirements
  const good: Array<[string, string, Array<[string, Operator, string[]]>]> = [
    ["", "", []],
    ["   ", "", []],
    ["a", "a", [["a", "exists", []]]],
    ["!a", "!a", [["a", "!", []]]],
    [" ! a ", "!a", [["a", "!", []]]],
    ["a=b", "a=b", [["a", "=", ["b"]]]],
    ["a==b", "a==b", [["a", "==", ["b"]]]],
    ["a!=b", "a!=b", [["a", "!=", ["b"]]]],
    ["a=", "a=", [["a", "=", [""]]]],
    ["a!=,b", "a!=,b", [["a", "!=", [""]], ["b", "exists", []]]],
    [" a = b , c ", "a=b,c", [["a", "=", ["b"]], ["c", "exists", []]]],
    ["a in (y,x,x)", "a in (x,y)", [["a", "in", ["x", "y"]]]],
    ["a notin ( x , y )", "a notin (x,y)", [["a", "notin", ["x", "y"]]]],
    ["a in ()", "a in ()", [["a", "in", [""]]]],
    ["a in (,b)", "a in (,b)", [["a", "in", ["", "b"]]]],
    ["a in (b,)", "a in (,b)", [["a", "in", ["", "b"]]]],
    ["a in (b,,c)", "a in (,b,c)", [["a", "in", ["", "b", "c"]]]],
    ["in in (in,notin)", "in in (in,notin)", [["in", "in", ["in", "notin"]]]],
    ["x>5", "x>5", [["x", "gt", ["5"]]]],
    ["x<10", "x<10", [["x", "lt", ["10"]]]],
    ["b=1,a=2,a!=3", "a!=3,a=2,b=1", [["a", "!=", ["3"]], ["a", "=", ["2"]], ["b", "=", ["1"]]]],
    ["example.com/app=web", "example.com/app=web", [["example.com/app", "=", ["web"]]]],
    ["app.kubernetes.io/name in (my_app,My.App-2)", "app.kubernetes.io/name in (My.App-2,my_app)", [["app.kubernetes.io/name", "in", ["My.App-2", "my_app"]]]],
    ["a\tin\n(b)", "a in (b)", [["a", "in", ["b"]]]],
  ];
  it.each(good)("parses %j", (input, canonical, reqs) => {
    const sel = LabelSelector.parse(input);
    expect(sel.toString()).toBe(canonical);
    expect(sel.requirements.map((r) => [r.key, r.operator, r.values])).toEqual(reqs);
    expect(LabelSelector.parse(canonical).toString()).toBe(canonical);
    expect(sel.isEmpty()).toBe(reqs.length === 0);
  });

  // input → part of the message, offset of the offending token
  const bad: Array<[string, string, number]> = [
    ["a=b,", "expected: identifier after ','", 4],
    [",a", "found ',', expected: !, identifier, or 'end of string'", 0],
    ["a,,b", "expected: identifier after ','", 2],
    ["a b", "found 'b', expected: in, notin, =, ==, !=, gt, lt", 2],
    ["a=b=c", "found '=', expected: ',' or 'end of string'", 3],
    ["a in b", "found 'b', expected: '('", 5],
    ["a in (b", "found '', expected: ',' or ')'", 7],
    ["a in (b c)", "found 'c', expected: ',' or ')'", 8],
    ["a in ((", "expected: ',', ')' or identifier", 6],
    ["a in (b,,)", "found ')', expected: ',', or identifier", 9], // Kubernetes rejects this too
    ["a!b", "found '!', expected: in, notin", 1],
    ["!", "found '', expected: identifier", 1],
    ["!a=b", "found '=', expected: ',' or 'end of string'", 2],
    ["a=(b)", "found '(', expected: identifier", 2],
    ["a@=b", 'invalid label key "a@": name part must consist of alphanumeric characters', 0],
    ["-a", 'invalid label key "-a"', 0],
    ["a/b/c=d", "a qualified name must consist of", 0],
    ["/a=b", "prefix part must be non-empty", 0],
    ["Example.com/a=b", "prefix part a lowercase RFC 1123 subdomain", 0],
    [`${"k".repeat(64)}=v`, "name part must be no more than 63 characters", 0],
    ["a=b@", 'invalid label value: "b@": at key: "a"', 2],
    [`a in (ok,${"v".repeat(64)})`, "must be no more than 63 characters", 9],
    ["x>a", "for 'Gt', 'Lt' operators, the value must be an integer", 2],
    ["x>99999999999999999999", "the value must be an integer", 2],
  ];
  it.each(bad)("rejects %j", (input, message, position) => {
    const e = parseError(input);
    expect(e.message).toContain(message);
    expect(e.position).toBe(position);
    expect(e.input).toBe(input);
    expect(e.name).toBe("SelectorError");
  });

  it("names the place in the message", () => {
    expect(parseError("a in b").message).toBe(`found 'b', expected: '(' (at position 5 in "a in b")`);
    expect(parseError("a=b,").message).toContain("at end of string");
  });

  it("parseLabelSelector is LabelSelector.parse", () => {
    expect(parseLabelSelector("b,a").toString()).toBe("a,b");
  });
});

describe("LabelSelector.matches", () => {
  const labels = { app: "web", tier: "front", n: "7", empty: "" };
  // selector → matches `labels`?
  const cases: Array<[string, boolean]> = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=db", false],
    ["missing=web", false],
    ["missing=", false], // = needs the key, even for the empty value
    ["empty=", true],
    ["app!=db", true],
    ["app!=web", false],
    ["missing!=web", true], // != matches objects lacking the key
    ["app in (db,web)", true],
    ["app in (db)", false],
    ["missing in (web)", false],
    ["app notin (db)", true],
    ["app notin (web,db)", false],
    ["missing notin (web)", true], // notin matches objects lacking the key
    ["app", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["n>6", true],
    ["n>7", false],
    ["n<8", true],
    ["app>1", false], // not an integer label: never matches
    ["missing<100", false],
    ["app=web,tier=front", true],
    ["app=web,tier=back", false],
    ["constructor", false], // no prototype keys
    ["toString!=x", true],
  ];
  it.each(cases)("%j → %s", (sel, want) => {
    expect(LabelSelector.parse(sel).matches(labels)).toBe(want);
  });

  it("treats undefined labels as none", () => {
    expect(LabelSelector.parse("a!=b").matches(undefined)).toBe(true);
    expect(LabelSelector.parse("a").matches(undefined)).toBe(false);
    expect(LabelSelector.parse("").matches(undefined)).toBe(true);
  });
});

describe("LabelSelector.fromObject", () => {
  it("nil selects nothing, {} selects everything (LabelSelectorAsSelector)", () => {
    expect(LabelSelector.fromObject(undefined).matches({ a: "b" })).toBe(false);
    expect(LabelSelector.fromObject(null).matches({})).toBe(false);
    expect(LabelSelector.fromObject(undefined).isEmpty()).toBe(false);
    expect(LabelSelector.fromObject(undefined).isNothing()).toBe(true);
    expect(LabelSelector.fromObject({}).matches({ a: "b" })).toBe(true);
    expect(LabelSelector.fromObject({ matchLabels: {}, matchExpressions: [] }).isEmpty()).toBe(true);
  });

  it("combines matchLabels and matchExpressions", () => {
    const sel = LabelSelector.fromObject({
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["front", "edge"] },
        { key: "canary", operator: "DoesNotExist" },
        { key: "env", operator: "NotIn", values: ["dev"] },
        { key: "team", operator: "Exists" },
      ],
    });
    expect(sel.toString()).toBe("app=web,!canary,env notin (dev),team,tier in (edge,front)");
    expect(sel.matches({ app: "web", tier: "edge", team: "x" })).toBe(true);
    expect(sel.matches({ app: "web", tier: "edge", team: "x", env: "dev" })).toBe(false);
    expect(sel.matches({ app: "web", tier: "edge", team: "x", canary: "" })).toBe(false);
    expect(sel.matches({ app: "web", tier: "back", team: "x" })).toBe(false);
    expect(sel.matches({ app: "web", tier: "edge" })).toBe(false);
    expect(LabelSelector.parse(sel.toString()).toString()).toBe(sel.toString());
  });

  it.each([
    [{ matchExpressions: [{ key: "a", operator: "in", values: ["x"] }] }, `"in" is not a valid label selector operator`],
    [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, "values set can't be empty"],
    [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }, "values set must be empty"],
    [{ matchExpressions: [{ key: "a b", operator: "Exists" }] }, 'invalid label key "a b"'],
    [{ matchLabels: { app: "we b" } }, 'invalid label value: "we b"'],
    [{ matchLabels: { app: 3 as unknown as string } }, "must be a string"],
  ])("rejects %j", (obj, message) => {
    expect(() => LabelSelector.fromObject(obj)).toThrow(SelectorError);
    expect(() => LabelSelector.fromObject(obj)).toThrow(message);
  });

  it("matchesLabelSelector: convenience that treats nil and invalid as matching nothing", () => {
    expect(matchesLabelSelector({ matchLabels: { a: "b" } }, { a: "b" })).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { a: "b" } }, { a: "c" })).toBe(false);
    expect(matchesLabelSelector({}, {})).toBe(true);
    expect(matchesLabelSelector(undefined, {})).toBe(false);
    expect(matchesLabelSelector({ matchExpressions: [{ key: "a", operator: "Bogus" }] }, {})).toBe(false);
  });

  it("fromRequirements validates and orders", () => {
    const reqs: Requirement[] = [
      { key: "b", operator: "in", values: ["y", "x"] },
      { key: "a", operator: "exists", values: [] },
    ];
    const sel = LabelSelector.fromRequirements(reqs);
    expect(sel.toString()).toBe("a,b in (x,y)");
    expect(() => LabelSelector.fromRequirements([{ key: "a", operator: "=", values: ["x", "y"] }])).toThrow(SelectorError);
  });

  it("requirements are frozen", () => {
    const r = LabelSelector.parse("a in (x)").requirements[0];
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.values)).toBe(true);
  });
});

describe("label key and value validation", () => {
  it.each(["a", "A1", "a.b-c_d", "example.com/name", "a".repeat(63), `${"p".repeat(10)}.io/${"n".repeat(63)}`])("key %s is valid", (k) => {
    expect(qualifiedNameErrors(k)).toEqual([]);
  });
  it.each(["", "a b", "-a", "a-", "a/", "/a", "a/b/c", "A.com/x", "a".repeat(64), `${"p".repeat(254)}/x`])("key %j is invalid", (k) => {
    expect(qualifiedNameErrors(k).length).toBeGreaterThan(0);
  });
  it.each(["", "a", "a-b", "1.2.3", "x".repeat(63)])("value %j is valid", (v) => {
    expect(labelValueErrors(v)).toEqual([]);
  });
  it.each(["-a", "a b", "a/b", "x".repeat(64)])("value %j is invalid", (v) => {
    expect(labelValueErrors(v).length).toBeGreaterThan(0);
  });
  it("stays linear on long hostile input", () => {
    const hostile = "a".repeat(200_000) + "!";
    const start = Date.now();
    expect(qualifiedNameErrors(hostile).length).toBeGreaterThan(0);
    expect(labelValueErrors(hostile).length).toBeGreaterThan(0);
    expect(() => LabelSelector.parse(`a=${hostile.slice(0, -1)}-`)).toThrow(SelectorError);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});

describe("FieldSelector", () => {
  const pod = {
    metadata: { name: "web-1", namespace: "default" },
    spec: { nodeName: "node-a", hostNetwork: false },
    status: { phase: "Running", replicas: 3 },
  };
  const cases: Array<[string, boolean]> = [
    ["", true],
    ["metadata.name=web-1", true],
    ["metadata.name==web-1", true],
    ["metadata.name!=web-1", false],
    ["metadata.name=web-2", false],
    ["metadata.name=web-1,status.phase=Running", true],
    ["metadata.name=web-1,status.phase!=Running", false],
    ["spec.nodeName=", false],
    ["spec.schedulerName=", true], // missing reads as ""
    ["spec.schedulerName!=", false],
    ["spec.hostNetwork=false", true],
    ["status.replicas=3", true],
    ["metadata=", true], // objects read as ""
    ["metadata.name.more=", true],
  ];
  it.each(cases)("%j → %s", (sel, want) => {
    expect(FieldSelector.parse(sel).matches(pod)).toBe(want);
  });

  it("finds unscheduled pods with spec.nodeName=", () => {
    const sel = FieldSelector.parse("spec.nodeName=");
    expect(sel.matches({ spec: {} })).toBe(true);
    expect(sel.matches({ spec: { nodeName: "" } })).toBe(true);
    expect(sel.matches({})).toBe(true);
    expect(sel.matches({ spec: { nodeName: "n1" } })).toBe(false);
  });

  it("parses into sorted requirements, == as =, canonical text", () => {
    const sel = FieldSelector.parse("status.phase!=Failed,metadata.name==a\\,b");
    expect(sel.requirements).toEqual([
      { field: "metadata.name", operator: "=", value: "a,b" },
      { field: "status.phase", operator: "!=", value: "Failed" },
    ]);
    expect(sel.toString()).toBe("metadata.name=a\\,b,status.phase!=Failed");
    expect(sel.requiresExactMatch("metadata.name")).toBe("a,b");
    expect(sel.requiresExactMatch("status.phase")).toBeUndefined();
    expect(FieldSelector.parse("").isEmpty()).toBe(true);
    expect(FieldSelector.everything().matches({})).toBe(true);
  });

  it("splits at the first operator, so values may hold ! and escaped =", () => {
    expect(FieldSelector.parse("type=!x").requirements[0]).toEqual({ field: "type", operator: "=", value: "!x" });
    expect(FieldSelector.parse("type=a!\\=b").requirements[0].value).toBe("a!=b");
    expect(FieldSelector.parse("a\\b=c").requirements[0].field).toBe("a\\b");
  });

  it.each([
    ["metadata.name", "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ["a=b,c", "can't understand 'c'"],
    ["a=b=c", "unescaped character in value"],
    ["a=b\\", "invalid escape sequence: \\"],
    ["a=\\q", "invalid escape sequence: \\q"],
    ["a=\\!", "invalid escape sequence: \\!"], // Kubernetes escapes only \ , and =
  ])("rejects %j", (sel, message) => {
    expect(() => FieldSelector.parse(sel)).toThrow(SelectorError);
    expect(() => FieldSelector.parse(sel)).toThrow(message);
  });

  it("escapes like fields.EscapeValue", () => {
    expect(escapeFieldValue("a\\b,c=d!e")).toBe("a\\\\b\\,c\\=d!e");
    expect(unescapeFieldValue("a\\\\b\\,c\\=d!e")).toBe("a\\b,c=d!e");
  });

  it("reads fields defensively", () => {
    expect(fieldValue({ a: [1] }, "a.0")).toBe("");
    expect(fieldValue(null, "a")).toBe("");
    expect(fieldValue({}, "constructor")).toBe("");
    expect(fieldValue({ a: { b: "c" } }, "a.b")).toBe("c");
  });
});

// ---------------------------------------------------------------------------
// Properties

interface ReqModel {
  key: string;
  operator: Operator;
  values: string[];
}

const keys = ["a", "b", "app", "in", "example.com/tier", "x_y.z"];
const values = ["", "1", "2", "10", "web", "db", "in"];
const ws = fc.constantFrom("", " ", "  ", "\t");

const reqModel: fc.Arbitrary<ReqModel> = fc.oneof(
  fc.record({ key: fc.constantFrom(...keys), operator: fc.constantFrom<Operator>("=", "==", "!="), values: fc.constantFrom(...values).map((v) => [v]) }),
  fc.record({
    key: fc.constantFrom(...keys),
    operator: fc.constantFrom<Operator>("in", "notin"),
    values: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ key: fc.constantFrom(...keys), operator: fc.constantFrom<Operator>("exists", "!"), values: fc.constant<string[]>([]) }),
  fc.record({ key: fc.constantFrom(...keys), operator: fc.constantFrom<Operator>("gt", "lt"), values: fc.constantFrom("0", "2", "10").map((v) => [v]) }),
);

/** Writes a requirement the way a person might: odd spacing, unsorted values. */
const rendered = (r: ReqModel) =>
  fc.tuple(ws, ws, ws).map(([w1, w2, w3]) => {
    switch (r.operator) {
      case "exists":
        return `${w1}${r.key}${w2}`;
      case "!":
        return `${w1}!${w2}${r.key}${w3}`;
      case "in":
      case "notin":
        return `${w1}${r.key} ${r.operator}${w2}(${r.values.join(`${w3},${w2}`)})${w3}`;
      case "gt":
        return `${w1}${r.key}${w2}>${w3}${r.values[0]}`;
      case "lt":
        return `${w1}${r.key}${w2}<${w3}${r.values[0]}`;
      default:
        return `${w1}${r.key}${w2}${r.operator}${w3}${r.values[0]}${w1}`;
    }
  });

const selectorModel = fc
  .array(reqModel, { maxLength: 4 })
  .chain((reqs) => fc.tuple(fc.constant(reqs), fc.tuple(...reqs.map(rendered))).map(([rs, parts]) => ({ reqs: rs, text: parts.join(",") })));

const labelMap = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values, "abc"), { maxKeys: 5 });

/** An independent reading of the Kubernetes semantics. */
function oracle(reqs: ReqModel[], labels: Record<string, string>): boolean {
  return reqs.every((r) => {
    const present = Object.keys(labels).includes(r.key);
    const v = labels[r.key];
    switch (r.operator) {
      case "=":
      case "==":
      case "in":
        return present && r.values.includes(v);
      case "!=":
      case "notin":
        return !present || !r.values.includes(v);
      case "exists":
        return present;
      case "!":
        return !present;
      case "gt":
        return present && /^\d+$/.test(v) && Number(v) > Number(r.values[0]);
      case "lt":
        return present && /^\d+$/.test(v) && Number(v) < Number(r.values[0]);
    }
  });
}

describe("selector properties", () => {
  it("parsed selectors match exactly what the semantics say", () => {
    fc.assert(
      fc.property(selectorModel, labelMap, ({ reqs, text }, labels) => {
        expect(LabelSelector.parse(text).matches(labels)).toBe(oracle(reqs, labels));
      }),
    );
  });

  it("parse(toString(s)) matches the same label sets and prints the same", () => {
    fc.assert(
      fc.property(selectorModel, fc.array(labelMap, { maxLength: 8 }), ({ text }, labelSets) => {
        const s = LabelSelector.parse(text);
        const again = LabelSelector.parse(s.toString());
        expect(again.toString()).toBe(s.toString());
        for (const labels of labelSets) expect(again.matches(labels)).toBe(s.matches(labels));
      }),
    );
  });

  it("fromObject agrees with parsing the equivalent text", () => {
    const exprOps = { in: "In", notin: "NotIn", exists: "Exists", "!": "DoesNotExist" } as const;
    const objReq = reqModel.filter((r): r is ReqModel & { operator: keyof typeof exprOps } => r.operator in exprOps);
    fc.assert(
      fc.property(fc.array(objReq, { maxLength: 4 }), fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values)), labelMap, (exprs, matchLabels, labels) => {
        const sel = LabelSelector.fromObject({
          matchLabels,
          matchExpressions: exprs.map((r) => ({ key: r.key, operator: exprOps[r.operator], values: r.values })),
        });
        const model: ReqModel[] = [...Object.entries(matchLabels).map(([key, v]) => ({ key, operator: "=" as Operator, values: [v] })), ...exprs];
        expect(sel.matches(labels)).toBe(oracle(model, labels));
        expect(LabelSelector.parse(sel.toString()).matches(labels)).toBe(sel.matches(labels));
      }),
    );
  });

  it("garbage either parses or throws SelectorError, quickly", () => {
    const selectorish = fc.string({ unit: fc.constantFrom(..."ab =!(),<>in notin\t-_./\\é0"), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(selectorish, fc.string({ unit: "binary", maxLength: 40 })), (s) => {
        try {
          const sel = LabelSelector.parse(s);
          expect(LabelSelector.parse(sel.toString()).toString()).toBe(sel.toString());
        } catch (e) {
          expect(e).toBeInstanceOf(SelectorError);
        }
        try {
          FieldSelector.parse(s);
        } catch (e) {
          expect(e).toBeInstanceOf(SelectorError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("field values survive escaping, parsing and printing", () => {
    const field = fc.constantFrom("metadata.name", "spec.nodeName", "status.phase", "type");
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."ab\\,=!. é"), maxLength: 12 }), fc.string(), field, fc.boolean(), (v1, v2, f, negate) => {
        for (const v of [v1, v2]) {
          expect(unescapeFieldValue(escapeFieldValue(v))).toBe(v);
          const sel = FieldSelector.parse(`${f}${negate ? "!=" : "=="}${escapeFieldValue(v)}`);
          expect(sel.requirements).toEqual([{ field: f, operator: negate ? "!=" : "=", value: v }]);
          expect(sel.matches(objectWith(f, v))).toBe(!negate);
          expect(FieldSelector.parse(sel.toString()).requirements).toEqual(sel.requirements);
        }
        const both = FieldSelector.parse(`metadata.name=${escapeFieldValue(v1)},type=${escapeFieldValue(v2)}`);
        expect(both.requirements.map((r) => r.value)).toEqual([v1, v2]);
      }),
    );
  });
});

function objectWith(path: string, value: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let cur = root;
  const parts = path.split(".");
  parts.forEach((p, i) => {
    if (i === parts.length - 1) cur[p] = value;
    else cur = (cur[p] = {}) as Record<string, unknown>;
  });
  return root;
}

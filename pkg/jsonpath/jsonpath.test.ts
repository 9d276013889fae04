import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { JsonPathError, JsonPathTemplate, parseTemplate, relaxedExpression } from "./jsonpath.js";
import { parseCustomColumns, parseCustomColumnsFile, printCustomColumns } from "./custom-columns.js";

const list = {
  kind: "List",
  items: [
    { metadata: { name: "a", labels: { app: "web" } }, spec: { containers: [{ name: "c1", image: "nginx" }, { name: "c2", image: "redis" }] }, status: { phase: "Running", restarts: 3 } },
    { metadata: { name: "b", labels: { app: "db" } }, spec: { containers: [{ name: "c1", image: "postgres" }] }, status: { phase: "Pending", restarts: 0 } },
    { metadata: { name: "c" }, spec: { containers: [] }, status: { phase: "Running", restarts: 10 } },
  ],
};

const run = (t: string, data: unknown = list) => new JsonPathTemplate(t).execute(data);

describe("JSONPath templates (kubectl syntax)", () => {
  it("prints fields, wildcards joined by spaces, and literal text", () => {
    expect(run("{.kind}")).toBe("List");
    expect(run("{.items[*].metadata.name}")).toBe("a b c");
    expect(run("names: {.items[*].metadata.name}!")).toBe("names: a b c!");
    expect(run("{.items[0].spec.containers[*].image}")).toBe("nginx redis");
  });

  it("indexes, negative indexes, slices and unions", () => {
    expect(run("{.items[-1].metadata.name}")).toBe("c");
    expect(run("{.items[-1:].metadata.name}")).toBe("c");
    expect(run("{.items[0:2].metadata.name}")).toBe("a b");
    expect(run("{.items[::2].metadata.name}")).toBe("a c");
    expect(run("{.items[0,2].metadata.name}")).toBe("a c");
    expect(run("{.items[0].metadata['name','labels']}")).toBe('a {"app":"web"}');
    expect(run("{.items[7].metadata.name}")).toBe("");
  });

  it("filters with comparisons and existence", () => {
    expect(run('{.items[?(@.status.phase=="Running")].metadata.name}')).toBe("a c");
    expect(run("{.items[?(@.status.phase!='Running')].metadata.name}")).toBe("b");
    expect(run("{.items[?(@.status.restarts>2)].metadata.name}")).toBe("a c");
    expect(run("{.items[?(@.status.restarts<=3)].metadata.name}")).toBe("a b");
    expect(run("{.items[?(@.metadata.labels.app)].metadata.name}")).toBe("a b");
    expect(run('{.items[?(@.metadata.name==$.items[1].metadata.name)].status.phase}')).toBe("Pending");
  });

  it("ranges with string literals, nested", () => {
    expect(run('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}')).toBe("a\tRunning\nb\tPending\nc\tRunning\n");
    expect(run("{range .items[*]}[{range .spec.containers[*]}{.name},{end}]{end}")).toBe("[c1,c2,][c1,][]");
  });

  it("prints objects and arrays as JSON, missing keys as nothing", () => {
    expect(run("{.items[1].metadata}")).toBe('{"name":"b","labels":{"app":"db"}}');
    expect(run("{.items[2].spec.containers}")).toBe("[]");
    expect(run("{.nope.deeper}")).toBe("");
    expect(run("{.items[*].metadata.labels.app}")).toBe("web db");
  });

  it("descends recursively with ..", () => {
    expect(run("{..image}")).toBe("nginx redis postgres");
    expect(run("{.items[0]..name}")).toBe("a c1 c2");
  });

  it("rejects bad syntax with a JsonPathError", () => {
    for (const bad of ["{.a", "{range .items[*]}{.x}", "{end}", "{.a[}", "{.a[?(@.x==)]}", '{"abc}', "{}", "{.a[1:2:3:4]}"]) {
      expect(() => parseTemplate(bad), bad).toThrow(JsonPathError);
    }
  });

  it("accepts relaxed expressions as custom columns do", () => {
    expect(relaxedExpression("metadata.name")).toBe("{.metadata.name}");
    expect(relaxedExpression(".metadata.name")).toBe("{.metadata.name}");
    expect(relaxedExpression("{.metadata.name}")).toBe("{.metadata.name}");
    expect(() => relaxedExpression("{}")).toThrow(JsonPathError);
  });

  it("never crashes on garbage: a template either parses or throws JsonPathError", () => {
    const alphabet = fc.constantFrom(..."{}[]().*@$?=!<>,:'\"\\ -0123456789abc_range end\n".split(""), "range ", "{end}", "[?(", "..");
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }).map((a) => a.join("")), (t) => {
        try {
          new JsonPathTemplate(t).execute(list);
        } catch (e) {
          if (!(e instanceof JsonPathError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.jsonValue(), (t, data) => {
        try {
          new JsonPathTemplate(t).execute(data);
        } catch (e) {
          if (!(e instanceof JsonPathError)) throw e;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("custom columns", () => {
  it("prints kubectl's layout with <none> and comma-joined values", () => {
    const cols = parseCustomColumns("NAME:.metadata.name,IMAGES:.spec.containers[*].image,APP:metadata.labels.app");
    expect(printCustomColumns(cols, list.items)).toBe(
      ["NAME   IMAGES        APP", "a      nginx,redis   web", "b      postgres      db", "c      <none>        <none>", ""].join("\n"),
    );
    expect(printCustomColumns(cols, list.items, { noHeaders: true }).split("\n")[0]).toBe("a     nginx,redis   web");
  });

  it("reads the two-line file form and rejects bad specs", () => {
    const cols = parseCustomColumnsFile("NAME  PHASE\n.metadata.name  .status.phase\n");
    expect(printCustomColumns(cols, list.items.slice(0, 1))).toBe("NAME   PHASE\na      Running\n");
    expect(() => parseCustomColumns("NAME")).toThrow(JsonPathError);
    expect(() => parseCustomColumns("")).toThrow(JsonPathError);
    expect(() => parseCustomColumnsFile("A B\n.x\n")).toThrow(JsonPathError);
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { decodeSources, decodeText, lineOf, ManifestError, ManifestErrors } from "./decode.js";
import type { ManifestDocument } from "./decode.js";

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");
const fixture = (name: string) => path.join(testdata, name);
const read = (name: string) => readFileSync(fixture(name), "utf8");

/** Runs `fn`, expecting ManifestErrors, and returns the individual errors. */
function errorsOf(fn: () => unknown): ManifestError[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestErrors);
    return [...(err as ManifestErrors).errors];
  }
  throw new Error("expected ManifestErrors, nothing was thrown");
}

async function asyncErrorsOf(p: Promise<unknown>): Promise<ManifestError[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ManifestErrors);
  return [...(err as ManifestErrors).errors];
}

const summary = (docs: ManifestDocument[]) =>
  docs.map((d) => ({
    kind: d.object.kind,
    name: (d.object.metadata as { name?: string } | undefined)?.name,
    line: d.source.line,
    index: d.source.index,
  }));

describe("decodeText: YAML streams", () => {
  it("skips empty and comment-only documents and reports each object's start line and raw document index", () => {
    const docs = decodeText(read("multi.yaml"), "multi.yaml");
    expect(summary(docs)).toEqual([
      { kind: "Namespace", name: "demo", line: 3, index: 0 },
      // documents 1 (comment only) and 2 (empty) are skipped but still counted
      { kind: "ConfigMap", name: "settings", line: 13, index: 3 },
      { kind: "Pod", name: "web", line: 22, index: 4 },
    ]);
    expect(docs.every((d) => d.source.file === "multi.yaml")).toBe(true);
  });

  it("matches the golden output (UPDATE_GOLDEN=1 rewrites it)", () => {
    const docs = decodeText(read("multi.yaml"), "multi.yaml");
    const actual = JSON.stringify(docs, null, 2) + "\n";
    const golden = fixture("multi.output.json");
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(golden, actual);
    expect(actual).toBe(readFileSync(golden, "utf8"));
  });

  it("uses YAML 1.2 for booleans (on/yes stay strings) but keeps 1.1 octal like Kubernetes", () => {
    const [, configMap] = decodeText(read("multi.yaml"), "multi.yaml");
    expect(configMap.object.data).toEqual({ enabled: "on", answer: "yes" });

    const [deploy] = decodeText(read("deployment.yaml"), "deployment.yaml");
    const spec = deploy.object.spec as { template: { spec: { volumes: { configMap: { defaultMode: number } }[] } } };
    expect(spec.template.spec.volumes[0].configMap.defaultMode).toBe(0o644);

    const [obj] = decodeText("apiVersion: v1\nkind: X\na: 0o17\nb: 10\nc: 08\nbig: 12345678901234567890\n", "x.yaml");
    expect([obj.object.a, obj.object.b, obj.object.c]).toEqual([15, 10, 8]);
    expect(typeof obj.object.big).toBe("number");
  });

  it("returns [] for empty input and skips explicit null documents", () => {
    expect(decodeText("", "empty.yaml")).toEqual([]);
    expect(decodeText("# nothing\n---\n---\nnull\n...\n", "nulls.yaml")).toEqual([]);
  });

  it("strips a UTF-8 byte-order mark", () => {
    const [doc] = decodeText("\uFEFFapiVersion: v1\nkind: Namespace\nmetadata: {name: bom}\n", "bom.yaml");
    expect(doc.object.apiVersion).toBe("v1");
  });

  it("resolves anchors and << merge keys", () => {
    const [doc] = decodeText(read("anchors.yaml"), "anchors.yaml");
    expect((doc.object.spec as { containers: unknown[] }).containers).toEqual([
      { name: "one", image: "busybox:1.36" },
      { name: "two", image: "busybox:1.36" },
    ]);
  });
});

describe("decodeText: JSON and Lists", () => {
  it("decodes a JSON file (tab-indented) as one object", () => {
    const docs = decodeText(read("pod.json"), "pod.json");
    expect(docs).toHaveLength(1);
    expect(docs[0].object).toMatchObject({ kind: "Pod", metadata: { name: "json-pod", labels: { app: "json" } } });
    expect(docs[0].source).toEqual({ file: "pod.json", line: 1, index: 0 });
  });

  it("decodes a stream of concatenated JSON objects (jq -c output) with lines and indices", () => {
    const text = [
      '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}',
      "{",
      '  "apiVersion": "v1", "kind": "ConfigMap",',
      '  "metadata": {"name": "b"}',
      '}{"apiVersion": "v1", "metadata": {"name": "c"}}',
    ].join("\n");
    const errors = errorsOf(() => decodeText(text, "stream.json"));
    expect(errors.map((e) => [e.message, e.index])).toEqual([["stream.json:5: error validating data: kind not set", 2]]);
    const docs = decodeText(text.replace('"metadata": {"name": "c"}', '"kind": "Secret"'), "stream.json");
    expect(docs.map((d) => [d.object.kind, d.source.line, d.source.index])).toEqual([
      ["ConfigMap", 1, 0],
      ["ConfigMap", 2, 1],
      ["Secret", 5, 2],
    ]);
    expect(lineOf(docs[1], "metadata.name")).toBe(4);
  });

  it("expands a YAML kind: List into its items, each with its own line", () => {
    const docs = decodeText(read("list.yaml"), "list.yaml");
    expect(summary(docs)).toEqual([
      { kind: "Service", name: "web", line: 4, index: 0 },
      { kind: "Deployment", name: "web", line: 11, index: 0 },
    ]);
    expect(docs.some((d) => d.object.kind === "List")).toBe(false);
  });

  it("expands a JSON List and any *List kind, nested lists included", () => {
    expect(summary(decodeText(read("list.json"), "list.json"))).toEqual([
      { kind: "ConfigMap", name: "one", line: 5, index: 0 },
      { kind: "ConfigMap", name: "two", line: 10, index: 0 },
    ]);
    const nested = [
      "apiVersion: v1",
      "kind: ConfigMapList",
      "items:",
      "- apiVersion: v1",
      "  kind: List",
      "  items:",
      "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: inner}}",
    ].join("\n");
    expect(summary(decodeText(nested, "nested.yaml"))).toEqual([{ kind: "ConfigMap", name: "inner", line: 7, index: 0 }]);
  });

  it("reports a bad List item at the item's line, naming it", () => {
    const text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n- apiVersion: v1\n  metadata: {}\n- 42\n";
    const errors = errorsOf(() => decodeText(text, "l.yaml"));
    expect(errors.map((e) => e.message)).toEqual([
      "l.yaml:6: items[1]: error validating data: kind not set",
      "l.yaml:8: items[2] is a number (42), expected an object with apiVersion and kind",
    ]);
  });
});

describe("decodeText: errors", () => {
  it("reports a YAML syntax error at the parser's line and column", () => {
    const errors = errorsOf(() => decodeText(read("syntax-error.yaml"), "syntax-error.yaml"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: "syntax-error.yaml", line: 10, column: 1, index: 1 });
    expect(errors[0].message).toMatch(/^syntax-error\.yaml:10: invalid YAML: /);
  });

  it("rejects duplicate keys, naming the key and the line of the second one", () => {
    const errors = errorsOf(() => decodeText(read("duplicate-key.yaml"), "duplicate-key.yaml"));
    expect(errors.map((e) => e.message)).toEqual(['duplicate-key.yaml:5: duplicate key "name"']);
    expect(errors[0].column).toBe(3);
  });

  it("rejects a top-level scalar at the line where it stands", () => {
    const errors = errorsOf(() => decodeText(read("scalar.yaml"), "scalar.yaml"));
    expect(errors.map((e) => e.message)).toEqual([
      'scalar.yaml:2: the document is a string ("just a string"), expected an object with apiVersion and kind',
    ]);
  });

  it("rejects a top-level list and suggests kind: List", () => {
    const errors = errorsOf(() => decodeText(read("top-level-list.yaml"), "top-level-list.yaml"));
    expect(errors).toHaveLength(1);
    expect(errors[0].line).toBe(1);
    expect(errors[0].message).toContain("is a list");
    expect(errors[0].message).toContain('"kind: List"');
  });

  it("rejects a missing kind, a missing apiVersion and non-string values", () => {
    expect(errorsOf(() => decodeText(read("missing-kind.yaml"), "missing-kind.yaml")).map((e) => e.message)).toEqual([
      "missing-kind.yaml:1: error validating data: kind not set",
    ]);
    const both = errorsOf(() => decodeText("metadata:\n  name: x\n", "b.yaml"));
    expect(both.map((e) => e.message)).toEqual(["b.yaml:1: error validating data: apiVersion not set, kind not set"]);
    const typed = errorsOf(() => decodeText("apiVersion: 1\nkind: [Pod]\n", "t.yaml"));
    expect(typed[0].message).toBe(
      "t.yaml:1: error validating data: apiVersion must be a string, not a number (1), kind must be a string, not a list",
    );
  });

  it("checks metadata: a map whose name is a string; an absent one is an empty map", () => {
    const bad = errorsOf(() => decodeText("apiVersion: v1\nkind: Pod\nmetadata: web\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: 7}\n", "m.yaml"));
    expect(bad.map((e) => e.message)).toEqual([
      'm.yaml:1: error validating data: metadata must be a map, not a string ("web")',
      "m.yaml:5: error validating data: metadata.name must be a string, not a number (7)",
    ]);
    const [doc] = decodeText("apiVersion: v1\nkind: Namespace\n", "n.yaml");
    expect(doc.object.metadata).toEqual({});
  });

  it("collects every bad document in a batch with its own line, not just the first", () => {
    const errors = errorsOf(() => decodeText(read("two-bad.yaml"), "two-bad.yaml"));
    expect(errors.map((e) => [e.line, e.index])).toEqual([
      [7, 1],
      [16, 3],
    ]);
    expect(errors[0].message).toBe("two-bad.yaml:7: error validating data: apiVersion not set");
    expect(errors[1].message).toMatch(/^two-bad\.yaml:16: the document is a list/);
  });

  it("reports only the first syntax error of a document, not the parser's follow-up complaints", () => {
    // yaml raises seven UNEXPECTED_TOKEN errors here, all caused by the first.
    const errors = errorsOf(() => decodeText("{apiVersion: v1, kind: Pod}\nmetadata: {name: x}\n", "flow.yaml"));
    expect(errors.map((e) => e.message)).toEqual(["flow.yaml:2: invalid YAML: Unexpected scalar at node end"]);
    // Duplicate keys are real mistakes of their own and are all kept.
    const text = "apiVersion: v1\nkind: ConfigMap\ndata: {a: 1\nmetadata:\n  name: x\n  name: y\n";
    const both = errorsOf(() => decodeText(text, "unclosed.yaml"));
    expect(both.map((e) => e.line)).toEqual([4, 6]);
    expect(both[1].message).toBe('unclosed.yaml:6: duplicate key "name"');
  });

  it("keeps checking later documents after a syntax error", () => {
    const text = "a: b: c\n---\nkind: Pod\n---\napiVersion: v1\nkind: Namespace\n";
    const errors = errorsOf(() => decodeText(text, "mixed.yaml"));
    expect(errors.map((e) => e.line)).toEqual([1, 3]);
  });

  it("stops alias bombs instead of expanding them", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`);
    const text = `apiVersion: v1\nkind: ConfigMap\n${lines.join("\n")}\n`;
    const errors = errorsOf(() => decodeText(text, "bomb.yaml"));
    expect(errors).toHaveLength(1);
    expect(errors[0].line).toBe(1);
  });
});

describe("decodeSources", () => {
  it("decodes several -f values in argument order", async () => {
    const docs = await decodeSources([fixture("pod.json"), fixture("multi.yaml")]);
    expect(docs.map((d) => [path.basename(d.source.file), d.object.kind])).toEqual([
      ["pod.json", "Pod"],
      ["multi.yaml", "Namespace"],
      ["multi.yaml", "ConfigMap"],
      ["multi.yaml", "Pod"],
    ]);
  });

  it("throws one ManifestErrors with problems from every file, a missing path included", async () => {
    const missing = path.join(testdata, "does-not-exist.yaml");
    const errors = await asyncErrorsOf(decodeSources([fixture("two-bad.yaml"), missing, fixture("scalar.yaml")]));
    expect(errors.map((e) => [path.basename(e.file), e.line])).toEqual([
      ["two-bad.yaml", 7],
      ["two-bad.yaml", 16],
      ["does-not-exist.yaml", undefined],
      ["scalar.yaml", 2],
    ]);
    expect(errors[2].message).toBe(`the path "${missing}" does not exist`);
  });

  it("says no objects were passed when the input holds only comments", async () => {
    const errors = await asyncErrorsOf(decodeSources(["-"], { stdin: "# nothing yet\n---\n" }));
    expect(errors.map((e) => e.message)).toEqual(["<stdin>: no objects passed to apply"]);
  });

  it("refuses an empty path list", async () => {
    const errors = await asyncErrorsOf(decodeSources([]));
    expect(errors[0].message).toMatch(/must specify/);
  });
});

// Turns manifest text into API objects, the way `kubectl apply -f` reads it:
// multi-document YAML or JSON, `kind: List` expanded into its items, every object
// tagged with the file and line it came from. All problems in a batch are
// collected and thrown together, so the caller can refuse the whole batch.
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, visit } from "yaml";
import type { Document, ScalarTag, Tags, YAMLError } from "yaml";
import { checkKubeObject, describeValue } from "../api/object-check.js";
import { STDIN_FILE } from "./document.js";
import type { ManifestDocument, ManifestSource } from "./document.js";
import { ManifestError, ManifestErrors } from "./errors.js";
import { lineOfNode, rememberSyntax } from "./field-lines.js";
import { acceptGoYamlEscapes } from "./go-yaml-escapes.js";
import type { DocumentSyntax, Positions } from "./field-lines.js";
import { splitJsonStream } from "./json-stream.js";
import { readSources } from "./sources.js";
import type { ReadSourcesOptions } from "./sources.js";

export type { ManifestDocument, ManifestSource } from "./document.js";
export { STDIN_FILE } from "./document.js";
export { ManifestError, ManifestErrors } from "./errors.js";
export { lineOf } from "./field-lines.js";
export type { LineOfOptions } from "./field-lines.js";

export type DecodeSourcesOptions = ReadSourcesOptions;

// YAML 1.1 octal (`0644`). Kubernetes parses manifests with go-yaml's 1.1 rules,
// and manifests rely on it: `defaultMode: 0644` means 420. Read as 1.2 decimal
// it would become 644, an invalid mode, so this one 1.1 rule is kept.
const yaml11Octal: ScalarTag = {
  identify: (v) => typeof v === "number",
  default: true,
  tag: "tag:yaml.org,2002:int",
  format: "OCT",
  test: /^0[0-7]+$/,
  resolve: (s) => parseInt(s, 8),
};

// Otherwise the YAML 1.2 core schema: unquoted `on`, `yes`, `no` stay strings
// (as they do when Kubernetes decodes into string fields) instead of 1.1 booleans.
// `<<` merge keys are honoured because go-yaml, which kubectl uses, honours them.
const PARSE_OPTIONS = {
  version: "1.2",
  schema: "core",
  // Prepended: the first tag whose pattern matches a plain scalar wins.
  customTags: (tags: Tags) => [yaml11Octal, ...tags],
  merge: true,
  uniqueKeys: true,
  // We print our own `file:line:` prefix; the pretty form adds a code frame.
  prettyErrors: false,
} as const;

// The yaml package's default; stops "billion laughs" alias bombs.
const MAX_ALIAS_COUNT = 100;

/**
 * Reads every path (`-` is stdin) and decodes all of it. Throws ManifestErrors
 * listing every problem in every file; also when nothing at all was found.
 */
export async function decodeSources(
  paths: string[],
  opts: DecodeSourcesOptions = {},
): Promise<ManifestDocument[]> {
  if (paths.length === 0) {
    throw new ManifestErrors([new ManifestError("", "must specify at least one file, directory or - (stdin)")]);
  }
  const documents: ManifestDocument[] = [];
  const errors: ManifestError[] = [];
  for (const input of await readSources(paths, opts)) {
    if (input instanceof ManifestError) {
      errors.push(input);
      continue;
    }
    const decoded = decodeCollecting(input.text, input.file);
    documents.push(...decoded.documents);
    errors.push(...decoded.errors);
  }
  if (errors.length > 0) throw new ManifestErrors(errors);
  if (documents.length === 0) {
    const where = paths.map((p) => (p === "-" ? STDIN_FILE : p)).join(", ");
    throw new ManifestErrors([new ManifestError(where, "no objects passed to apply")]);
  }
  return documents;
}

/**
 * Decodes one buffer (YAML or JSON). Empty input gives []. Throws ManifestErrors
 * listing every problem.
 */
export function decodeText(text: string, file: string): ManifestDocument[] {
  const { documents, errors } = decodeCollecting(text, file);
  if (errors.length > 0) throw new ManifestErrors(errors);
  return documents;
}

export interface DecodeResult {
  documents: ManifestDocument[];
  errors: ManifestError[];
}

/** Like decodeText, but hands back the good documents and the errors side by side. */
export function decodeCollecting(text: string, file: string): DecodeResult {
  const result: DecodeResult = { documents: [], errors: [] };
  // A UTF-8 byte-order mark (Windows editors) is not content.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const positions = lineCounterFor(body);
  const docs = parseAllDocuments(body, PARSE_OPTIONS);
  for (const d of docs) acceptGoYamlEscapes(d, body);

  // Not YAML, but maybe concatenated JSON objects (`jq -c` output), which kubectl
  // accepts: parse each value on its own, shifting offsets back into the file.
  const jsonValues = docs.some((d) => d.errors.length > 0) ? splitJsonStream(body) : undefined;
  if (jsonValues !== undefined && jsonValues.length > 1) {
    jsonValues.forEach(({ start, end }, index) => {
      const shifted: Positions = { linePos: (offset) => positions.linePos(offset + start) };
      const slice = body.slice(start, end);
      for (const doc of parseAllDocuments(slice, PARSE_OPTIONS)) {
        acceptGoYamlEscapes(doc, slice);
        decodeDocument(doc, { file, index, positions: shifted, result });
      }
    });
    return result;
  }

  docs.forEach((doc, index) => decodeDocument(doc, { file, index, positions, result }));
  return result;
}

/** Line starts of the whole text, so positions stay file-relative whichever way it is parsed. */
function lineCounterFor(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) counter.addNewLine(i + 1);
  return counter;
}

interface DocumentContext {
  file: string;
  index: number;
  positions: Positions;
  result: DecodeResult;
}

function decodeDocument(doc: Document.Parsed, ctx: DocumentContext): void {
  const { file, index, positions, result } = ctx;
  if (doc.errors.length > 0) {
    // After the first syntax error the parser's further complaints are mostly
    // echoes of it; duplicate keys, though, are each a real mistake.
    const firstSyntax = doc.errors.find((e) => e.code !== "DUPLICATE_KEY");
    for (const err of doc.errors) {
      if (err === firstSyntax || err.code === "DUPLICATE_KEY") result.errors.push(yamlError(err, doc, ctx));
    }
    return;
  }
  const contents = doc.contents;
  // Empty, comment-only and explicit `null` documents are skipped, as kubectl does.
  if (contents === null || (isScalar(contents) && contents.value === null)) return;

  const line = lineOfNode(contents, positions) ?? 1;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    result.errors.push(new ManifestError(file, `cannot decode document ${index}: ${reason}`, { line, index }));
    return;
  }
  expand(value, contents, "", line, { doc, ...ctx });
}

/**
 * Checks one object and adds it, or, for a List, each of its items (recursively,
 * since kubectl flattens nested lists too). `where` names the item for messages.
 */
function expand(
  value: unknown,
  node: unknown,
  where: string,
  fallbackLine: number,
  ctx: DocumentContext & { doc: Document.Parsed },
): void {
  const { file, index, positions, result, doc } = ctx;
  const line = lineOfNode(node, positions) ?? fallbackLine;
  const prefix = where === "" ? "" : `${where}: `;

  if (!isPlainObject(value)) {
    const what = where === "" ? "the document" : where;
    const hint = Array.isArray(value) ? '; to put several objects in one document use "kind: List" with "items"' : "";
    result.errors.push(
      new ManifestError(file, `${what} is ${describeValue(value)}, expected an object with apiVersion and kind${hint}`, {
        line,
        index,
      }),
    );
    return;
  }

  const checked = checkKubeObject(value);
  if (checked.problems) {
    result.errors.push(new ManifestError(file, `${prefix}error validating data: ${checked.problems.join(", ")}`, { line, index }));
    return;
  }

  if (isListObject(value)) {
    const itemsNode = deref(isMap(node) ? node.get("items", true) : undefined, doc);
    const itemNodes = isSeq(itemsNode) ? itemsNode.items : [];
    value.items.forEach((item, i) => expand(item, itemNodes[i], `${where === "" ? "" : `${where}.`}items[${i}]`, line, ctx));
    return;
  }

  const source: ManifestSource = { file, line, index };
  const syntax: DocumentSyntax = { doc, node, positions };
  rememberSyntax(source, syntax);
  result.documents.push({ object: checked.object, source });
}

/** `kind: List`, `PodList`, … with an `items` array: kubectl applies the items. */
function isListObject(obj: Record<string, unknown>): obj is Record<string, unknown> & { items: unknown[] } {
  return typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deref(node: unknown, doc: Document.Parsed): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function yamlError(err: YAMLError, doc: Document.Parsed, ctx: DocumentContext): ManifestError {
  const offset = err.pos[0];
  const { line, col } = ctx.positions.linePos(offset);
  let detail = `invalid YAML: ${err.message}`;
  if (err.code === "DUPLICATE_KEY") {
    const key = keyAt(doc, offset);
    detail = key === undefined ? "duplicate key" : `duplicate key ${JSON.stringify(key)}`;
  }
  return new ManifestError(ctx.file, detail, { line, column: col, index: ctx.index });
}

/** The text of the map key that starts at `offset`, to name it in a duplicate-key error. */
function keyAt(doc: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

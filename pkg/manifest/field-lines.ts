// Maps a validation field path (`spec.template.spec.containers[0].image`) back to
// the line it came from, so errors can read `deploy.yaml:14: spec.replicas: …`.
//
// The decoder keeps each document's YAML node next to its source record (in a
// WeakMap keyed by the `source` object, so `{ ...doc, object: defaulted }` still
// finds it and nothing leaks once documents are dropped). Lines are looked up by
// walking that node on demand: cheap, and nothing is computed for files without errors.
import { isAlias, isMap, isPair, isScalar, isSeq } from "yaml";
import type { Document, Pair, YAMLMap } from "yaml";
import type { ManifestDocument, ManifestSource } from "./document.js";

/** Offset → 1-based line and column in the file (yaml's LineCounter fits). */
export interface Positions {
  linePos(offset: number): { line: number; col: number };
}

export interface DocumentSyntax {
  /** The parsed YAML document, needed to resolve aliases. */
  doc: Document;
  /** The node the object was built from (the document's contents, or a List item). */
  node: unknown;
  positions: Positions;
}

const syntaxBySource = new WeakMap<ManifestSource, DocumentSyntax>();

/** Called by the decoder for every document it returns. */
export function rememberSyntax(source: ManifestSource, syntax: DocumentSyntax): void {
  syntaxBySource.set(source, syntax);
}

export interface LineOfOptions {
  /**
   * Only the field itself counts. By default a field that is absent (the typical
   * "Required value" error) yields the line of its closest present ancestor,
   * which is where the user has to add it.
   */
  exact?: boolean;
}

/**
 * 1-based line of `path` in the document's source. Paths use the validation
 * format: dots between fields, `[N]` for list items, `[key]` for map keys that
 * contain dots (`metadata.labels[app.kubernetes.io/name]`); dotted keys written
 * without brackets (`metadata.labels.app.kubernetes.io/name`) are found too.
 * The empty path is the document itself. Returns undefined when the path does not
 * parse, the document was not produced by the decoder, or (with `exact`) the
 * field is absent.
 */
export function lineOf(doc: ManifestDocument, path: string, opts: LineOfOptions = {}): number | undefined {
  const syntax = syntaxBySource.get(doc.source);
  const segments = parseFieldPath(path);
  if (syntax === undefined || segments === undefined) return undefined;
  const match = resolve(syntax.node, segments, 0, syntax, doc.source.line, 0);
  if (opts.exact && !match.exact) return undefined;
  return match.line;
}

export type FieldPathSegment =
  | { kind: "key"; name: string; /** written with dots, so it may join its neighbours */ dotted: boolean }
  | { kind: "index"; index: number };

/** Splits `a.b[0][key.with.dots]` into segments; undefined for malformed paths. */
export function parseFieldPath(path: string): FieldPathSegment[] | undefined {
  const segments: FieldPathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === "[") {
      const end = path.indexOf("]", i);
      if (end < 0) return undefined;
      const inner = path.slice(i + 1, end);
      if (/^\d+$/.test(inner)) segments.push({ kind: "index", index: Number(inner) });
      else segments.push({ kind: "key", name: unquote(inner), dotted: false });
      i = end + 1;
    } else {
      let end = i;
      while (end < path.length && path[end] !== "." && path[end] !== "[") end++;
      if (end === i) return undefined; // empty segment: "a..b" or ".a"
      segments.push({ kind: "key", name: path.slice(i, end), dotted: true });
      i = end;
    }
    if (path[i] === ".") {
      i++;
      if (i === path.length) return undefined; // trailing dot
    }
  }
  return segments;
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) ? s.slice(1, -1) : s;
}

interface Match {
  line: number;
  /** How many segments were matched. */
  depth: number;
  exact: boolean;
}

// Aliases and merge keys can form cycles; real manifests never nest this deep.
const MAX_DEPTH = 200;

function resolve(
  node: unknown,
  segments: FieldPathSegment[],
  i: number,
  syntax: DocumentSyntax,
  line: number,
  depth: number,
): Match {
  if (i === segments.length) return { line, depth: i, exact: true };
  const nearest: Match = { line, depth: i, exact: false };
  if (depth > MAX_DEPTH) return nearest;
  const target = deref(node, syntax);
  const segment = segments[i];

  if (segment.kind === "index") {
    if (!isSeq(target)) return nearest;
    const item: unknown = target.items[segment.index];
    if (item === undefined) return nearest;
    return resolve(item, segments, i + 1, syntax, lineOfNode(item, syntax.positions) ?? line, depth + 1);
  }

  if (!isMap(target)) return nearest;
  // A dotted path cannot tell `labels.app.kubernetes.io/name` (one key) from
  // nested fields, so try the shortest key first and then longer joins.
  let best = nearest;
  let name = "";
  for (let j = i; j < segments.length; j++) {
    const s = segments[j];
    if (s.kind !== "key") break;
    if (j > i) {
      const prev = segments[j - 1];
      if (!s.dotted || prev.kind !== "key" || !prev.dotted) break;
      name = `${name}.${s.name}`;
    } else {
      name = s.name;
    }
    const pair = findPair(target, name, syntax, depth);
    if (pair === undefined) continue;
    const m = resolve(pair.value, segments, j + 1, syntax, lineOfNode(pair, syntax.positions) ?? line, depth + 1);
    if (m.exact) return m;
    if (m.depth > best.depth) best = m;
  }
  return best;
}

function deref(node: unknown, syntax: DocumentSyntax): unknown {
  return isAlias(node) ? node.resolve(syntax.doc) : node;
}

/** The pair for `name`, looking through `<<` merge keys like the decoder does. */
function findPair(map: YAMLMap, name: string, syntax: DocumentSyntax, depth: number): Pair | undefined {
  const merges: unknown[] = [];
  for (const pair of map.items) {
    if (isMergeKey(pair.key)) merges.push(pair.value);
    else if (isScalar(pair.key) && String(pair.key.value) === name) return pair;
  }
  if (depth > MAX_DEPTH) return undefined;
  for (const merged of merges) {
    const source = deref(merged, syntax);
    const candidates = isSeq(source) ? source.items.map((item) => deref(item, syntax)) : [source];
    for (const candidate of candidates) {
      if (!isMap(candidate)) continue;
      const pair = findPair(candidate, name, syntax, depth + 1);
      if (pair !== undefined) return pair;
    }
  }
  return undefined;
}

function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  const v = key.value;
  return v === "<<" || (typeof v === "symbol" && v.description === "<<");
}

/** Line of a node or, for a map entry, of its key (where a reader looks for a field). */
export function lineOfNode(node: unknown, positions: Positions): number | undefined {
  const start = isPair(node) ? (rangeStart(node.key) ?? rangeStart(node.value)) : rangeStart(node);
  return start === undefined ? undefined : positions.linePos(start).line;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== "object" || node === null || !("range" in node)) return undefined;
  const range = (node as { range?: unknown }).range;
  return Array.isArray(range) && typeof range[0] === "number" ? range[0] : undefined;
}

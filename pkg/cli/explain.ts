// `skiff explain RESOURCE[.field.path] [--recursive]`, laid out like kubectl
// 1.32's plaintext template (GROUP/KIND/VERSION, FIELD, DESCRIPTION, FIELDS),
// from the same schemas skiff serves as OpenAPI (pkg/api/schema.ts).
import { resolveResource, type ResourceInfo } from "../api/kinds.js";
import { explainPath, modelDescription, modelSchema, typeName, type FieldSchema } from "../api/schema.js";

export class ExplainError extends Error {
  override name = "ExplainError";
}

/**
 * Word wrap as kubectl's explain does it (mitchellh/go-wordwrap): runs of
 * spaces inside a line are kept, a break drops them, a word longer than the
 * limit gets a line of its own. Lines are then indented.
 */
export function wrapText(text: string, indent: number, width = 80): string[] {
  const lim = width - indent;
  let out = "";
  let current = 0;
  let word = "";
  let spaces = "";
  for (const ch of text) {
    if (ch === "\n") {
      if (word === "") {
        if (current + spaces.length <= lim) out += spaces;
      } else out += spaces + word;
      out += "\n";
      current = 0;
      word = "";
      spaces = "";
    } else if (/\s/.test(ch) && ch !== "\u00a0") {
      if (spaces === "" || word !== "") {
        current += spaces.length + word.length;
        out += spaces + word;
        spaces = "";
        word = "";
      }
      spaces += ch;
    } else {
      word += ch;
      if (current + spaces.length + word.length > lim && word.length < lim) {
        out += "\n";
        current = 0;
        spaces = "";
      }
    }
  }
  if (word === "") {
    if (current + spaces.length <= lim) out += spaces;
  } else out += spaces + word;
  return out.split("\n").map((l) => (l ? " ".repeat(indent) + l : l));
}

/** Split "deploy.spec.replicas" (or "deployments.apps.spec") into the resource and the field path. */
export function splitResourcePath(arg: string): { info: ResourceInfo; path: string } {
  const parts = arg.split(".");
  // Try the longest prefix that names a resource ("deployments.apps" before "deployments").
  for (let n = Math.min(parts.length, 4); n >= 1; n--) {
    const info = resolveResource(parts.slice(0, n).join("."));
    if (info && (n === 1 || info.group === parts.slice(1, n).join("."))) return { info, path: parts.slice(n).join(".") };
  }
  throw new ExplainError(`the server doesn't have a resource type "${parts[0]}"`);
}

function elementOf(f: FieldSchema): FieldSchema {
  let cur = f;
  while ((cur.kind === "array" || cur.kind === "map") && cur.items) cur = cur.items;
  return cur;
}

/** The schema of the field at the path (undefined for the kind itself). */
function fieldAt(model: string, path: string): FieldSchema | undefined {
  let field: FieldSchema | undefined;
  let ref = model;
  for (const seg of path.split(".").filter(Boolean)) {
    field = modelSchema(ref)[seg];
    const el = field ? elementOf(field) : undefined;
    ref = el?.ref ?? "";
  }
  return field;
}

function header(info: ResourceInfo): string {
  return `${info.group ? `GROUP:      ${info.group}\n` : ""}KIND:       ${info.kind}\nVERSION:    ${info.version}\n\n`;
}

function recursiveFields(ref: string, depth: number, seen: Set<string>): string {
  let out = "";
  const schema = modelSchema(ref);
  for (const name of Object.keys(schema).sort(byteOrder)) {
    const f = schema[name];
    out += `${"  ".repeat(depth)}${name}\t<${shownType(f)}>${f.required ? " -required-" : ""}\n`;
    const el = elementOf(f);
    // Stop at a type already being expanded above: recursive types would never end.
    if (el.kind === "object" && el.ref && !seen.has(el.ref) && depth < 20) {
      seen.add(el.ref);
      out += recursiveFields(el.ref, depth + 1, seen);
      seen.delete(el.ref);
    }
  }
  return out;
}

export function explain(arg: string, opts: { recursive?: boolean } = {}): string {
  const { info, path } = splitResourcePath(arg);
  const result = explainPath(info.model, path);
  if (!result) {
    const segs = path.split(".");
    // Name the first segment that does not exist, as kubectl does.
    let i = 1;
    while (i < segs.length && explainPath(info.model, segs.slice(0, i).join("."))) i++;
    throw new ExplainError(`field "${segs[Math.min(i, segs.length) - 1]}" does not exist`);
  }
  let out = header(info);
  const field = fieldAt(info.model, path);
  const el = field ? elementOf(field) : undefined;
  const paragraphs: string[] = [];
  if (field) {
    out += `FIELD: ${path.split(".").pop()} <${shownType(field)}>\n\n\n`;
    if (field.description) paragraphs.push(field.description);
    // kubectl follows the field's text with its type's (Quantity for resource maps too).
    const typeDoc = el?.kind === "object" && el.ref ? modelDescription(el.ref) : el?.kind === "quantity" ? QUANTITY_DOC : undefined;
    if (typeDoc) paragraphs.push(typeDoc);
  } else if (result.description) paragraphs.push(result.description);
  out += "DESCRIPTION:\n";
  out += paragraphs.length ? paragraphs.flatMap((p) => wrapText(p, 4)).join("\n") + "\n" : "    <empty>\n";
  out += "    \n";
  if (result.fields.length > 0) {
    out += "FIELDS:\n";
    if (opts.recursive) {
      const ref = el?.ref ?? info.model;
      out += recursiveFields(ref, 1, new Set([ref]));
    } else {
      const schema = modelSchema(el?.ref ?? info.model);
      for (const name of Object.keys(schema).sort(byteOrder)) {
        const f = schema[name];
        const fel = elementOf(f);
        // A field without text of its own shows its type's, as kubectl does.
        const text = f.description ?? (fel.kind === "object" && fel.ref ? modelDescription(fel.ref) : undefined);
        out += `  ${name}\t<${shownType(f)}>${f.required ? " -required-" : ""}\n`;
        if (text) out += wrapText(text, 4).join("\n") + "\n";
        out += "\n";
      }
    }
  }
  return out + "\n";
}

/** Go's string order (kubectl sorts fields bytewise: "namespaceSelector" before "namespaces"). */
const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The type as Kubernetes' OpenAPI names it: timestamps are plain strings there. */
function shownType(f: FieldSchema): string {
  return typeName(f).replace(/\b(Micro)?Time\b/g, "string");
}

const QUANTITY_DOC = "Quantity is a fixed-point representation of a number: a decimal or binary-SI value such as 500m, 2, 128Mi or 1G.";

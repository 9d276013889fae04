// kubectl reads manifests with sigs.k8s.io/yaml over go-yaml, whose scanner
// (like libyaml's) accepts `\'` inside a double-quoted string and reads it as
// `'`. YAML 1.2 has no such escape, so the yaml package reports
// BAD_DQ_ESCAPE — and the documentation's own examples use it
// (pods/inject/envars-file-container.yaml). This accepts exactly that escape,
// with go-yaml's meaning; every other bad escape stays an error.
import { isScalar, parseDocument, visit } from "yaml";
import type { Document } from "yaml";

const BAD_ESCAPE = "BAD_DQ_ESCAPE";

/** Rewrites the affected scalars in place and drops their errors. `text` is what `doc` was parsed from. */
export function acceptGoYamlEscapes(doc: Document.Parsed, text: string): void {
  const accepted = doc.errors.filter((e) => e.code === BAD_ESCAPE && text.startsWith("\\'", e.pos[0]));
  if (accepted.length === 0) return;
  const fixed = new Set<(typeof accepted)[number]>();
  visit(doc, {
    Scalar(_, node) {
      const range = node.range;
      if (!isScalar(node) || node.type !== "QUOTE_DOUBLE" || !range) return;
      const mine = accepted.filter((e) => e.pos[0] >= range[0] && e.pos[0] < range[1]);
      if (mine.length === 0) return;
      const value = decodeDoubleQuoted(text.slice(range[0], range[1]));
      if (value === undefined) return;
      node.value = value;
      for (const e of mine) fixed.add(e);
    },
  });
  doc.errors = doc.errors.filter((e) => !fixed.has(e as (typeof accepted)[number]));
}

/** The value of one double-quoted scalar token, with `\'` read as `'`; undefined if it still does not parse. */
function decodeDoubleQuoted(token: string): string | undefined {
  let out = "";
  for (let i = 0; i < token.length; i++) {
    if (token[i] === "\\" && i + 1 < token.length) {
      out += token[i + 1] === "'" ? "'" : token.slice(i, i + 2);
      i++;
    } else out += token[i];
  }
  const doc = parseDocument(out, { version: "1.2" });
  return doc.errors.length === 0 && typeof doc.contents?.toJSON() === "string" ? String(doc.contents.toJSON()) : undefined;
}

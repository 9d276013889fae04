// kubectl also accepts a stream of concatenated JSON values (`jq -c` output:
// `{…}\n{…}`), which is not valid YAML. This finds where each top-level value
// starts and ends so each can be parsed on its own, keeping file offsets.

export interface TextRange {
  start: number;
  end: number;
}

/**
 * Ranges of the top-level `{…}` / `[…]` values in `text`, or undefined when the
 * text is anything else (so the YAML parser reports the real problem).
 */
export function splitJsonStream(text: string): TextRange[] | undefined {
  const ranges: TextRange[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isJsonWhitespace(text[i])) i++;
    if (i === text.length) return ranges;
    if (text[i] !== "{" && text[i] !== "[") return undefined;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === "\\") i++; // skip the escaped character, which may be a quote
        else if (ch === '"') inString = false;
      } else if (ch === '"') {
        inString = true;
      } else if (ch === "{" || ch === "[") {
        depth++;
      } else if (ch === "}" || ch === "]") {
        depth--;
        if (depth === 0) break;
      }
    }
    if (depth !== 0) return undefined; // unterminated: let the parser say where
    i++;
    ranges.push({ start, end: i });
  }
}

function isJsonWhitespace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\n" || ch === "\r";
}

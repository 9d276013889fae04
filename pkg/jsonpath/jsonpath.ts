// kubectl's JSONPath templates (`-o jsonpath='{.items[*].metadata.name}'`),
// the subset people actually type: {.a.b}, ['key'], [*], [0], [-1:], [0:2:1],
// [0,2], .., [?(@.x=="y")] (==, !=, <, <=, >, >=, or bare existence),
// {range …}…{end}, and "…" string literals. Text outside braces is printed as is.
//
// Semantics follow k8s.io/client-go/util/jsonpath: the results of one
// expression are joined by a space, strings print raw, objects and arrays print
// as compact JSON, and a missing key prints nothing (kubectl sets
// AllowMissingKeys for `-o jsonpath`).

export class JsonPathError extends Error {
  override name = "JsonPathError";
}

export type Literal = { t: "literal"; value: string | number | boolean | null };

export type Segment =
  | { t: "field"; name: string }
  | { t: "wildcard" }
  | { t: "recursive" }
  | { t: "index"; index: number }
  | { t: "slice"; start?: number; end?: number; step?: number }
  | { t: "union"; keys: Array<string | number> }
  | { t: "filter"; left: Path | Literal; op?: FilterOp; right?: Path | Literal };

export type FilterOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** A path from the current object ("@", or implicit) or the template's root ("$"). */
export interface Path {
  t: "path";
  root: "@" | "$";
  segments: Segment[];
}

export type Node =
  | { t: "text"; text: string }
  | { t: "expr"; exprs: Array<Path | Literal> }
  | { t: "range"; over: Path; body: Node[] };

// ---------------------------------------------------------------------------
// Parsing.

/** Split a template into text and `{…}` actions, honouring quotes and brackets inside actions. */
function splitActions(template: string): Array<{ text: string } | { action: string; at: number }> {
  const out: Array<{ text: string } | { action: string; at: number }> = [];
  let i = 0;
  let text = "";
  while (i < template.length) {
    const c = template[i];
    if (c !== "{") {
      text += c;
      i++;
      continue;
    }
    if (text) out.push({ text });
    text = "";
    const start = i + 1;
    let j = start;
    let quote: string | undefined;
    let depth = 0;
    for (; j < template.length; j++) {
      const d = template[j];
      if (quote) {
        if (d === "\\") j++;
        else if (d === quote) quote = undefined;
      } else if (d === '"' || d === "'") quote = d;
      else if (d === "[" || d === "(") depth++;
      else if (d === "]" || d === ")") depth--;
      else if (d === "}" && depth <= 0) break;
    }
    if (j >= template.length) throw new JsonPathError(`unclosed action at position ${i}: ${template.slice(i, i + 20)}`);
    out.push({ action: template.slice(start, j), at: i });
    i = j + 1;
  }
  if (text) out.push({ text });
  return out;
}

/** Parse a whole template into nodes; throws JsonPathError on bad syntax. */
export function parseTemplate(template: string): Node[] {
  const stack: Node[][] = [[]];
  const ranges: Array<{ over: Path }> = [];
  for (const part of splitActions(template)) {
    const top = stack[stack.length - 1];
    if ("text" in part) {
      top.push({ t: "text", text: part.text });
      continue;
    }
    const action = part.action.trim();
    if (action === "end") {
      if (ranges.length === 0) throw new JsonPathError("not in range, nothing to end");
      const body = stack.pop()!;
      const r = ranges.pop()!;
      stack[stack.length - 1].push({ t: "range", over: r.over, body });
      continue;
    }
    const rangeMatch = /^range\s+([\s\S]+)$/.exec(action);
    if (rangeMatch) {
      const exprs = new Parser(rangeMatch[1]).parseList();
      if (exprs.length !== 1 || exprs[0].t !== "path") throw new JsonPathError(`range needs one path, got "${rangeMatch[1]}"`);
      ranges.push({ over: exprs[0] });
      stack.push([]);
      continue;
    }
    if (action === "") throw new JsonPathError(`empty action at position ${part.at}`);
    top.push({ t: "expr", exprs: new Parser(action).parseList() });
  }
  if (ranges.length > 0) throw new JsonPathError("unclosed range: missing {end}");
  return stack[0];
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  private fail(what: string): never {
    throw new JsonPathError(`${what} at position ${this.i} in "${this.s}"`);
  }
  private peek(n = 0): string {
    return this.s[this.i + n] ?? "";
  }
  private skipSpace(): void {
    while (/\s/.test(this.peek())) this.i++;
  }
  private eat(str: string): boolean {
    if (this.s.startsWith(str, this.i)) {
      this.i += str.length;
      return true;
    }
    return false;
  }

  /** Space-separated expressions, as in `{.metadata.name .kind}`. */
  parseList(): Array<Path | Literal> {
    const out: Array<Path | Literal> = [];
    this.skipSpace();
    while (this.i < this.s.length) {
      out.push(this.parseOperand());
      this.skipSpace();
    }
    return out;
  }

  private parseOperand(): Path | Literal {
    const c = this.peek();
    if (c === '"' || c === "'") return { t: "literal", value: this.parseString() };
    if (/[-0-9]/.test(c)) return { t: "literal", value: this.parseNumber() };
    if (this.s.startsWith("true", this.i) && !/[\w]/.test(this.peek(4))) {
      this.i += 4;
      return { t: "literal", value: true };
    }
    if (this.s.startsWith("false", this.i) && !/[\w]/.test(this.peek(5))) {
      this.i += 5;
      return { t: "literal", value: false };
    }
    if (this.s.startsWith("null", this.i) && !/[\w]/.test(this.peek(4))) {
      this.i += 4;
      return { t: "literal", value: null };
    }
    return this.parsePath();
  }

  private parsePath(): Path {
    let root: "@" | "$" = "@";
    if (this.eat("$")) root = "$";
    else if (this.eat("@")) root = "@";
    const segments: Segment[] = [];
    const startAt = this.i;
    for (;;) {
      const c = this.peek();
      if (c === ".") {
        if (this.peek(1) === ".") {
          this.i += 2;
          segments.push({ t: "recursive" });
          // "..name" and "..[0]" both follow a recursive descent
          if (this.peek() !== "[" && this.peek() !== "") segments.push(this.parseName());
          continue;
        }
        this.i++;
        if (this.peek() === "" || /[\s)]/.test(this.peek())) continue; // "." alone: the current object
        if (this.peek() === "[") continue;
        segments.push(this.parseName());
      } else if (c === "[") {
        segments.push(this.parseBracket());
      } else if (startAt === this.i && /[A-Za-z_]/.test(c)) {
        // a bare first name ("metadata.name"), which custom columns accept
        segments.push(this.parseName());
      } else break;
    }
    if (this.i === startAt && root === "@" && this.s[startAt - 1] !== "@") this.fail(`unexpected "${this.peek()}"`);
    return { t: "path", root, segments };
  }

  private parseName(): Segment {
    if (this.eat("*")) return { t: "wildcard" };
    const m = /^[^.[\]\s()=!<>,'"{}]+/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a field name");
    this.i += m[0].length;
    return { t: "field", name: m[0] };
  }

  private parseBracket(): Segment {
    this.i++; // [
    this.skipSpace();
    if (this.eat("*")) {
      this.expect("]");
      return { t: "wildcard" };
    }
    if (this.eat("?")) {
      this.skipSpace();
      this.expect("(");
      this.skipSpace();
      const left = this.parseOperand();
      this.skipSpace();
      let op: FilterOp | undefined;
      let right: Path | Literal | undefined;
      for (const candidate of ["==", "!=", "<=", ">=", "<", ">"] as const) {
        if (this.eat(candidate)) {
          op = candidate;
          break;
        }
      }
      if (op) {
        this.skipSpace();
        right = this.parseOperand();
        this.skipSpace();
      }
      this.expect(")");
      this.skipSpace();
      this.expect("]");
      return { t: "filter", left, op, right };
    }
    // keys, indices, slices, unions
    const keys: Array<string | number> = [];
    let slice: Array<number | undefined> | undefined;
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      if (c === "'" || c === '"') keys.push(this.parseString());
      else if (/[-0-9:]/.test(c)) {
        const parts: Array<number | undefined> = [];
        let cur: number | undefined;
        for (;;) {
          this.skipSpace();
          if (/[-0-9]/.test(this.peek())) cur = this.parseInt();
          this.skipSpace();
          if (this.eat(":")) {
            parts.push(cur);
            cur = undefined;
            if (parts.length > 2) this.fail("too many colons in slice");
          } else break;
        }
        parts.push(cur);
        if (parts.length === 1) {
          if (cur === undefined) this.fail("expected an index");
          keys.push(cur);
        } else {
          if (keys.length > 0 || slice) this.fail("a slice cannot be part of a union");
          slice = parts;
        }
      } else this.fail(`unexpected "${c || "end of input"}" in brackets`);
      this.skipSpace();
      if (this.eat(",")) {
        if (slice) this.fail("a slice cannot be part of a union");
        continue;
      }
      this.expect("]");
      break;
    }
    if (slice) return { t: "slice", start: slice[0], end: slice[1], step: slice[2] };
    if (keys.length === 1) return typeof keys[0] === "number" ? { t: "index", index: keys[0] } : { t: "field", name: keys[0] };
    return { t: "union", keys };
  }

  private expect(c: string): void {
    if (!this.eat(c)) this.fail(`expected "${c}"`);
  }

  private parseInt(): number {
    const m = /^-?\d+/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a number");
    this.i += m[0].length;
    const n = Number(m[0]);
    if (!Number.isSafeInteger(n)) this.fail("number out of range");
    return n;
  }

  private parseNumber(): number {
    const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.s.slice(this.i));
    if (!m) this.fail("expected a number");
    this.i += m[0].length;
    return Number(m[0]);
  }

  /** A quoted string with \n, \t, \\, \" and \' escapes. */
  private parseString(): string {
    const q = this.peek();
    this.i++;
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "") this.fail("unterminated string");
      this.i++;
      if (c === q) return out;
      if (c === "\\") {
        const e = this.peek();
        this.i++;
        const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", '"': '"', "'": "'", "0": "\0" };
        if (!(e in map)) this.fail(`unknown escape \\${e}`);
        out += map[e];
      } else out += c;
    }
  }
}

// ---------------------------------------------------------------------------
// Evaluation.

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function applySegment(values: unknown[], seg: Segment, root: unknown): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    switch (seg.t) {
      case "field":
        if (isObject(v) && Object.hasOwn(v, seg.name)) out.push(v[seg.name]);
        break;
      case "wildcard":
        if (Array.isArray(v)) out.push(...v);
        else if (isObject(v)) out.push(...Object.keys(v).sort().map((k) => v[k]));
        break;
      case "recursive":
        collectRecursive(v, out);
        break;
      case "index":
        if (Array.isArray(v)) {
          const i = seg.index < 0 ? v.length + seg.index : seg.index;
          if (i >= 0 && i < v.length) out.push(v[i]);
        }
        break;
      case "slice":
        if (Array.isArray(v)) out.push(...sliceOf(v, seg));
        break;
      case "union":
        for (const k of seg.keys) {
          if (typeof k === "number" && Array.isArray(v)) {
            const i = k < 0 ? v.length + k : k;
            if (i >= 0 && i < v.length) out.push(v[i]);
          } else if (typeof k === "string" && isObject(v) && Object.hasOwn(v, k)) out.push(v[k]);
        }
        break;
      case "filter": {
        const items = Array.isArray(v) ? v : [v];
        for (const item of items) if (matches(item, seg, root)) out.push(item);
        break;
      }
    }
  }
  return out;
}

function collectRecursive(v: unknown, out: unknown[]): void {
  out.push(v);
  if (Array.isArray(v)) for (const x of v) collectRecursive(x, out);
  else if (isObject(v)) for (const k of Object.keys(v).sort()) collectRecursive(v[k], out);
}

function sliceOf(arr: unknown[], seg: { start?: number; end?: number; step?: number }): unknown[] {
  const len = arr.length;
  const step = seg.step ?? 1;
  if (step <= 0) return []; // kubectl rejects non-positive steps; print nothing
  const norm = (n: number | undefined, dflt: number) => (n === undefined ? dflt : n < 0 ? Math.max(0, len + n) : Math.min(n, len));
  const start = norm(seg.start, 0);
  const end = norm(seg.end, len);
  const out: unknown[] = [];
  for (let i = start; i < end; i += step) out.push(arr[i]);
  return out;
}

function operandValues(o: Path | Literal, current: unknown, root: unknown): unknown[] {
  return o.t === "literal" ? [o.value] : evalPath(o, current, root);
}

function matches(item: unknown, f: Extract<Segment, { t: "filter" }>, root: unknown): boolean {
  const left = operandValues(f.left, item, root);
  if (!f.op || !f.right) return left.length > 0 && left.some((x) => x !== null && x !== false);
  const right = operandValues(f.right, item, root);
  if (left.length === 0 || right.length === 0) return false;
  const a = left[0];
  const b = right[0];
  switch (f.op) {
    case "==":
      return looseEqual(a, b);
    case "!=":
      return !looseEqual(a, b);
    default: {
      const x = Number(a);
      const y = Number(b);
      if (typeof a === "string" && typeof b === "string") return compare(a < b ? -1 : a > b ? 1 : 0, f.op);
      if (Number.isNaN(x) || Number.isNaN(y)) return false;
      return compare(x < y ? -1 : x > y ? 1 : 0, f.op);
    }
  }
}

function compare(c: number, op: FilterOp): boolean {
  return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
}

function looseEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b) && a !== "" && b !== "";
  return JSON.stringify(a) === JSON.stringify(b);
}

function evalPath(p: Path, current: unknown, root: unknown): unknown[] {
  let values = [p.root === "$" ? root : current];
  for (const seg of p.segments) {
    values = applySegment(values, seg, root);
    if (values.length === 0) break;
  }
  return values;
}

/** Every value an expression yields (the building block for custom columns). */
export function evaluate(expr: Path | Literal, data: unknown, root: unknown = data): unknown[] {
  return operandValues(expr, data, root);
}

/** How kubectl prints one value: strings raw, containers as compact JSON. */
export function valueText(v: unknown): string {
  if (v === undefined) return "";
  if (v === null) return "null";
  if (typeof v === "string") return v;
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function render(nodes: Node[], current: unknown, root: unknown): string {
  let out = "";
  for (const n of nodes) {
    if (n.t === "text") out += n.text;
    else if (n.t === "expr") {
      out += n.exprs.map((e) => evaluate(e, current, root).map(valueText).join(" ")).join(" ");
    } else {
      for (const item of evalPath(n.over, current, root)) out += render(n.body, item, root);
    }
  }
  return out;
}

/** A parsed template, ready to run against any number of objects. */
export class JsonPathTemplate {
  readonly nodes: Node[];
  constructor(readonly source: string) {
    this.nodes = parseTemplate(source);
  }
  execute(data: unknown): string {
    return render(this.nodes, data, data);
  }
}

/**
 * The expression of a custom column or `jsonpath` flag written loosely, as
 * kubectl's RelaxedJSONPathExpression accepts: "{.a.b}", ".a.b" or "a.b".
 */
export function relaxedExpression(expr: string): string {
  const trimmed = expr.trim();
  const inner = trimmed.startsWith("{") && trimmed.endsWith("}") ? trimmed.slice(1, -1) : trimmed;
  if (inner === "") throw new JsonPathError(`"${expr}" is not a valid field path`);
  const dotted = inner.startsWith(".") || inner.startsWith("$") || inner.startsWith("@") || inner.startsWith("[") ? inner : `.${inner}`;
  return `{${dotted}}`;
}

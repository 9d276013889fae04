// Label and field selectors as the Kubernetes API parses them from query strings
// (?labelSelector=app%3Dweb,tier!%3Dcache) and from LabelSelector objects
// (spec.selector). Ported from k8s.io/apimachinery/pkg/labels/selector.go,
// pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector) and pkg/fields.

export class SelectorError extends Error {
  override name = "SelectorError";
  constructor(
    message: string,
    /** The selector text (or a description of the selector object) that failed. */
    readonly input: string,
    /** Offset in `input` of the token that failed, when parsing text. */
    readonly position?: number,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------
// Label keys and values (apimachinery pkg/util/validation). Checked by hand,
// not with Kubernetes' regular expressions: those backtrack badly in JavaScript
// on long hostile input.

const QUALIFIED_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const isAlnum = (c: string) => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9");
const isLowerAlnum = (c: string) => (c >= "a" && c <= "z") || (c >= "0" && c <= "9");

/** ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
function isQualifiedNamePart(s: string): boolean {
  if (s.length === 0 || !isAlnum(s[0]) || !isAlnum(s[s.length - 1])) return false;
  for (const c of s) if (!isAlnum(c) && c !== "-" && c !== "_" && c !== ".") return false;
  return true;
}

function isDns1123Subdomain(s: string): boolean {
  return s.split(".").every((label) => {
    if (label.length === 0 || !isLowerAlnum(label[0]) || !isLowerAlnum(label[label.length - 1])) return false;
    for (const c of label) if (!isLowerAlnum(c) && c !== "-") return false;
    return true;
  });
}

/** IsQualifiedName: problems with a label key ("example.com/name"), empty when valid. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) {
      errs.push("prefix part must be non-empty");
    } else {
      if (prefix.length > 253) errs.push("prefix part must be no more than 253 characters");
      if (!isDns1123Subdomain(prefix)) errs.push(`prefix part ${DNS1123_SUBDOMAIN_MESSAGE}`);
    }
  } else {
    return [
      `a qualified name ${QUALIFIED_NAME_MESSAGE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (name.length > 63) errs.push("name part must be no more than 63 characters");
  if (!isQualifiedNamePart(name)) errs.push(`name part ${QUALIFIED_NAME_MESSAGE}`);
  return errs;
}

/** IsValidLabelValue: problems with a label value, empty when valid ("" is valid). */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push("must be no more than 63 characters");
  if (value !== "" && !isQualifiedNamePart(value)) errs.push(LABEL_VALUE_MESSAGE);
  return errs;
}

function labelKeyProblem(key: string): string | undefined {
  const errs = qualifiedNameErrors(key);
  return errs.length ? `invalid label key ${JSON.stringify(key)}: ${errs.join("; ")}` : undefined;
}

function labelValueProblem(key: string, value: string): string | undefined {
  const errs = labelValueErrors(value);
  return errs.length ? `invalid label value: ${JSON.stringify(value)}: at key: ${JSON.stringify(key)}: ${errs.join("; ")}` : undefined;
}

// ---------------------------------------------------------------------------
// Label selectors

/**
 * Kubernetes' selection.Operator values:
 * - "=" and "==" both mean equality ("==" is kept only so toString() echoes it);
 * - "!=" and "notin" also match objects that lack the key;
 * - "exists" is a bare `key`, "!" is `!key` (DoesNotExist);
 * - "gt" / "lt" (`key>3`, `key<3`) compare integers, as node affinity does.
 */
export type Operator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/**
 * One condition of a selector. `values` is sorted and free of duplicates: one
 * value for =, ==, !=, gt and lt, at least one for in/notin, none for exists
 * and !. Requirements handed out by a selector are frozen.
 */
export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export type Labels = Readonly<Record<string, string>>;

/** The metav1.LabelSelector object form (spec.selector). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** NewRequirement: validates and normalises; returns the problem instead of throwing. */
function makeRequirement(key: string, operator: Operator, rawValues: readonly string[]): Requirement | string {
  const keyProblem = labelKeyProblem(key);
  if (keyProblem) return keyProblem;
  const values = [...new Set(rawValues)].sort(byString);
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) return `for 'in', 'notin' operators, values set can't be empty`;
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) return `exact-match compatibility requires one single value`;
      break;
    case "exists":
    case "!":
      if (values.length !== 0) return `values set must be empty for exists and does not exist`;
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) return `for 'Gt', 'Lt' operators, exactly one value is required`;
      if (parseInt64(values[0]) === undefined) return `for 'Gt', 'Lt' operators, the value must be an integer`;
      break;
  }
  for (const v of values) {
    const problem = labelValueProblem(key, v);
    if (problem) return problem;
  }
  return Object.freeze({ key, operator, values: Object.freeze(values) as string[] });
}

/** Go's strconv.ParseInt(s, 10, 64). */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(1n << 63n) && n < 1n << 63n ? n : undefined;
}

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = hasOwn(labels, r.key);
  switch (r.operator) {
    case "=":
    case "==":
    case "in":
      return has && r.values.includes(labels[r.key]);
    case "!=":
    case "notin":
      return !has || !r.values.includes(labels[r.key]);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has) return false;
      const actual = parseInt64(labels[r.key]);
      const bound = parseInt64(r.values[0]);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === "gt" ? actual > bound : actual < bound;
    }
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${r.values.join(",")})`;
    case "gt":
      return `${r.key}>${r.values[0]}`;
    case "lt":
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

/** Sorted by key (as Kubernetes does), then by text so equal keys have a stable order. */
function canonicalOrder(reqs: Requirement[]): readonly Requirement[] {
  const keyed = reqs.map((r) => ({ r, text: requirementString(r) }));
  keyed.sort((a, b) => byString(a.r.key, b.r.key) || byString(a.text, b.text));
  return Object.freeze(keyed.map((k) => k.r));
}

export class LabelSelector {
  private constructor(
    /** All must hold (AND). Empty means "everything" unless this is the nothing selector. */
    readonly requirements: readonly Requirement[],
    private readonly nothing = false,
  ) {}

  private static readonly all = new LabelSelector(Object.freeze([]));
  private static readonly none = new LabelSelector(Object.freeze([]), true);

  /** Matches every object: what "" and `{}` mean. */
  static everything(): LabelSelector {
    return LabelSelector.all;
  }

  /** Matches no object: what a missing (nil) spec.selector means. */
  static nothing(): LabelSelector {
    return LabelSelector.none;
  }

  /** Parses query-string syntax ("app=web,tier in (a,b),!canary"); throws SelectorError. */
  static parse(s: string): LabelSelector {
    return new LabelSelector(canonicalOrder(new LabelParser(s).parse()));
  }

  /**
   * LabelSelectorAsSelector: undefined/null → nothing, {} → everything.
   * Throws SelectorError for an unknown operator or an invalid key or value.
   */
  static fromObject(sel: LabelSelectorObject | undefined | null): LabelSelector {
    if (sel === undefined || sel === null) return LabelSelector.none;
    const reqs: Requirement[] = [];
    const add = (r: Requirement | string) => {
      if (typeof r === "string") throw new SelectorError(r, describeObject(sel));
      reqs.push(r);
    };
    // Shapes are checked too: this also runs on objects that validation has not seen yet.
    for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
      add(typeof value === "string" ? makeRequirement(key, "=", [value]) : `matchLabels[${JSON.stringify(key)}] must be a string`);
    }
    for (const expr of sel.matchExpressions ?? []) {
      const op = OBJECT_OPERATORS.get((expr as { operator?: unknown } | null)?.operator);
      if (!op) add(`${JSON.stringify((expr as { operator?: unknown } | null)?.operator)} is not a valid label selector operator`);
      else if (typeof expr.key !== "string") add("matchExpressions key must be a string");
      else if (expr.values !== undefined && expr.values !== null && (!Array.isArray(expr.values) || !expr.values.every((v) => typeof v === "string"))) {
        add(`matchExpressions values for key ${JSON.stringify(expr.key)} must be a list of strings`);
      } else add(makeRequirement(expr.key, op, expr.values ?? []));
    }
    return reqs.length === 0 ? LabelSelector.all : new LabelSelector(canonicalOrder(reqs));
  }

  /** Builds a selector from requirements (validated like fromObject). */
  static fromRequirements(reqs: readonly Requirement[]): LabelSelector {
    const made = reqs.map((r) => {
      const m = makeRequirement(r.key, r.operator, r.values);
      if (typeof m === "string") throw new SelectorError(m, requirementString(r));
      return m;
    });
    return new LabelSelector(canonicalOrder(made));
  }

  /** Whether labels (undefined = no labels) satisfy every requirement. */
  matches(labels: Labels | undefined): boolean {
    if (this.nothing) return false;
    const ls = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, ls));
  }

  /** True for the selector that matches everything; the nothing selector is not empty. */
  isEmpty(): boolean {
    return !this.nothing && this.requirements.length === 0;
  }

  isNothing(): boolean {
    return this.nothing;
  }

  /**
   * Canonical text that parse() reads back: requirements sorted by key, values
   * sorted. The nothing selector prints as "" like Kubernetes' nothingSelector,
   * which does NOT round-trip (parse("") is everything).
   */
  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }
}

function describeObject(sel: unknown): string {
  try {
    return JSON.stringify(sel) ?? String(sel);
  } catch {
    return String(sel); // circular or bigint: still report something
  }
}

const OBJECT_OPERATORS = new Map<unknown, Operator>([
  ["In", "in"],
  ["NotIn", "notin"],
  ["Exists", "exists"],
  ["DoesNotExist", "!"],
]);

export function parseLabelSelector(s: string): LabelSelector {
  return LabelSelector.parse(s);
}

/**
 * Object-form match, for controllers: a missing selector matches nothing, and
 * so does an invalid one (Kubernetes controllers log such a selector and skip
 * the object rather than adopting everything).
 */
export function matchesLabelSelector(sel: LabelSelectorObject | undefined | null, labels: Labels | undefined): boolean {
  try {
    return LabelSelector.fromObject(sel).matches(labels);
  } catch (e) {
    if (e instanceof SelectorError) return false;
    throw e;
  }
}

// --- lexer and parser (labels/selector.go) ---------------------------------

type TokenKind = "ident" | "in" | "notin" | "=" | "==" | "!=" | "!" | "(" | ")" | "," | ">" | "<" | "end";
interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const isWhitespace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
const isSpecial = (c: string) => c === "=" || c === "!" || c === "(" || c === ")" || c === "," || c === ">" || c === "<";

function lex(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isWhitespace(s[i])) i++;
    if (i >= s.length) {
      tokens.push({ kind: "end", text: "", pos: i });
      return tokens;
    }
    const start = i;
    if (isSpecial(s[i])) {
      // Longest operator wins: "==" and "!=" over "=" and "!".
      const two = s.slice(i, i + 2);
      const text = two === "==" || two === "!=" ? two : s[i];
      i += text.length;
      tokens.push({ kind: text as TokenKind, text, pos: start });
      continue;
    }
    while (i < s.length && !isSpecial(s[i]) && !isWhitespace(s[i])) i++;
    const text = s.slice(start, i);
    tokens.push({ kind: text === "in" || text === "notin" ? text : "ident", text, pos: start });
  }
}

const BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

class LabelParser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(private readonly input: string) {
    this.tokens = lex(input);
  }

  /** In value positions the keywords in/notin are ordinary identifiers. */
  private peek(asValue = true): Token {
    const t = this.tokens[this.at];
    return asValue && (t.kind === "in" || t.kind === "notin") ? { ...t, kind: "ident" } : t;
  }

  private next(asValue = true): Token {
    const t = this.peek(asValue);
    if (t.kind !== "end") this.at++;
    return t;
  }

  private fail(t: Token, message: string): never {
    const where = t.kind === "end" ? "at end of string" : `at position ${t.pos}`;
    throw new SelectorError(`${message} (${where} in ${JSON.stringify(this.input)})`, this.input, t.pos);
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === "end") return reqs;
      if (t.kind !== "ident" && t.kind !== "!") this.fail(t, `found '${t.text}', expected: !, identifier, or 'end of string'`);
      reqs.push(this.requirement());
      const sep = this.next();
      if (sep.kind === "end") return reqs;
      if (sep.kind !== ",") this.fail(sep, `found '${sep.text}', expected: ',' or 'end of string'`);
      const after = this.peek();
      if (after.kind !== "ident" && after.kind !== "!") this.fail(after, `found '${after.text}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    let operator: Operator | undefined;
    if (t.kind === "!") {
      operator = "!";
      t = this.next();
    }
    if (t.kind !== "ident") this.fail(t, `found '${t.text}', expected: identifier`);
    const keyToken = t;
    const key = t.text;
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) this.fail(keyToken, keyProblem);

    const follow = this.peek();
    let values: Token[] = [];
    if (operator === "!" || follow.kind === "end" || follow.kind === ",") {
      operator ??= "exists";
    } else {
      const opToken = this.next(false);
      operator = OPERATOR_TOKENS.get(opToken.kind);
      if (!operator) this.fail(opToken, `found '${opToken.text}', expected: ${BINARY_OPERATORS}`);
      values = operator === "in" || operator === "notin" ? this.valueList() : [this.exactValue()];
    }
    // Point at the offending value when there is one, else at the key.
    for (const v of values) {
      const problem = labelValueProblem(key, v.text);
      if (problem) this.fail(v, problem);
    }
    const r = makeRequirement(key, operator, values.map((v) => v.text));
    if (typeof r === "string") this.fail(values[0] ?? keyToken, r);
    return r;
  }

  /** `( a, b )`; empty entries stand for the empty value, so `()` is {""}. */
  private valueList(): Token[] {
    const open = this.next();
    if (open.kind !== "(") this.fail(open, `found '${open.text}', expected: '('`);
    const empty = (t: Token): Token => ({ kind: "ident", text: "", pos: t.pos });
    const first = this.peek();
    if (first.kind === ")") {
      this.next();
      return [empty(first)];
    }
    if (first.kind !== "ident" && first.kind !== ",") this.fail(first, `found '${first.text}', expected: ',', ')' or identifier`);
    const values: Token[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === "ident") {
        values.push(t);
        const after = this.peek();
        if (after.kind === ")") break;
        if (after.kind !== ",") this.fail(after, `found '${after.text}', expected: ',' or ')'`);
      } else if (t.kind === ",") {
        if (values.length === 0) values.push(empty(t)); // "(,"
        const after = this.peek();
        if (after.kind === ")") {
          values.push(empty(after)); // ",)"
          break;
        }
        if (after.kind === ",") {
          this.next();
          values.push(empty(after)); // ",,"
        }
      } else {
        this.fail(t, `found '${t.text}', expected: ',', or identifier`);
      }
    }
    this.next(); // the ")" seen above
    return values;
  }

  /** The single value after =, ==, !=, > or <; absent means "". */
  private exactValue(): Token {
    const t = this.peek();
    if (t.kind === "end" || t.kind === ",") return { kind: "ident", text: "", pos: t.pos };
    this.next();
    if (t.kind !== "ident") this.fail(t, `found '${t.text}', expected: identifier`);
    return t;
  }
}

const OPERATOR_TOKENS = new Map<TokenKind, Operator>([
  ["in", "in"],
  ["notin", "notin"],
  ["=", "="],
  ["==", "=="],
  ["!=", "!="],
  [">", "gt"],
  ["<", "lt"],
]);

// ---------------------------------------------------------------------------
// Field selectors (pkg/fields)

/** One field condition; "==" in the input is stored as "=", as Kubernetes does. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: "=" | "!=";
  readonly value: string;
}

/** fields.EscapeValue: backslash-escapes \ , and = so a value can hold them. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue; throws SelectorError on a bad escape or a bare , or =. */
export function unescapeFieldValue(s: string, input = s): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      const n = s[i + 1];
      if (n === "\\" || n === "," || n === "=") {
        out += n;
        i++;
        continue;
      }
      throw new SelectorError(`invalid field selector: invalid escape sequence: \\${n ?? ""}`, input);
    }
    if (c === "," || c === "=") {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${JSON.stringify(c)}`, input);
    }
    out += c;
  }
  return out;
}

/** Splits on commas not preceded by a backslash escape (fields.splitTerms). */
function splitTerms(s: string): string[] {
  if (s === "") return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    if (escaped) escaped = false;
    else if (s[i] === "\\") escaped = true;
    else if (s[i] === ",") {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** The first operator from the left splits the term; field names cannot be escaped. */
function splitTerm(term: string): { field: string; op: "!=" | "==" | "="; raw: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="] as const) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, raw: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * Reads a dotted path ("spec.nodeName") from an object. A missing field reads
 * as "", so `spec.nodeName=` finds unscheduled pods; numbers and booleans read
 * as their text; objects and arrays as "".
 */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !hasOwn(cur, part)) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  switch (typeof cur) {
    case "string":
      return cur;
    case "number":
    case "boolean":
    case "bigint":
      return String(cur);
    default:
      return "";
  }
}

export class FieldSelector {
  private constructor(readonly requirements: readonly FieldRequirement[]) {}

  static everything(): FieldSelector {
    return new FieldSelector(Object.freeze([]));
  }

  /**
   * Parses "metadata.name=foo,status.phase!=Running". Field names are not
   * checked here: which fields a kind supports is the API server's business.
   */
  static parse(s: string): FieldSelector {
    const reqs: FieldRequirement[] = [];
    for (const term of splitTerms(s).sort(byString)) {
      if (term === "") continue;
      const parts = splitTerm(term);
      if (!parts) throw new SelectorError(`invalid selector: '${s}'; can't understand '${term}'`, s);
      reqs.push(
        Object.freeze({ field: parts.field, operator: parts.op === "!=" ? "!=" : "=", value: unescapeFieldValue(parts.raw, s) }),
      );
    }
    return new FieldSelector(Object.freeze(reqs));
  }

  /** Whether every requirement holds for obj (see fieldValue for how fields are read). */
  matches(obj: Record<string, unknown>): boolean {
    return this.requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator === "="));
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** The value `field` must equal, when the selector pins it (e.g. metadata.name for kubectl delete's wait). */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === "=")?.value;
  }

  /** Kubernetes' canonical text: terms in order, "==" written as "=", values escaped. */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(",");
  }
}

/**
 * The pod selector of a workload (ReplicaSet, Deployment, Job, DaemonSet,
 * StatefulSet): its spec.selector as a LabelSelector, or undefined when a
 * controller must not act on it — missing, invalid, or empty (an empty selector
 * would adopt every pod in the namespace; validation refuses it, but a
 * controller reading from a cache must not trust that).
 */
export function selectorOf(obj: { spec?: unknown }): LabelSelector | undefined {
  const spec = obj.spec;
  if (typeof spec !== "object" || spec === null) return undefined;
  try {
    const sel = LabelSelector.fromObject((spec as { selector?: LabelSelectorObject | null }).selector);
    return sel.isEmpty() || sel.isNothing() ? undefined : sel;
  } catch (e) {
    if (e instanceof SelectorError) return undefined;
    throw e;
  }
}

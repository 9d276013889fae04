// The CEL environment ValidatingAdmissionPolicy expressions run in:
// @marcbachmann/cel-js for the language (macros, has(), strings, optionals),
// plus the few Kubernetes CEL library functions it lacks (lists: isSorted, sum,
// min, max, indexOf; regex: find, findAll). Kubernetes objects arrive as JSON,
// whose integers become CEL ints (BigInt) so `object.spec.replicas + 1` works.
import { Environment } from "@marcbachmann/cel-js";

export type CelValue = null | boolean | bigint | number | string | CelValue[] | { [k: string]: CelValue };

/** The variables every policy expression may use (Kubernetes' admission CEL variables). */
const VARIABLES = ["object", "oldObject", "request", "params", "namespaceObject", "variables", "authorizer"];

function compare(a: unknown, b: unknown): number {
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  const x = typeof a === "bigint" ? a : Number(a);
  const y = typeof b === "bigint" ? b : Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function buildEnvironment(): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: false, enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  for (const v of VARIABLES) env.registerVariable(v, "dyn");
  env
    .registerFunction("list.isSorted(): bool", (l: unknown[]) => l.every((v, i) => i === 0 || compare(l[i - 1], v) <= 0))
    .registerFunction("list.sum(): dyn", (l: unknown[]) => (l.length === 0 ? 0n : l.reduce((s, v) => (typeof s === "bigint" && typeof v === "bigint" ? s + v : Number(s) + Number(v)))))
    .registerFunction("list.min(): dyn", (l: unknown[]) => {
      if (l.length === 0) throw new Error("min called on empty list");
      return l.reduce((m, v) => (compare(v, m) < 0 ? v : m));
    })
    .registerFunction("list.max(): dyn", (l: unknown[]) => {
      if (l.length === 0) throw new Error("max called on empty list");
      return l.reduce((m, v) => (compare(v, m) > 0 ? v : m));
    })
    .registerFunction("list.indexOf(dyn): int", (l: unknown[], x: unknown) => BigInt(l.findIndex((v) => JSON.stringify(jsonSafe(v)) === JSON.stringify(jsonSafe(x)))))
    .registerFunction("string.find(string): string", (s: string, re: string) => new RegExp(re).exec(s)?.[0] ?? "")
    .registerFunction("string.findAll(string): list<string>", (s: string, re: string) => [...s.matchAll(new RegExp(re, "g"))].map((m) => m[0]));
  return env;
}

let shared: Environment | undefined;

/** One environment for the process; parsed programs are cached per expression text. */
export function celEnvironment(): Environment {
  shared ??= buildEnvironment();
  return shared;
}

type Program = (ctx: Record<string, unknown>) => unknown;
const programs = new Map<string, Program>();

/** Parse (once) and type-check an expression; throws with the library's message when it does not compile. */
export function compile(expression: string): Program {
  let p = programs.get(expression);
  if (!p) {
    p = celEnvironment().parse(expression);
    if (programs.size > 1000) programs.clear();
    programs.set(expression, p);
  }
  return p;
}

/** Evaluate with JSON inputs converted to CEL values. */
export function evaluateCel(expression: string, vars: Record<string, unknown>): unknown {
  const ctx: Record<string, unknown> = {};
  for (const v of VARIABLES) ctx[v] = v === "variables" ? vars[v] ?? {} : toCel(vars[v] ?? null);
  return compile(expression)(ctx);
}

/** JSON → CEL: integral numbers become ints (BigInt), everything else as is. */
export function toCel(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCel(x);
    return out;
  }
  return v;
}

function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)) ?? "null");
}

/** A CEL value as text, for messageExpression results and errors. */
export function celText(v: unknown): string {
  if (typeof v === "string") return v;
  return JSON.stringify(jsonSafe(v));
}

// `skiff wait` (kubectl wait): block until objects reach a condition
// (`condition=Complete`, `condition=Ready=false`), match a JSONPath value
// (`jsonpath={.status.phase}=Succeeded`), or are deleted (`delete`). The
// condition type and value compare case-insensitively, as kubectl compares them.
import { isApiError } from "../api/errors.js";
import type { ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";

export type WaitFor =
  | { kind: "condition"; type: string; value: string }
  | { kind: "delete" }
  | { kind: "jsonpath"; path: Array<string | number>; value?: string };

export class WaitForError extends Error {
  override name = "WaitForError";
}

/** Parse a --for argument. Throws WaitForError with kubectl's wording. */
export function parseWaitFor(s: string): WaitFor {
  const lower = s.toLowerCase();
  if (lower === "delete") return { kind: "delete" };
  if (lower.startsWith("condition=")) {
    const rest = s.slice("condition=".length);
    const eq = rest.indexOf("=");
    const type = eq < 0 ? rest : rest.slice(0, eq);
    if (!type) throw new WaitForError(`invalid condition: ${JSON.stringify(s)}`);
    return { kind: "condition", type, value: eq < 0 ? "true" : rest.slice(eq + 1) };
  }
  if (lower.startsWith("jsonpath=")) {
    const rest = s.slice("jsonpath=".length);
    const m = /^(\{[^}]*\}|[^=]+)(?:=(.*))?$/.exec(rest);
    if (!m) throw new WaitForError(`jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'`);
    return { kind: "jsonpath", path: parseJsonPath(m[1]), value: m[2] };
  }
  throw new WaitForError(`unrecognized condition: ${JSON.stringify(s)}`);
}

/** "{.status.containerStatuses[0].ready}" → ["status", "containerStatuses", 0, "ready"]. */
function parseJsonPath(expr: string): Array<string | number> {
  const inner = expr.startsWith("{") && expr.endsWith("}") ? expr.slice(1, -1) : expr;
  const body = inner.startsWith(".") ? inner.slice(1) : inner;
  if (body === "") throw new WaitForError(`jsonpath wait needs a path, e.g. --for=jsonpath='{.status.phase}'=Running`);
  const out: Array<string | number> = [];
  for (const part of body.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new WaitForError(`unsupported jsonpath ${JSON.stringify(expr)}: only .fields and [indexes]`);
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function atPath(obj: unknown, path: Array<string | number>): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

/** Does this object (undefined: it does not exist) satisfy the wait? */
export function satisfies(obj: KubeObject | undefined, w: WaitFor): boolean {
  if (w.kind === "delete") return obj === undefined;
  if (!obj) return false;
  if (w.kind === "condition") {
    const conds = ((obj.status as { conditions?: Array<{ type?: string; status?: string }> } | undefined)?.conditions ?? []) as Array<{ type?: string; status?: string }>;
    return conds.some((c) => (c.type ?? "").toLowerCase() === w.type.toLowerCase() && (c.status ?? "").toLowerCase() === w.value.toLowerCase());
  }
  const v = atPath(obj, w.path);
  if (w.value === undefined) return v !== undefined && v !== null;
  if (v === undefined || v === null || typeof v === "object") return false;
  return String(v) === w.value;
}

export interface WaitOptions {
  /** 0: look once. */
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/**
 * Wait for one object. Resolves true when satisfied, false on timeout. A missing
 * object is an error for condition and jsonpath waits (ApiError NotFound), as in
 * kubectl, unless it goes missing while waiting for a condition.
 */
export async function waitForObject(client: Client, info: ResourceInfo, namespace: string | undefined, name: string, w: WaitFor, opts: WaitOptions): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 250;
  let first = true;
  for (;;) {
    let obj: KubeObject | undefined;
    try {
      obj = await client.get(info, info.namespaced ? namespace : undefined, name);
    } catch (e) {
      if (!isApiError(e, "NotFound")) throw e;
      if (first && w.kind !== "delete") throw e;
    }
    first = false;
    if (satisfies(obj, w)) return true;
    const left = deadline - Date.now();
    if (left <= 0 || opts.signal?.aborted) return false;
    await new Promise((r) => setTimeout(r, Math.min(pollMs, left)));
  }
}

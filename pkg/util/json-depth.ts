// How deeply a request body nests. Deep enough nesting (a few thousand levels of
// `[[[[`) overflows the call stack in every recursive walk the server makes —
// structuredClone, schema checks, merge patches — so bodies are measured before
// any of that runs, with loops rather than recursion, and refused with a 400.

/**
 * The deepest a Kubernetes object nests is about 20 levels (a CronJob's pod
 * template affinity terms); 100 leaves room for any real object and stays far
 * below what overflows the stack.
 */
export const MAX_BODY_DEPTH = 100;

/** The message every layer uses when a body nests too deeply. */
export function tooDeepMessage(limit = MAX_BODY_DEPTH): string {
  return `the request body nests objects and arrays more than ${limit} levels deep`;
}

/**
 * True when JSON text opens more than `limit` objects/arrays inside each other.
 * Counts brackets outside strings; works on any text (invalid JSON included), so
 * it can run before JSON.parse. Linear time, constant space.
 */
export function jsonTextTooDeep(text: string, limit = MAX_BODY_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/** True when an already-decoded value nests objects/arrays more than `limit` deep. Iterative. */
export function valueTooDeep(value: unknown, limit = MAX_BODY_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > limit) return true;
    // A cycle (only possible from in-process callers) would loop forever.
    if (seen.has(v)) continue;
    seen.add(v);
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === "object") stack.push([child, d + 1]);
  }
  return false;
}

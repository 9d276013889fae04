// The small setters defaulting needs, for the per-kind files in this folder.
// "Unset" follows Go as in ../defaults.ts: nil for pointer fields, and also ""
// or 0 for plain value fields.
export type Rec = Record<string, unknown>;

export function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Set o[k] when it is absent or null (a Go pointer field). */
export function setIfNil(o: Rec, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Set o[k] when it is absent, null, "" or 0 (a Go value field). */
export function setIfZero(o: Rec, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null || o[k] === "" || o[k] === 0) o[k] = v;
}

/** The object at o[k], created when unset; undefined when something else is there. */
export function ensureRec(o: Rec, k: string): Rec | undefined {
  if (o[k] === undefined || o[k] === null) o[k] = {};
  return isRec(o[k]) ? o[k] : undefined;
}

// Small shared pieces for the validators: path building in Kubernetes' notation
// (`spec.containers[0].ports[1]`), constructors for each FieldError type, and
// readers that accept untrusted decoded JSON. Objects reach validation straight
// from a request body, so every reader checks the shape first and reports a
// wrong type as a field error instead of throwing.
import { FieldError } from "../errors.js";

export type Rec = Record<string, unknown>;

export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Map entries such as `data[key]`, as apimachinery's Path.Key prints them. */
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}

export function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const invalid = (path: string, value: unknown, detail: string): FieldError =>
  new FieldError("Invalid", path, value, detail);

export const required = (path: string, detail = ""): FieldError => new FieldError("Required", path, undefined, detail);

export const forbidden = (path: string, detail: string): FieldError => new FieldError("Forbidden", path, undefined, detail);

export const duplicate = (path: string, value: unknown): FieldError => new FieldError("Duplicate", path, value);

export const tooLong = (path: string, value: unknown, maxBytes: number): FieldError =>
  new FieldError("TooLong", path, value, `must have at most ${maxBytes} bytes`);

/** `supported values: "A", "B"` with the list sorted, as apimachinery prints it. */
export function notSupported(path: string, value: unknown, supported: readonly string[]): FieldError {
  const list = [...supported].sort().map((s) => JSON.stringify(s)).join(", ");
  return new FieldError("NotSupported", path, value, `supported values: ${list}`);
}

/** Present means anything but undefined or null (JSON `null` reads as absent, like Go's nil). */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** An optional object; anything else present is reported once. */
export function readRec(v: unknown, path: string, errs: FieldError[]): Rec | undefined {
  if (!present(v)) return undefined;
  if (isRec(v)) return v;
  errs.push(invalid(path, v, "must be an object"));
  return undefined;
}

/** An optional list; absent reads as empty. */
export function readList(v: unknown, path: string, errs: FieldError[]): unknown[] {
  if (!present(v)) return [];
  if (Array.isArray(v)) return v;
  errs.push(invalid(path, v, "must be a list"));
  return [];
}

/** An optional string; "" counts as absent because Go cannot tell them apart. */
export function readString(v: unknown, path: string, errs: FieldError[]): string | undefined {
  if (!present(v)) return undefined;
  if (typeof v === "string") return v === "" ? undefined : v;
  errs.push(invalid(path, v, "must be a string"));
  return undefined;
}

export function readInt(v: unknown, path: string, errs: FieldError[]): number | undefined {
  if (!present(v)) return undefined;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  errs.push(invalid(path, v, "must be an integer"));
  return undefined;
}

export function readBool(v: unknown, path: string, errs: FieldError[]): boolean | undefined {
  if (!present(v)) return undefined;
  if (typeof v === "boolean") return v;
  errs.push(invalid(path, v, "must be a boolean"));
  return undefined;
}

/** An optional map of strings (labels, nodeSelector, ConfigMap data). */
export function readStringMap(v: unknown, path: string, errs: FieldError[]): Record<string, string> | undefined {
  const rec = readRec(v, path, errs);
  if (!rec) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(rec)) {
    if (typeof val === "string") out[k] = val;
    else errs.push(invalid(key(path, k), val, "must be a string"));
  }
  return out;
}

export function validateNonNegative(v: unknown, path: string, errs: FieldError[]): void {
  const n = readInt(v, path, errs);
  if (n !== undefined && n < 0) errs.push(invalid(path, n, "must be greater than or equal to 0"));
}

/** `v` must be one of `allowed` when present. */
export function validateEnum(v: unknown, path: string, allowed: readonly string[], errs: FieldError[]): string | undefined {
  const s = readString(v, path, errs);
  if (s !== undefined && !allowed.includes(s)) errs.push(notSupported(path, s, allowed));
  return s;
}

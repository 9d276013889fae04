// Turns a decoded map (YAML, JSON, an edited file) into a KubeObject by checking
// it, not by casting it: apiVersion and kind must be strings and metadata a map
// whose well-known fields have their wire types. Everything past the checks can
// then read obj.metadata.name without guarding against a number or a list.
import type { KubeObject, ObjectMeta } from "./types.js";

export type CheckedObject = { object: KubeObject; problems?: undefined } | { object?: undefined; problems: string[] };

/**
 * The map as a KubeObject (an absent metadata becomes `{}`), or every problem
 * that keeps it from being one, each naming its field path. The input is not
 * modified; the result shares its nested values.
 */
export function checkKubeObject(value: Record<string, unknown>): CheckedObject {
  const problems = [typeProblem(value.apiVersion, "apiVersion"), typeProblem(value.kind, "kind")].filter((p) => p !== undefined);
  const metadata = value.metadata ?? {};
  if (!isPlainMap(metadata)) problems.push(`metadata must be a map, not ${describeValue(metadata)}`);
  else problems.push(...metadataProblems(metadata));
  const { apiVersion, kind } = value;
  if (problems.length > 0 || typeof apiVersion !== "string" || typeof kind !== "string" || !isObjectMeta(metadata)) {
    return { problems };
  }
  return { object: { ...value, apiVersion, kind, metadata } };
}

function typeProblem(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === "") return `${field} not set`;
  if (typeof v !== "string") return `${field} must be a string, not ${describeValue(v)}`;
  return undefined;
}

const STRING_FIELDS = ["name", "generateName", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"] as const;
const STRING_MAPS = ["labels", "annotations"] as const;

function metadataProblems(meta: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const f of STRING_FIELDS) {
    const v = meta[f];
    if (v !== undefined && v !== null && typeof v !== "string") problems.push(`metadata.${f} must be a string, not ${describeValue(v)}`);
  }
  for (const f of STRING_MAPS) {
    const v = meta[f];
    if (v === undefined || v === null) continue;
    if (!isPlainMap(v)) problems.push(`metadata.${f} must be a map of strings, not ${describeValue(v)}`);
    else for (const [k, x] of Object.entries(v)) if (typeof x !== "string") problems.push(`metadata.${f}.${k} must be a string, not ${describeValue(x)}`);
  }
  for (const f of ["generation", "deletionGracePeriodSeconds"] as const) {
    const v = meta[f];
    if (v !== undefined && v !== null && typeof v !== "number") problems.push(`metadata.${f} must be a number, not ${describeValue(v)}`);
  }
  for (const f of ["ownerReferences", "finalizers", "managedFields"] as const) {
    const v = meta[f];
    if (v !== undefined && v !== null && !Array.isArray(v)) problems.push(`metadata.${f} must be a list, not ${describeValue(v)}`);
  }
  return problems;
}

/** What metadataProblems found nothing wrong with (null stands for "not set", as in Go). */
function isObjectMeta(meta: unknown): meta is ObjectMeta {
  return isPlainMap(meta) && metadataProblems(meta).length === 0;
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value named for a message: `a string ("x")`, `a number (3)`, `a list`, … */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  switch (typeof v) {
    case "string": {
      const shown = v.length > 40 ? `${v.slice(0, 37)}...` : v;
      return `a string (${JSON.stringify(shown)})`;
    }
    case "number":
    case "bigint":
      return `a number (${String(v)})`;
    case "boolean":
      return `a boolean (${String(v)})`;
    default:
      return `a ${typeof v}`;
  }
}

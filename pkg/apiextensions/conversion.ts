// Conversion strategy "None": every served version of a custom kind shares the
// stored objects, and only apiVersion changes on the way out.
import { apiVersionOf, type ResourceInfo } from "../api/kinds.js";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The response `value` (an object, a list, or anything else) as the requested version shows it. */
export function servedAs<T>(info: ResourceInfo, value: T): T {
  if (!info.custom || info.version === info.custom.storageVersion || !isObject(value)) return value;
  const want = apiVersionOf(info);
  const stored = apiVersionOf({ group: info.group, version: info.custom.storageVersion });
  if (value.kind === info.kind && value.apiVersion === stored) return { ...value, apiVersion: want };
  if (Array.isArray(value.items)) {
    return { ...value, items: value.items.map((o: unknown) => (isObject(o) && o.kind === info.kind && o.apiVersion === stored ? { ...o, apiVersion: want } : o)) };
  }
  return value;
}

// application/merge-patch+json: RFC 7386 JSON Merge Patch. `kubectl scale` and
// `kubectl patch --type merge` send these.
import { deepClone, deepEqual, isJsonObject, setOwn, type JsonObject } from "./json.js";

/**
 * RFC 7386 MergePatch(target, patch). Objects merge recursively, null deletes a
 * member, anything else (lists included) replaces the target wholesale. Inputs are
 * never modified; the result shares no structure with them.
 */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return deepClone(patch);
  // A non-object target is discarded, as the RFC says ("Target = {}").
  const base: JsonObject = isJsonObject(target) ? target : {};
  const out: JsonObject = {};
  for (const key of Object.keys(base)) {
    if (base[key] === undefined) continue;
    if (Object.hasOwn(patch, key)) continue; // handled below
    setOwn(out, key, deepClone(base[key]));
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null || value === undefined) continue; // null deletes; undefined is absent
    setOwn(out, key, jsonMergePatch(Object.hasOwn(base, key) ? base[key] : undefined, value));
  }
  // Keep the target's key order for members that stay: readers (and diffs) like it.
  return reorderLike(base, out);
}

function reorderLike(template: JsonObject, obj: JsonObject): JsonObject {
  const ordered: JsonObject = {};
  for (const key of Object.keys(template)) if (Object.hasOwn(obj, key)) setOwn(ordered, key, obj[key]);
  for (const key of Object.keys(obj)) if (!Object.hasOwn(ordered, key)) setOwn(ordered, key, obj[key]);
  return ordered;
}

/**
 * The merge patch that turns `from` into `to` (both objects). Because a merge patch
 * cannot set a member to null, the round trip jsonMergePatch(from, patch) == to
 * holds only when `to` contains no nulls inside objects.
 */
export function createMergePatch(from: JsonObject, to: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && (!Object.hasOwn(to, key) || to[key] === undefined)) setOwn(patch, key, null);
  }
  for (const key of Object.keys(to)) {
    const next = to[key];
    if (next === undefined) continue;
    const prev = Object.hasOwn(from, key) ? from[key] : undefined;
    if (isJsonObject(prev) && isJsonObject(next)) {
      const sub = createMergePatch(prev, next);
      if (Object.keys(sub).length > 0) setOwn(patch, key, sub);
    } else if (prev === undefined || !deepEqual(prev, next)) {
      setOwn(patch, key, deepClone(next));
    }
  }
  return patch;
}

// Helpers for plain JSON values shared by the patch formats. Every patch function
// treats its inputs as read-only and builds fresh values, so callers can hand in
// objects straight from an informer cache or the store.

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets an own property. A JSON body may carry a "__proto__" key (JSON.parse makes
 * it an ordinary own property); plain assignment would instead change the
 * object's prototype, so that one key is defined explicitly.
 */
export function setOwn(obj: JsonObject, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Reads an own property only, so "__proto__" or "constructor" never reach Object.prototype. */
export function getOwn(obj: JsonObject, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A deep copy of a JSON value; properties whose value is undefined are dropped, as JSON would. */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => deepClone(v)) as T;
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const v = value[key];
      if (v !== undefined) setOwn(out, key, deepClone(v));
    }
    return out as T;
  }
  return value;
}

/** Structural equality of JSON values (see util/json-equal.ts). */
export { jsonEqual as deepEqual } from "../../util/json-equal.js";

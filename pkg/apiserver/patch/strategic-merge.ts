// application/strategic-merge-patch+json: Kubernetes' strategic merge patch, what
// `kubectl apply` (client-side, three-way), `kubectl edit` and `kubectl
// label/annotate` send. It is a JSON merge patch whose lists may merge element by
// element (merge-keys.ts says which), plus directives:
//   $patch: replace | delete | merge        on a map, or as a list element
//   $retainKeys: [k…]                       drop the original's other keys
//   $setElementOrder/<field>: [...]         order of a merged list
//   $deleteFromPrimitiveList/<field>: [...] values to drop from a primitive list
// Behaviour follows k8s.io/apimachinery/pkg/util/strategicpatch/patch.go where
// it matters to kubectl; see the notes beside each step. No directive key ever
// reaches the result.
import { errors } from "../../api/errors.js";
import { deepClone, deepEqual, getOwn, isJsonObject, setOwn, type JsonObject } from "./json.js";
import { listStrategyFor, type ListStrategy, type MergeKeyLookup } from "./merge-keys.js";

export interface StrategicMergeOptions {
  /** Consulted before the built-in table; a string means "merge this list by that key". */
  mergeKeyFor?: MergeKeyLookup;
}

const PATCH = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder/";
const DELETE_FROM_LIST = "$deleteFromPrimitiveList/";

/** Marks "remove this value from its parent" ($patch: delete on a map). */
const DELETED = Symbol("deleted");
type Merged = unknown | typeof DELETED;

interface Context {
  kind: string;
  strategyFor(path: string[]): ListStrategy;
}

/**
 * Applies a strategic merge patch to `original` for an object of `kind`
 * ("Deployment"), returning a new object. Malformed patches (unknown $patch value,
 * a merge-list element without its key, $retainKeys not covering the patch) throw
 * a 400 ApiError.
 */
export function strategicMergePatch(
  original: object,
  patch: object,
  kind: string,
  options: StrategicMergeOptions = {},
): JsonObject {
  if (!isJsonObject(patch)) throw errors.badRequest("strategic merge patch must be a JSON object");
  const ctx: Context = {
    kind,
    strategyFor(path) {
      const key = options.mergeKeyFor?.(path);
      return key !== undefined ? { type: "merge", key } : listStrategyFor(path, kind);
    },
  };
  const merged = mergeMap(isJsonObject(original) ? original : {}, patch, [], ctx);
  // "$patch: delete" on the whole object leaves nothing; there is no parent to remove it from.
  return merged === DELETED ? {} : merged;
}

function isDirectiveKey(key: string): boolean {
  return key === PATCH || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || key.startsWith(DELETE_FROM_LIST);
}

function where(path: string[]): string {
  return path.length > 0 ? path.join(".") : "<root>";
}

/** Merges patch map into original map. Returns a fresh object, or DELETED. */
function mergeMap(original: JsonObject, patch: JsonObject, path: string[], ctx: Context): JsonObject | typeof DELETED {
  const directive = getOwn(patch, PATCH);
  if (directive !== undefined) {
    if (directive === "delete") return DELETED;
    if (directive === "replace") {
      // Replace the whole map with the patch's content (itself cleaned of directives and nulls).
      const rest: JsonObject = {};
      for (const key of Object.keys(patch)) if (key !== PATCH) setOwn(rest, key, patch[key]);
      return mergeMap({}, rest, path, ctx) as JsonObject;
    }
    if (directive !== "merge") {
      throw errors.badRequest(`${where(path)}: unknown $patch directive ${JSON.stringify(directive)} (want replace, delete or merge)`);
    }
  }

  const retained = retainedKeys(patch, path);
  const deletions = new Map<string, unknown[]>();
  const orders = new Map<string, unknown[]>();
  for (const key of Object.keys(patch)) {
    if (key.startsWith(DELETE_FROM_LIST)) deletions.set(key.slice(DELETE_FROM_LIST.length), listDirective(patch, key, path));
    else if (key.startsWith(SET_ORDER)) orders.set(key.slice(SET_ORDER.length), listDirective(patch, key, path));
  }

  const out: JsonObject = {};
  for (const key of Object.keys(original)) {
    let value = original[key];
    if (value === undefined || (retained && !retained.has(key))) continue;
    const drop = deletions.get(key);
    // $deleteFromPrimitiveList runs before the merge of the same field, as in apimachinery.
    if (drop && Array.isArray(value)) value = value.filter((v) => !drop.some((d) => deepEqual(v, d)));
    if (!Object.hasOwn(patch, key) || patch[key] === undefined) {
      setOwn(out, key, deepClone(value));
      continue;
    }
    if (patch[key] === null) continue; // null deletes, as in a JSON merge patch
    const merged = mergeValue(value, patch[key], [...path, key], ctx);
    if (merged !== DELETED) setOwn(out, key, merged);
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (isDirectiveKey(key) || value === null || value === undefined) continue;
    if (Object.hasOwn(original, key) && original[key] !== undefined) continue; // merged above
    const merged = mergeValue(undefined, value, [...path, key], ctx);
    if (merged !== DELETED) setOwn(out, key, merged);
  }
  for (const [field, order] of orders) {
    const list = getOwn(out, field);
    if (Array.isArray(list)) setOwn(out, field, reorder(list, order, ctx.strategyFor([...path, field])));
  }
  return out;
}

/** $retainKeys: keys of the original to keep. Every non-null patch field must be among them. */
function retainedKeys(patch: JsonObject, path: string[]): Set<string> | undefined {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return undefined;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list) || !list.every((k) => typeof k === "string")) {
    throw errors.badRequest(`${where(path)}: $retainKeys must be a list of strings`);
  }
  const keys = new Set<string>(list as string[]);
  for (const key of Object.keys(patch)) {
    if (isDirectiveKey(key) || patch[key] === null || patch[key] === undefined) continue;
    if (!keys.has(key)) {
      throw errors.badRequest(`${where(path)}: field ${JSON.stringify(key)} is in the patch but not in $retainKeys`);
    }
  }
  return keys;
}

function listDirective(patch: JsonObject, key: string, path: string[]): unknown[] {
  const value = patch[key];
  if (!Array.isArray(value)) throw errors.badRequest(`${where(path)}: ${key} must be a list`);
  return value;
}

function mergeValue(original: unknown, patch: unknown, path: string[], ctx: Context): Merged {
  if (isJsonObject(patch)) return mergeMap(isJsonObject(original) ? original : {}, patch, path, ctx);
  if (Array.isArray(patch)) {
    const strategy = ctx.strategyFor(path);
    const base = Array.isArray(original) ? original : [];
    if (strategy.type === "merge") return mergeKeyedList(base, patch, strategy.key, path, ctx);
    if (strategy.type === "set") return mergeSet(base, patch, path);
    return replaceList(patch, path, ctx);
  }
  return patch; // a primitive replaces whatever was there
}

/** Atomic list: the patch's list, with any directives in its elements resolved. */
function replaceList(patch: unknown[], path: string[], ctx: Context): unknown[] {
  const out: unknown[] = [];
  for (const item of patch) {
    if (isJsonObject(item) && getOwn(item, PATCH) === "replace" && Object.keys(item).length === 1) continue;
    const merged = mergeValue(undefined, item, path, ctx);
    if (merged !== DELETED) out.push(merged);
  }
  return out;
}

/** patchStrategy=merge on primitives (finalizers): union, original order first, no duplicates. */
function mergeSet(original: unknown[], patch: unknown[], path: string[]): unknown[] {
  const out: unknown[] = [];
  for (const item of [...original, ...patch]) {
    if (isJsonObject(item) || Array.isArray(item)) {
      throw errors.badRequest(`${where(path)}: expected a list of primitive values`);
    }
    if (!out.some((v) => deepEqual(v, item))) out.push(item);
  }
  return out;
}

/** Merge list by key: matching elements merge as maps, new ones are appended. */
function mergeKeyedList(original: unknown[], patch: unknown[], key: string, path: string[], ctx: Context): unknown[] {
  let base = original;
  let replace = false;
  const items: JsonObject[] = [];
  for (const item of patch) {
    if (!isJsonObject(item)) {
      throw errors.badRequest(`${where(path)}: list elements must be objects with merge key ${JSON.stringify(key)}`);
    }
    const directive = getOwn(item, PATCH);
    if (directive === undefined) {
      items.push(item);
    } else if (directive === "delete") {
      if (!Object.hasOwn(item, key)) throw missingKey(item, key, path);
      base = base.filter((o) => !(isJsonObject(o) && deepEqual(getOwn(o, key), item[key])));
    } else if (directive === "replace") {
      replace = true; // keep scanning: other $patch elements must still be stripped
    } else {
      throw errors.badRequest(`${where(path)}: unsupported $patch ${JSON.stringify(directive)} in a list element`);
    }
  }
  if (replace) base = [];

  const out = [...base];
  const fresh = new Set<unknown>();
  for (const item of items) {
    if (!Object.hasOwn(item, key)) throw missingKey(item, key, path);
    const index = out.findIndex((o) => isJsonObject(o) && deepEqual(getOwn(o, key), item[key]));
    const merged = mergeMap(index >= 0 ? (out[index] as JsonObject) : {}, item, path, ctx);
    if (merged === DELETED) continue; // unreachable: $patch elements were filtered above
    if (index >= 0) out[index] = merged;
    else out.push(merged);
    fresh.add(merged);
  }
  return out.map((o) => (fresh.has(o) ? o : deepClone(o)));
}

function missingKey(item: JsonObject, key: string, path: string[]): Error {
  return errors.badRequest(`${where(path)}: map ${JSON.stringify(item)} does not contain declared merge key ${JSON.stringify(key)}`);
}

/**
 * $setElementOrder: elements named in `order` come first, in that order; elements
 * the order does not mention (e.g. a sidecar someone else added) follow in their
 * current relative order.
 */
function reorder(list: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  const identity = (item: unknown): unknown =>
    strategy.type === "merge" ? (isJsonObject(item) ? getOwn(item, strategy.key) : undefined) : item;
  const taken = new Set<number>();
  const first: unknown[] = [];
  for (const entry of order) {
    const id = identity(entry);
    if (id === undefined) continue;
    list.forEach((item, i) => {
      if (!taken.has(i) && deepEqual(identity(item), id)) {
        taken.add(i);
        first.push(item);
      }
    });
  }
  return [...first, ...list.filter((_, i) => !taken.has(i))];
}

// kubectl's client-side apply patch: from the last applied configuration
// (original) and the new one (modified), build a strategic merge patch that sets
// everything the user declares and deletes what they stopped declaring, while
// leaving fields set by others (defaults, controllers) alone.
import { listStrategyFor } from "../apiserver/patch.js";

type Json = unknown;
type JsonMap = Record<string, Json>;

function isMap(v: Json): v is JsonMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function threeWayPatch(original: JsonMap | undefined, modified: JsonMap, kind: string): JsonMap {
  return diffMaps(original ?? {}, modified, [], kind);
}

function diffMaps(orig: JsonMap, mod: JsonMap, path: string[], kind: string): JsonMap {
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(mod)) {
    const o = orig[k];
    const p = [...path, k];
    if (isMap(v)) {
      out[k] = diffMaps(isMap(o) ? o : {}, v, p, kind);
    } else if (Array.isArray(v)) {
      Object.assign(out, diffList(k, Array.isArray(o) ? o : [], v, p, kind));
    } else {
      out[k] = v;
    }
  }
  for (const k of Object.keys(orig)) {
    if (!(k in mod)) {
      const strategy = Array.isArray(orig[k]) ? listStrategyFor([...path, k], kind) : undefined;
      // A merge-keyed list the user stopped declaring: delete its declared elements only.
      if (strategy?.type === "merge") {
        out[k] = (orig[k] as Json[]).filter(isMap).map((e) => ({ [strategy.key]: e[strategy.key], $patch: "delete" }));
      } else {
        out[k] = null;
      }
    }
  }
  return out;
}

function diffList(field: string, orig: Json[], mod: Json[], path: string[], kind: string): JsonMap {
  const strategy = listStrategyFor(path, kind);
  if (strategy.type === "merge" && mod.every(isMap)) {
    const key = strategy.key;
    const origByKey = new Map(orig.filter(isMap).map((e) => [JSON.stringify(e[key]), e]));
    const modKeys = new Set(mod.map((e) => JSON.stringify((e as JsonMap)[key])));
    const items: Json[] = mod.map((e) => {
      const m = e as JsonMap;
      const o = origByKey.get(JSON.stringify(m[key]));
      return { ...diffMaps(o ?? {}, m, path, kind), [key]: m[key] };
    });
    for (const [k, o] of origByKey) if (!modKeys.has(k)) items.push({ [key]: o[key], $patch: "delete" });
    return {
      [`$setElementOrder/${field}`]: mod.map((e) => ({ [key]: (e as JsonMap)[key] })),
      [field]: items,
    };
  }
  if (strategy.type === "set") {
    const gone = orig.filter((x) => !mod.some((y) => JSON.stringify(y) === JSON.stringify(x)));
    const out: JsonMap = { [field]: mod };
    if (gone.length > 0) out[`$deleteFromPrimitiveList/${field}`] = gone;
    return out;
  }
  return { [field]: mod };
}

// LimitRange defaulting (SetDefaults_LimitRangeItem): a Container item's
// missing default limit is its max, and its missing default request is the
// default limit, else the min. Stored LimitRanges therefore carry complete
// defaults, which is all the LimitRanger admission plugin reads.
import type { KubeObject } from "../types.js";

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Fill unset defaults in place; idempotent. */
export function defaultLimitRange(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isRec(spec) || !Array.isArray(spec.limits)) return;
  for (const item of spec.limits) {
    if (!isRec(item) || item.type !== "Container") continue;
    const def: Rec = isRec(item.default) ? item.default : {};
    const defReq: Rec = isRec(item.defaultRequest) ? item.defaultRequest : {};
    for (const [k, v] of Object.entries(isRec(item.max) ? item.max : {})) if (def[k] === undefined) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (defReq[k] === undefined) defReq[k] = v;
    for (const [k, v] of Object.entries(isRec(item.min) ? item.min : {})) if (defReq[k] === undefined) defReq[k] = v;
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(defReq).length > 0) item.defaultRequest = defReq;
  }
}

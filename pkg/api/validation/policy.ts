// ResourceQuota and LimitRange (ValidateResourceQuota, ValidateLimitRange in
// pkg/apis/core/validation): resource names a quota can track, non-negative
// quantities, whole numbers for object counts, and min ≤ defaultRequest ≤
// default ≤ max within every LimitRange item.
import type { FieldError } from "../errors.js";
import { Quantity } from "../quantity.js";
import type { KubeObject } from "../types.js";
import { validateQuantity } from "./container.js";
import { child, forbidden, index, invalid, isRec, key, readList, readRec, required, validateEnum, type Rec } from "./field.js";
import { qualifiedNameErrors } from "./names.js";

const QUOTA_STANDARD = new Set([
  "pods",
  "services",
  "services.nodeports",
  "services.loadbalancers",
  "replicationcontrollers",
  "resourcequotas",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "cpu",
  "memory",
  "requests.cpu",
  "requests.memory",
  "requests.storage",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "ephemeral-storage",
]);
/** Counts of things: a fraction of a pod makes no sense. */
const INTEGER_RESOURCES = new Set(["pods", "services", "services.nodeports", "services.loadbalancers", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims"]);
const QUOTA_SCOPES = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"];
const LIMIT_TYPES = ["Pod", "Container", "PersistentVolumeClaim"];

function quotaNameErrors(name: string): string[] {
  if (QUOTA_STANDARD.has(name) || name.startsWith("count/") || name.startsWith("requests.") || name.startsWith("limits.") || name.startsWith("hugepages-")) return [];
  const errs = qualifiedNameErrors(name);
  if (errs.length > 0) return errs;
  return name.includes("/") ? [] : ["must be a standard resource type or fully qualified"];
}

function isInteger(q: Quantity): boolean {
  return q.nanoValue() % 1_000_000_000n === 0n;
}

function validateResourceList(raw: unknown, path: string, nameErrors: (n: string) => string[], errs: FieldError[]): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  const rec = readRec(raw, path, errs);
  for (const [name, value] of Object.entries(rec ?? {})) {
    const p = key(path, name);
    for (const msg of nameErrors(name)) errs.push(invalid(p, name, msg));
    const q = validateQuantity(value, p, errs);
    if (!q) continue;
    if ((INTEGER_RESOURCES.has(name) || name.startsWith("count/")) && !isInteger(q)) {
      errs.push(invalid(p, value, "must be an integer"));
      continue;
    }
    out.set(name, q);
  }
  return out;
}

export function validateResourceQuota(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs) ?? {};
  validateResourceList(spec.hard, "spec.hard", quotaNameErrors, errs);
  readList(spec.scopes, "spec.scopes", errs).forEach((s, i) => validateEnum(s, index("spec.scopes", i), QUOTA_SCOPES, errs));
  const status = isRec(obj.status) ? (obj.status as Rec) : {};
  validateResourceList(status.hard, "status.hard", quotaNameErrors, errs);
  validateResourceList(status.used, "status.used", quotaNameErrors, errs);
  return errs;
}

function limitNameErrors(name: string): string[] {
  if (["cpu", "memory", "ephemeral-storage", "storage"].includes(name) || name.startsWith("hugepages-")) return [];
  const errs = qualifiedNameErrors(name);
  if (errs.length > 0) return errs;
  return name.includes("/") ? [] : ["must be a standard limit type or fully qualified"];
}

export function validateLimitRange(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs) ?? {};
  const limitsPath = "spec.limits";
  const seenTypes = new Set<string>();
  readList(spec.limits, limitsPath, errs).forEach((raw, i) => {
    const p = index(limitsPath, i);
    if (!isRec(raw)) {
      errs.push(invalid(p, raw, "must be an object"));
      return;
    }
    const type = validateEnum(raw.type, child(p, "type"), LIMIT_TYPES, errs);
    if (type === undefined) errs.push(required(child(p, "type")));
    else if (seenTypes.has(type)) errs.push(invalid(child(p, "type"), type, "must be unique within a LimitRange"));
    else seenTypes.add(type);
    const lists: Record<string, Map<string, Quantity>> = {};
    for (const f of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]) {
      lists[f] = validateResourceList(raw[f], child(p, f), limitNameErrors, errs);
    }
    if (type === "Pod") {
      if (lists.default.size > 0) errs.push(forbidden(child(p, "default"), "may not be specified when `type` is 'Pod'"));
      if (lists.defaultRequest.size > 0) errs.push(forbidden(child(p, "defaultRequest"), "may not be specified when `type` is 'Pod'"));
    }
    // Every bound must sit inside the others: min ≤ defaultRequest ≤ default ≤ max.
    const names = new Set(Object.values(lists).flatMap((m) => [...m.keys()]));
    for (const n of names) {
      const max = lists.max.get(n);
      const min = lists.min.get(n);
      const def = lists.default.get(n);
      const defReq = lists.defaultRequest.get(n);
      const ratio = lists.maxLimitRequestRatio.get(n);
      if (min && max && min.cmp(max) > 0) errs.push(invalid(key(child(p, "min"), n), min.toString(), `min value ${min} is greater than max value ${max}`));
      if (defReq && max && defReq.cmp(max) > 0) errs.push(invalid(key(child(p, "defaultRequest"), n), defReq.toString(), `default request value ${defReq} is greater than max value ${max}`));
      if (defReq && min && min.cmp(defReq) > 0) errs.push(invalid(key(child(p, "defaultRequest"), n), defReq.toString(), `min value ${min} is greater than default request value ${defReq}`));
      if (defReq && def && defReq.cmp(def) > 0) errs.push(invalid(key(child(p, "defaultRequest"), n), defReq.toString(), `default request value ${defReq} is greater than default limit value ${def}`));
      if (def && max && def.cmp(max) > 0) errs.push(invalid(key(child(p, "default"), n), def.toString(), `default value ${def} is greater than max value ${max}`));
      if (def && min && min.cmp(def) > 0) errs.push(invalid(key(child(p, "default"), n), def.toString(), `min value ${min} is greater than default value ${def}`));
      if (ratio && ratio.cmp(Quantity.fromValue(1)) < 0) errs.push(invalid(key(child(p, "maxLimitRequestRatio"), n), ratio.toString(), "ratio must be greater than or equal to 1"));
    }
  });
  return errs;
}

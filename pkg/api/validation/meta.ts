// ObjectMeta, labels, annotations and label selectors: ValidateObjectMeta and
// the label helpers of apimachinery, shared by every kind and reused by other
// packages (the apiserver validates label selectors in queries with these too).
import type { FieldError } from "../errors.js";
import {
  child,
  forbidden,
  index,
  invalid,
  isRec,
  readList,
  readRec,
  readString,
  readStringMap,
  required,
  tooLong,
  type Rec,
} from "./field.js";
import { dns1123LabelErrors, labelValueErrors, nameIsDNSSubdomain, qualifiedNameErrors, type NameValidator } from "./names.js";

/** Kubernetes caps the sum of annotation keys and values at 256 KiB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** Finalizers Kubernetes itself understands; every other one must be domain-prefixed. */
// customresourcecleanup: the finalizer every CRD carries until its objects are gone.
const STANDARD_FINALIZERS = ["kubernetes", "orphan", "foregroundDeletion", "customresourcecleanup.apiextensions.k8s.io"];

export function validateLabels(labels: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rec = readRec(labels, path, errs);
  if (!rec) return errs;
  for (const [k, v] of Object.entries(rec)) {
    for (const msg of qualifiedNameErrors(k)) errs.push(invalid(path, k, msg));
    if (typeof v !== "string") errs.push(invalid(path, v, "label values must be strings"));
    else for (const msg of labelValueErrors(v)) errs.push(invalid(path, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const map = readStringMap(annotations, path, errs);
  if (!map) return errs;
  let size = 0;
  for (const [k, v] of Object.entries(map)) {
    // Kubernetes lower-cases annotation keys before the check, so "Foo/Bar" is fine.
    for (const msg of qualifiedNameErrors(k.toLowerCase())) errs.push(invalid(path, k, msg));
    size += Buffer.byteLength(k, "utf8") + Buffer.byteLength(v, "utf8");
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, "", TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/**
 * Metadata of a top-level object. `nameFn` decides the name syntax: most kinds use
 * DNS-1123 subdomains; Namespace uses DNS-1123 labels and Service DNS-1035 labels.
 */
export function validateObjectMeta(
  meta: unknown,
  namespaced: boolean,
  path = "metadata",
  nameFn: NameValidator = nameIsDNSSubdomain,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRec(meta)) {
    errs.push(meta === undefined || meta === null ? required(path) : invalid(path, meta, "must be an object"));
    return errs;
  }
  const generateName = readString(meta.generateName, child(path, "generateName"), errs);
  if (generateName !== undefined) {
    for (const msg of nameFn(generateName, true)) errs.push(invalid(child(path, "generateName"), generateName, msg));
  }
  const name = readString(meta.name, child(path, "name"), errs);
  if (name === undefined) {
    if (generateName === undefined) errs.push(required(child(path, "name"), "name or generateName is required"));
  } else {
    for (const msg of nameFn(name, false)) errs.push(invalid(child(path, "name"), name, msg));
  }

  const nsPath = child(path, "namespace");
  const namespace = readString(meta.namespace, nsPath, errs);
  if (namespaced) {
    if (namespace === undefined) errs.push(required(nsPath));
    else for (const msg of dns1123LabelErrors(namespace)) errs.push(invalid(nsPath, namespace, msg));
  } else if (namespace !== undefined) {
    errs.push(forbidden(nsPath, "not allowed on this type"));
  }

  errs.push(...validateLabels(meta.labels, child(path, "labels")));
  errs.push(...validateAnnotations(meta.annotations, child(path, "annotations")));
  errs.push(...validateOwnerReferences(meta.ownerReferences, child(path, "ownerReferences")));
  errs.push(...validateFinalizers(meta.finalizers, child(path, "finalizers")));
  return errs;
}

function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  readList(refs, path, errs).forEach((ref, i) => {
    const p = index(path, i);
    const r = readRec(ref, p, errs);
    if (!r) return;
    const need: Array<[string, string]> = [
      ["apiVersion", "version must not be empty"],
      ["kind", "kind must not be empty"],
      ["name", "name must not be empty"],
      ["uid", "uid must not be empty"],
    ];
    for (const [field, msg] of need) {
      if (readString(r[field], child(p, field), errs) === undefined) errs.push(invalid(child(p, field), r[field] ?? "", msg));
    }
    if (r.controller === true) controllers.push(`${String(r.kind)}/${String(r.name)}`);
  });
  if (controllers.length > 1) {
    errs.push(invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(" and ")}`));
  }
  return errs;
}

/** Finalizers are qualified names; bare names only for Kubernetes' own ones. */
export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  readList(finalizers, path, errs).forEach((f, i) => {
    const p = index(path, i);
    const s = readString(f, p, errs);
    if (s === undefined) return;
    const msgs = qualifiedNameErrors(s);
    for (const msg of msgs) errs.push(invalid(p, s, msg));
    if (msgs.length === 0 && !s.includes("/") && !STANDARD_FINALIZERS.includes(s)) {
      errs.push(invalid(p, s, "name is neither a standard finalizer name nor is it fully qualified"));
    }
  });
  return errs;
}

/** Name and namespace cannot change once an object exists. */
export function validateObjectMetaUpdate(meta: unknown, oldMeta: unknown, path = "metadata"): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRec(meta) || !isRec(oldMeta)) return errs;
  for (const field of ["name", "namespace"] as const) {
    const now = meta[field];
    const before = oldMeta[field];
    if (typeof now === "string" && typeof before === "string" && now !== before && now !== "" && before !== "") {
      errs.push(invalid(child(path, field), now, "field is immutable"));
    }
  }
  return errs;
}

/** A metav1.LabelSelector: matchLabels plus matchExpressions. */
export function validateLabelSelectorObject(sel: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = readRec(sel, path, errs);
  if (!s) return errs;
  errs.push(...validateLabels(s.matchLabels, child(path, "matchLabels")));
  const exprsPath = child(path, "matchExpressions");
  readList(s.matchExpressions, exprsPath, errs).forEach((e, i) => {
    const p = index(exprsPath, i);
    const expr = readRec(e, p, errs);
    if (expr) errs.push(...validateSelectorRequirement(expr, p));
  });
  return errs;
}

function validateSelectorRequirement(expr: Rec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const keyPath = child(path, "key");
  const k = readString(expr.key, keyPath, errs);
  if (k === undefined) errs.push(required(keyPath));
  else for (const msg of qualifiedNameErrors(k)) errs.push(invalid(keyPath, k, msg));

  const valuesPath = child(path, "values");
  const values = readList(expr.values, valuesPath, errs);
  const op = readString(expr.operator, child(path, "operator"), errs);
  if (op === "In" || op === "NotIn") {
    if (values.length === 0) errs.push(required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (op === "Exists" || op === "DoesNotExist") {
    if (values.length > 0) errs.push(forbidden(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (op === undefined) {
    errs.push(required(child(path, "operator")));
  } else {
    errs.push(invalid(child(path, "operator"), op, "not a valid selector operator"));
  }
  values.forEach((v, j) => {
    const p = index(valuesPath, j);
    if (typeof v !== "string") errs.push(invalid(p, v, "must be a string"));
    else for (const msg of labelValueErrors(v)) errs.push(invalid(p, v, msg));
  });
  return errs;
}

/** True when a selector has neither matchLabels nor matchExpressions: it selects everything. */
export function isEmptySelector(sel: Rec): boolean {
  const labels = isRec(sel.matchLabels) ? Object.keys(sel.matchLabels).length : 0;
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0;
  return labels + exprs === 0;
}

/**
 * Does a (valid) LabelSelector select these labels? Kept here rather than
 * imported so validation depends on nothing but itself; the semantics are
 * metav1.LabelSelectorAsSelector's.
 */
export function selectorMatchesLabels(sel: Rec, labels: Record<string, string>): boolean {
  if (isRec(sel.matchLabels)) {
    for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  }
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of exprs) {
    if (!isRec(e) || typeof e.key !== "string") return false;
    const has = Object.hasOwn(labels, e.key);
    const values = Array.isArray(e.values) ? e.values : [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[e.key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

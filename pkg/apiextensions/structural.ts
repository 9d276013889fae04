// The three things a structural schema does to a custom object, in the order
// the apiextensions-apiserver does them on every write: prune fields the schema
// does not know (unless x-kubernetes-preserve-unknown-fields), fill in defaults,
// then validate, reporting errors with the field paths and wording Kubernetes
// prints ("spec.replicas in body should be less than or equal to 10").
import { FieldError } from "../api/errors.js";
import type { JSONSchemaProps } from "../api/custom-resources.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Fields kept on every embedded object and at the root whatever the schema says. */
const TYPE_META = ["apiVersion", "kind", "metadata"];

/**
 * Remove what the schema does not describe; returns the removed paths (for
 * fieldValidation=Strict/Warn). `root` keeps apiVersion/kind/metadata.
 */
export function prune(value: unknown, schema: JSONSchemaProps | undefined, root = true): string[] {
  const removed: string[] = [];
  pruneAt(value, schema, "", root, removed);
  return removed;
}

function pruneAt(value: unknown, schema: JSONSchemaProps | undefined, path: string, keepMeta: boolean, removed: string[]): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => pruneAt(v, schema.items, `${path}[${i}]`, !!schema.items?.["x-kubernetes-embedded-resource"], removed));
    return;
  }
  if (!isObject(value)) return;
  const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const props = schema.properties;
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    const p = join(path, key);
    if ((keepMeta || schema["x-kubernetes-embedded-resource"]) && TYPE_META.includes(key)) {
      if (props?.[key]) pruneAt(value[key], props[key], p, false, removed);
      continue;
    }
    const sub = props?.[key] ?? (isObject(additional) ? additional : undefined);
    if (sub) pruneAt(value[key], sub, p, !!sub["x-kubernetes-embedded-resource"], removed);
    else if (!preserve && additional !== true) {
      delete value[key];
      removed.push(p);
    }
  }
}

/** Set `default`s of missing properties, recursively; changes `value` in place. */
export function applySchemaDefaults(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) applySchemaDefaults(v, schema.items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    if (value[key] === undefined && sub.default !== undefined) value[key] = structuredClone(sub.default);
    applySchemaDefaults(value[key], sub);
  }
  if (isObject(schema.additionalProperties)) {
    for (const key of Object.keys(value)) if (!schema.properties?.[key]) applySchemaDefaults(value[key], schema.additionalProperties);
  }
}

/** Every way `value` breaks `schema`; [] when it conforms. */
export function validateSchema(value: unknown, schema: JSONSchemaProps | undefined, path = ""): FieldError[] {
  const errs: FieldError[] = [];
  if (schema) check(value, schema, path, errs, path === "");
  return errs;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function matchesType(v: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    default:
      return typeof v === type;
  }
}

function check(value: unknown, s: JSONSchemaProps, path: string, errs: FieldError[], root: boolean): void {
  const at = path || "<root>";
  const inBody = (detail: string) => new FieldError("Invalid", at, value, `${at} in body ${detail}`);
  if (value === null) {
    if (!s.nullable && s.type && !root) errs.push(new FieldError("Invalid", at, "null", `${at} in body must be of type ${s.type}: "null"`));
    return;
  }
  if (s["x-kubernetes-int-or-string"]) {
    if (!(typeof value === "string" || (typeof value === "number" && Number.isInteger(value)))) {
      errs.push(new FieldError("Invalid", at, value, `${at} in body must be of type integer or string: "${typeName(value)}"`));
      return;
    }
  } else if (s.type && !matchesType(value, s.type)) {
    errs.push(new FieldError("Invalid", at, value, `${at} in body must be of type ${s.type}: "${typeName(value)}"`));
    return;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    errs.push(new FieldError("NotSupported", at, value, `supported values: ${s.enum.map((e) => JSON.stringify(e)).join(", ")}`));
  }
  if (typeof value === "number") checkNumber(value, s, inBody, errs);
  if (typeof value === "string") checkString(value, s, at, inBody, errs);
  if (Array.isArray(value)) {
    if (s.maxItems !== undefined && value.length > s.maxItems) errs.push(new FieldError("Invalid", at, value.length, `must have at most ${s.maxItems} items`));
    if (s.minItems !== undefined && value.length < s.minItems) errs.push(inBody(`should have at least ${s.minItems} items`));
    if (s.uniqueItems || s["x-kubernetes-list-type"] === "set") {
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const k = JSON.stringify(v);
        if (seen.has(k)) errs.push(new FieldError("Duplicate", `${path}[${i}]`, v));
        seen.add(k);
      });
    }
    if (s.items) value.forEach((v, i) => check(v, s.items!, `${path}[${i}]`, errs, false));
  }
  if (isObject(value)) {
    const n = Object.keys(value).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) errs.push(inBody(`should have at most ${s.maxProperties} properties`));
    if (s.minProperties !== undefined && n < s.minProperties) errs.push(inBody(`should have at least ${s.minProperties} properties`));
    for (const r of s.required ?? []) if (value[r] === undefined) errs.push(new FieldError("Required", join(path, r), undefined));
    if (s["x-kubernetes-embedded-resource"]) {
      for (const r of ["apiVersion", "kind"]) if (typeof value[r] !== "string" || value[r] === "") errs.push(new FieldError("Required", join(path, r), undefined, "must not be empty"));
    }
    for (const [key, v] of Object.entries(value)) {
      if (root && TYPE_META.includes(key)) continue;
      const sub = s.properties?.[key] ?? (isObject(s.additionalProperties) ? s.additionalProperties : undefined);
      if (sub) check(v, sub, join(path, key), errs, false);
    }
  }
  for (const sub of s.allOf ?? []) check(value, sub, path, errs, root);
  if (s.anyOf && !s.anyOf.some((sub) => validateSchema(value, sub, path).length === 0)) errs.push(inBody("must validate at least one schema (anyOf)"));
  if (s.oneOf && s.oneOf.filter((sub) => validateSchema(value, sub, path).length === 0).length !== 1) errs.push(inBody("must validate one and only one schema (oneOf)"));
  if (s.not && validateSchema(value, s.not, path).length === 0) errs.push(inBody("must not validate the schema (not)"));
}

function checkNumber(v: number, s: JSONSchemaProps, inBody: (d: string) => FieldError, errs: FieldError[]): void {
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
    errs.push(inBody(s.exclusiveMaximum ? `should be less than ${s.maximum}` : `should be less than or equal to ${s.maximum}`));
  }
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
    errs.push(inBody(s.exclusiveMinimum ? `should be greater than ${s.minimum}` : `should be greater than or equal to ${s.minimum}`));
  }
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) errs.push(inBody(`should be a multiple of ${s.multipleOf}`));
}

function checkString(v: string, s: JSONSchemaProps, at: string, inBody: (d: string) => FieldError, errs: FieldError[]): void {
  if (s.maxLength !== undefined && [...v].length > s.maxLength) errs.push(new FieldError("TooLong", at, v, `may not be more than ${s.maxLength} bytes`));
  if (s.minLength !== undefined && [...v].length < s.minLength) errs.push(inBody(`should be at least ${s.minLength} chars long`));
  if (s.pattern !== undefined) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern);
    } catch {
      re = undefined; // rejected when the CRD was validated; never reached for a stored CRD
    }
    if (re && !re.test(v)) errs.push(inBody(`should match '${s.pattern}'`));
  }
  const format = FORMATS[s.format ?? ""];
  if (format && !format.re.test(v)) errs.push(inBody(`must be of type ${format.name}`));
}

const FORMATS: Record<string, { name: string; re: RegExp }> = {
  "date-time": { name: "date-time", re: /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/ },
  datetime: { name: "date-time", re: /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/ },
  date: { name: "date", re: /^\d{4}-\d{2}-\d{2}$/ },
  uuid: { name: "uuid", re: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i },
  ipv4: { name: "ipv4", re: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/ },
  byte: { name: "byte", re: /^[A-Za-z0-9+/]*={0,2}$/ },
};

export type { Json };

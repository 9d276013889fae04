// Validation of a CustomResourceDefinition, after apiextensions' validation.go:
// names, scope, versions (exactly one storage version), and a structural schema
// (every field typed, the root an object, defaults that validate, patterns that
// compile), printer columns and scale paths. Paths are spelled as Kubernetes
// spells them: spec.versions[0].schema.openAPIV3Schema.properties[spec].type.
import { FieldError } from "../api/errors.js";
import type { CustomResourceDefinition, CustomResourceVersion, JSONSchemaProps } from "../api/custom-resources.js";
import { applySchemaDefaults, validateSchema } from "./structural.js";

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const COLUMN_TYPES = ["integer", "number", "string", "boolean", "date"];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function validateCrd(crd: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObject(crd.spec) ? crd.spec : undefined;
  if (!spec) return [new FieldError("Required", "spec", undefined)];
  const group = spec.group;
  if (typeof group !== "string" || group === "") errs.push(new FieldError("Required", "spec.group", undefined));
  else if (!group.includes(".")) errs.push(new FieldError("Invalid", "spec.group", group, "should be a domain with at least one dot"));
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    errs.push(new FieldError("NotSupported", "spec.scope", spec.scope, 'supported values: "Cluster", "Namespaced"'));
  }
  errs.push(...validateNames(spec.names));
  if (isObject(spec.names) && typeof group === "string" && crd.metadata.name !== `${spec.names.plural}.${group}`) {
    errs.push(new FieldError("Invalid", "metadata.name", crd.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (spec.conversion && spec.conversion.strategy !== "None") {
    errs.push(new FieldError("NotSupported", "spec.conversion.strategy", spec.conversion.strategy, 'supported values: "None"'));
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) errs.push(new FieldError("Invalid", "spec.versions", versions, "must have exactly one version marked as storage version"));
  else if (versions.filter((v) => isObject(v) && v.storage === true).length !== 1) {
    errs.push(new FieldError("Invalid", "spec.versions", versions.map((v) => v?.name), "must have exactly one version marked as storage version"));
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!isObject(v)) return errs.push(new FieldError("Invalid", p, v, "must be an object"));
    if (typeof v.name !== "string" || !DNS1035_LABEL.test(v.name)) {
      errs.push(new FieldError("Invalid", `${p}.name`, v.name, "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"));
    } else if (seen.has(v.name)) errs.push(new FieldError("Duplicate", `${p}.name`, v.name));
    else seen.add(v.name);
    errs.push(...validateVersion(v, p));
  });
  if (versions.length > 0 && !versions.some((v) => isObject(v) && v.served)) {
    errs.push(new FieldError("Invalid", "spec.versions", versions.map((v) => v?.name), "must have at least one version marked as served"));
  }
  return errs;
}

function validateNames(names: unknown): FieldError[] {
  if (!isObject(names)) return [new FieldError("Required", "spec.names", undefined)];
  const errs: FieldError[] = [];
  const label = (field: string, required: boolean) => {
    const v = names[field];
    if (v === undefined || v === "") {
      if (required) errs.push(new FieldError("Required", `spec.names.${field}`, undefined));
      return;
    }
    if (typeof v !== "string" || !DNS1123_LABEL.test(v)) {
      errs.push(new FieldError("Invalid", `spec.names.${field}`, v, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
    }
  };
  label("plural", true);
  label("singular", false);
  if (typeof names.kind !== "string" || names.kind === "") errs.push(new FieldError("Required", "spec.names.kind", undefined));
  else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) errs.push(new FieldError("Invalid", "spec.names.kind", names.kind, "may have mixed case, but should otherwise match: ^[a-z][-a-z0-9]*[a-z0-9]$"));
  for (const [field, list] of [["shortNames", names.shortNames], ["categories", names.categories]] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) errs.push(new FieldError("Invalid", `spec.names.${field}`, list, "must be a list of strings"));
    else list.forEach((s, i) => {
      if (typeof s !== "string" || !DNS1123_LABEL.test(s)) errs.push(new FieldError("Invalid", `spec.names.${field}[${i}]`, s, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'"));
    });
  }
  return errs;
}

function validateVersion(v: CustomResourceVersion, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const schema = v.schema?.openAPIV3Schema;
  const sp = `${p}.schema.openAPIV3Schema`;
  if (!isObject(schema)) errs.push(new FieldError("Required", sp, undefined, "schemas are required"));
  else {
    if (schema.type !== "object") errs.push(new FieldError(schema.type ? "Invalid" : "Required", `${sp}.type`, schema.type, "must be object at the root"));
    errs.push(...structuralErrors(schema, sp, true));
  }
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const cp = `${p}.additionalPrinterColumns[${i}]`;
    if (!c?.name) errs.push(new FieldError("Required", `${cp}.name`, undefined));
    if (!COLUMN_TYPES.includes(c?.type)) errs.push(new FieldError("NotSupported", `${cp}.type`, c?.type, `supported values: ${COLUMN_TYPES.map((t) => `"${t}"`).join(", ")}`));
    if (!c?.jsonPath) errs.push(new FieldError("Required", `${cp}.jsonPath`, undefined));
  });
  const scale = v.subresources?.scale;
  if (scale) {
    const sc = `${p}.subresources.scale`;
    if (typeof scale.specReplicasPath !== "string" || !scale.specReplicasPath.startsWith(".spec.")) errs.push(new FieldError("Invalid", `${sc}.specReplicasPath`, scale.specReplicasPath, "should be a json path under .spec"));
    if (typeof scale.statusReplicasPath !== "string" || !scale.statusReplicasPath.startsWith(".status.")) errs.push(new FieldError("Invalid", `${sc}.statusReplicasPath`, scale.statusReplicasPath, "should be a json path under .status"));
    if (scale.labelSelectorPath !== undefined && !/^\.(spec|status)\./.test(scale.labelSelectorPath)) errs.push(new FieldError("Invalid", `${sc}.labelSelectorPath`, scale.labelSelectorPath, "should be a json path under either .spec or .status"));
  }
  return errs;
}

/** A structural schema: every specified field has a type, patterns compile, defaults validate. */
function structuralErrors(s: JSONSchemaProps, path: string, root: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const free = s["x-kubernetes-int-or-string"] || s["x-kubernetes-preserve-unknown-fields"];
  if (!root && !s.type && !free) errs.push(new FieldError("Required", `${path}.type`, undefined, "must not be empty for specified object fields"));
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern);
    } catch (e) {
      errs.push(new FieldError("Invalid", `${path}.pattern`, s.pattern, `must be a valid regular expression: ${(e as Error).message}`));
    }
  }
  if (s.default !== undefined) {
    if (root) errs.push(new FieldError("Forbidden", `${path}.default`, s.default, "must not be set at the root"));
    else {
      const defaulted = structuredClone(s.default);
      applySchemaDefaults(defaulted, s);
      errs.push(...validateSchema(defaulted, s, `${path}.default`));
    }
  }
  if (s.type === "object" && s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    errs.push(new FieldError("Forbidden", `${path}.additionalProperties`, undefined, "additionalProperties and properties are mutual exclusive"));
  }
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (isObject(sub)) errs.push(...structuralErrors(sub, `${path}.properties[${k}]`, false));
  }
  if (isObject(s.items)) errs.push(...structuralErrors(s.items, `${path}.items`, false));
  else if (s.type === "array") errs.push(new FieldError("Required", `${path}.items`, undefined, "must be specified"));
  if (isObject(s.additionalProperties)) errs.push(...structuralErrors(s.additionalProperties, `${path}.additionalProperties`, false));
  return errs;
}

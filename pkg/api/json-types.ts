// The API server's decode step for built-in kinds, done on the JSON skiff
// receives: every value must have the JSON type its Go field has, and every
// resource.Quantity is rewritten in Kubernetes' canonical form.
//
// Why: Kubernetes decodes a body into Go structs before anything else runs, so
// an array where an object belongs is a 400 ("cannot unmarshal array into Go
// struct field …") and nothing is stored; skiff keeps JSON, so without this
// check such an object was stored and later broke every reader (kubectl
// describe could no longer decode the pod). Quantities: Go re-marshals a
// Quantity canonically (`cpu: 0.5` reads back as "500m", `1024Mi` as "1Gi"),
// and clients compare what they read with that form.
import { Quantity } from "./quantity.js";
import { modelSchema, type FieldSchema } from "./schema.js";

/** One value of the wrong JSON type, in the words of Go's encoding/json. */
export class JsonTypeError extends Error {
  override name = "JsonTypeError";
  constructor(
    /** The Go struct that holds the field: "NodeAffinity". */
    readonly struct: string,
    /** JSON field names from the root, as Go joins them (no indexes): "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution". */
    readonly field: string,
    /** What the JSON held: "array", "object", "string", "number", "number 1.5", "bool". */
    readonly value: string,
    /** The Go type it should have been: "v1.NodeSelector", "int32", "[]v1.Container". */
    readonly goType: string,
  ) {
    super(`json: cannot unmarshal ${value} into Go struct field ${struct}.${field} of type ${goType}`);
  }
}

/**
 * Checks `obj` against the model's field types and canonicalises its
 * quantities in place. Returns the first type error (Go stops at the first
 * one too), or undefined. Unknown fields are not this function's business.
 */
export function decodeJsonTypes(obj: Record<string, unknown>, model: string): JsonTypeError | undefined {
  try {
    walkObject(obj, model, "");
    return undefined;
  } catch (e) {
    if (e instanceof JsonTypeError) return e;
    throw e;
  }
}

/** "V1NodeSelector" → "v1.NodeSelector", "V2HorizontalPodAutoscalerSpec" → "v2.HorizontalPodAutoscalerSpec". */
export function goTypeOfModel(model: string): string {
  const m = /^(V\d+(?:alpha\d+|beta\d+)?)(.+)$/.exec(model);
  return m ? `${m[1].toLowerCase()}.${m[2]}` : model;
}

/** The struct name Go reports for a model: "V1NodeAffinity" → "NodeAffinity". */
function structName(model: string): string {
  const t = goTypeOfModel(model);
  return t.slice(t.indexOf(".") + 1);
}

function goType(field: FieldSchema): string {
  switch (field.kind) {
    case "object":
      return field.ref ? goTypeOfModel(field.ref) : "map[string]interface {}";
    case "array":
      return `[]${field.items ? goType(field.items) : "interface {}"}`;
    case "map":
      return `map[string]${field.items ? goType(field.items) : "interface {}"}`;
    case "integer":
      return field.format === "int32" ? "int32" : "int64";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    case "time":
      return field.format === "date-time-micro" ? "v1.MicroTime" : "v1.Time";
    case "quantity":
      return "resource.Quantity";
    case "int-or-string":
      return "intstr.IntOrString";
    default:
      return field.kind === "any" ? "interface {}" : "string";
  }
}

function jsonTypeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function walkObject(obj: Record<string, unknown>, model: string, path: string): void {
  const fields = modelSchema(model);
  for (const [key, value] of Object.entries(obj)) {
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!field) continue;
    const replaced = walkValue(value, field, path === "" ? key : `${path}.${key}`, model);
    if (replaced !== undefined) obj[key] = replaced;
  }
}

/** Throws JsonTypeError; returns a replacement value (a canonical quantity) or undefined. */
function walkValue(value: unknown, field: FieldSchema, path: string, owner: string): unknown {
  // Go leaves a field at its zero value for JSON null, whatever its type.
  if (value === null || value === undefined) return undefined;
  const wrong = (shown = jsonTypeOf(value)) => new JsonTypeError(structName(owner), path, shown, goType(field));
  switch (field.kind) {
    case "object":
      if (jsonTypeOf(value) !== "object") throw wrong();
      if (field.ref) walkObject(value as Record<string, unknown>, field.ref, path);
      return undefined;
    case "array":
      if (!Array.isArray(value)) throw wrong();
      if (field.items) {
        value.forEach((v, i) => {
          const r = walkValue(v, field.items!, path, owner);
          if (r !== undefined) value[i] = r;
        });
      }
      return undefined;
    case "map":
      if (jsonTypeOf(value) !== "object") throw wrong();
      if (field.items) {
        const map = value as Record<string, unknown>;
        for (const [k, v] of Object.entries(map)) {
          const r = walkValue(v, field.items, path, owner);
          if (r !== undefined) map[k] = r;
        }
      }
      return undefined;
    case "string":
    case "time":
      if (typeof value !== "string") throw wrong();
      return undefined;
    case "boolean":
      if (typeof value !== "boolean") throw wrong();
      return undefined;
    case "integer":
      if (typeof value !== "number") throw wrong();
      if (!Number.isInteger(value)) throw wrong(`number ${value}`);
      return undefined;
    case "number":
      if (typeof value !== "number") throw wrong();
      return undefined;
    case "int-or-string":
      if (typeof value !== "number" && typeof value !== "string") throw wrong();
      return undefined;
    case "quantity":
      return canonicalQuantity(value, wrong);
    default:
      return undefined;
  }
}

function canonicalQuantity(value: unknown, wrong: () => JsonTypeError): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") throw wrong();
  try {
    const canonical = Quantity.parse(String(value)).toString();
    return canonical === value ? undefined : canonical;
  } catch {
    return undefined; // not a quantity at all: validation names the field and the syntax
  }
}

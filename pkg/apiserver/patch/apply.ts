// application/apply-patch+yaml: server-side apply, simplified.
//
// Real server-side apply tracks which manager owns each field (managedFields with
// FieldsV1 sets), reports conflicts between managers, and removes fields a manager
// stops mentioning. That is out of scope here: the applied configuration is merged
// into the live object with strategic-merge semantics (lists with a merge key merge
// by key, maps merge recursively, everything else is replaced), fields the applied
// configuration does not mention are left alone, and managedFields only records
// that the manager applied, without a field set.
import { parseDocument } from "yaml";
import { errors } from "../../api/errors.js";
import { deepClone, getOwn, isJsonObject, type JsonObject } from "./json.js";
import { strategicMergePatch, type StrategicMergeOptions } from "./strategic-merge.js";

export interface ServerSideApplyOptions extends StrategicMergeOptions {
  /** Clock for managedFields[].time; tests inject a fixed one. */
  now?: () => Date;
}

/** One metadata.managedFields entry (fieldsV1 omitted: field ownership is not tracked). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion?: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1?: unknown;
  subresource?: string;
}

/**
 * Merges `applied` into `live` (or takes it as the whole object when there is no
 * live object yet) and records `fieldManager` in metadata.managedFields, replacing
 * that manager's earlier Apply entry. Inputs are not modified.
 */
export function serverSideApply(
  live: object | undefined,
  applied: object,
  fieldManager: string,
  options: ServerSideApplyOptions = {},
): JsonObject {
  if (!isJsonObject(applied)) throw errors.badRequest("apply patch must be an object");
  if (!fieldManager) throw errors.badRequest("fieldManager is required for apply patch");
  const base = isJsonObject(live) ? live : undefined;

  // managedFields is the server's record; an applied configuration does not get to set it.
  const config = withoutManagedFields(applied);
  const kind = stringField(applied, "kind") ?? (base && stringField(base, "kind")) ?? "";
  const merged = strategicMergePatch(base ?? {}, config, kind, options);

  const meta = isJsonObject(merged.metadata) ? merged.metadata : {};
  const previous = base && isJsonObject(base.metadata) && Array.isArray(base.metadata.managedFields) ? base.metadata.managedFields : [];
  const entry: ManagedFieldsEntry = {
    manager: fieldManager,
    operation: "Apply",
    apiVersion: stringField(applied, "apiVersion") ?? (base && stringField(base, "apiVersion")),
    time: rfc3339Seconds((options.now ?? (() => new Date()))()),
    fieldsType: "FieldsV1",
  };
  if (entry.apiVersion === undefined) delete entry.apiVersion;
  const others = previous.filter(
    (e) => !(isJsonObject(e) && e.manager === fieldManager && e.operation === "Apply" && !e.subresource),
  );
  merged.metadata = { ...meta, managedFields: [...deepClone(others), entry] };
  return merged;
}

function withoutManagedFields(applied: JsonObject): JsonObject {
  if (!isJsonObject(applied.metadata) || !Object.hasOwn(applied.metadata, "managedFields")) return applied;
  const { managedFields: _ignored, ...metadata } = applied.metadata;
  return { ...applied, metadata };
}

function stringField(obj: JsonObject, key: string): string | undefined {
  const v = getOwn(obj, key);
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** metav1.Time's wire form: RFC 3339 in UTC with whole seconds. */
function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Decodes an apply-patch body (JSON or YAML, one document) into an object. Syntax
 * errors become a 400 naming the line and column.
 */
export function parseApplyBody(text: string): JsonObject {
  if (text.trim() === "") throw errors.badRequest("apply patch body is empty");
  if (text.trimStart().startsWith("{")) {
    try {
      return requireObject(JSON.parse(text));
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      // Not strict JSON; YAML is a superset and reports the line, so let it decide.
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    const detail =
      error.code === "MULTIPLE_DOCS"
        ? "the body must hold a single YAML document"
        : (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    throw errors.badRequest(`error decoding apply patch body${pos ? ` at line ${pos.line}, column ${pos.col}` : ""}: ${detail}`);
  }
  return requireObject(doc.toJS());
}

function requireObject(value: unknown): JsonObject {
  if (!isJsonObject(value)) throw errors.badRequest("apply patch body must be an object (a YAML mapping or JSON object)");
  return value;
}

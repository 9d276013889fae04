// PATCH for the API server: picks the patch format from the request's
// Content-Type and applies it to the stored object. The formats live in patch/.
import { ApiError, errors } from "../api/errors.js";
import { serverSideApply, parseApplyBody, type ServerSideApplyOptions } from "./patch/apply.js";
import { isJsonObject, type JsonObject } from "./patch/json.js";
import { jsonPatch } from "./patch/json-patch.js";
import { jsonMergePatch } from "./patch/merge-patch.js";
import { strategicMergePatch } from "./patch/strategic-merge.js";

export { jsonMergePatch, createMergePatch } from "./patch/merge-patch.js";
export { jsonPatch, decodeJsonPatch, parsePointer, type JsonPatchOperation } from "./patch/json-patch.js";
export { strategicMergePatch, type StrategicMergeOptions } from "./patch/strategic-merge.js";
export { serverSideApply, parseApplyBody, type ServerSideApplyOptions, type ManagedFieldsEntry } from "./patch/apply.js";
export { LIST_RULES, listStrategyFor, type ListRule, type ListStrategy, type MergeKeyLookup } from "./patch/merge-keys.js";
export type { JsonObject } from "./patch/json.js";

export const MERGE_PATCH = "application/merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";

/** What PATCH accepts, in the order the API server advertises them. */
export const SUPPORTED_PATCH_TYPES: readonly string[] = [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH];

export interface ApplyPatchOptions extends ServerSideApplyOptions {
  /** ?fieldManager=; required for apply patches, as in Kubernetes. */
  fieldManager?: string;
}

/**
 * Applies a PATCH body to `original` according to `contentType` (parameters such
 * as "; charset=utf-8" are ignored). `patchBody` may be the raw text or Buffer, or
 * an already-decoded value. Returns a new object; `original` is not modified.
 * Throws ApiError: 415 for other content types, 400 for undecodable or malformed
 * patches, 422 for JSON patches that do not apply (including a failed "test").
 */
export function applyPatch(
  contentType: string,
  original: object,
  patchBody: unknown,
  kind: string,
  options: ApplyPatchOptions = {},
): JsonObject {
  const type = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  switch (type) {
    case MERGE_PATCH:
      return requireObjectResult(jsonMergePatch(original, decodeJson(patchBody, type)));
    case JSON_PATCH:
      return requireObjectResult(jsonPatch(original, decodeJson(patchBody, type)));
    case STRATEGIC_MERGE_PATCH: {
      const patch = decodeJson(patchBody, type);
      if (!isJsonObject(patch)) throw errors.badRequest("strategic merge patch must be a JSON object");
      return strategicMergePatch(original, patch, kind, options);
    }
    case APPLY_PATCH: {
      if (!options.fieldManager) throw errors.badRequest("fieldManager is required for apply patch");
      const text = asText(patchBody);
      const applied = text !== undefined ? parseApplyBody(text) : patchBody;
      if (!isJsonObject(applied)) throw errors.badRequest("apply patch body must be an object");
      return serverSideApply(original, applied, options.fieldManager, options);
    }
    default:
      throw new ApiError(
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: ${SUPPORTED_PATCH_TYPES.join(", ")}`,
      );
  }
}

function asText(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return undefined;
}

function decodeJson(body: unknown, type: string): unknown {
  const text = asText(body);
  if (text === undefined) return body;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(`error decoding ${type} body: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function requireObjectResult(result: unknown): JsonObject {
  if (!isJsonObject(result)) throw errors.badRequest("the patched object must be a JSON object");
  return result;
}

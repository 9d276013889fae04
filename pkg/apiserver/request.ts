// What every REST handler reads from a request: the query, the request
// context (dry run, field validation, field manager, user), delete options,
// the content type and the Table Accept header, and the errors for a path or
// method the API does not serve. Shared by server.ts and resource-handler.ts.
import type { FastifyRequest } from "fastify";
import { parseDocument } from "yaml";
import { ApiError, errors } from "../api/errors.js";
import { newContext, type DeleteOptions, type FieldValidation, type RequestContext } from "./registry.js";

export const PATCH_TYPES = [
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/json-patch+json",
  "application/apply-patch+yaml",
];

export interface Query {
  [k: string]: string | undefined;
}

/** Most warnings one response carries; the rest are summarised (clients cap header sizes, Node's at 16 KiB). */
const MAX_WARNING_BYTES = 8 * 1024;

/**
 * `299 - "text"` per warning. Header values must be printable ASCII, and a
 * warning can quote user input (an unknown field named in any script), so
 * everything else is written as a \uXXXX escape.
 */
export function warningHeader(warnings: string[]): string {
  const parts: string[] = [];
  let bytes = 0;
  for (const [i, w] of warnings.entries()) {
    const text = `299 - ${JSON.stringify(w).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}`;
    if (bytes + text.length > MAX_WARNING_BYTES) {
      parts.push(`299 - "${warnings.length - i} more warnings not shown"`);
      break;
    }
    parts.push(text);
    bytes += text.length + 2;
  }
  return parts.join(", ");
}

export function notFound(): never {
  throw new ApiError("NotFound", "the server could not find the requested resource");
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError("MethodNotAllowed", `the server does not allow this method on the requested resource (${method})`);
}

export function contentTypeOf(req: FastifyRequest): string {
  return (req.headers["content-type"] ?? "application/json").split(";")[0].trim();
}

export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

export function includeObject(q: Query): "None" | "Metadata" | "Object" {
  return q.includeObject === "None" || q.includeObject === "Object" ? q.includeObject : "Metadata";
}

export function contextFrom(req: FastifyRequest, q: Query): RequestContext {
  const fv = q.fieldValidation;
  if (fv !== undefined && !["Strict", "Warn", "Ignore"].includes(fv)) {
    throw errors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore, got "${fv}"`);
  }
  if (q.dryRun !== undefined && q.dryRun !== "All") throw errors.badRequest(`unsupported dry run option "${q.dryRun}": only "All" is supported`);
  return newContext({ dryRun: q.dryRun === "All", fieldValidation: fv as FieldValidation | undefined, fieldManager: q.fieldManager, user: req.user, groups: req.groups });
}

export function deleteOptions(req: FastifyRequest, q: Query): DeleteOptions {
  const body = (req.body && typeof req.body === "object" ? req.body : {}) as DeleteOptions & { kind?: string };
  const opts: DeleteOptions = {
    gracePeriodSeconds: body.gracePeriodSeconds ?? (q.gracePeriodSeconds !== undefined ? parseInt(q.gracePeriodSeconds, 10) : undefined),
    propagationPolicy: body.propagationPolicy ?? (q.propagationPolicy as DeleteOptions["propagationPolicy"]),
    preconditions: body.preconditions,
  };
  if (opts.propagationPolicy && !["Orphan", "Background", "Foreground"].includes(opts.propagationPolicy)) {
    throw errors.badRequest(`propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  }
  if (opts.gracePeriodSeconds !== undefined && (!Number.isInteger(opts.gracePeriodSeconds) || opts.gracePeriodSeconds < 0)) {
    throw errors.badRequest("gracePeriodSeconds must be a non-negative integer");
  }
  return opts;
}

/** With fieldValidation=Strict, a key given twice in a JSON body is an error, as in Kubernetes. */
export function rejectDuplicateFields(req: FastifyRequest, ctx: RequestContext): void {
  if (ctx.fieldValidation !== "Strict" || !req.rawBody) return;
  const doc = parseDocument(req.rawBody, { uniqueKeys: true });
  const dup = doc.errors.find((e) => e.code === "DUPLICATE_KEY");
  if (dup) throw errors.badRequest(`strict decoding error: ${dup.message.split("\n")[0]}`);
}

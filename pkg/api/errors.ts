// Errors that carry what failed and where. FieldError mirrors apimachinery's
// field.Error; ApiError is what every layer throws and the API server turns into
// a Kubernetes Status object with the matching HTTP code.

export type FieldErrorType =
  | "Required"
  | "Invalid"
  | "NotSupported"
  | "Duplicate"
  | "Forbidden"
  | "TooLong"
  | "FieldValueUnknown";

export class FieldError extends Error {
  override name = "FieldError";
  constructor(
    readonly type: FieldErrorType,
    /** Dotted path with indices: spec.template.spec.containers[0].image */
    readonly path: string,
    readonly value: unknown,
    readonly detail = "",
  ) {
    super(formatFieldError(type, path, value, detail));
  }
}

function formatFieldError(type: FieldErrorType, path: string, value: unknown, detail: string): string {
  switch (type) {
    case "Required":
      return `${path}: Required value${detail ? `: ${detail}` : ""}`;
    case "NotSupported":
      return `${path}: Unsupported value: ${JSON.stringify(value)}${detail ? `: ${detail}` : ""}`;
    case "Duplicate":
      return `${path}: Duplicate value: ${JSON.stringify(value)}`;
    case "Forbidden":
      return `${path}: Forbidden: ${detail}`;
    case "TooLong":
      return `${path}: Too long: ${detail}`;
    case "FieldValueUnknown":
      return `unknown field "${path}"`;
    default:
      return `${path}: Invalid value: ${JSON.stringify(value)}${detail ? `: ${detail}` : ""}`;
  }
}

/** Kubernetes StatusReason values skiff uses. */
export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Gone"
  | "Expired"
  | "Invalid"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "MethodNotAllowed"
  | "NotAcceptable"
  | "Timeout"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable";

const HTTP_CODE: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: StatusReason | "";
  details?: StatusDetails;
  code: number;
}

/** StatusDetails' field order on the wire. */
const DETAIL_ORDER: ReadonlyArray<keyof StatusDetails> = ["name", "group", "kind", "uid", "causes", "retryAfterSeconds"];

/** An error with a Kubernetes reason, a stable skiff code and an HTTP status. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly httpStatus: number;
  /** Stable machine-readable code, e.g. SKIFF_ERR_NOT_FOUND. */
  readonly code: string;
  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details: StatusDetails = {},
  ) {
    super(message);
    this.httpStatus = HTTP_CODE[reason];
    this.code = `SKIFF_ERR_${reason.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()}`;
  }

  /**
   * The Status body, with Kubernetes' field order (kind, apiVersion, metadata,
   * status, message, reason, details, code) and without an empty group, as
   * apimachinery writes it (`group` is omitempty; core kinds have none).
   */
  toStatus(): Status {
    const s: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.httpStatus,
    };
    const details: StatusDetails = {};
    for (const k of DETAIL_ORDER) {
      const v = this.details[k];
      if (v === undefined || (k === "group" && v === "")) continue;
      (details as Record<string, unknown>)[k] = v;
    }
    if (Object.keys(details).length === 0) return s;
    const { code, ...head } = s;
    return { ...head, details, code };
  }
}

/** What a kind is called in messages: "pods", "deployments.apps". */
export function qualifiedResource(group: string, plural: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const errors = {
  notFound: (group: string, plural: string, name: string) =>
    new ApiError("NotFound", `${qualifiedResource(group, plural)} "${name}" not found`, { name, group, kind: plural }),
  alreadyExists: (group: string, plural: string, name: string) =>
    new ApiError("AlreadyExists", `${qualifiedResource(group, plural)} "${name}" already exists`, { name, group, kind: plural }),
  conflict: (group: string, plural: string, name: string, why = "the object has been modified; please apply your changes to the latest version and try again") =>
    new ApiError("Conflict", `Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": ${why}`, { name, group, kind: plural }),
  gone: (message: string) => new ApiError("Gone", message),
  /** A watch or list resourceVersion older than retained history (HTTP 410, reason Expired). */
  expired: (message: string) => new ApiError("Expired", message),
  badRequest: (message: string) => new ApiError("BadRequest", message),
  /** 422 with one cause per field error, like the apiserver's NewInvalid. */
  invalid: (kind: string, name: string, fieldErrors: FieldError[], group = "") =>
    new ApiError(
      "Invalid",
      `${kind}${group ? `.${group}` : ""} "${name}" is invalid: ${fieldErrors.length > 1 ? "[" : ""}${fieldErrors.map((e) => e.message).join(", ")}${fieldErrors.length > 1 ? "]" : ""}`,
      {
        name,
        group,
        kind,
        causes: fieldErrors.map((e) => ({ reason: `Field${e.type === "FieldValueUnknown" ? "ValueUnknown" : "Value" + e.type}`, message: e.message, field: e.path })),
      },
    ),
};

export function isApiError(e: unknown, reason?: StatusReason): e is ApiError {
  return e instanceof ApiError && (reason === undefined || e.reason === reason);
}

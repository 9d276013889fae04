// Probes and lifecycle hooks: exactly one handler, ports that exist as numbers
// or IANA names, and sane timings (validateProbe/validateHandler in
// pkg/apis/core/validation).
import type { FieldError } from "../errors.js";
import { child, forbidden, invalid, present, readInt, readList, readRec, required, validateEnum, validateNonNegative, type Rec } from "./field.js";
import { portNameErrors, portNumErrors } from "./names.js";

const PROBE_HANDLERS = ["exec", "httpGet", "tcpSocket", "grpc"];
export const LIFECYCLE_HANDLERS = ["exec", "httpGet", "tcpSocket", "sleep"];

/** An int port in 1–65535 or an IANA service name referring to a named container port. */
export function validatePortNumOrName(v: unknown, path: string, errs: FieldError[]): void {
  if (!present(v) || v === "" || v === 0) {
    errs.push(required(path));
  } else if (typeof v === "number") {
    for (const msg of portNumErrors(v)) errs.push(invalid(path, v, msg));
  } else if (typeof v === "string") {
    for (const msg of portNameErrors(v)) errs.push(invalid(path, v, msg));
  } else {
    errs.push(invalid(path, v, "must be a port number or name"));
  }
}

/** Exactly one of `kinds` must be set; each is then checked for its own required fields. */
export function validateHandler(h: Rec, path: string, kinds: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  const set = kinds.filter((k) => present(h[k]));
  if (set.length === 0) {
    errs.push(required(path, "must specify a handler type"));
    return errs;
  }
  for (const extra of set.slice(1)) errs.push(forbidden(child(path, extra), "may not specify more than 1 handler type"));
  for (const kind of set) {
    const p = child(path, kind);
    const action = readRec(h[kind], p, errs);
    if (!action) continue;
    switch (kind) {
      case "exec":
        if (readList(action.command, child(p, "command"), errs).length === 0) errs.push(required(child(p, "command")));
        break;
      case "httpGet":
        validatePortNumOrName(action.port, child(p, "port"), errs);
        validateEnum(action.scheme, child(p, "scheme"), ["HTTP", "HTTPS"], errs);
        break;
      case "tcpSocket":
        validatePortNumOrName(action.port, child(p, "port"), errs);
        break;
      case "grpc": {
        const port = readInt(action.port, child(p, "port"), errs);
        if (port === undefined) errs.push(required(child(p, "port")));
        else for (const msg of portNumErrors(port)) errs.push(invalid(child(p, "port"), port, msg));
        break;
      }
      case "sleep": {
        const secs = readInt(action.seconds, child(p, "seconds"), errs);
        if (secs !== undefined && secs < 0) errs.push(invalid(child(p, "seconds"), secs, "must be greater than or equal to 0"));
        break;
      }
    }
  }
  return errs;
}

/**
 * A probe. Zero in a period or threshold means "use the default", as in
 * Kubernetes (defaulting replaces it), so only negative values are errors.
 * Liveness and startup probes must succeed once to count: successThreshold 1.
 */
export function validateProbe(probe: unknown, path: string, mustSucceedOnce: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const p = readRec(probe, path, errs);
  if (!p) return errs;
  errs.push(...validateHandler(p, path, PROBE_HANDLERS));
  for (const field of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"]) {
    validateNonNegative(p[field], child(path, field), errs);
  }
  const success = p.successThreshold;
  if (mustSucceedOnce && typeof success === "number" && success !== 0 && success !== 1) {
    errs.push(invalid(child(path, "successThreshold"), success, "must be 1"));
  }
  const grace = readInt(p.terminationGracePeriodSeconds, child(path, "terminationGracePeriodSeconds"), errs);
  if (grace !== undefined && grace <= 0) {
    errs.push(invalid(child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"));
  }
  return errs;
}

// ServiceAccount and the TokenRequest a client posts to serviceaccounts/{name}/token
// (pkg/apis/core/validation ValidateServiceAccount; pkg/apis/authentication/validation
// ValidateTokenRequest). A ServiceAccount is mostly metadata: only the shapes of its
// secret references are checked.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { child, index, invalid, present, readList, readRec, readString, required, notSupported } from "./field.js";

/** Kubernetes' lower bound for a requested token lifetime (10 minutes). */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
/** …and its upper bound (2^32 seconds). */
export const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

function validateNameRefs(list: unknown, path: string, errs: FieldError[]): void {
  readList(list, path, errs).forEach((r, i) => {
    const p = index(path, i);
    const ref = readRec(r, p, errs);
    if (ref) readString(ref.name, child(p, "name"), errs);
  });
}

export function validateServiceAccount(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const sa = obj as KubeObject & { secrets?: unknown; imagePullSecrets?: unknown; automountServiceAccountToken?: unknown };
  validateNameRefs(sa.secrets, "secrets", errs);
  validateNameRefs(sa.imagePullSecrets, "imagePullSecrets", errs);
  if (present(sa.automountServiceAccountToken) && typeof sa.automountServiceAccountToken !== "boolean") {
    errs.push(invalid("automountServiceAccountToken", sa.automountServiceAccountToken, "must be a boolean"));
  }
  return errs;
}

const BOUND_KINDS = ["Node", "Pod", "Secret"];

/** The spec of a TokenRequest after defaulting (expirationSeconds is set). */
export function validateTokenRequestSpec(spec: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const s = readRec(spec, "spec", errs);
  if (!s) return errs;
  const expPath = "spec.expirationSeconds";
  const exp = s.expirationSeconds;
  if (typeof exp !== "number" || !Number.isInteger(exp)) errs.push(invalid(expPath, exp, "must be an integer"));
  else if (exp < MIN_TOKEN_EXPIRATION_SECONDS) errs.push(invalid(expPath, exp, "may not specify a duration less than 10 minutes"));
  else if (exp > MAX_TOKEN_EXPIRATION_SECONDS) errs.push(invalid(expPath, exp, "may not specify a duration larger than 2^32 seconds"));
  readList(s.audiences, "spec.audiences", errs).forEach((a, i) => {
    if (typeof a !== "string" || a === "") errs.push(invalid(index("spec.audiences", i), a, "must be a non-empty string"));
  });
  const refPath = "spec.boundObjectRef";
  const ref = readRec(s.boundObjectRef, refPath, errs);
  if (ref) {
    const kind = readString(ref.kind, child(refPath, "kind"), errs);
    if (kind === undefined) errs.push(required(child(refPath, "kind")));
    else if (!BOUND_KINDS.includes(kind)) errs.push(notSupported(child(refPath, "kind"), kind, BOUND_KINDS));
    if (readString(ref.name, child(refPath, "name"), errs) === undefined) errs.push(required(child(refPath, "name")));
    readString(ref.uid, child(refPath, "uid"), errs);
  }
  return errs;
}

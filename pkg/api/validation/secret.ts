// Secret (core/v1), as ValidateSecret / ValidateSecretUpdate check it: keys like
// ConfigMap keys, values valid base64, at most 1 MiB of decoded data, and the
// keys each well-known type requires. A rejected value is never echoed back:
// error values are "<secret contents redacted>", as in Kubernetes.
import type { FieldError } from "../errors.js";
import { Base64Error, decodeStdBase64 } from "../go-base64.js";
import type { KubeObject } from "../types.js";
import { forbidden, invalid, isRec, key, present, readRec, required, tooLong, type Rec } from "./field.js";
import { configMapKeyErrors } from "./names.js";

/** core.MaxSecretSize: decoded bytes of all values together. */
export const MAX_SECRET_BYTES = 1024 * 1024;
export const REDACTED = "<secret contents redacted>";

const SERVICE_ACCOUNT_NAME = "kubernetes.io/service-account.name";

export interface SecretUpdateContext {
  old?: KubeObject;
}

/** data key → decoded bytes, for the keys whose values decode. */
function decodeData(data: Rec, errs: FieldError[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    const p = key("data", k);
    for (const msg of configMapKeyErrors(k)) errs.push(invalid(p, k, msg));
    if (typeof v !== "string") {
      errs.push(invalid(p, REDACTED, "must be a base64-encoded string"));
      continue;
    }
    try {
      const bytes = decodeStdBase64(v);
      size += bytes.length;
      out.set(k, bytes);
    } catch (e) {
      if (!(e instanceof Base64Error)) throw e;
      // Kubernetes fails the whole request while decoding JSON with this message.
      errs.push(invalid(p, REDACTED, e.message));
    }
  }
  if (size > MAX_SECRET_BYTES) errs.push(tooLong("data", "", MAX_SECRET_BYTES));
  return out;
}

function requireJson(data: Map<string, Buffer>, k: string, errs: FieldError[]): void {
  const bytes = data.get(k);
  if (bytes === undefined) {
    errs.push(required(key("data", k)));
    return;
  }
  try {
    JSON.parse(bytes.toString("utf8"));
  } catch {
    // The parser's own message quotes the input: say only what is wrong.
    errs.push(invalid(key("data", k), REDACTED, "must be valid JSON"));
  }
}

function validateTypeKeys(obj: KubeObject, type: string, data: Map<string, Buffer>, raw: Rec, errs: FieldError[]): void {
  const has = (k: string) => Object.hasOwn(raw, k);
  switch (type) {
    case "kubernetes.io/service-account-token": {
      const ann = obj.metadata?.annotations ?? {};
      if (!ann[SERVICE_ACCOUNT_NAME]) errs.push(required(key("metadata.annotations", SERVICE_ACCOUNT_NAME)));
      break;
    }
    case "kubernetes.io/dockercfg":
      requireJson(data, ".dockercfg", errs);
      break;
    case "kubernetes.io/dockerconfigjson":
      requireJson(data, ".dockerconfigjson", errs);
      break;
    case "kubernetes.io/basic-auth":
      // Either may be empty, but one of the keys must be there.
      if (!has("username") && !has("password")) errs.push(required(key("data", "username")), required(key("data", "password")));
      break;
    case "kubernetes.io/ssh-auth": {
      // Missing or empty; a value that did not decode is already reported.
      const undecodable = has("ssh-privatekey") && !data.has("ssh-privatekey");
      if (!undecodable && (data.get("ssh-privatekey")?.length ?? 0) === 0) errs.push(required(key("data", "ssh-privatekey")));
      break;
    }
    case "kubernetes.io/tls":
      if (!has("tls.crt")) errs.push(required(key("data", "tls.crt")));
      if (!has("tls.key")) errs.push(required(key("data", "tls.key")));
      break;
    default:
      break;
  }
}

export function validateSecret(obj: KubeObject, ctx: SecretUpdateContext = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (present(obj.type) && typeof obj.type !== "string") errs.push(invalid("type", obj.type, "must be a string"));
  const type = typeof obj.type === "string" ? obj.type : "";
  const raw = readRec(obj.data, "data", errs) ?? {};
  const data = decodeData(raw, errs);
  // Defaulting merges a well-formed stringData into data; anything left is malformed.
  if (present(obj.stringData)) errs.push(invalid("stringData", REDACTED, "must be a map of string keys to string values"));
  validateTypeKeys(obj, type, data, raw, errs);
  if (present(obj.immutable) && typeof obj.immutable !== "boolean") errs.push(invalid("immutable", obj.immutable, "must be a boolean"));
  if (ctx.old) validateSecretUpdate(obj, ctx.old, errs);
  return errs;
}

function validateSecretUpdate(obj: KubeObject, old: KubeObject, errs: FieldError[]): void {
  const oldType = typeof old.type === "string" ? old.type : "";
  if (oldType !== "" && obj.type !== oldType) errs.push(invalid("type", obj.type, "field is immutable"));
  if (old.immutable !== true) return;
  if (obj.immutable !== true) errs.push(forbidden("immutable", "field is immutable when `immutable` is set"));
  const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
  if (!same(obj.data, old.data)) errs.push(forbidden("data", "field is immutable when `immutable` is set"));
}

function sorted(v: unknown): unknown {
  return isRec(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : (v ?? {});
}

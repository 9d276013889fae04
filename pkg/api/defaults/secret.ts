// Secret defaults, plus what the API server does with stringData: it is a
// write-only convenience, merged into data (base64-encoded, overriding keys of
// the same name) and never stored. Kubernetes does this while converting the
// request (v1 → internal); skiff does it here because defaulting runs at the
// same point for create, update and patch, and for local `apply` validation.
import type { KubeObject } from "../types.js";
import { isRec, setIfZero } from "./fields.js";

export function defaultSecret(secret: KubeObject): void {
  setIfZero(secret, "type", "Opaque");
  mergeStringData(secret);
}

/** Move stringData into data. Leaves a malformed stringData alone for validation to report. */
export function mergeStringData(secret: KubeObject): void {
  const stringData = secret.stringData;
  if (stringData === undefined) return;
  if (stringData === null) {
    delete secret.stringData;
    return;
  }
  if (!isRec(stringData) || !Object.values(stringData).every((v) => typeof v === "string")) return;
  if (secret.data === undefined || secret.data === null) secret.data = {};
  if (!isRec(secret.data)) return;
  for (const [k, v] of Object.entries(stringData)) secret.data[k] = Buffer.from(v as string, "utf8").toString("base64");
  delete secret.stringData;
}

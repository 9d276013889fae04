// Small helpers over object metadata shared by the registry and the handlers.
import { randomBytes, randomUUID } from "node:crypto";
import type { KubeObject } from "../api/types.js";

/** Kubernetes' generateName suffix: 5 characters from a vowel-free alphabet. */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
export function generateNameSuffix(): string {
  const bytes = randomBytes(5);
  let s = "";
  for (const b of bytes) s += NAME_ALPHABET[b % NAME_ALPHABET.length];
  return s;
}

export function newUid(): string {
  return randomUUID();
}

/** RFC 3339 at second precision, as metav1.Time serialises. */
export { rfc3339 } from "../api/time.js";

/** Everything except metadata and status: a change here bumps generation. */
export function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

export { jsonEqual } from "../util/json-equal.js";

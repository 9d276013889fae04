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
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Everything except metadata and status: a change here bumps generation. */
export function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

/** Structural equality for JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && jsonEqual(ao[k], bo[k]));
}

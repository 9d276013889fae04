// Kubernetes' own types, as @kubernetes/client-node models them, decide what the
// target can be sent. client-node serializes an object through its model class
// (V1Deployment…) and leaves out every field the model does not have, without a
// word. The mirror runs the same round trip first and reports what would go
// missing, so a field skiff accepts and Kubernetes does not is named, not lost.
import { ObjectSerializer } from "@kubernetes/client-node/dist/serializer.js";
import type { KubeObject } from "../api/types.js";

/** client-node's model name for an apiVersion/kind: "apps/v1" Deployment → "V1Deployment". */
export function modelName(apiVersion: string, kind: string): string {
  const version = apiVersion.includes("/") ? apiVersion.split("/")[1] : apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** The object as client-node will put it on the wire (plain JSON, unknown fields gone). */
export function asSent(obj: KubeObject): KubeObject {
  const type = modelName(obj.apiVersion, obj.kind);
  const model: unknown = ObjectSerializer.deserialize(obj, type);
  return JSON.parse(JSON.stringify(ObjectSerializer.serialize(model, type))) as KubeObject;
}

/** A model instance client-node returned, back to plain wire JSON (Dates become RFC 3339 strings). */
export function toPlain(model: unknown): KubeObject {
  const m = model as { apiVersion?: string; kind?: string };
  const type = m.apiVersion && m.kind ? modelName(m.apiVersion, m.kind) : "KubernetesObject";
  return JSON.parse(JSON.stringify(ObjectSerializer.serialize(model, type))) as KubeObject;
}

/** Paths ("spec.template.spec.containers[0].foo") present in `obj` but not in what client-node sends. */
export function droppedFields(obj: KubeObject, sent: KubeObject = asSent(obj)): string[] {
  const out: string[] = [];
  walk(obj, sent, "", out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return;
    a.forEach((v, i) => walk(v, b[i], `${path}[${i}]`, out));
    return;
  }
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return;
  const bo = b as Record<string, unknown>;
  for (const [k, v] of Object.entries(a as Record<string, unknown>)) {
    const p = path ? `${path}.${k}` : k;
    if (v === undefined || v === null) continue;
    if (!(k in bo) || bo[k] === undefined) out.push(p);
    else walk(v, bo[k], p, out);
  }
}

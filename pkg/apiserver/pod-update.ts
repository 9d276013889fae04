// Pods are mostly immutable once created: Kubernetes lets an update change only
// container images, activeDeadlineSeconds and (additively) tolerations. Binding
// sets spec.nodeName once; everything else needs delete and recreate.
import { ApiError, FieldError, errors } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { jsonEqual } from "./object-meta.js";

interface PodSpecLike {
  containers?: Array<{ image?: string }>;
  initContainers?: Array<{ image?: string }>;
  activeDeadlineSeconds?: number;
  tolerations?: unknown[];
  nodeName?: string;
  [k: string]: unknown;
}

function mutableView(spec: PodSpecLike, nodeName: string | undefined): PodSpecLike {
  // Runs before validation: a spec of the wrong shape is compared as it is (and then refused).
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return spec;
  const s = structuredClone(spec);
  const images = (list: unknown) => (Array.isArray(list) ? list : []).filter((c): c is { image?: string } => c !== null && typeof c === "object");
  for (const c of images(s.containers)) delete c.image;
  for (const c of images(s.initContainers)) delete c.image;
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  // Scheduling gates may be removed (checked in checkPodUpdate), never added.
  delete s.schedulingGates;
  // nodeName may go from unset to set (binding), never change afterwards.
  if (!nodeName) delete s.nodeName;
  return s;
}

function gateNames(spec: PodSpecLike): string[] {
  const gates = spec.schedulingGates;
  return Array.isArray(gates) ? gates.map((g: unknown) => String((g as { name?: unknown } | null)?.name)) : [];
}

export function checkPodUpdate(old: KubeObject, next: KubeObject): void {
  const oldSpec = (old.spec ?? {}) as PodSpecLike;
  const newSpec = (next.spec ?? {}) as PodSpecLike;
  const oldGates = new Set(gateNames(oldSpec));
  const added = gateNames(newSpec).find((g) => !oldGates.has(g));
  if (added !== undefined) {
    const err = new FieldError("Forbidden", "spec.schedulingGates", undefined, `only deletion is allowed, but found new scheduling gate '${added}'`);
    throw errors.invalid("Pod", old.metadata.name ?? "", [err]);
  }
  if (jsonEqual(mutableView(oldSpec, oldSpec.nodeName), mutableView(newSpec, oldSpec.nodeName))) return;
  const err = new FieldError(
    "Forbidden",
    "spec",
    undefined,
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations)",
  );
  const e: ApiError = errors.invalid("Pod", old.metadata.name ?? "", [err]);
  throw e;
}

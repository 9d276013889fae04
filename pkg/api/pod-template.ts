// A pod made from a workload's pod template (Kubernetes' GetPodFromTemplate):
// the template's labels, annotations and spec, deep-copied so the pod never
// shares structure with the cached owner, plus the owner's controller
// reference and a name or generateName. One copy for the controllers that
// create pods from a template.
import type { KubeObject, ObjectMeta, V1OwnerReference } from "./types.js";

/** The parts of spec.template a pod is made from. */
export interface PodTemplateFields {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

export interface PodFromTemplateOptions {
  namespace?: string;
  /** An explicit name; generateName is set too, as Kubernetes' controllers do. */
  name?: string;
  generateName: string;
  controllerRef: V1OwnerReference;
  /** Labels the controller adds over the template's (never replacing one the template sets). */
  defaultLabels?: Record<string, string>;
}

export function podFromTemplate(template: PodTemplateFields | undefined, o: PodFromTemplateOptions): KubeObject {
  const t = structuredClone(template ?? {});
  const labels = { ...(o.defaultLabels ?? {}), ...(t.metadata?.labels ?? {}) };
  const meta: ObjectMeta = {
    ...(o.name !== undefined ? { name: o.name } : {}),
    generateName: o.generateName,
    namespace: o.namespace,
    labels,
    ownerReferences: [o.controllerRef],
  };
  if (t.metadata?.annotations) meta.annotations = t.metadata.annotations;
  return { apiVersion: "v1", kind: "Pod", metadata: meta, spec: t.spec };
}

// Field selectors each kind supports, as the Kubernetes API server registers
// them (GetAttrs / AddFieldLabelConversionFunc). Anything else is a 400, so a
// typo never silently matches everything.
const COMMON = ["metadata.name", "metadata.namespace"];

const BY_KIND: Record<string, string[]> = {
  Pod: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  Event: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  Node: ["spec.unschedulable"],
  Namespace: ["status.phase"],
  ReplicaSet: ["status.replicas"],
};

export function fieldLabelsFor(kind: string): string[] {
  return [...COMMON, ...(BY_KIND[kind] ?? [])];
}

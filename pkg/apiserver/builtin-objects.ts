// Objects every Kubernetes API server makes for itself on start: the two system
// PriorityClasses (the scheduling REST storage's post-start hook) and one
// APIService per group-version it serves, marked Local (kube-aggregator's
// autoregister controller). Missing ones are created; existing ones are left
// alone, so this is idempotent and safe on every start.
import { groups, R, RESOURCES, VIRTUAL_RESOURCES, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { SYSTEM_PRIORITY_CLASSES } from "../api/validation/scheduling.js";

/** Kubernetes' group priorities (apiservice autoregistration), so `kubectl api-versions` orders groups alike. */
const GROUP_PRIORITY: Record<string, number> = {
  "": 18000,
  apps: 17800,
  events: 17750,
  authentication: 17700,
  "authentication.k8s.io": 17700,
  "authorization.k8s.io": 17600,
  autoscaling: 17500,
  batch: 17400,
  "certificates.k8s.io": 17300,
  "networking.k8s.io": 17200,
  policy: 17100,
  "rbac.authorization.k8s.io": 17000,
  "storage.k8s.io": 16800,
  "apiextensions.k8s.io": 16700,
  "admissionregistration.k8s.io": 16700,
  "scheduling.k8s.io": 16600,
  "coordination.k8s.io": 16500,
  "discovery.k8s.io": 16200,
  "apiregistration.k8s.io": 18000,
};

const PRIORITY_CLASS_DESCRIPTIONS: Record<string, string> = {
  "system-node-critical": "Used for system critical pods that must not be moved from their current node.",
  "system-cluster-critical": "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
};

export function systemPriorityClasses(): KubeObject[] {
  return Object.entries(SYSTEM_PRIORITY_CLASSES).map(([name, value]) => ({
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name },
    value,
    description: PRIORITY_CLASS_DESCRIPTIONS[name],
    preemptionPolicy: "PreemptLowerPriority",
  }));
}

/** Every group-version this server answers itself, as `version.group` ("v1." for core). */
export function localApiServices(): KubeObject[] {
  const served = [...RESOURCES, ...VIRTUAL_RESOURCES];
  const gvs = [{ group: "", version: "v1" }, ...groups().flatMap((g) => [...new Set(served.filter((r) => r.group === g).map((r) => r.version))].map((version) => ({ group: g, version })))];
  return gvs.map(({ group, version }) => ({
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: `${version}.${group}`, labels: { "kube-aggregator.kubernetes.io/automanaged": "onstart" } },
    spec: { group, version, groupPriorityMinimum: GROUP_PRIORITY[group] ?? 1000, versionPriority: 15 },
    status: { conditions: [{ type: "Available", status: "True", reason: "Local", message: "Local APIServices are always available", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") }] },
  }));
}

/** What the registry needs: read one object, create one. */
export interface BuiltinTarget {
  exists(info: ResourceInfo, name: string): Promise<boolean>;
  create(info: ResourceInfo, obj: KubeObject): Promise<void>;
}

/** Create whichever built-in objects are missing; idempotent. */
export async function ensureBuiltinObjects(target: BuiltinTarget): Promise<void> {
  for (const [info, objs] of [
    [R.priorityclasses, systemPriorityClasses()],
    [R.apiservices, localApiServices()],
  ] as const) {
    for (const obj of objs) if (!(await target.exists(info, obj.metadata.name!))) await target.create(info, obj);
  }
}


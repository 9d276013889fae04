// The registry of every resource skiff serves. Discovery, the REST routes, the
// store keys, OpenAPI, the CLI's short names and the printers all read from here,
// so adding a kind is one entry in this table.

import type { CustomResourceColumn, JSONSchemaProps } from "./custom-resources.js";

export interface ResourceInfo {
  /** API group; "" is the core (legacy) group served under /api/v1. */
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural used in URLs and as the store key ("pods"). */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** Subresources served under /{plural}/{name}/{sub}. */
  subresources: Array<"status" | "scale" | "log" | "binding" | "eviction" | "token" | "exec" | "attach" | "portforward">;
  /** Kubernetes "categories" (kubectl get all). */
  categories: string[];
  /** Name of the @kubernetes/client-node model class ("V1Pod"), for schemas. */
  model: string;
  /** Only for VIRTUAL_RESOURCES: the verbs discovery lists (stored kinds serve them all). */
  verbs?: string[];
  /** Only for kinds a CustomResourceDefinition serves (registerCustomResources). */
  custom?: CustomResourceExtras;
}

/** What a CustomResourceDefinition adds to one served version of its kind. */
export interface CustomResourceExtras {
  /** metadata.name of the CRD ("crontabs.stable.example.com"). */
  crd: string;
  /** The version objects are stored in; every served version shares one store key. */
  storageVersion: string;
  /** The scale subresource's JSON paths (".spec.replicas"…), when the CRD declares one. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** additionalPrinterColumns; none means NAME and AGE. */
  printerColumns: CustomResourceColumn[];
  /** This version's structural schema (validation, defaulting, pruning, OpenAPI); none = anything goes. */
  schema?: JSONSchemaProps;
  /** The CRD is being deleted: no new objects (Kubernetes refuses creates while it cleans up). */
  terminating?: boolean;
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;
export const resourceVerbs: readonly string[] = VERBS;

function res(r: Omit<ResourceInfo, "subresources" | "categories"> & Partial<ResourceInfo>): ResourceInfo {
  return { subresources: [], categories: [], ...r };
}

export const RESOURCES: readonly ResourceInfo[] = [
  res({ group: "", version: "v1", kind: "Pod", plural: "pods", singular: "pod", shortNames: ["po"], namespaced: true, subresources: ["status", "log", "binding", "eviction", "exec", "attach", "portforward"], categories: ["all"], model: "V1Pod" }),
  res({ group: "", version: "v1", kind: "Service", plural: "services", singular: "service", shortNames: ["svc"], namespaced: true, subresources: ["status"], categories: ["all"], model: "V1Service" }),
  res({ group: "", version: "v1", kind: "Endpoints", plural: "endpoints", singular: "endpoints", shortNames: ["ep"], namespaced: true, model: "V1Endpoints" }),
  res({ group: "", version: "v1", kind: "Node", plural: "nodes", singular: "node", shortNames: ["no"], namespaced: false, subresources: ["status"], model: "V1Node" }),
  res({ group: "", version: "v1", kind: "Namespace", plural: "namespaces", singular: "namespace", shortNames: ["ns"], namespaced: false, subresources: ["status"], model: "V1Namespace" }),
  res({ group: "", version: "v1", kind: "Event", plural: "events", singular: "event", shortNames: ["ev"], namespaced: true, model: "CoreV1Event" }),
  res({ group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", singular: "configmap", shortNames: ["cm"], namespaced: true, model: "V1ConfigMap" }),
  res({ group: "apps", version: "v1", kind: "Deployment", plural: "deployments", singular: "deployment", shortNames: ["deploy"], namespaced: true, subresources: ["status", "scale"], categories: ["all"], model: "V1Deployment" }),
  res({ group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", singular: "replicaset", shortNames: ["rs"], namespaced: true, subresources: ["status", "scale"], categories: ["all"], model: "V1ReplicaSet" }),
  res({ group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", singular: "lease", shortNames: [], namespaced: true, model: "V1Lease" }),
  res({ group: "", version: "v1", kind: "Secret", plural: "secrets", singular: "secret", shortNames: [], namespaced: true, model: "V1Secret" }),
  res({ group: "", version: "v1", kind: "ResourceQuota", plural: "resourcequotas", singular: "resourcequota", shortNames: ["quota"], namespaced: true, subresources: ["status"], model: "V1ResourceQuota" }),
  res({ group: "", version: "v1", kind: "LimitRange", plural: "limitranges", singular: "limitrange", shortNames: ["limits"], namespaced: true, model: "V1LimitRange" }),
  res({ group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", singular: "daemonset", shortNames: ["ds"], namespaced: true, subresources: ["status"], categories: ["all"], model: "V1DaemonSet" }),
  res({ group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", singular: "statefulset", shortNames: ["sts"], namespaced: true, subresources: ["status", "scale"], categories: ["all"], model: "V1StatefulSet" }),
  res({ group: "batch", version: "v1", kind: "Job", plural: "jobs", singular: "job", shortNames: [], namespaced: true, subresources: ["status"], categories: ["all"], model: "V1Job" }),
  res({ group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", singular: "cronjob", shortNames: ["cj"], namespaced: true, subresources: ["status"], categories: ["all"], model: "V1CronJob" }),
  res({ group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler", plural: "horizontalpodautoscalers", singular: "horizontalpodautoscaler", shortNames: ["hpa"], namespaced: true, subresources: ["status"], categories: ["all"], model: "V2HorizontalPodAutoscaler" }),
  res({ group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", singular: "role", shortNames: [], namespaced: true, model: "V1Role" }),
  res({ group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", singular: "rolebinding", shortNames: [], namespaced: true, model: "V1RoleBinding" }),
  res({ group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", singular: "clusterrole", shortNames: [], namespaced: false, model: "V1ClusterRole" }),
  res({ group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", singular: "clusterrolebinding", shortNames: [], namespaced: false, model: "V1ClusterRoleBinding" }),
  res({ group: "networking.k8s.io", version: "v1", kind: "Ingress", plural: "ingresses", singular: "ingress", shortNames: ["ing"], namespaced: true, subresources: ["status"], model: "V1Ingress" }),
  res({ group: "networking.k8s.io", version: "v1", kind: "IngressClass", plural: "ingressclasses", singular: "ingressclass", shortNames: [], namespaced: false, model: "V1IngressClass" }),
  res({ group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy", plural: "networkpolicies", singular: "networkpolicy", shortNames: ["netpol"], namespaced: true, model: "V1NetworkPolicy" }),
  res({ group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions", singular: "customresourcedefinition", shortNames: ["crd", "crds"], namespaced: false, subresources: ["status"], categories: ["api-extensions"], model: "V1CustomResourceDefinition" }),
  res({ group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingAdmissionPolicy", plural: "validatingadmissionpolicies", singular: "validatingadmissionpolicy", shortNames: [], namespaced: false, subresources: ["status"], categories: ["api-extensions"], model: "V1ValidatingAdmissionPolicy" }),
  res({ group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingAdmissionPolicyBinding", plural: "validatingadmissionpolicybindings", singular: "validatingadmissionpolicybinding", shortNames: [], namespaced: false, categories: ["api-extensions"], model: "V1ValidatingAdmissionPolicyBinding" }),
  // The core APIs a namespace is expected to have (issue 17).
  res({ group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", singular: "serviceaccount", shortNames: ["sa"], namespaced: true, subresources: ["token"], model: "V1ServiceAccount" }),
  res({ group: "", version: "v1", kind: "ReplicationController", plural: "replicationcontrollers", singular: "replicationcontroller", shortNames: ["rc"], namespaced: true, subresources: ["status", "scale"], categories: ["all"], model: "V1ReplicationController" }),
  res({ group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses", singular: "priorityclass", shortNames: ["pc"], namespaced: false, model: "V1PriorityClass" }),
  res({ group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", singular: "poddisruptionbudget", shortNames: ["pdb"], namespaced: true, subresources: ["status"], model: "V1PodDisruptionBudget" }),
  res({ group: "apiregistration.k8s.io", version: "v1", kind: "APIService", plural: "apiservices", singular: "apiservice", shortNames: [], namespaced: false, subresources: ["status"], categories: ["api-extensions"], model: "V1APIService" }),
  res({ group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices", singular: "endpointslice", shortNames: [], namespaced: true, model: "V1EndpointSlice" }),
  // Persistent storage (issue 21).
  res({ group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", singular: "persistentvolume", shortNames: ["pv"], namespaced: false, subresources: ["status"], model: "V1PersistentVolume" }),
  res({ group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", singular: "persistentvolumeclaim", shortNames: ["pvc"], namespaced: true, subresources: ["status"], model: "V1PersistentVolumeClaim" }),
  res({ group: "storage.k8s.io", version: "v1", kind: "StorageClass", plural: "storageclasses", singular: "storageclass", shortNames: ["sc"], namespaced: false, model: "V1StorageClass" }),
];

/**
 * Resources answered by a route of their own and never stored (access reviews;
 * later metrics). They are in discovery and in request attributes, so RBAC can
 * name them, but not in RESOURCES, so the store, registry, OpenAPI and CLI
 * listings never see them. The generic REST handler refuses them.
 */
export const VIRTUAL_RESOURCES: readonly ResourceInfo[] = [
  res({ group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectAccessReview", plural: "selfsubjectaccessreviews", singular: "", shortNames: [], namespaced: false, model: "V1SelfSubjectAccessReview", verbs: ["create"] }),
  res({ group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectRulesReview", plural: "selfsubjectrulesreviews", singular: "", shortNames: [], namespaced: false, model: "V1SelfSubjectRulesReview", verbs: ["create"] }),
  res({ group: "authorization.k8s.io", version: "v1", kind: "SubjectAccessReview", plural: "subjectaccessreviews", singular: "", shortNames: [], namespaced: false, model: "V1SubjectAccessReview", verbs: ["create"] }),
  // `kubectl auth whoami` (pkg/auth/self-subject-review.ts).
  res({ group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview", plural: "selfsubjectreviews", singular: "", shortNames: [], namespaced: false, model: "V1SelfSubjectReview", verbs: ["create"] }),
  res({ group: "authorization.k8s.io", version: "v1", kind: "LocalSubjectAccessReview", plural: "localsubjectaccessreviews", singular: "", shortNames: [], namespaced: true, model: "V1LocalSubjectAccessReview", verbs: ["create"] }),
  // The resource metrics API `kubectl top` reads (served by pkg/metrics/api.ts).
  res({ group: "metrics.k8s.io", version: "v1beta1", kind: "NodeMetrics", plural: "nodes", singular: "", shortNames: [], namespaced: false, model: "", verbs: ["get", "list"] }),
  res({ group: "metrics.k8s.io", version: "v1beta1", kind: "PodMetrics", plural: "pods", singular: "", shortNames: [], namespaced: true, model: "", verbs: ["get", "list"] }),
];

export function apiVersionOf(r: Pick<ResourceInfo, "group" | "version">): string {
  return r.group === "" ? r.version : `${r.group}/${r.version}`;
}

/** "pods" for core, "apps/deployments" otherwise: the stable store key prefix. */
export function resourceKey(r: Pick<ResourceInfo, "group" | "plural">): string {
  return r.group === "" ? r.plural : `${r.group}/${r.plural}`;
}

// Kinds served by CustomResourceDefinitions, by CRD name. Filled at run time by
// whoever watches CRDs (the API server's CRD controller, the controller manager),
// so every lookup below sees built-in and custom kinds alike.
const customByCrd = new Map<string, ResourceInfo[]>();
let customCache: ResourceInfo[] = [];

/** Serve (or re-serve with changes) the versions of one CRD's kind. Idempotent. */
export function registerCustomResources(crdName: string, infos: ResourceInfo[]): void {
  customByCrd.set(crdName, infos);
  customCache = [...customByCrd.values()].flat();
}

/** Stop serving one CRD's kind (it was deleted). Idempotent. */
export function unregisterCustomResources(crdName: string): void {
  if (customByCrd.delete(crdName)) customCache = [...customByCrd.values()].flat();
}

/** Every version of every custom kind currently served. */
export function customResources(): readonly ResourceInfo[] {
  return customCache;
}

/** Built-in and custom stored kinds: what discovery, namespace cleanup and listings iterate. */
export function storedResources(): readonly ResourceInfo[] {
  return customCache.length === 0 ? RESOURCES : [...RESOURCES, ...customCache];
}

export function byKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const match = (r: ResourceInfo) => r.kind === kind && apiVersionOf(r) === apiVersion;
  return RESOURCES.find(match) ?? customCache.find(match);
}

export function byGroupPlural(group: string, version: string, plural: string): ResourceInfo | undefined {
  const match = (r: ResourceInfo) => r.group === group && r.version === version && r.plural === plural;
  return RESOURCES.find(match) ?? VIRTUAL_RESOURCES.find(match) ?? customCache.find(match);
}

/**
 * Resolve what a user typed ("po", "pods", "pod", "deploy", "deployments.apps",
 * "Deployment") the way kubectl's RESTMapper does.
 */
export function resolveResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const [base, ...groupParts] = lower.split(".");
  const group = groupParts.join(".");
  return storedResources().find(
    (r) =>
      (group === "" || r.group === group) &&
      (r.plural === base || r.singular === base || r.kind.toLowerCase() === base || r.shortNames.includes(base)),
  );
}

/** Every served API group, virtual ones included (discovery). */
export function groups(): string[] {
  return [...new Set([...RESOURCES, ...VIRTUAL_RESOURCES, ...customCache].map((r) => r.group).filter((g) => g !== ""))];
}

/** The registry entry for a plural ("pods", "deployments"); throws on a typo. */
export function mustResource(plural: string): ResourceInfo {
  const r = RESOURCES.find((x) => x.plural === plural);
  if (!r) throw new Error(`unknown resource ${plural}`);
  return r;
}

/** Shorthands for the kinds components use most. */
export const R = {
  get pods() { return mustResource("pods"); },
  get services() { return mustResource("services"); },
  get endpoints() { return mustResource("endpoints"); },
  get nodes() { return mustResource("nodes"); },
  get namespaces() { return mustResource("namespaces"); },
  get events() { return mustResource("events"); },
  get configmaps() { return mustResource("configmaps"); },
  get deployments() { return mustResource("deployments"); },
  get replicasets() { return mustResource("replicasets"); },
  get leases() { return mustResource("leases"); },
  get secrets() { return mustResource("secrets"); },
  get resourcequotas() { return mustResource("resourcequotas"); },
  get limitranges() { return mustResource("limitranges"); },
  get daemonsets() { return mustResource("daemonsets"); },
  get statefulsets() { return mustResource("statefulsets"); },
  get jobs() { return mustResource("jobs"); },
  get cronjobs() { return mustResource("cronjobs"); },
  get horizontalpodautoscalers() { return mustResource("horizontalpodautoscalers"); },
  get roles() { return mustResource("roles"); },
  get rolebindings() { return mustResource("rolebindings"); },
  get clusterroles() { return mustResource("clusterroles"); },
  get clusterrolebindings() { return mustResource("clusterrolebindings"); },
  get ingresses() { return mustResource("ingresses"); },
  get ingressclasses() { return mustResource("ingressclasses"); },
  get networkpolicies() { return mustResource("networkpolicies"); },
  get serviceaccounts() { return mustResource("serviceaccounts"); },
  get replicationcontrollers() { return mustResource("replicationcontrollers"); },
  get priorityclasses() { return mustResource("priorityclasses"); },
  get poddisruptionbudgets() { return mustResource("poddisruptionbudgets"); },
  get apiservices() { return mustResource("apiservices"); },
  get endpointslices() { return mustResource("endpointslices"); },
  get persistentvolumes() { return mustResource("persistentvolumes"); },
  get persistentvolumeclaims() { return mustResource("persistentvolumeclaims"); },
  get storageclasses() { return mustResource("storageclasses"); },
};

/** "deployment.apps/web", as kubectl names objects in its output. */
export function displayRef(info: ResourceInfo, name: string): string {
  return `${info.singular}${info.group ? `.${info.group}` : ""}/${name}`;
}

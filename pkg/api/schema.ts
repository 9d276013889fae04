// Field schemas for every kind skiff serves, derived from @kubernetes/client-node's
// generated model classes (each has a static `attributeTypeMap`), so skiff's idea of
// "which fields exist" is exactly the Kubernetes types' and needs no hand-written
// copy. Used for strict field validation (fieldValidation=Strict), `explain`, and
// the OpenAPI v3 documents kubectl downloads.
//
// The models carry names and types but not what Kubernetes' OpenAPI adds on top:
// which string maps hold Quantities, list semantics for strategic merge patch,
// required fields, and the API group of each type. Those live in the tables below.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
// Runtime deep import: the model classes are the only place the schema exists at
// run time. Loading them costs ~150 ms once per process.
import * as generated from "@kubernetes/client-node/dist/gen/models/all.js";

export interface FieldSchema {
  kind: "object" | "array" | "map" | "string" | "integer" | "number" | "boolean" | "int-or-string" | "quantity" | "time" | "any";
  /** Model class name ("V1PodSpec") when kind is "object". */
  ref?: string;
  /** Element schema for "array" and value schema for "map". */
  items?: FieldSchema;
  description?: string;
  /** OpenAPI format: int32, int64, double, byte, date-time, date-time-micro. */
  format?: string;
  required?: boolean;
  /** Strategic-merge-patch metadata, as Kubernetes' OpenAPI marks it. */
  patchMergeKey?: string;
  patchStrategy?: string;
  listType?: "atomic" | "set" | "map";
  listMapKeys?: string[];
}

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface ModelClass {
  attributeTypeMap: AttributeType[];
}

// The one place the generated module is read untyped: a model is an exported
// class with a static attributeTypeMap array; anything else exported is not one.
const models: Record<string, unknown> = generated;

function modelClass(name: string): ModelClass | undefined {
  const c = Object.hasOwn(models, name) ? models[name] : undefined;
  if (typeof c !== "function" || !("attributeTypeMap" in c)) return undefined;
  const map: unknown = c.attributeTypeMap;
  return Array.isArray(map) ? { attributeTypeMap: map } : undefined;
}

export function isModel(name: string): boolean {
  return modelClass(name) !== undefined;
}

// ---------------------------------------------------------------------------
// What the generated models do not say.

/** String maps whose values are resource.Quantity in Kubernetes ("128Mi"). */
const QUANTITY_FIELDS = new Set([
  "V1ResourceRequirements.limits",
  "V1ResourceRequirements.requests",
  "V1VolumeResourceRequirements.limits",
  "V1VolumeResourceRequirements.requests",
  "V1PodSpec.overhead",
  "V1NodeStatus.allocatable",
  "V1NodeStatus.capacity",
  "V1ContainerStatus.allocatedResources",
  "V1EmptyDirVolumeSource.sizeLimit",
  "V1ResourceFieldSelector.divisor",
  "V1PersistentVolumeSpec.capacity",
  "V1PersistentVolumeClaimStatus.capacity",
  "V1PersistentVolumeClaimStatus.allocatedResources",
  "V1ResourceQuotaSpec.hard",
  "V1ResourceQuotaStatus.hard",
  "V1ResourceQuotaStatus.used",
  "V1LimitRangeItem.default",
  "V1LimitRangeItem.defaultRequest",
  "V1LimitRangeItem.max",
  "V1LimitRangeItem.min",
  "V1LimitRangeItem.maxLimitRequestRatio",
  "V1Overhead.podFixed",
]);

type ListSemantics = Pick<FieldSchema, "patchMergeKey" | "patchStrategy" | "listType" | "listMapKeys">;

const mergeMap = (key: string, mapKeys: string[] = [key], strategy = "merge"): ListSemantics => ({
  patchMergeKey: key,
  patchStrategy: strategy,
  listType: "map",
  listMapKeys: mapKeys,
});
const atomic: ListSemantics = { listType: "atomic" };

/** List semantics from the Kubernetes Go types' +patchMergeKey/+listType markers. */
const LIST_SEMANTICS: Record<string, ListSemantics> = {
  "V1PodSpec.containers": mergeMap("name"),
  "V1PodSpec.initContainers": mergeMap("name"),
  "V1PodSpec.ephemeralContainers": mergeMap("name"),
  "V1PodSpec.volumes": mergeMap("name", ["name"], "merge,retainKeys"),
  "V1PodSpec.imagePullSecrets": mergeMap("name"),
  "V1PodSpec.hostAliases": mergeMap("ip"),
  "V1PodSpec.tolerations": atomic,
  "V1PodSpec.readinessGates": atomic,
  "V1PodSpec.schedulingGates": mergeMap("name"),
  "V1PodSpec.resourceClaims": mergeMap("name", ["name"], "merge,retainKeys"),
  "V1PodSpec.topologySpreadConstraints": mergeMap("topologyKey", ["topologyKey", "whenUnsatisfiable"]),
  "V1Container.ports": mergeMap("containerPort", ["containerPort", "protocol"]),
  "V1Container.env": mergeMap("name"),
  "V1Container.envFrom": atomic,
  "V1Container.volumeMounts": mergeMap("mountPath"),
  "V1Container.volumeDevices": mergeMap("devicePath"),
  "V1Container.resizePolicy": atomic,
  "V1Container.command": atomic,
  "V1Container.args": atomic,
  "V1EphemeralContainer.ports": mergeMap("containerPort", ["containerPort", "protocol"]),
  "V1EphemeralContainer.env": mergeMap("name"),
  "V1EphemeralContainer.volumeMounts": mergeMap("mountPath"),
  "V1EphemeralContainer.volumeDevices": mergeMap("devicePath"),
  "V1ResourceRequirements.claims": { listType: "map", listMapKeys: ["name"] },
  "V1ObjectMeta.ownerReferences": mergeMap("uid"),
  "V1ObjectMeta.finalizers": { patchStrategy: "merge", listType: "set" },
  "V1ObjectMeta.managedFields": atomic,
  "V1LabelSelector.matchExpressions": atomic,
  "V1PodStatus.conditions": mergeMap("type"),
  "V1PodStatus.podIPs": mergeMap("ip"),
  "V1PodStatus.hostIPs": mergeMap("ip"),
  "V1PodStatus.containerStatuses": atomic,
  "V1PodStatus.initContainerStatuses": atomic,
  "V1PodStatus.ephemeralContainerStatuses": atomic,
  "V1DeploymentStatus.conditions": mergeMap("type"),
  "V1ReplicaSetStatus.conditions": mergeMap("type"),
  "V1NodeStatus.conditions": mergeMap("type"),
  "V1NodeStatus.addresses": mergeMap("type"),
  "V1NodeSpec.taints": atomic,
  "V1NodeSpec.podCIDRs": { patchStrategy: "merge", listType: "set" },
  "V1NamespaceStatus.conditions": mergeMap("type"),
  "V1ServiceSpec.ports": mergeMap("port", ["port", "protocol"]),
  "V1ServiceSpec.externalIPs": atomic,
  "V1ServiceSpec.clusterIPs": atomic,
  "V1ServiceSpec.ipFamilies": atomic,
  "V1ServiceStatus.conditions": mergeMap("type"),
  "V1LoadBalancerStatus.ingress": atomic,
  "V1Endpoints.subsets": atomic,
  "V1EndpointSubset.addresses": atomic,
  "V1EndpointSubset.notReadyAddresses": atomic,
  "V1EndpointSubset.ports": atomic,
  // networking.k8s.io/v1: every list is +listType=atomic.
  "V1IngressSpec.rules": atomic,
  "V1IngressSpec.tls": atomic,
  "V1IngressTLS.hosts": atomic,
  "V1HTTPIngressRuleValue.paths": atomic,
  "V1IngressLoadBalancerStatus.ingress": atomic,
  "V1NetworkPolicySpec.ingress": atomic,
  "V1NetworkPolicySpec.egress": atomic,
  "V1NetworkPolicySpec.policyTypes": atomic,
  "V1NetworkPolicyIngressRule.ports": atomic,
  "V1NetworkPolicyIngressRule.from": atomic,
  "V1NetworkPolicyEgressRule.ports": atomic,
  "V1NetworkPolicyEgressRule.to": atomic,
  "V1IPBlock.except": atomic,
};

/** Fields Kubernetes marks required (shown by explain, emitted in OpenAPI). */
const REQUIRED: Record<string, string[]> = {
  V1PodSpec: ["containers"],
  V1Container: ["name"],
  V1EphemeralContainer: ["name"],
  V1ContainerPort: ["containerPort"],
  V1EnvVar: ["name"],
  V1VolumeMount: ["name", "mountPath"],
  V1Volume: ["name"],
  V1KeyToPath: ["key", "path"],
  V1ConfigMapKeySelector: ["key"],
  V1SecretKeySelector: ["key"],
  V1ObjectFieldSelector: ["fieldPath"],
  V1ResourceFieldSelector: ["resource"],
  V1HTTPGetAction: ["port"],
  V1TCPSocketAction: ["port"],
  V1HTTPHeader: ["name", "value"],
  V1DeploymentSpec: ["selector", "template"],
  V1ReplicaSetSpec: ["selector"],
  V1ServicePort: ["port"],
  V1OwnerReference: ["apiVersion", "kind", "name", "uid"],
  V1LabelSelectorRequirement: ["key", "operator"],
  V1NodeSelector: ["nodeSelectorTerms"],
  V1NodeSelectorRequirement: ["key", "operator"],
  V1PodAffinityTerm: ["topologyKey"],
  V1WeightedPodAffinityTerm: ["weight", "podAffinityTerm"],
  V1PreferredSchedulingTerm: ["weight", "preference"],
  V1Taint: ["key", "effect"],
  V1TopologySpreadConstraint: ["maxSkew", "topologyKey", "whenUnsatisfiable"],
  V1PodCondition: ["type", "status"],
  V1NodeCondition: ["type", "status"],
  V1NodeAddress: ["type", "address"],
  V1DeploymentCondition: ["type", "status"],
  V1ReplicaSetCondition: ["type", "status"],
  V1NamespaceCondition: ["type", "status"],
  V1Condition: ["type", "status", "lastTransitionTime", "reason", "message"],
  V1ContainerStatus: ["name", "ready", "restartCount", "image", "imageID"],
  V1ReplicaSetStatus: ["replicas"],
  V1EndpointAddress: ["ip"],
  V1EndpointPort: ["port"],
  CoreV1EndpointPort: ["port"],
  CoreV1Event: ["metadata", "involvedObject"],
  V1HTTPIngressRuleValue: ["paths"],
  V1HTTPIngressPath: ["pathType", "backend"],
  V1IngressServiceBackend: ["name"],
  V1IngressClassParametersReference: ["kind", "name"],
  V1IPBlock: ["cidr"],
};

/** Descriptions for fields whose generated comment was dropped (the ref-typed ones). */
const FIELD_DESCRIPTIONS: Record<string, string> = {
  metadata: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  spec: "Specification of the desired behavior of the object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
  status: "Most recently observed status of the object. Populated by the system. Read-only. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status",
};

// ---------------------------------------------------------------------------
// Model class name ⇄ Kubernetes schema name.

const META_TYPES = new Set([
  "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference",
  "ManagedFieldsEntry", "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions",
  "Condition", "APIResource", "APIResourceList", "APIGroup", "APIGroupList", "APIVersions",
  "GroupVersionForDiscovery", "ServerAddressByClientCIDR", "WatchEvent", "MicroTime", "Time",
  "Patch", "FieldsV1",
]);
const APPS_TYPES = /^(Deployment|ReplicaSet|DaemonSet|StatefulSet|ControllerRevision|RollingUpdate)/;
const BATCH_TYPES = /^(Job|CronJob|PodFailurePolicy|SuccessPolicy|UncountedTerminatedPods)/;
const RBAC_TYPES = /^(Role|ClusterRole|RoleBinding|ClusterRoleBinding|PolicyRule|RoleRef|AggregationRule)/;
const NETWORKING_TYPES = /^(Ingress|HTTPIngress|NetworkPolicy|IPBlock|ServiceBackendPort)/;
/** Groups whose types client-node names without a group prefix (V1PriorityClass…). */
const GROUP_TYPES: Array<[RegExp, string]> = [
  [/^PriorityClass(List)?$/, "io.k8s.api.scheduling.v1"],
  [/^StorageClass(List)?$/, "io.k8s.api.storage.v1"],
  [/^(PodDisruptionBudget|Eviction)/, "io.k8s.api.policy.v1"],
  [/^APIService/, "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1"],
  [/^(EndpointSlice|Endpoint|EndpointConditions|EndpointHints|ForZone)(List)?$/, "io.k8s.api.discovery.v1"],
  [/^(TokenRequest|SelfSubjectReview|UserInfo|BoundObjectReference)/, "io.k8s.api.authentication.v1"],
];

/**
 * "V1PodSpec" → "io.k8s.api.core.v1.PodSpec", "V1ObjectMeta" →
 * "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "CoreV1Event" → "io.k8s.api.core.v1.Event".
 */
export function schemaName(model: string): string {
  const core = /^CoreV1(\w+)$/.exec(model);
  if (core) return `io.k8s.api.core.v1.${core[1]}`;
  const rbacSubject = /^RbacV1(\w+)$/.exec(model);
  if (rbacSubject) return `io.k8s.api.rbac.v1.${rbacSubject[1]}`;
  const prefixed = /^(Discovery|Apiregistration|Authentication)V1(\w+)$/.exec(model);
  if (prefixed) {
    const pkg = { Discovery: "io.k8s.api.discovery.v1", Apiregistration: "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1", Authentication: "io.k8s.api.authentication.v1" }[prefixed[1]];
    return `${pkg}.${prefixed[2]}`;
  }
  const m = /^(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(model);
  if (!m) return `io.k8s.api.core.v1.${model}`;
  const version = m[1].toLowerCase();
  const type = m[2];
  if (version === "v1" && META_TYPES.has(type)) return `io.k8s.apimachinery.pkg.apis.meta.v1.${type}`;
  if (version === "v1" && APPS_TYPES.test(type)) return `io.k8s.api.apps.v1.${type}`;
  if (version === "v1" && /^Lease(List|Spec)?$/.test(type)) return `io.k8s.api.coordination.v1.${type}`;
  if (version === "v1" && /^Scale(Spec|Status)?$/.test(type)) return `io.k8s.api.autoscaling.v1.${type}`;
  if (version === "v1" && BATCH_TYPES.test(type)) return `io.k8s.api.batch.v1.${type}`;
  if (version === "v1" && RBAC_TYPES.test(type)) return `io.k8s.api.rbac.v1.${type}`;
  if (version === "v1" && NETWORKING_TYPES.test(type)) return `io.k8s.api.networking.v1.${type}`;
  if (version === "v2") return `io.k8s.api.autoscaling.v2.${type}`;
  if (version === "v1") {
    const g = GROUP_TYPES.find(([re]) => re.test(type));
    if (g) return `${g[1]}.${type}`;
  }
  return `io.k8s.api.core.${version}.${type}`;
}

/** The last segment of the schema name ("PodSpec"), as `kubectl explain` shows types. */
export function shortTypeName(model: string): string {
  const full = schemaName(model);
  return full.slice(full.lastIndexOf(".") + 1);
}

// ---------------------------------------------------------------------------
// Building field schemas (structure only; cached per model).

const structureCache = new Map<string, Map<string, FieldSchema>>();

function parseType(type: string, format: string, quantity: boolean): FieldSchema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { kind: "array", items: parseType(array[1], "", quantity) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { kind: "map", items: parseType(map[1], "", quantity) };
  switch (type) {
    case "string":
      if (quantity) return { kind: "quantity" };
      return format ? { kind: "string", format } : { kind: "string" };
    case "number":
      return format.startsWith("int")
        ? { kind: "integer", format }
        : { kind: "number", format: format || "double" };
    case "boolean":
      return { kind: "boolean" };
    case "Date":
      return { kind: "time", format: "date-time" };
    case "V1MicroTime":
      return { kind: "time", format: "date-time-micro" };
    case "IntOrString":
      return { kind: "int-or-string", format: "int-or-string" };
    case "any":
      return { kind: "any" };
    default:
      if (modelClass(type)) return { kind: "object", ref: type };
      // A type the generator names but does not define: accept anything rather than
      // reject valid objects.
      return { kind: "any" };
  }
}

function structure(model: string): Map<string, FieldSchema> {
  const cached = structureCache.get(model);
  if (cached) return cached;
  const cls = modelClass(model);
  if (!cls) throw new Error(`schema: unknown model ${model}`);
  const required = new Set(REQUIRED[model] ?? []);
  const fields = new Map<string, FieldSchema>();
  for (const attr of cls.attributeTypeMap) {
    const key = `${model}.${attr.baseName}`;
    const field = parseType(attr.type, attr.format, QUANTITY_FIELDS.has(key));
    Object.assign(field, LIST_SEMANTICS[key]);
    if (required.has(attr.baseName)) field.required = true;
    fields.set(attr.baseName, field);
  }
  structureCache.set(model, fields);
  return fields;
}

// ---------------------------------------------------------------------------
// Descriptions, read lazily from the generated .d.ts comments (the only place the
// Kubernetes field documentation survives in client-node). Missing files just mean
// no descriptions.

interface ModelDocs {
  model?: string;
  /** By TypeScript property name (which can differ from the wire name). */
  fields: Map<string, string>;
}

const docsCache = new Map<string, ModelDocs>();
let modelsDir: string | undefined | null = null;

function generatedModelsDir(): string | undefined {
  if (modelsDir === null) {
    try {
      const req = createRequire(import.meta.url);
      modelsDir = dirname(req.resolve("@kubernetes/client-node/dist/gen/models/all.js"));
    } catch {
      modelsDir = undefined;
    }
  }
  return modelsDir;
}

function cleanComment(body: string): string {
  return body
    .split("\n")
    .map((l) => l.replace(/^\s*\*\s?/, "").trimEnd())
    .join("\n")
    .trim()
    .replace(/\\"/g, '"');
}

function modelDocs(model: string): ModelDocs {
  const cached = docsCache.get(model);
  if (cached) return cached;
  const docs: ModelDocs = { fields: new Map() };
  const dir = generatedModelsDir();
  if (dir) {
    try {
      const text = readFileSync(join(dir, `${model}.d.ts`), "utf8");
      const cls = /\/\*\*\n((?:(?!\*\/)[\s\S])*?)\*\/\s*\nexport declare class/.exec(text);
      if (cls) docs.model = cleanComment(cls[1]);
      const field = /\/\*\*\n((?:(?!\*\/)[\s\S])*?)\*\/\s*\n\s*'([^']+)'\??:/g;
      for (const m of text.matchAll(field)) docs.fields.set(m[2], cleanComment(m[1]));
    } catch {
      // No declaration file: schemas simply go without descriptions.
    }
  }
  docsCache.set(model, docs);
  return docs;
}

/** The Kubernetes description of a model type, if the package ships it. */
export function modelDescription(model: string): string | undefined {
  return modelDocs(model).model;
}

const schemaCache = new Map<string, Record<string, FieldSchema>>();

/**
 * Fields of one model by wire name, with descriptions. Throws for a model name
 * client-node does not define. The result is cached and shared: do not mutate it.
 */
export function modelSchema(model: string): Record<string, FieldSchema> {
  const cached = schemaCache.get(model);
  if (cached) return cached;
  const fields = structure(model);
  const docs = modelDocs(model);
  const tsNames = new Map(modelClass(model)!.attributeTypeMap.map((a) => [a.baseName, a.name]));
  const out: Record<string, FieldSchema> = {};
  for (const [name, field] of fields) {
    // No fallback to the referenced type's description: OpenAPI consumers (kubectl
    // explain) print that one themselves after the field's.
    const description = docs.fields.get(tsNames.get(name) ?? name) ?? FIELD_DESCRIPTIONS[name];
    out[name] = description ? { ...field, description } : field;
  }
  schemaCache.set(model, out);
  return out;
}

/** Every model reachable from the given ones through object, array and map fields. */
export function reachableModels(roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const visit = (model: string): void => {
    if (seen.has(model)) return;
    seen.add(model);
    for (const f of structure(model).values()) {
      let cur: FieldSchema | undefined = f;
      while (cur && (cur.kind === "array" || cur.kind === "map")) cur = cur.items;
      if (cur?.kind === "object" && cur.ref) visit(cur.ref);
    }
  };
  for (const r of roots) visit(r);
  return [...seen];
}

// ---------------------------------------------------------------------------
// Strict field checking.

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function joinPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Paths of every field in `obj` that the model does not define, the way the API
 * server reports them for fieldValidation=Strict:
 * `spec.template.spec.containers[0].imagePullPolcy`. Map keys are free-form and
 * never reported, but map values that are objects are checked
 * (`spec.selector.matchLabels` is a map of strings, so nothing under it is unknown).
 * A top-level `status` is accepted even on kinds without one (clients round-trip
 * whole objects). Values of the wrong JSON type are not this function's business.
 */
export function findUnknownFields(obj: unknown, model: string, path = ""): string[] {
  const out: string[] = [];
  walkObject(obj, model, path, out);
  return out;
}

function walkObject(value: unknown, model: string, path: string, out: string[]): void {
  if (!isPlainObject(value)) return;
  const fields = structure(model);
  const topLevelKind = fields.has("apiVersion") && fields.has("kind") && fields.has("metadata");
  for (const [key, v] of Object.entries(value)) {
    const p = joinPath(path, key);
    const field = fields.get(key);
    if (field) walkValue(v, field, p, out);
    else if (!(topLevelKind && key === "status")) out.push(p);
  }
}

function walkValue(value: unknown, field: FieldSchema, path: string, out: string[]): void {
  switch (field.kind) {
    case "object":
      if (field.ref) walkObject(value, field.ref, path, out);
      return;
    case "array":
      if (Array.isArray(value) && field.items) {
        value.forEach((v, i) => walkValue(v, field.items!, `${path}[${i}]`, out));
      }
      return;
    case "map":
      if (isPlainObject(value) && field.items) {
        for (const [k, v] of Object.entries(value)) walkValue(v, field.items, joinPath(path, k), out);
      }
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------
// Explain.

/** How `kubectl explain` prints a field's type: `[]Container`, `map[string]Quantity`. */
export function typeName(field: FieldSchema): string {
  switch (field.kind) {
    case "object":
      return field.ref ? shortTypeName(field.ref) : "Object";
    case "array":
      return `[]${field.items ? typeName(field.items) : "Object"}`;
    case "map":
      return `map[string]${field.items ? typeName(field.items) : "Object"}`;
    case "int-or-string":
      return "IntOrString";
    case "quantity":
      return "Quantity";
    case "time":
      return field.format === "date-time-micro" ? "MicroTime" : "Time";
    case "any":
      return "Object";
    default:
      return field.kind;
  }
}

export interface ExplainField {
  name: string;
  type: string;
  description?: string;
  required?: boolean;
}

export interface ExplainResult {
  /** The dotted path explained ("spec.strategy"); "" for the kind itself. */
  path: string;
  type: string;
  description?: string;
  /** Sub-fields when the type is (a list or map of) an object; otherwise empty. */
  fields: ExplainField[];
}

/**
 * Describe the field at `dotted` ("spec.template.spec.containers.ports") of a
 * model, stepping through lists and maps as `kubectl explain` does. The caller
 * strips the resource name (`deployment.spec.strategy` → model V1Deployment,
 * dotted "spec.strategy"). Undefined when a segment does not exist.
 */
export function explainPath(model: string, dotted: string): ExplainResult | undefined {
  if (!isModel(model)) return undefined;
  const segments = dotted.split(".").filter((s) => s !== "");
  let field: FieldSchema = { kind: "object", ref: model, description: modelDescription(model) };
  for (const seg of segments) {
    const element = elementOf(field);
    if (element.kind !== "object" || !element.ref) return undefined;
    const schema = modelSchema(element.ref);
    if (!Object.hasOwn(schema, seg)) return undefined;
    field = schema[seg];
  }
  const element = elementOf(field);
  const fields =
    element.kind === "object" && element.ref
      ? Object.entries(modelSchema(element.ref))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, f]) => ({
            name,
            type: typeName(f),
            ...(f.description ? { description: f.description } : {}),
            ...(f.required ? { required: true } : {}),
          }))
      : [];
  const description = field.description ?? (element.ref ? modelDescription(element.ref) : undefined);
  return { path: segments.join("."), type: typeName(field), ...(description ? { description } : {}), fields };
}

function elementOf(field: FieldSchema): FieldSchema {
  let cur = field;
  while ((cur.kind === "array" || cur.kind === "map") && cur.items) cur = cur.items;
  return cur;
}

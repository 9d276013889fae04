// apiextensions.k8s.io/v1 wire shapes (as JSON spells them: "default",
// "x-kubernetes-…", which client-node's model classes rename) and the mapping
// from a CustomResourceDefinition to the ResourceInfo entries it serves. Pure,
// so the API server and the controller manager derive the same kinds.
import type { KubeObject } from "./types.js";
import type { CustomResourceExtras, ResourceInfo } from "./kinds.js";

export interface JSONSchemaProps {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: string;
}

export interface CustomResourceColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface CustomResourceVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: {
    status?: Record<string, never>;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: CustomResourceColumn[];
}

export interface CustomResourceNames {
  plural: string;
  singular?: string;
  kind: string;
  listKind?: string;
  shortNames?: string[];
  categories?: string[];
}

export interface CustomResourceDefinitionSpec {
  group: string;
  scope: "Namespaced" | "Cluster";
  names: CustomResourceNames;
  versions: CustomResourceVersion[];
  conversion?: { strategy: "None" | "Webhook" };
  preserveUnknownFields?: boolean;
}

export interface CustomResourceDefinitionCondition {
  type: "Established" | "NamesAccepted" | "Terminating" | "NonStructuralSchema" | "KubernetesAPIApprovalPolicyConformant";
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface CustomResourceDefinition extends KubeObject {
  spec: CustomResourceDefinitionSpec;
  status?: {
    conditions?: CustomResourceDefinitionCondition[];
    acceptedNames?: CustomResourceNames;
    storedVersions?: string[];
  };
}

/** Finalizer that keeps a deleted CRD until its objects are gone (as in Kubernetes). */
export const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

/**
 * Kubernetes' version priority: GA before beta before alpha, higher numbers
 * first, then versions that do not look like Kubernetes versions, by name.
 */
export function compareVersionPriority(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 0, major: 0, minor: 0 };
    const rank = m[2] === undefined ? 3 : m[2] === "beta" ? 2 : 1;
    return { rank, major: Number(m[1]), minor: m[3] ? Number(m[3]) : 0 };
  };
  const pa = parse(a);
  const pb = parse(b);
  if (pa.rank !== pb.rank) return pb.rank - pa.rank;
  if (pa.rank === 0) return a < b ? -1 : a > b ? 1 : 0;
  if (pa.major !== pb.major) return pb.major - pa.major;
  return pb.minor - pa.minor;
}

/** The storage version's schema, which every served version stores under. */
export function storageVersionOf(crd: CustomResourceDefinition): CustomResourceVersion | undefined {
  return crd.spec.versions.find((v) => v.storage);
}

/**
 * One ResourceInfo per served version, highest priority first (so a bare
 * "crontabs" resolves to the preferred version, as kubectl's RESTMapper does).
 */
export function customResourceInfos(crd: CustomResourceDefinition): ResourceInfo[] {
  const { group, names, scope } = crd.spec;
  const storage = storageVersionOf(crd)?.name ?? crd.spec.versions[0]?.name ?? "";
  return crd.spec.versions
    .filter((v) => v.served)
    .sort((a, b) => compareVersionPriority(a.name, b.name))
    .map((v) => {
      const subresources: ResourceInfo["subresources"] = [];
      if (v.subresources?.status) subresources.push("status");
      if (v.subresources?.scale) subresources.push("scale");
      const custom: CustomResourceExtras = {
        crd: crd.metadata.name ?? "",
        storageVersion: storage,
        printerColumns: v.additionalPrinterColumns ?? [],
        ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
        ...(crd.metadata.deletionTimestamp ? { terminating: true } : {}),
        ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
      };
      return {
        group,
        version: v.name,
        kind: names.kind,
        plural: names.plural,
        singular: names.singular || names.kind.toLowerCase(),
        shortNames: names.shortNames ?? [],
        namespaced: scope === "Namespaced",
        subresources,
        categories: names.categories ?? [],
        model: "",
        custom,
      };
    });
}

/** The served version's schema, or undefined when it has none (anything goes). */
export function schemaFor(crd: CustomResourceDefinition, version: string): JSONSchemaProps | undefined {
  return crd.spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
}

/** True when a condition of this type is "True". */
export function crdCondition(crd: CustomResourceDefinition, type: CustomResourceDefinitionCondition["type"]): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");
}

/** The value at a simple JSON path (".spec.replicas"), as scale subresource paths are written. */
export function valueAtPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split(".").filter(Boolean)) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A custom object's scale as its CRD's scale subresource declares it (replicas and selector string). */
export function customScaleOf(obj: unknown, paths: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string }): { spec: number; status: number; selector: string } {
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  const sel = paths.labelSelectorPath ? valueAtPath(obj, paths.labelSelectorPath) : undefined;
  return { spec: num(valueAtPath(obj, paths.specReplicasPath)), status: num(valueAtPath(obj, paths.statusReplicasPath)), selector: typeof sel === "string" ? sel : "" };
}

// Object shapes. skiff reuses the @kubernetes/client-node model types (type-only
// imports, so nothing of the client library loads at run time) and adds the one
// generic shape every layer can handle without knowing the kind.
import type {
  V1ObjectMeta,
  V1Pod,
  V1Deployment,
  V1ReplicaSet,
  V1Service,
  V1Endpoints,
  V1Node,
  V1Namespace,
  CoreV1Event,
  V1ConfigMap,
  V1Lease,
  V1OwnerReference,
  V1LabelSelector,
  V1PodTemplateSpec,
  V1Container,
  V1ResourceRequirements,
  V1Ingress,
  V1IngressClass,
  V1NetworkPolicy,
  V1Taint,
  V1Toleration,
  V1PodSpec,
  V1Secret,
} from "@kubernetes/client-node";

export type {
  V1ObjectMeta,
  V1Pod,
  V1Deployment,
  V1ReplicaSet,
  V1Service,
  V1Endpoints,
  V1Node,
  V1Namespace,
  CoreV1Event,
  V1ConfigMap,
  V1Lease,
  V1OwnerReference,
  V1LabelSelector,
  V1PodTemplateSpec,
  V1Container,
  V1ResourceRequirements,
  V1Ingress,
  V1IngressClass,
  V1NetworkPolicy,
  V1Taint,
  V1Toleration,
  V1PodSpec,
  V1Secret,
};

/** Metadata as it travels on the wire (timestamps are RFC 3339 strings, not Dates). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: V1OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [extra: string]: unknown;
}

/** Any API object: apiVersion/kind/metadata plus kind-specific fields. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

/**
 * A client-node model as it travels on the wire: its kind-specific fields, with
 * KubeObject's required apiVersion/kind and string-timestamped metadata in place
 * of the model's Date ones. What client.get/list hand back for a known kind.
 */
export type Wire<Model> = Omit<Model, "apiVersion" | "kind" | "metadata"> & KubeObject;

export type ConfigMap = Wire<V1ConfigMap>;
export type Secret = Wire<V1Secret>;
export type Event = Wire<CoreV1Event>;

/** What a container or volume reads from a ConfigMap: both a wire object and a client-node model fit. */
export type ConfigMapData = Pick<V1ConfigMap, "data" | "binaryData">;
/** What a container or volume reads from a Secret. */
export type SecretData = Pick<V1Secret, "data">;

/** A list as the API returns it. */
export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** Narrow a KubeObject to a client-node model type once its kind is known. */
export function as<T>(obj: KubeObject): T {
  return obj as unknown as T;
}

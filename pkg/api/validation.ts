// Validation of API objects as the API server runs it after defaulting: every
// problem is reported (never just the first) as a FieldError with a Kubernetes
// field path, so `skiff apply` and kubectl can show them all at once. The rules
// themselves live in ./validation/, one file per area.
import type { FieldError } from "./errors.js";
import { byKind } from "./kinds.js";
import type { KubeObject } from "./types.js";
import { invalid, isRec, required } from "./validation/field.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./validation/meta.js";
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, type NameValidator } from "./validation/names.js";
import { validatePodSpec } from "./validation/pod.js";
import { validateService } from "./validation/service.js";
import { validateDeployment, validateReplicaSet } from "./validation/workloads.js";
import { validateCronJob, validateJob } from "./validation/batch.js";
import { validateLimitRange, validateResourceQuota } from "./validation/policy.js";
import { validateHorizontalPodAutoscaler } from "./validation/autoscaling.js";
import { validateDaemonSet, validateStatefulSet } from "./validation/sets.js";
import { validateSecret } from "./validation/secret.js";
import { validateIngress, validateIngressClass, validateNetworkPolicy } from "./validation/networking.js";
import { nameIsPathSegment, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from "./validation/rbac.js";
import { validateServiceAccount } from "./validation/service-account.js";
import { validateReplicationController } from "./validation/replication-controller.js";
import { validatePriorityClass } from "./validation/scheduling.js";
import { validatePodDisruptionBudget } from "./validation/disruption.js";
import { validateAPIService } from "./validation/apiregistration.js";
import { validateEndpointSlice } from "./validation/discovery.js";
import { validatePersistentVolume, validatePersistentVolumeClaim, validateStorageClass } from "./validation/storage.js";
import {
  validateConfigMap,
  validateEndpoints,
  validateEvent,
  validateLease,
  validateNamespace,
  validateNode,
} from "./validation/core-kinds.js";

export {
  validateObjectMeta,
  validateObjectMetaUpdate,
  validateLabels,
  validateAnnotations,
  validateLabelSelectorObject,
  selectorMatchesLabels,
} from "./validation/meta.js";
export {
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1035Label,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  dns1035LabelErrors,
  qualifiedNameErrors,
  labelValueErrors,
  portNameErrors,
  type NameValidator,
} from "./validation/names.js";
export { validatePodSpec } from "./validation/pod.js";
export { validateResources } from "./validation/container.js";

export interface ValidateOptions {
  isUpdate?: boolean;
  /** The stored object an update replaces; immutability checks compare against it. */
  old?: KubeObject;
}

/** Name syntax per kind, as Kubernetes' ValidateXName functions choose it. */
const NAME_RULES: Record<string, NameValidator> = {
  // Service names become DNS labels (`svc.ns.svc.cluster.local`) and env var prefixes.
  Service: nameIsDNS1035Label,
  Namespace: nameIsDNSLabel,
  // RBAC names are path segments ("system:node"), as in Kubernetes.
  Role: nameIsPathSegment,
  ClusterRole: nameIsPathSegment,
  RoleBinding: nameIsPathSegment,
  ClusterRoleBinding: nameIsPathSegment,
  // `version.group` ("v1.apps"); the kind rule checks it matches the spec.
  APIService: nameIsPathSegment,
};

type KindValidator = (obj: KubeObject, ctx: { old?: KubeObject }) => FieldError[];

const KIND_RULES: Record<string, KindValidator> = {
  Pod: (obj) => validatePod(obj),
  Deployment: validateDeployment,
  ReplicaSet: validateReplicaSet,
  Service: validateService,
  Namespace: validateNamespace,
  Node: validateNode,
  ConfigMap: validateConfigMap,
  Lease: validateLease,
  Event: validateEvent,
  Endpoints: validateEndpoints,
  Job: validateJob,
  CronJob: validateCronJob,
  ResourceQuota: validateResourceQuota,
  LimitRange: validateLimitRange,
  HorizontalPodAutoscaler: validateHorizontalPodAutoscaler,
  DaemonSet: validateDaemonSet,
  StatefulSet: validateStatefulSet,
  Secret: validateSecret,
  Role: validateRole,
  ClusterRole: validateClusterRole,
  RoleBinding: validateRoleBinding,
  ClusterRoleBinding: validateClusterRoleBinding,
  Ingress: validateIngress,
  IngressClass: validateIngressClass,
  NetworkPolicy: validateNetworkPolicy,
  ServiceAccount: validateServiceAccount,
  ReplicationController: validateReplicationController,
  PriorityClass: validatePriorityClass,
  PodDisruptionBudget: validatePodDisruptionBudget,
  APIService: validateAPIService,
  EndpointSlice: validateEndpointSlice,
  PersistentVolume: validatePersistentVolume,
  PersistentVolumeClaim: validatePersistentVolumeClaim,
  StorageClass: validateStorageClass,
};

function validatePod(obj: KubeObject): FieldError[] {
  return validatePodSpec(obj.spec, "spec");
}

/**
 * Every problem with `obj`, or [] when it is valid. Pure: reads `obj` (and
 * `opts.old`) and changes neither. Objects of a kind skiff does not serve get a
 * single error on `kind`.
 */
export function validateObject(obj: KubeObject, opts: ValidateOptions = {}): FieldError[] {
  if (!isRec(obj)) return [invalid("object", obj, "must be an object")];
  const errs: FieldError[] = [];
  if (typeof obj.apiVersion !== "string" || obj.apiVersion === "") errs.push(required("apiVersion"));
  if (typeof obj.kind !== "string" || obj.kind === "") errs.push(required("kind"));
  if (errs.length > 0) return errs;

  const info = byKind(obj.apiVersion, obj.kind);
  if (!info) return [invalid("kind", obj.kind, `no kind "${obj.kind}" is registered for version "${obj.apiVersion}"`)];

  errs.push(...validateObjectMeta(obj.metadata, info.namespaced, "metadata", NAME_RULES[info.kind] ?? nameIsDNSSubdomain));
  const old = opts.isUpdate || opts.old ? opts.old : undefined;
  if (old) errs.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  const rule = KIND_RULES[info.kind];
  if (rule) errs.push(...rule(obj, { old }));
  return errs;
}

// Defaulting, as the Kubernetes API server applies it before validation
// (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go). Only fields the
// user left unset are filled, so applying defaults twice changes nothing the
// second time. "Unset" follows Go: a missing field, null, and for plain (non
// pointer) fields also "" or 0, since Go cannot tell those from missing.
import type { KubeObject } from "./types.js";
import { defaultPodSpec, defaultRequestsFromLimits, ensureRec, isRec, recs, setIfNil, setIfZero, type Rec } from "./defaults/pod-spec.js";
import { defaultCronJob, defaultJob } from "./defaults/batch.js";
import { defaultLimitRange } from "./defaults/policy.js";
import { defaultHorizontalPodAutoscaler } from "./defaults/autoscaling.js";
import { defaultSecret } from "./defaults/secret.js";
import { defaultDaemonSet, defaultStatefulSet } from "./defaults/sets.js";
import { defaultIngressClass, defaultNetworkPolicy } from "./defaults/networking.js";

export { defaultPodSpec, imageTag } from "./defaults/pod-spec.js";

/**
 * Fill unset fields of `obj` in place and return it. Idempotent. Kinds without
 * defaults are returned untouched. metadata.namespace is left to the API server,
 * which knows the request's namespace.
 */
export function applyDefaults(obj: KubeObject): KubeObject {
  if (!isRec(obj)) return obj;
  switch (obj.kind) {
    case "Pod":
      defaultPod(obj);
      break;
    case "Deployment":
      defaultDeployment(obj);
      break;
    case "ReplicaSet":
      defaultReplicaSet(obj);
      break;
    case "ReplicationController":
      defaultReplicationController(obj);
      break;
    case "PriorityClass":
      setIfZero(obj, "preemptionPolicy", "PreemptLowerPriority");
      break;
    case "PersistentVolume": {
      // SetDefaults_PersistentVolume: a hand-made volume is kept when its claim goes.
      const spec = ensureRec(obj, "spec");
      if (spec) {
        setIfZero(spec, "persistentVolumeReclaimPolicy", "Retain");
        setIfNil(spec, "volumeMode", "Filesystem");
      }
      break;
    }
    case "PersistentVolumeClaim": {
      const spec = ensureRec(obj, "spec");
      if (spec) setIfNil(spec, "volumeMode", "Filesystem");
      break;
    }
    case "StorageClass":
      // SetDefaults_StorageClass: provisioned volumes are deleted with their claim; bind at once.
      setIfNil(obj, "reclaimPolicy", "Delete");
      setIfNil(obj, "volumeBindingMode", "Immediate");
      break;
    case "EndpointSlice":
      for (const p of recs(obj.ports)) setIfZero(p, "protocol", "TCP");
      break;
    case "Service":
      defaultService(obj);
      break;
    case "Endpoints":
      for (const subset of recs(obj.subsets)) for (const p of recs(subset.ports)) setIfZero(p, "protocol", "TCP");
      break;
    case "Namespace":
      defaultNamespace(obj);
      break;
    case "Node":
      defaultNode(obj);
      break;
    case "LimitRange":
      defaultLimitRange(obj);
      break;
    case "HorizontalPodAutoscaler":
      defaultHorizontalPodAutoscaler(obj);
      break;
    case "DaemonSet":
      defaultDaemonSet(obj);
      break;
    case "StatefulSet":
      defaultStatefulSet(obj);
      break;
    case "Secret":
      defaultSecret(obj);
      break;
    case "Job":
      defaultJob(obj);
      break;
    case "CronJob":
      defaultCronJob(obj);
      break;
    case "NetworkPolicy":
      defaultNetworkPolicy(obj);
      break;
    case "IngressClass":
      defaultIngressClass(obj);
      break;
  }
  return obj;
}

function defaultPod(pod: KubeObject): void {
  const spec = ensureRec(pod, "spec");
  if (!spec) return;
  defaultPodSpec(spec);
  // SetDefaults_Pod (not PodSpec): only real pods, not templates, get requests
  // copied from limits; the pods a template stamps out get it when created.
  for (const c of [...recs(spec.initContainers), ...recs(spec.containers)]) defaultRequestsFromLimits(c);
}

/** Container and pod-spec defaults inside spec.template.spec. */
function defaultTemplate(spec: Rec): void {
  const template = spec.template;
  if (!isRec(template)) return;
  const podSpec = ensureRec(template, "spec");
  if (podSpec) defaultPodSpec(podSpec);
}

function defaultReplicaSet(rs: KubeObject): void {
  const spec = ensureRec(rs, "spec");
  if (!spec) return;
  setIfNil(spec, "replicas", 1);
  defaultTemplate(spec);
}

/** SetDefaults_ReplicationController: an unset selector or set of labels is the template's labels. */
function defaultReplicationController(rc: KubeObject): void {
  const spec = ensureRec(rc, "spec");
  if (!spec) return;
  const template = isRec(spec.template) ? spec.template : undefined;
  const labels = template && isRec(template.metadata) && isRec(template.metadata.labels) ? template.metadata.labels : undefined;
  if (labels && Object.keys(labels).length > 0) {
    if (!isRec(spec.selector) || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    if (isRec(rc.metadata) && (!isRec(rc.metadata.labels) || Object.keys(rc.metadata.labels).length === 0)) rc.metadata.labels = { ...labels } as Record<string, string>;
  }
  setIfNil(spec, "replicas", 1);
  defaultTemplate(spec);
}

function defaultDeployment(d: KubeObject): void {
  const spec = ensureRec(d, "spec");
  if (!spec) return;
  setIfNil(spec, "replicas", 1);
  const strategy = ensureRec(spec, "strategy");
  if (strategy) {
    setIfZero(strategy, "type", "RollingUpdate");
    if (strategy.type === "RollingUpdate") {
      const ru = ensureRec(strategy, "rollingUpdate");
      if (ru) {
        setIfNil(ru, "maxUnavailable", "25%");
        setIfNil(ru, "maxSurge", "25%");
      }
    }
  }
  setIfNil(spec, "revisionHistoryLimit", 10);
  setIfNil(spec, "progressDeadlineSeconds", 600);
  defaultTemplate(spec);
}

function defaultService(svc: KubeObject): void {
  const spec = ensureRec(svc, "spec");
  if (!spec) return;
  setIfZero(spec, "sessionAffinity", "None");
  setIfZero(spec, "type", "ClusterIP");
  for (const p of recs(spec.ports)) {
    setIfZero(p, "protocol", "TCP");
    // An unset targetPort means "the same port on the pod".
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === "") {
      if (p.port !== undefined) p.targetPort = p.port;
    }
  }
  if (spec.sessionAffinity === "ClientIP") {
    const cfg = ensureRec(spec, "sessionAffinityConfig");
    const clientIP = cfg && ensureRec(cfg, "clientIP");
    if (clientIP) setIfNil(clientIP, "timeoutSeconds", 10800);
  }
  if (spec.type === "NodePort" || spec.type === "LoadBalancer") setIfZero(spec, "externalTrafficPolicy", "Cluster");
  if (spec.type === "LoadBalancer") setIfNil(spec, "allocateLoadBalancerNodePorts", true);
  if (spec.type !== "ExternalName") setIfNil(spec, "internalTrafficPolicy", "Cluster");
}

/** Every namespace carries its own name as a label, so namespaceSelectors can pick it. */
function defaultNamespace(ns: KubeObject): void {
  const meta = ns.metadata;
  if (!isRec(meta) || typeof meta.name !== "string" || meta.name === "") return;
  const labels = ensureRec(meta, "labels");
  if (labels) labels["kubernetes.io/metadata.name"] = meta.name;
}

/** A node that reports no allocatable resources can hand out all its capacity. */
function defaultNode(node: KubeObject): void {
  const status = node.status;
  if (!isRec(status) || !isRec(status.capacity)) return;
  if (status.allocatable === undefined || status.allocatable === null) status.allocatable = { ...status.capacity };
}

// Defaulting, as the Kubernetes API server applies it before validation
// (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go). Only fields the
// user left unset are filled, so applying defaults twice changes nothing the
// second time. "Unset" follows Go: a missing field, null, and for plain (non
// pointer) fields also "" or 0, since Go cannot tell those from missing.
import type { KubeObject } from "./types.js";
import { defaultCronJob, defaultJob } from "./defaults/batch.js";
import { defaultLimitRange } from "./defaults/policy.js";
import { defaultHorizontalPodAutoscaler } from "./defaults/autoscaling.js";
import { defaultSecret } from "./defaults/secret.js";
import { defaultDaemonSet, defaultStatefulSet } from "./defaults/sets.js";
import { defaultIngressClass, defaultNetworkPolicy } from "./defaults/networking.js";

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Set o[k] when it is absent or null (a Go pointer field). */
function setIfNil(o: Rec, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Set o[k] when it is absent, null, "" or 0 (a Go value field). */
function setIfZero(o: Rec, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null || o[k] === "" || o[k] === 0) o[k] = v;
}

/** The object at o[k], created when unset; undefined when something else is there. */
function ensureRec(o: Rec, k: string): Rec | undefined {
  if (o[k] === undefined || o[k] === null) o[k] = {};
  return isRec(o[k]) ? o[k] : undefined;
}

function recs(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRec) : [];
}

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

/** A container with limits but no request for a resource is guaranteed what it may use. */
function defaultRequestsFromLimits(c: Rec): void {
  const resources = c.resources;
  if (!isRec(resources) || !isRec(resources.limits)) return;
  const limits = resources.limits;
  if (Object.keys(limits).length === 0) return;
  const requests = ensureRec(resources, "requests");
  if (!requests) return;
  for (const [name, q] of Object.entries(limits)) setIfNil(requests, name, q);
}

export function defaultPodSpec(spec: Rec): void {
  setIfZero(spec, "restartPolicy", "Always");
  setIfZero(spec, "dnsPolicy", "ClusterFirst");
  setIfZero(spec, "schedulerName", "default-scheduler");
  setIfNil(spec, "terminationGracePeriodSeconds", 30);
  setIfNil(spec, "securityContext", {});
  setIfNil(spec, "enableServiceLinks", true);
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...recs(spec.initContainers), ...recs(spec.containers)]) defaultContainer(c, hostNetwork);
  for (const v of recs(spec.volumes)) defaultVolume(v);
}

/** The tag an image reference names, "latest" when it names none (docker's rule). */
export function imageTag(image: string): string | undefined {
  const atDigest = image.indexOf("@");
  const named = atDigest >= 0 ? image.slice(0, atDigest) : image;
  const lastSegment = named.slice(named.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon >= 0) return lastSegment.slice(colon + 1);
  // A digest pins the image: there is no tag, and nothing to re-pull.
  return atDigest >= 0 ? undefined : "latest";
}

function defaultContainer(c: Rec, hostNetwork: boolean): void {
  if (c.imagePullPolicy === undefined || c.imagePullPolicy === null || c.imagePullPolicy === "") {
    // ":latest" moves, so it is pulled every time; any other tag is assumed stable.
    const tag = typeof c.image === "string" ? imageTag(c.image) : "latest";
    c.imagePullPolicy = tag === "latest" ? "Always" : "IfNotPresent";
  }
  setIfZero(c, "terminationMessagePath", "/dev/termination-log");
  setIfZero(c, "terminationMessagePolicy", "File");
  for (const p of recs(c.ports)) {
    setIfZero(p, "protocol", "TCP");
    // With the host's network the container port is the host port.
    if (hostNetwork && typeof p.containerPort === "number") setIfZero(p, "hostPort", p.containerPort);
  }
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    if (isRec(c[probe])) defaultProbe(c[probe]);
  }
  const lifecycle = c.lifecycle;
  if (isRec(lifecycle)) {
    for (const hook of ["postStart", "preStop"]) {
      const h = lifecycle[hook];
      if (isRec(h) && isRec(h.httpGet)) defaultHTTPGet(h.httpGet);
    }
  }
}

function defaultProbe(p: Rec): void {
  setIfZero(p, "timeoutSeconds", 1);
  setIfZero(p, "periodSeconds", 10);
  setIfZero(p, "successThreshold", 1);
  setIfZero(p, "failureThreshold", 3);
  if (isRec(p.httpGet)) defaultHTTPGet(p.httpGet);
}

function defaultHTTPGet(h: Rec): void {
  setIfZero(h, "path", "/");
  setIfZero(h, "scheme", "HTTP");
}

const VOLUME_FILE_MODE = 0o644;

function defaultVolume(v: Rec): void {
  // A volume with no source is scratch space: Kubernetes makes it an emptyDir.
  if (Object.keys(v).every((k) => k === "name" || v[k] === undefined || v[k] === null)) v.emptyDir = {};
  if (isRec(v.configMap)) setIfNil(v.configMap, "defaultMode", VOLUME_FILE_MODE);
  if (isRec(v.secret)) setIfNil(v.secret, "defaultMode", VOLUME_FILE_MODE);
  if (isRec(v.hostPath)) setIfNil(v.hostPath, "type", "");
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

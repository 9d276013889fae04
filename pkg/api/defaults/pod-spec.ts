// Pod-spec defaulting shared by Pods and by every kind with a pod template
// (SetDefaults_PodSpec, SetDefaults_Container in pkg/apis/core/v1/defaults.go),
// plus the small "set when unset" helpers the per-kind defaulters use. Kept
// apart from defaults.ts so the per-kind files can import it without a cycle.

// The "set when unset" helpers live in fields.ts, beside the other per-kind files' setters;
// re-exported so defaults.ts keeps one import for pod-spec defaulting.
import { ensureRec, isRec, setIfNil, setIfZero, type Rec } from "./fields.js";
export { ensureRec, isRec, setIfNil, setIfZero, type Rec };

export function recs(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRec) : [];
}

/** A container with limits but no request for a resource is guaranteed what it may use. */
export function defaultRequestsFromLimits(c: Rec): void {
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


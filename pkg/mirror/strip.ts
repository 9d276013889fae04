// Turn an object as skiff serves it into the configuration to apply to another
// cluster: what the user asked for, without what skiff's API server and
// controllers filled in for this cluster only (uid, versions, status, the
// cluster IP and node ports skiff allocated, the node a pod was bound to...).
// A server-side apply body may not carry managedFields at all, and a
// resourceVersion in it would be a precondition that can never hold in
// another cluster.
//
// Whatever is dropped that a user may have written is reported as a note, so
// nothing disappears silently.
import { apiVersionOf, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject, ObjectMeta } from "../api/types.js";
import { MIRRORED_BY_LABEL, MIRRORED_BY_VALUE, SOURCE_UID_ANNOTATION } from "./scope.js";

export interface Stripped {
  object: KubeObject;
  /** Human-readable notes on what was left out and why. */
  notes: string[];
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

/** Annotations the source's API server or controllers write; the target writes its own. */
const SERVER_ANNOTATIONS = [
  "deployment.kubernetes.io/revision",
  "deprecated.daemonset.template.generation",
  // kubectl's client-side apply record of the source cluster; the mirror applies server-side.
  "kubectl.kubernetes.io/last-applied-configuration",
];
/** Labels Kubernetes' Job registry generates from the Job's uid (unless manualSelector). */
const JOB_GENERATED_LABELS = ["batch.kubernetes.io/controller-uid", "controller-uid", "batch.kubernetes.io/job-name", "job-name"];

export function stripForTarget(info: ResourceInfo, source: KubeObject): Stripped {
  const notes: string[] = [];
  const obj = structuredClone(source);
  const out: KubeObject = { apiVersion: apiVersionOf(info), kind: info.kind, metadata: stripMeta(info, obj.metadata, notes) };
  for (const [k, v] of Object.entries(obj)) {
    if (k === "apiVersion" || k === "kind" || k === "metadata" || k === "status") continue;
    out[k] = v;
  }
  switch (info.kind) {
    case "Service":
      stripService(out, notes);
      break;
    case "Pod":
      if (isRec(out.spec) && out.spec.nodeName) {
        notes.push(`spec.nodeName ${String(out.spec.nodeName)} not kept: it names a skiff node; the target's scheduler picks one`);
        delete out.spec.nodeName;
      }
      break;
    case "Namespace":
      // spec.finalizers is the namespace controller's; an empty spec says nothing.
      if (isRec(out.spec)) delete out.spec.finalizers;
      if (isRec(out.spec) && Object.keys(out.spec).length === 0) delete out.spec;
      break;
    case "Job":
      stripJobSelector(out);
      break;
  }
  stripTemplates(out);
  return { object: out, notes };
}

function stripMeta(info: ResourceInfo, meta: ObjectMeta, notes: string[]): ObjectMeta {
  const out: ObjectMeta = { name: meta.name };
  if (info.namespaced) out.namespace = meta.namespace;
  const labels = { ...(meta.labels ?? {}), [MIRRORED_BY_LABEL]: MIRRORED_BY_VALUE };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    if (SERVER_ANNOTATIONS.includes(k) || k === SOURCE_UID_ANNOTATION) continue;
    if (k.startsWith("skiff.dev/")) {
      notes.push(`annotation ${k} not kept: it only means something to skiff`);
      continue;
    }
    annotations[k] = v;
  }
  if (meta.uid) annotations[SOURCE_UID_ANNOTATION] = meta.uid;
  out.labels = labels;
  if (Object.keys(annotations).length > 0) out.annotations = annotations;
  const owners = meta.ownerReferences ?? [];
  if (owners.length > 0) notes.push(`ownerReferences not kept (${owners.map((o) => `${o.kind.toLowerCase()}/${o.name}`).join(", ")}): they point at skiff's uids`);
  const finalizers = (meta.finalizers ?? []).filter((f) => f !== "kubernetes");
  if (finalizers.length > 0) notes.push(`finalizers not kept (${finalizers.join(", ")}): nothing in the target would remove them`);
  return out;
}

/**
 * clusterIP(s) and node ports are allocations: skiff's come from its loopback
 * ranges, which a real cluster refuses or (worse) hands to another service.
 * skiff cannot tell a nodePort the user wrote from one it allocated, so every
 * nodePort is dropped and said so; "None" (headless) is a choice and stays.
 */
function stripService(svc: KubeObject, notes: string[]): void {
  const spec = svc.spec;
  if (!isRec(spec)) return;
  if (spec.clusterIP !== "None") {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  delete spec.ipFamilies;
  delete spec.healthCheckNodePort;
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (isRec(p) && p.nodePort !== undefined) {
        notes.push(`nodePort ${String(p.nodePort)} of port ${String(p.port)} not kept: skiff allocated it (or cannot tell it from one you set); the target allocates its own`);
        delete p.nodePort;
      }
    }
  }
}

function stripJobSelector(job: KubeObject): void {
  const spec = job.spec;
  if (!isRec(spec) || spec.manualSelector === true) return;
  // The generated selector names skiff's uid; the target generates one from its own.
  delete spec.selector;
  const labels = isRec(spec.template) && isRec(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isRec(labels)) for (const k of JOB_GENERATED_LABELS) delete labels[k];
}

/** Templates carry a creationTimestamp: null and claim templates a status; neither belongs in an apply. */
function stripTemplates(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isRec(spec)) return;
  const templates: unknown[] = [spec.template];
  if (isRec(spec.jobTemplate)) {
    templates.push(spec.jobTemplate);
    if (isRec(spec.jobTemplate.spec)) templates.push(spec.jobTemplate.spec.template);
  }
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const t of spec.volumeClaimTemplates) {
      if (isRec(t)) delete t.status;
      templates.push(t);
    }
  }
  for (const t of templates) if (isRec(t) && isRec(t.metadata)) delete t.metadata.creationTimestamp;
}

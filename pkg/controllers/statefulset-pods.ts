// A StatefulSet pod's identity (pkg/controller/statefulset/stateful_set_utils.go):
// a stable name "<set>-<ordinal>", the pod-name and pod-index labels, hostname and
// subdomain for DNS, the revision label, and one claim per volume claim template.
//
// Each template becomes a PersistentVolumeClaim "<template>-<set>-<ordinal>"
// (claimsFor) and a persistentVolumeClaim volume of that name in the pod. The
// claims carry no owner reference (persistentVolumeClaimRetentionPolicy Retain,
// Kubernetes' default): they survive scale-down and the set's deletion, and the
// pod made again for an ordinal mounts the same claim and finds its data.
import type { KubeObject } from "../api/types.js";
import type { PersistentVolumeClaim } from "../api/storage.js";
import { podFromTemplate } from "../api/pod-template.js";
import type { PodTemplate } from "./history.js";
import { newControllerRef, type PodLike } from "./util.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export const CONTROLLER_REVISION_HASH = "controller-revision-hash";

export interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: PersistentVolumeClaim["spec"];
}

export interface StatefulSetIdentity extends KubeObject {
  spec?: {
    serviceName?: string;
    template?: PodTemplate;
    selector?: { matchLabels?: Record<string, string> };
    volumeClaimTemplates?: ClaimTemplate[];
    [k: string]: unknown;
  };
}

interface PodSpecShape {
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
  volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName?: string }; [k: string]: unknown }>;
  [k: string]: unknown;
}

export function podName(sts: KubeObject, ordinal: number): string {
  return `${sts.metadata.name}-${ordinal}`;
}

/** The ordinal in a pod's name, or undefined when the name is not "<set>-<n>". */
export function ordinalOf(sts: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${sts.metadata.name}-`;
  const name = pod.metadata.name ?? "";
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function claimName(template: string, sts: KubeObject, ordinal: number): string {
  return `${template}-${sts.metadata.name}-${ordinal}`;
}

export function podRevision(pod: KubeObject): string | undefined {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH];
}

/**
 * getPersistentVolumeClaims: the claims of one ordinal, from the templates,
 * labelled with the set's selector so `kubectl get pvc -l app=web` finds them.
 */
export function claimsFor(sts: StatefulSetIdentity, ordinal: number): PersistentVolumeClaim[] {
  const out: PersistentVolumeClaim[] = [];
  for (const t of sts.spec?.volumeClaimTemplates ?? []) {
    const template = t.metadata?.name;
    if (!template) continue;
    const metadata: PersistentVolumeClaim["metadata"] = {
      name: claimName(template, sts, ordinal),
      namespace: sts.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(sts.spec?.selector?.matchLabels ?? {}) },
    };
    if (t.metadata?.annotations) metadata.annotations = { ...t.metadata.annotations };
    out.push({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata, spec: structuredClone(t.spec ?? {}) });
  }
  return out;
}

/** newVersionedStatefulSetPod: the pod for one ordinal, from the template of one revision. */
export function statefulPod(sts: StatefulSetIdentity, template: PodTemplate, ordinal: number, revision: string): KubeObject {
  const name = podName(sts, ordinal);
  // Named by ordinal; generateName is set too, as GetPodFromTemplate does for every controller.
  const pod = podFromTemplate(template, { namespace: sts.metadata.namespace, name, generateName: `${sts.metadata.name}-`, controllerRef: newControllerRef(sts) });
  const spec = (pod.spec ?? {}) as PodSpecShape;
  spec.hostname = name;
  if (sts.spec?.serviceName) spec.subdomain = sts.spec.serviceName;
  else delete spec.subdomain;
  const volumes = [...(spec.volumes ?? [])];
  for (const claim of sts.spec?.volumeClaimTemplates ?? []) {
    const volume = claim.metadata?.name;
    if (!volume) continue;
    // A template volume of the same name is replaced by the claim, as in Kubernetes.
    const i = volumes.findIndex((v) => v.name === volume);
    const v = { name: volume, persistentVolumeClaim: { claimName: claimName(volume, sts, ordinal) } };
    if (i >= 0) volumes[i] = v;
    else volumes.push(v);
  }
  if (volumes.length > 0) spec.volumes = volumes;
  pod.spec = spec;
  // The identity labels win over the template's: they say which ordinal and revision the pod is.
  pod.metadata.labels = { ...pod.metadata.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH]: revision };
  if (Object.keys(pod.metadata.annotations ?? {}).length === 0) delete pod.metadata.annotations;
  return pod;
}

/**
 * The template a pod was made from, recovered from the pod itself. skiff keeps
 * no ControllerRevisions, so a pod below the partition that must be recreated at
 * the current (older) revision is rebuilt from a sibling still at that revision.
 */
export function templateFromPod(pod: PodLike): PodTemplate {
  const labels = { ...(pod.metadata.labels ?? {}) };
  for (const k of [POD_NAME_LABEL, POD_INDEX_LABEL, CONTROLLER_REVISION_HASH]) delete labels[k];
  const annotations = { ...(pod.metadata.annotations ?? {}) };
  const spec = structuredClone(pod.spec ?? {}) as PodSpecShape;
  delete spec.nodeName;
  delete spec.hostname;
  delete spec.subdomain;
  if (spec.volumes) {
    // A claim template's volume names "<template>-<pod name>"; the set adds it back.
    const fromTemplate = (v: { name: string; persistentVolumeClaim?: { claimName?: string } }) => v.persistentVolumeClaim?.claimName === `${v.name}-${pod.metadata.name}`;
    spec.volumes = spec.volumes.filter((v) => !fromTemplate(v));
    if (spec.volumes.length === 0) delete spec.volumes;
  }
  const metadata: PodTemplate["metadata"] = { labels };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { metadata, spec };
}

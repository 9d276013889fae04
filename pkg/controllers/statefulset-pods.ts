// A StatefulSet pod's identity (pkg/controller/statefulset/stateful_set_utils.go):
// a stable name "<set>-<ordinal>", the pod-name and pod-index labels, hostname and
// subdomain for DNS, the revision label, and one volume per claim template.
//
// skiff has no PersistentVolumeClaims. A claim template becomes an emptyDir
// volume plus an entry in the VOLUME_IDENTITY annotation naming the claim Kubernetes
// would have made ("<template>-<set>-<ordinal>"). The node agent keeps such a
// volume per (namespace, claim name) instead of per pod uid, so web-1's data is
// still there when web-1 is deleted and created again on the same node.
import type { KubeObject } from "../api/types.js";
import { formatVolumeIdentities, parseVolumeIdentities, VOLUME_IDENTITY_ANNOTATION } from "../api/volume-identity.js";
import type { PodTemplate } from "./history.js";
import { newControllerRef, type PodLike } from "./util.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export const CONTROLLER_REVISION_HASH = "controller-revision-hash";
/** Pod annotation: JSON {volume name: claim name} for volumes the agent keeps by claim. */
export const VOLUME_IDENTITY = VOLUME_IDENTITY_ANNOTATION;

export interface StatefulSetIdentity extends KubeObject {
  spec?: {
    serviceName?: string;
    template?: PodTemplate;
    volumeClaimTemplates?: Array<{ metadata?: { name?: string } }>;
    [k: string]: unknown;
  };
}

interface PodSpecShape {
  hostname?: string;
  subdomain?: string;
  nodeName?: string;
  volumes?: Array<{ name: string; [k: string]: unknown }>;
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

/** volume name → claim name, from a pod's annotation ({} when absent or unreadable). */
export function volumeIdentities(pod: KubeObject): Record<string, string> {
  return Object.fromEntries(parseVolumeIdentities(pod.metadata.annotations));
}

/** newVersionedStatefulSetPod: the pod for one ordinal, from the template of one revision. */
export function statefulPod(sts: StatefulSetIdentity, template: PodTemplate, ordinal: number, revision: string): KubeObject {
  const t = structuredClone(template);
  const name = podName(sts, ordinal);
  const spec = (t.spec ?? {}) as PodSpecShape;
  spec.hostname = name;
  if (sts.spec?.serviceName) spec.subdomain = sts.spec.serviceName;
  else delete spec.subdomain;
  const identities: Record<string, string> = {};
  const volumes = [...(spec.volumes ?? [])];
  for (const claim of sts.spec?.volumeClaimTemplates ?? []) {
    const volume = claim.metadata?.name;
    if (!volume) continue;
    identities[volume] = claimName(volume, sts, ordinal);
    // A template volume of the same name is replaced by the claim, as in Kubernetes.
    const i = volumes.findIndex((v) => v.name === volume);
    const v = { name: volume, emptyDir: {} };
    if (i >= 0) volumes[i] = v;
    else volumes.push(v);
  }
  if (volumes.length > 0) spec.volumes = volumes;
  const annotations = { ...(t.metadata?.annotations ?? {}) };
  if (Object.keys(identities).length > 0) annotations[VOLUME_IDENTITY] = formatVolumeIdentities(identities);
  const metadata: KubeObject["metadata"] = {
    name,
    namespace: sts.metadata.namespace,
    labels: { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [CONTROLLER_REVISION_HASH]: revision },
    ownerReferences: [newControllerRef(sts)],
  };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { apiVersion: "v1", kind: "Pod", metadata, spec };
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
  const claims = new Set(Object.keys(volumeIdentities(pod)));
  delete annotations[VOLUME_IDENTITY];
  const spec = structuredClone(pod.spec ?? {}) as PodSpecShape;
  delete spec.nodeName;
  delete spec.hostname;
  delete spec.subdomain;
  if (spec.volumes) {
    spec.volumes = spec.volumes.filter((v) => !claims.has(v.name));
    if (spec.volumes.length === 0) delete spec.volumes;
  }
  const metadata: PodTemplate["metadata"] = { labels };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { metadata, spec };
}

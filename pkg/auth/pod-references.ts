// The secrets and config maps a pod uses (volumes, env, envFrom, image pull
// secrets): what the Node authorizer lets that pod's node read.
import type { KubeObject } from "../api/types.js";

interface KeyRef {
  name?: string;
}
interface EnvSource {
  secretKeyRef?: KeyRef;
  configMapKeyRef?: KeyRef;
}
interface ContainerLike {
  env?: Array<{ valueFrom?: EnvSource }>;
  envFrom?: Array<{ secretRef?: KeyRef; configMapRef?: KeyRef }>;
}
interface ProjectionLike {
  secret?: KeyRef;
  configMap?: KeyRef;
}
interface PodSpecLike {
  nodeName?: string;
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  ephemeralContainers?: ContainerLike[];
  imagePullSecrets?: KeyRef[];
  volumes?: Array<{ secret?: { secretName?: string }; configMap?: KeyRef; projected?: { sources?: ProjectionLike[] }; persistentVolumeClaim?: { claimName?: string } }>;
}

export type ReferencedKind = "secrets" | "configmaps" | "persistentvolumeclaims";

/** "secrets/name" and "configmaps/name" for everything the pod references, without duplicates. */
export function podReferences(pod: KubeObject): string[] {
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const out = new Set<string>();
  const add = (kind: ReferencedKind, name: string | undefined) => {
    if (name) out.add(`${kind}/${name}`);
  };
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      add("secrets", e.valueFrom?.secretKeyRef?.name);
      add("configmaps", e.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add("secrets", e.secretRef?.name);
      add("configmaps", e.configMapRef?.name);
    }
  }
  for (const s of spec.imagePullSecrets ?? []) add("secrets", s.name);
  for (const v of spec.volumes ?? []) {
    add("secrets", v.secret?.secretName);
    add("configmaps", v.configMap?.name);
    add("persistentvolumeclaims", v.persistentVolumeClaim?.claimName);
    for (const p of v.projected?.sources ?? []) {
      add("secrets", p.secret?.name);
      add("configmaps", p.configMap?.name);
    }
  }
  return [...out];
}

export function podNodeName(pod: KubeObject | undefined): string | undefined {
  return ((pod?.spec ?? {}) as PodSpecLike).nodeName || undefined;
}

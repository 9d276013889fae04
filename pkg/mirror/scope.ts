// What mirror mode copies, and in which order. The order is the dependency
// order a real cluster needs: a Deployment applied before its Namespace is
// refused, and a pod that mounts a ConfigMap waits until it exists. Deletions
// run the other way round.
//
// Only objects a user made are mirrored. Anything a controller made in skiff
// (pods of a ReplicaSet, ReplicaSets of a Deployment, Jobs of a CronJob,
// Endpoints of a Service with a selector) is made again by the target's own
// controllers; copying it would give the target two owners of the same pods.
import { R, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";

/** The label every mirrored object carries in the target; prune and delete touch nothing without it. */
export const MIRRORED_BY_LABEL = "skiff.dev/mirrored-by";
export const MIRRORED_BY_VALUE = "skiff";
export const MIRRORED_SELECTOR = `${MIRRORED_BY_LABEL}=${MIRRORED_BY_VALUE}`;
/** The uid of the object in skiff, for people comparing the two clusters. */
export const SOURCE_UID_ANNOTATION = "skiff.dev/source-uid";
/** The server-side apply field manager (Kubernetes requires one for apply patches). */
export const FIELD_MANAGER = "skiff";

/** Namespaces every cluster has: never applied as objects, never deleted. */
export const BUILT_IN_NAMESPACES: readonly string[] = ["default", "kube-system", "kube-public", "kube-node-lease"];
/** skiff's own bookkeeping lives here (usage records, leases); not mirrored unless asked for by -n. */
const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease"];

/** Mirrored kinds in dependency order (index = rank). */
export function mirroredKinds(): ResourceInfo[] {
  return [
    R.namespaces,
    R.configmaps,
    R.secrets,
    R.services,
    R.endpoints,
    R.deployments,
    R.statefulsets,
    R.daemonsets,
    R.jobs,
    R.cronjobs,
    R.replicasets,
    R.pods,
  ];
}

export function rankOf(info: ResourceInfo): number {
  const i = mirroredKinds().findIndex((k) => k.kind === info.kind && k.group === info.group);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

/** Which namespaces a mirror covers: the -n list, or every namespace but the system ones. */
export class NamespaceScope {
  private readonly only: Set<string> | undefined;

  constructor(namespaces: readonly string[] = []) {
    this.only = namespaces.length > 0 ? new Set(namespaces) : undefined;
  }

  /** The single namespace to list/watch in, when exactly one was asked for (fewer objects on the wire). */
  get single(): string | undefined {
    return this.only?.size === 1 ? [...this.only][0] : undefined;
  }

  get explicit(): readonly string[] {
    return this.only ? [...this.only] : [];
  }

  includesNamespace(ns: string): boolean {
    return this.only ? this.only.has(ns) : !SYSTEM_NAMESPACES.includes(ns);
  }

  /** Does this object fall inside the scope (a Namespace object by its name, others by their namespace)? */
  includes(info: ResourceInfo, obj: KubeObject): boolean {
    if (info.kind === "Namespace") return this.includesNamespace(String(obj.metadata.name));
    if (!info.namespaced) return false;
    return this.includesNamespace(obj.metadata.namespace ?? "");
  }
}

/** Why an object in scope is still not copied; undefined = copy it. */
export type ServiceLookup = (namespace: string, name: string) => KubeObject | undefined;

export function skipReason(info: ResourceInfo, obj: KubeObject, lookupService: ServiceLookup): string | undefined {
  const meta = obj.metadata;
  if (meta.deletionTimestamp) return "being deleted";
  const controller = meta.ownerReferences?.find((o) => o.controller);
  if (controller) return `made by ${controller.kind.toLowerCase()}/${controller.name}; the target's controllers make their own`;
  // Owned without being controlled (skiff's scheduling-decision ConfigMaps name their ReplicaSet):
  // it lives and dies with an owner that is not mirrored.
  const owner = meta.ownerReferences?.[0];
  if (owner) return `belongs to ${owner.kind.toLowerCase()}/${owner.name}`;
  // skiff's bookkeeping (scheduling decisions, usage records, token bindings) is labelled skiff.dev/…
  const internal = Object.keys(meta.labels ?? {}).find((k) => k.startsWith("skiff.dev/") && k !== MIRRORED_BY_LABEL);
  if (internal) return `skiff's own bookkeeping (label ${internal})`;
  switch (info.kind) {
    case "Namespace":
      if (BUILT_IN_NAMESPACES.includes(String(meta.name))) return "every cluster has this namespace";
      break;
    case "ConfigMap":
      // Kubernetes publishes its own CA into every namespace under this name.
      if (meta.name === "kube-root-ca.crt") return "the target publishes its own";
      break;
    case "Secret": {
      const type = (obj as { type?: string }).type;
      if (type === "kubernetes.io/service-account-token") return "service account tokens are issued by the target";
      break;
    }
    case "Service":
      if (meta.namespace === "default" && meta.name === "kubernetes") return "the target's own API service";
      break;
    case "Endpoints": {
      const svc = lookupService(meta.namespace ?? "", String(meta.name));
      const selector = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
      if (!svc) return "no service of this name";
      if (selector && Object.keys(selector).length > 0) return "kept by the target's endpoints controller (the service has a selector)";
      break;
    }
  }
  return undefined;
}

/** "deployment.apps/web -n demo", as kubectl names objects. */
export function refOf(info: ResourceInfo, namespace: string | undefined, name: string): string {
  const base = `${info.singular}${info.group ? `.${info.group}` : ""}/${name}`;
  return info.namespaced && namespace ? `${base} -n ${namespace}` : base;
}

/** A stable key per object across both clusters: "apps/Deployment/demo/web". */
export function objectKey(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${info.group}/${info.kind}/${info.namespaced ? (namespace ?? "") : ""}/${name}`;
}

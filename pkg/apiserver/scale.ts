// The scale subresource: an autoscaling/v1 Scale view of any object with
// spec.replicas and a label selector (Deployment, ReplicaSet).
import { ApiError, errors, FieldError } from "../api/errors.js";
import type { ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { LabelSelector } from "../api/selector.js";
import { applyPatch } from "./patch.js";
import { customScaleOf } from "../api/custom-resources.js";
import type { Registry, RequestContext } from "./registry.js";

// The fields the Scale view reads; every scalable kind the registry stored has them with these types.
interface ScalableSpec {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
}

function setAtPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".").filter(Boolean);
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== "object" || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

export function toScale(obj: KubeObject, info?: ResourceInfo): KubeObject {
  const spec = obj.spec as ScalableSpec | undefined;
  const status = obj.status as { replicas?: number } | undefined;
  let selector = "";
  try {
    // A ReplicationController's selector is a plain label map.
    const sel = obj.kind === "ReplicationController" ? { matchLabels: spec?.selector as Record<string, string> | undefined } : spec?.selector;
    selector = LabelSelector.fromObject(sel).toString();
  } catch {
    // An invalid selector cannot be stored; an empty string is the safe display.
  }
  const custom = info?.custom?.scale ? customScaleOf(obj, info.custom.scale) : undefined;
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: custom ? custom.spec : (spec?.replicas ?? 0) },
    status: { replicas: custom ? custom.status : (status?.replicas ?? 0), selector: custom ? custom.selector : selector },
  };
}

function replicasOf(scale: KubeObject): number {
  const r = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (typeof r !== "number" || !Number.isInteger(r) || r < 0) {
    throw errors.invalid("Scale", scale.metadata?.name ?? "", [new FieldError("Invalid", "spec.replicas", r, "must be greater than or equal to 0")], "autoscaling");
  }
  return r;
}

/** PUT or PATCH …/scale: change only spec.replicas of the target. */
export async function updateScale(
  registry: Registry,
  info: ResourceInfo,
  namespace: string | undefined,
  name: string,
  change: { kind: "put"; body: unknown } | { kind: "patch"; contentType: string; body: unknown },
  ctx: RequestContext,
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const current = await registry.get(info, namespace, name);
    const scale = toScale(current, info);
    const next = (change.kind === "put" ? change.body : applyPatch(change.contentType, scale, change.body, "Scale")) as KubeObject;
    if (!next || typeof next !== "object") throw errors.badRequest("expected a Scale object");
    const replicas = replicasOf(next);
    // A resourceVersion is a precondition only when the client chose it: a PUT
    // body's, or one a patch changed. Otherwise retry conflicts like PATCH does.
    const rv = next.metadata?.resourceVersion;
    const wantRv = change.kind === "put" || rv !== scale.metadata.resourceVersion ? rv : undefined;
    const updated = structuredClone(current);
    if (info.custom?.scale) setAtPath(updated, info.custom.scale.specReplicasPath, replicas);
    else (updated.spec as { replicas?: number }).replicas = replicas;
    try {
      const saved = await registry.update(info, namespace, name, { ...updated, metadata: { ...updated.metadata, resourceVersion: wantRv || current.metadata.resourceVersion } }, ctx);
      return toScale(saved, info);
    } catch (e) {
      if (e instanceof ApiError && e.reason === "Conflict" && !wantRv && attempt < 5) continue;
      throw e;
    }
  }
}

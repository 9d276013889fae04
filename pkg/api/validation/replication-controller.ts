// ReplicationController (core/v1): ReplicaSet's older sibling, whose selector is
// a plain label map instead of a LabelSelector. Validated as the ReplicaSet it
// is equivalent to, with error paths mapped back (`spec.selector.matchLabels` →
// `spec.selector`), so both kinds keep one set of rules.
import { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { invalid, isRec, present, required } from "./field.js";
import { validateReplicaSet } from "./workloads.js";

/** The ReplicaSet shape of an RC: `spec.selector: {a: b}` becomes `{matchLabels: {a: b}}`. */
export function replicaSetShapeOf(rc: KubeObject): KubeObject {
  const spec = isRec(rc.spec) ? { ...rc.spec } : rc.spec;
  if (isRec(spec) && present(spec.selector)) spec.selector = isRec(spec.selector) ? { matchLabels: spec.selector } : spec.selector;
  return { ...rc, apiVersion: "apps/v1", kind: "ReplicaSet", spec };
}

function mapPath(path: string): string {
  return path.startsWith("spec.selector.matchLabels") ? "spec.selector" + path.slice("spec.selector.matchLabels".length) : path;
}

/** Unlike an apps/v1 ReplicaSet's, an RC's selector may change in an update (pods that no longer match are released). */
export function validateReplicationController(obj: KubeObject): FieldError[] {
  const spec = obj.spec;
  if (isRec(spec) && present(spec.selector) && !isRec(spec.selector)) return [invalid("spec.selector", spec.selector, "must be a map of labels")];
  return validateReplicaSet(replicaSetShapeOf(obj), {}).map((e) => {
    if (e.path === "spec.selector" && e.type === "Invalid" && e.detail.startsWith("empty selector")) return required("spec.selector");
    return e.path.startsWith("spec.selector") ? new FieldError(e.type, mapPath(e.path), e.value, e.detail) : e;
  });
}

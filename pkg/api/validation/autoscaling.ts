// HorizontalPodAutoscaler (autoscaling/v2), after ValidateHorizontalPodAutoscaler
// in pkg/apis/autoscaling/validation: a scale target, 1 ≤ minReplicas ≤
// maxReplicas, well-formed metric targets, and behavior windows and policies
// within Kubernetes' bounds.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { validateQuantity } from "./container.js";
import { child, index, invalid, isRec, readInt, readList, readRec, readString, required, validateEnum } from "./field.js";

const METRIC_TYPES = ["Object", "Pods", "Resource", "ContainerResource", "External"];
const TARGET_TYPES = ["Utilization", "Value", "AverageValue"];
const POLICY_TYPES = ["Pods", "Percent"];
const SELECT_POLICIES = ["Max", "Min", "Disabled"];
const MAX_STABILIZATION_SECONDS = 3600;
const MAX_PERIOD_SECONDS = 1800;

function validateTarget(raw: unknown, path: string, errs: FieldError[], allowUtilization: boolean): void {
  const t = readRec(raw, path, errs);
  if (!t) {
    errs.push(required(path));
    return;
  }
  const type = validateEnum(t.type, child(path, "type"), TARGET_TYPES, errs);
  if (type === undefined) errs.push(required(child(path, "type")));
  if (type === "Utilization") {
    if (!allowUtilization) errs.push(invalid(child(path, "type"), type, "utilization targets are only supported for resource metrics"));
    const u = readInt(t.averageUtilization, child(path, "averageUtilization"), errs);
    if (u === undefined) errs.push(required(child(path, "averageUtilization"), "must set averageUtilization when type is Utilization"));
    else if (u <= 0) errs.push(invalid(child(path, "averageUtilization"), u, "must be greater than 0"));
  }
  if (type === "AverageValue") {
    if (t.averageValue === undefined || t.averageValue === null) errs.push(required(child(path, "averageValue"), "must set averageValue when type is AverageValue"));
    else {
      const q = validateQuantity(t.averageValue, child(path, "averageValue"), errs);
      if (q?.isZero()) errs.push(invalid(child(path, "averageValue"), t.averageValue, "must be positive"));
    }
  }
  if (type === "Value") {
    if (t.value === undefined || t.value === null) errs.push(required(child(path, "value"), "must set value when type is Value"));
    else validateQuantity(t.value, child(path, "value"), errs);
  }
}

function validateMetric(raw: unknown, path: string, errs: FieldError[]): void {
  if (!isRec(raw)) {
    errs.push(invalid(path, raw, "must be an object"));
    return;
  }
  const type = validateEnum(raw.type, child(path, "type"), METRIC_TYPES, errs);
  if (type === undefined) {
    errs.push(required(child(path, "type"), "must specify a metric source type"));
    return;
  }
  const field = { Object: "object", Pods: "pods", Resource: "resource", ContainerResource: "containerResource", External: "external" }[type]!;
  const src = readRec(raw[field], child(path, field), errs);
  if (!src) {
    errs.push(required(child(path, field), `must populate information for the given metric source`));
    return;
  }
  if (type === "Resource" || type === "ContainerResource") {
    if (readString(src.name, child(child(path, field), "name"), errs) === undefined) errs.push(required(child(child(path, field), "name"), "must specify a resource name"));
    if (type === "ContainerResource" && readString(src.container, child(child(path, field), "container"), errs) === undefined) {
      errs.push(required(child(child(path, field), "container"), "must specify a container"));
    }
    validateTarget(src.target, child(child(path, field), "target"), errs, true);
  } else {
    validateTarget(src.target, child(child(path, field), "target"), errs, false);
  }
}

function validateRules(raw: unknown, path: string, errs: FieldError[]): void {
  const r = readRec(raw, path, errs);
  if (!r) return;
  const win = readInt(r.stabilizationWindowSeconds, child(path, "stabilizationWindowSeconds"), errs);
  if (win !== undefined && (win < 0 || win > MAX_STABILIZATION_SECONDS)) {
    errs.push(invalid(child(path, "stabilizationWindowSeconds"), win, `must be greater than or equal to zero and less than or equal to ${MAX_STABILIZATION_SECONDS}`));
  }
  validateEnum(r.selectPolicy, child(path, "selectPolicy"), SELECT_POLICIES, errs);
  const policies = readList(r.policies, child(path, "policies"), errs);
  if (r.policies !== undefined && r.policies !== null && policies.length === 0) errs.push(required(child(path, "policies"), "must specify at least one Policy"));
  policies.forEach((p, i) => {
    const pp = index(child(path, "policies"), i);
    const pol = readRec(p, pp, errs);
    if (!pol) return;
    if (validateEnum(pol.type, child(pp, "type"), POLICY_TYPES, errs) === undefined) errs.push(required(child(pp, "type")));
    const v = readInt(pol.value, child(pp, "value"), errs);
    if (v === undefined || v <= 0) errs.push(invalid(child(pp, "value"), pol.value, "must be greater than zero"));
    const period = readInt(pol.periodSeconds, child(pp, "periodSeconds"), errs);
    if (period === undefined || period <= 0 || period > MAX_PERIOD_SECONDS) {
      errs.push(invalid(child(pp, "periodSeconds"), pol.periodSeconds, `must be greater than zero and less than or equal to ${MAX_PERIOD_SECONDS}`));
    }
  });
}

export function validateHorizontalPodAutoscaler(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs);
  if (!spec) return [required("spec")];
  const ref = readRec(spec.scaleTargetRef, "spec.scaleTargetRef", errs);
  if (!ref) errs.push(required("spec.scaleTargetRef"));
  else {
    if (readString(ref.kind, "spec.scaleTargetRef.kind", errs) === undefined) errs.push(required("spec.scaleTargetRef.kind"));
    if (readString(ref.name, "spec.scaleTargetRef.name", errs) === undefined) errs.push(required("spec.scaleTargetRef.name"));
  }
  const min = readInt(spec.minReplicas, "spec.minReplicas", errs);
  if (min !== undefined && min < 1) errs.push(invalid("spec.minReplicas", min, "must be greater than or equal to 1"));
  const max = readInt(spec.maxReplicas, "spec.maxReplicas", errs);
  if (max === undefined) errs.push(required("spec.maxReplicas"));
  else if (max < 1) errs.push(invalid("spec.maxReplicas", max, "must be greater than 0"));
  else if (min !== undefined && max < min) errs.push(invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  readList(spec.metrics, "spec.metrics", errs).forEach((m, i) => validateMetric(m, index("spec.metrics", i), errs));
  const behavior = readRec(spec.behavior, "spec.behavior", errs);
  if (behavior) {
    validateRules(behavior.scaleUp, "spec.behavior.scaleUp", errs);
    validateRules(behavior.scaleDown, "spec.behavior.scaleDown", errs);
  }
  return errs;
}

// PodDisruptionBudget (policy/v1), as pkg/apis/policy/validation: one of
// minAvailable or maxUnavailable (an int ≥ 0 or a percentage ≤ 100%), a label
// selector, and the unhealthy-pod eviction policy.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { invalid, notSupported, present, readRec, readString } from "./field.js";
import { validateLabelSelectorObject } from "./meta.js";
import { intOrPercent } from "./sets.js";

export const UNHEALTHY_POD_EVICTION_POLICIES = ["AlwaysAllow", "IfHealthyBudget"];

export function validatePodDisruptionBudget(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = readRec(obj.spec, "spec", errs);
  if (!spec) return errs;
  if (present(spec.minAvailable) && present(spec.maxUnavailable)) {
    errs.push(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"));
  }
  intOrPercent(spec.minAvailable, "spec.minAvailable", errs);
  intOrPercent(spec.maxUnavailable, "spec.maxUnavailable", errs);
  if (present(spec.selector)) errs.push(...validateLabelSelectorObject(spec.selector, "spec.selector"));
  const policy = readString(spec.unhealthyPodEvictionPolicy, "spec.unhealthyPodEvictionPolicy", errs);
  if (policy !== undefined && !UNHEALTHY_POD_EVICTION_POLICIES.includes(policy)) {
    errs.push(notSupported("spec.unhealthyPodEvictionPolicy", policy, UNHEALTHY_POD_EVICTION_POLICIES));
  }
  return errs;
}

// PriorityClass (scheduling.k8s.io/v1), as pkg/apis/scheduling/validation: an
// int32 value, user classes at most one billion, the `system-` prefix reserved
// for the two built-in classes, an immutable value and preemption policy.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { forbidden, invalid, notSupported, present, readString } from "./field.js";

/** scheduling.HighestUserDefinablePriority */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_PRIORITY_CLASS_PREFIX = "system-";
/** The classes every cluster has (scheduling.SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  "system-node-critical": 2_000_001_000,
  "system-cluster-critical": 2_000_000_000,
};
export const PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"];

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

interface PriorityClassLike extends KubeObject {
  value?: unknown;
  globalDefault?: unknown;
  description?: unknown;
  preemptionPolicy?: unknown;
}

function systemClassError(name: string, value: unknown, globalDefault: unknown): string | undefined {
  const want = SYSTEM_PRIORITY_CLASSES[name];
  if (want === undefined) return `${name} is not a known system priority class`;
  if (value !== want) return `value of ${name} PriorityClass must be ${want}`;
  if (globalDefault === true) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function validatePriorityClass(obj: KubeObject, ctx: { old?: KubeObject } = {}): FieldError[] {
  const errs: FieldError[] = [];
  const pc = obj as PriorityClassLike;
  const name = typeof pc.metadata?.name === "string" ? pc.metadata.name : "";
  const value = pc.value;
  if (!present(value) || typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    errs.push(invalid("value", value, "must be a 32-bit integer"));
  }
  if (name.startsWith(SYSTEM_PRIORITY_CLASS_PREFIX)) {
    const problem = systemClassError(name, value, pc.globalDefault);
    if (problem) errs.push(forbidden("metadata.name", `priority class names with '${SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are reserved for system use only. error: ${problem}`));
  } else if (typeof value === "number" && value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    errs.push(forbidden("value", `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  if (present(pc.globalDefault) && typeof pc.globalDefault !== "boolean") errs.push(invalid("globalDefault", pc.globalDefault, "must be a boolean"));
  readString(pc.description, "description", errs);
  const policy = readString(pc.preemptionPolicy, "preemptionPolicy", errs);
  if (policy !== undefined && !PREEMPTION_POLICIES.includes(policy)) errs.push(notSupported("preemptionPolicy", policy, PREEMPTION_POLICIES));
  const old = ctx.old as PriorityClassLike | undefined;
  if (old) {
    if (old.value !== value) errs.push(forbidden("value", "may not be changed in an update."));
    if (old.preemptionPolicy !== pc.preemptionPolicy) errs.push(invalid("preemptionPolicy", pc.preemptionPolicy, "field is immutable"));
  }
  return errs;
}

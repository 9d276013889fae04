// Deployment and ReplicaSet (apps/v1): replicas, selector ↔ template labels, the
// template's pod spec, and the Deployment rollout strategy. Mirrors
// pkg/apis/apps/validation.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import {
  child,
  forbidden,
  invalid,
  isRec,
  notSupported,
  present,
  readInt,
  readRec,
  readString,
  required,
  validateNonNegative,
  type Rec,
} from "./field.js";
import { isEmptySelector, validateLabelSelectorObject } from "./meta.js";
import { percentErrors } from "./names.js";
import { validateTemplate } from "./sets.js";

export interface UpdateContext {
  old?: KubeObject;
}

/** What Deployment and ReplicaSet share: replicas, selector, template. */
function validateReplicatedSpec(spec: Rec, kindWord: string, errs: FieldError[]): void {
  validateNonNegative(spec.replicas, "spec.replicas", errs);
  validateNonNegative(spec.minReadySeconds, "spec.minReadySeconds", errs);

  let selector: Rec | undefined;
  if (!present(spec.selector)) {
    errs.push(required("spec.selector"));
  } else {
    const selErrs = validateLabelSelectorObject(spec.selector, "spec.selector");
    errs.push(...selErrs);
    if (isRec(spec.selector)) {
      if (isEmptySelector(spec.selector)) errs.push(invalid("spec.selector", spec.selector, `empty selector is invalid for ${kindWord}`));
      else if (selErrs.length === 0) selector = spec.selector;
    }
  }

  validateTemplate(spec, selector, kindWord, errs);
}

/** apps/v1 made selectors immutable: changing one would orphan every existing pod. */
function validateSelectorUpdate(obj: KubeObject, ctx: UpdateContext, errs: FieldError[]): void {
  const oldSpec = ctx.old?.spec;
  if (!isRec(obj.spec) || !isRec(oldSpec) || !present(oldSpec.selector)) return;
  if (canonicalJSON(obj.spec.selector) !== canonicalJSON(oldSpec.selector)) {
    errs.push(invalid("spec.selector", obj.spec.selector, "field is immutable"));
  }
}

/** JSON with sorted object keys, so key order does not count as a change. */
function canonicalJSON(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    isRec(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val,
  );
}

function specOf(obj: KubeObject, errs: FieldError[]): Rec | undefined {
  if (!present(obj.spec)) {
    errs.push(required("spec"));
    return undefined;
  }
  return readRec(obj.spec, "spec", errs);
}

export function validateReplicaSet(obj: KubeObject, ctx: UpdateContext = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj, errs);
  if (spec) validateReplicatedSpec(spec, "replicaset", errs);
  if (ctx.old) validateSelectorUpdate(obj, ctx, errs);
  return errs;
}

export function validateDeployment(obj: KubeObject, ctx: UpdateContext = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj, errs);
  if (spec) {
    validateReplicatedSpec(spec, "deployment", errs);
    validateStrategy(spec.strategy, errs);
    validateNonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit", errs);
    const pdPath = "spec.progressDeadlineSeconds";
    const deadline = readInt(spec.progressDeadlineSeconds, pdPath, errs);
    if (deadline !== undefined) {
      const minReady = typeof spec.minReadySeconds === "number" ? spec.minReadySeconds : 0;
      if (deadline < 0) errs.push(invalid(pdPath, deadline, "must be greater than or equal to 0"));
      // A deadline shorter than minReadySeconds would fail every rollout.
      else if (deadline <= minReady) errs.push(invalid(pdPath, deadline, "must be greater than minReadySeconds"));
    }
  }
  if (ctx.old) validateSelectorUpdate(obj, ctx, errs);
  return errs;
}

function validateStrategy(strategy: unknown, errs: FieldError[]): void {
  const sp = "spec.strategy";
  const s = readRec(strategy, sp, errs);
  if (!s) return;
  const type = readString(s.type, child(sp, "type"), errs);
  const ruPath = child(sp, "rollingUpdate");
  if (type !== undefined && type !== "RollingUpdate" && type !== "Recreate") {
    errs.push(notSupported(child(sp, "type"), type, ["Recreate", "RollingUpdate"]));
  }
  if (type === "Recreate") {
    if (present(s.rollingUpdate)) errs.push(forbidden(ruPath, "may not be specified when strategy `type` is 'Recreate'"));
    return;
  }
  const ru = readRec(s.rollingUpdate, ruPath, errs);
  if (!ru) return;
  const surge = validateIntOrPercent(ru.maxSurge, child(ruPath, "maxSurge"), errs);
  const unavailable = validateIntOrPercent(ru.maxUnavailable, child(ruPath, "maxUnavailable"), errs);
  if (unavailable !== undefined && unavailable.percent && unavailable.value > 100) {
    errs.push(invalid(child(ruPath, "maxUnavailable"), ru.maxUnavailable, "must not be greater than 100%"));
  }
  // With both zero a rollout could neither add a pod nor remove one.
  if (surge?.value === 0 && unavailable?.value === 0) {
    errs.push(invalid(child(ruPath, "maxUnavailable"), ru.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
  }
}

/** An IntOrString that is a non-negative integer or an integer percentage ("25%"). */
function validateIntOrPercent(v: unknown, path: string, errs: FieldError[]): { value: number; percent: boolean } | undefined {
  if (!present(v)) return undefined;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) errs.push(invalid(path, v, "must be an integer or a percentage"));
    else if (v < 0) errs.push(invalid(path, v, "must be greater than or equal to 0"));
    else return { value: v, percent: false };
    return undefined;
  }
  if (typeof v === "string") {
    const msgs = percentErrors(v);
    for (const msg of msgs) errs.push(invalid(path, v, msg));
    return msgs.length === 0 ? { value: Number.parseInt(v, 10), percent: true } : undefined;
  }
  errs.push(invalid(path, v, "must be an integer or a percentage"));
  return undefined;
}

// DaemonSet and StatefulSet (apps/v1), as pkg/apis/apps/validation checks them
// in Kubernetes 1.32: selector ↔ template labels, the template's pod spec,
// update strategies, and what an update may change.
import type { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import {
  child,
  forbidden,
  index,
  invalid,
  isRec,
  notSupported,
  present,
  readList,
  readRec,
  readString,
  required,
  validateNonNegative,
  type Rec,
} from "./field.js";
import { isEmptySelector, selectorMatchesLabels, validateAnnotations, validateLabels, validateLabelSelectorObject } from "./meta.js";
import { dns1123LabelErrors, percentErrors } from "./names.js";
import { validatePodSpec } from "./pod.js";

export interface SetUpdateContext {
  old?: KubeObject;
}

/** The selector, when present and valid (else its errors are in errs). */
function validateSelector(spec: Rec, kindWord: string, errs: FieldError[]): Rec | undefined {
  if (!present(spec.selector)) {
    errs.push(required("spec.selector"));
    return undefined;
  }
  const selErrs = validateLabelSelectorObject(spec.selector, "spec.selector");
  errs.push(...selErrs);
  if (!isRec(spec.selector)) return undefined;
  if (isEmptySelector(spec.selector)) {
    errs.push(invalid("spec.selector", spec.selector, `empty selector is invalid for ${kindWord}`));
    return undefined;
  }
  return selErrs.length === 0 ? spec.selector : undefined;
}

/**
 * Template metadata and pod spec. `extraVolumes` are volumes the controller adds
 * to every pod (a StatefulSet's claim templates), so mounts of them are valid.
 * Shared by every pod-owning apps/v1 kind (Deployment, ReplicaSet, DaemonSet, StatefulSet).
 */
export function validateTemplate(spec: Rec, selector: Rec | undefined, kind: string, errs: FieldError[], extraVolumes: string[] = []): void {
  const tp = "spec.template";
  if (!present(spec.template)) {
    errs.push(required(tp));
    return;
  }
  const template = readRec(spec.template, tp, errs);
  if (!template) return;
  const meta = readRec(template.metadata, child(tp, "metadata"), errs) ?? {};
  const labelsPath = "spec.template.metadata.labels";
  const labelErrs = validateLabels(meta.labels, labelsPath);
  errs.push(...labelErrs);
  errs.push(...validateAnnotations(meta.annotations, "spec.template.metadata.annotations"));
  if (selector && labelErrs.length === 0) {
    const labels = isRec(meta.labels) ? (meta.labels as Record<string, string>) : {};
    // Otherwise the controller would make pods it does not own, forever.
    if (!selectorMatchesLabels(selector, labels)) errs.push(invalid(labelsPath, labels, "`selector` does not match template `labels`"));
  }
  let podSpec = template.spec;
  if (isRec(podSpec) && extraVolumes.length > 0) {
    const declared = new Set(readList(podSpec.volumes, "", []).map((v) => (isRec(v) ? v.name : undefined)));
    const added = extraVolumes.filter((n) => !declared.has(n)).map((name) => ({ name, emptyDir: {} }));
    podSpec = { ...podSpec, volumes: [...readList(podSpec.volumes, "", []), ...added] };
  }
  errs.push(...validatePodSpec(podSpec, "spec.template.spec"));
  if (!isRec(template.spec)) return;
  // Every pod of these controllers runs for good; one meant to stop belongs in a Job.
  const rp = template.spec.restartPolicy;
  if (typeof rp === "string" && rp !== "" && rp !== "Always") errs.push(notSupported("spec.template.spec.restartPolicy", rp, ["Always"]));
  if (present(template.spec.activeDeadlineSeconds)) {
    errs.push(forbidden("spec.template.spec.activeDeadlineSeconds", `activeDeadlineSeconds in ${kind} is not Supported`));
  }
}

interface IntOrPercent {
  value: number;
  percent: boolean;
}

/** ValidatePositiveIntOrPercent plus IsNotMoreThan100Percent. */
export function intOrPercent(v: unknown, path: string, errs: FieldError[]): IntOrPercent | undefined {
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
    if (msgs.length > 0) return undefined;
    const value = Number.parseInt(v, 10);
    if (value > 100) errs.push(invalid(path, v, "must not be greater than 100%"));
    return { value, percent: true };
  }
  errs.push(invalid(path, v, "must be an integer or a percentage"));
  return undefined;
}

function specOf(obj: KubeObject, errs: FieldError[]): Rec | undefined {
  if (!present(obj.spec)) {
    errs.push(required("spec"));
    return undefined;
  }
  return readRec(obj.spec, "spec", errs);
}

/** JSON with sorted object keys, so key order does not count as a change. */
function canonical(v: unknown): string {
  return JSON.stringify(v ?? null, (_k, val: unknown) =>
    isRec(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val,
  );
}

// ---- DaemonSet -------------------------------------------------------------

export function validateDaemonSet(obj: KubeObject, ctx: SetUpdateContext = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj, errs);
  if (spec) {
    const selector = validateSelector(spec, "daemonset", errs);
    validateTemplate(spec, selector, "DaemonSet", errs);
    validateNonNegative(spec.minReadySeconds, "spec.minReadySeconds", errs);
    validateNonNegative(spec.templateGeneration, "spec.templateGeneration", errs);
    validateNonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit", errs);
    validateDaemonSetStrategy(spec.updateStrategy, errs);
  }
  const oldSpec = ctx.old?.spec;
  if (spec && isRec(oldSpec) && present(oldSpec.selector) && canonical(spec.selector) !== canonical(oldSpec.selector)) {
    errs.push(invalid("spec.selector", spec.selector, "field is immutable"));
  }
  return errs;
}

function validateDaemonSetStrategy(raw: unknown, errs: FieldError[]): void {
  const sp = "spec.updateStrategy";
  const s = readRec(raw, sp, errs);
  if (!s) return;
  const type = readString(s.type, child(sp, "type"), errs);
  if (type === "OnDelete") return;
  if (type !== "RollingUpdate") {
    errs.push(notSupported(sp, type ?? "", ["OnDelete", "RollingUpdate"]));
    return;
  }
  const ruPath = child(sp, "rollingUpdate");
  if (!present(s.rollingUpdate)) {
    errs.push(required(ruPath));
    return;
  }
  const ru = readRec(s.rollingUpdate, ruPath, errs);
  if (!ru) return;
  const unavailable = intOrPercent(ru.maxUnavailable, child(ruPath, "maxUnavailable"), errs);
  const surge = intOrPercent(ru.maxSurge, child(ruPath, "maxSurge"), errs);
  // Exactly one of them moves the rollout: surge (new pod first) or unavailability (old pod first).
  const hasUnavailable = (unavailable?.value ?? 0) !== 0;
  const hasSurge = (surge?.value ?? 0) !== 0;
  if (hasUnavailable && hasSurge) errs.push(invalid(child(ruPath, "maxSurge"), ru.maxSurge, "may not be set when maxUnavailable is non-zero"));
  else if (!hasUnavailable && !hasSurge) errs.push(required(child(ruPath, "maxUnavailable"), "cannot be 0 when maxSurge is 0"));
}

// ---- StatefulSet -----------------------------------------------------------

/** Fields of a StatefulSet's spec that an update may change; the rest are fixed at creation. */
const STS_MUTABLE = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

export function validateStatefulSet(obj: KubeObject, ctx: SetUpdateContext = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj, errs);
  if (!spec) return errs;
  const policy = readString(spec.podManagementPolicy, "spec.podManagementPolicy", errs);
  if (policy === undefined) errs.push(required("spec.podManagementPolicy"));
  else if (policy !== "OrderedReady" && policy !== "Parallel") {
    errs.push(invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"));
  }
  validateStatefulSetStrategy(spec.updateStrategy, errs);
  validateNonNegative(spec.replicas, "spec.replicas", errs);
  validateNonNegative(spec.minReadySeconds, "spec.minReadySeconds", errs);
  validateNonNegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit", errs);
  const ordinals = readRec(spec.ordinals, "spec.ordinals", errs);
  if (ordinals) validateNonNegative(ordinals.start, "spec.ordinals.start", errs);
  // serviceName is optional and, in 1.32, not checked (1.33 added a DNS label check).
  readString(spec.serviceName, "spec.serviceName", errs);
  const claims = validateClaimTemplates(spec.volumeClaimTemplates, errs);
  const selector = validateSelector(spec, "statefulset", errs);
  validateTemplate(spec, selector, "StatefulSet", errs, claims);
  validateRetention(spec.persistentVolumeClaimRetentionPolicy, errs);

  const oldSpec = ctx.old?.spec;
  if (isRec(oldSpec)) {
    const fixed = (s: Rec) => Object.fromEntries(Object.entries(s).filter(([k]) => !STS_MUTABLE.includes(k)));
    if (canonical(fixed(spec)) !== canonical(fixed(oldSpec))) {
      errs.push(
        forbidden(
          "spec",
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return errs;
}

function validateStatefulSetStrategy(raw: unknown, errs: FieldError[]): void {
  const sp = "spec.updateStrategy";
  const s = readRec(raw, sp, errs) ?? {};
  const type = readString(s.type, child(sp, "type"), errs);
  const ruPath = child(sp, "rollingUpdate");
  switch (type) {
    case undefined:
      errs.push(required(sp));
      return;
    case "OnDelete":
      if (present(s.rollingUpdate)) errs.push(invalid(ruPath, s.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      return;
    case "RollingUpdate": {
      const ru = readRec(s.rollingUpdate, ruPath, errs);
      if (!ru) return;
      validateNonNegative(ru.partition, child(ruPath, "partition"), errs);
      const mu = intOrPercent(ru.maxUnavailable, child(ruPath, "maxUnavailable"), errs);
      if (mu && mu.value === 0) errs.push(invalid(child(ruPath, "maxUnavailable"), ru.maxUnavailable, "cannot be 0"));
      return;
    }
    default:
      errs.push(invalid(sp, s, "must be 'RollingUpdate' or 'OnDelete'"));
  }
}

/** Claim template names; each becomes a volume of every pod, so it must be a valid volume name. */
function validateClaimTemplates(raw: unknown, errs: FieldError[]): string[] {
  const names: string[] = [];
  const path = "spec.volumeClaimTemplates";
  readList(raw, path, errs).forEach((c, i) => {
    const p = index(path, i);
    const claim = readRec(c, p, errs);
    if (!claim) return;
    const meta = readRec(claim.metadata, child(p, "metadata"), errs) ?? {};
    const namePath = child(p, "metadata.name");
    const name = readString(meta.name, namePath, errs);
    if (name === undefined) {
      errs.push(required(namePath));
      return;
    }
    for (const msg of dns1123LabelErrors(name)) errs.push(invalid(namePath, name, msg));
    names.push(name);
  });
  return names;
}

function validateRetention(raw: unknown, errs: FieldError[]): void {
  const path = "spec.persistentVolumeClaimRetentionPolicy";
  const r = readRec(raw, path, errs);
  if (!r) return;
  for (const field of ["whenDeleted", "whenScaled"]) {
    const v = readString(r[field], child(path, field), errs);
    if (v !== undefined && v !== "Retain" && v !== "Delete") errs.push(notSupported(child(path, field), v, ["Retain", "Delete"]));
  }
}

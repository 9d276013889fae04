// Job and CronJob (batch/v1), after pkg/apis/batch/validation: counts and
// limits, the pod template (restartPolicy OnFailure or Never), the generated
// selector, and a CronJob's schedule, time zone and history limits.
import { FieldError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { CronSchedule, CronParseError, isValidTimeZone } from "../cron.js";
import { JOB_LABELS } from "../defaults/batch.js";
import {
  child,
  invalid,
  isRec,
  present,
  readInt,
  readRec,
  readString,
  required,
  validateEnum,
  validateNonNegative,
  type Rec,
} from "./field.js";
import { isEmptySelector, selectorMatchesLabels, validateAnnotations, validateLabels, validateLabelSelectorObject } from "./meta.js";
import { validatePodSpec } from "./pod.js";
import { IMMUTABLE_JOB_POLICY_FIELDS, validateJobPolicies } from "./job-policies.js";

export interface UpdateContext {
  old?: KubeObject;
}

const JOB_RESTART_POLICIES = '"OnFailure", "Never"';
/** CronJob names leave room for the 11-character "-<minutes>" suffix of their Jobs' names. */
const CRONJOB_NAME_MAX = 52;

function specOf(obj: KubeObject, errs: FieldError[]): Rec | undefined {
  if (!present(obj.spec)) {
    errs.push(required("spec"));
    return undefined;
  }
  return readRec(obj.spec, "spec", errs);
}

/** validateJobSpec: what a Job and a CronJob's job template share. */
function validateJobSpec(spec: Rec, path: string, errs: FieldError[]): void {
  for (const f of ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"]) {
    validateNonNegative(spec[f], child(path, f), errs);
  }
  const mode = validateEnum(spec.completionMode, child(path, "completionMode"), ["NonIndexed", "Indexed"], errs);
  if (mode === "Indexed" && !present(spec.completions)) {
    errs.push(required(child(path, "completions"), "when completion mode is Indexed"));
  }
  validateEnum(spec.podReplacementPolicy, child(path, "podReplacementPolicy"), ["TerminatingOrFailed", "Failed"], errs);
  validateJobPolicies(spec, path, errs);

  let selector: Rec | undefined;
  if (present(spec.selector)) {
    const selErrs = validateLabelSelectorObject(spec.selector, child(path, "selector"));
    errs.push(...selErrs);
    if (selErrs.length === 0 && isRec(spec.selector) && !isEmptySelector(spec.selector)) selector = spec.selector;
  } else if (spec.manualSelector === true) {
    // Without manualSelector the API server generates it (see generateJobSelector).
    errs.push(required(child(path, "selector")));
  }

  const tp = child(path, "template");
  if (!present(spec.template)) {
    errs.push(required(tp));
    return;
  }
  const template = readRec(spec.template, tp, errs);
  if (!template) return;
  const meta = readRec(template.metadata, child(tp, "metadata"), errs) ?? {};
  const labelsPath = child(tp, "metadata.labels");
  const labelErrs = validateLabels(meta.labels, labelsPath);
  errs.push(...labelErrs);
  errs.push(...validateAnnotations(meta.annotations, child(tp, "metadata.annotations")));
  if (selector && labelErrs.length === 0) {
    const labels = isRec(meta.labels) ? (meta.labels as Record<string, string>) : {};
    if (!selectorMatchesLabels(selector, labels)) errs.push(invalid(labelsPath, labels, "`selector` does not match template `labels`"));
  }
  const podSpecPath = child(tp, "spec");
  errs.push(...validatePodSpec(template.spec, podSpecPath));
  if (isRec(template.spec)) {
    // A Job's pods are meant to finish; "Always" would restart them forever.
    const rp = template.spec.restartPolicy;
    const rpPath = child(podSpecPath, "restartPolicy");
    if (!present(rp) || rp === "") errs.push(required(rpPath, `valid values: ${JOB_RESTART_POLICIES}`));
    else if (rp !== "OnFailure" && rp !== "Never") errs.push(new FieldError("NotSupported", rpPath, rp, `supported values: ${JOB_RESTART_POLICIES}`));
  }
}

/**
 * ValidateGeneratedSelector: without manualSelector the selector and the
 * template labels must be the ones the API server generated from the uid.
 * Skipped while the Job has no selector (a registry without the generating
 * admission plugin; the controller then selects by owner and uid itself).
 */
function validateGeneratedSelector(job: KubeObject, spec: Rec, errs: FieldError[]): void {
  if (spec.manualSelector === true || !present(spec.selector)) return;
  const meta: Rec = isRec(job.metadata) ? job.metadata : {};
  const uid = typeof meta.uid === "string" ? meta.uid : undefined;
  const name = typeof meta.name === "string" ? meta.name : undefined;
  if (!uid) {
    errs.push(required("metadata.uid"));
    return;
  }
  const template = isRec(spec.template) ? spec.template : {};
  const labels = isRec(template.metadata) && isRec(template.metadata.labels) ? (template.metadata.labels as Record<string, unknown>) : {};
  const expected: Record<string, string | undefined> = {
    [JOB_LABELS.legacyControllerUid]: uid,
    [JOB_LABELS.controllerUid]: uid,
    [JOB_LABELS.legacyJobName]: name,
    [JOB_LABELS.jobName]: name,
  };
  for (const [k, want] of Object.entries(expected)) {
    if (want === undefined) continue;
    const p = `spec.template.metadata.labels[${k}]`;
    if (!present(labels[k])) errs.push(required(p, `must be '${want}'`));
    else if (labels[k] !== want) errs.push(invalid(p, labels[k], `must be '${want}'`));
  }
  const sel = isRec(spec.selector) ? spec.selector : {};
  const matchLabels = isRec(sel.matchLabels) ? sel.matchLabels : {};
  if (matchLabels[JOB_LABELS.controllerUid] !== uid) errs.push(invalid("spec.selector", spec.selector, "`selector` not auto-generated"));
}

/** Sorted-key JSON, so key order never counts as a change. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => (isRec(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val));
}

function validateJobUpdate(spec: Rec, oldSpec: Rec, errs: FieldError[]): void {
  for (const f of ["selector", "completionMode", ...IMMUTABLE_JOB_POLICY_FIELDS]) {
    if (present(oldSpec[f]) && canonical(spec[f]) !== canonical(oldSpec[f])) errs.push(invalid(`spec.${f}`, spec[f], "field is immutable"));
  }
  // A suspended Job has no pods yet, so its template may still change (Kubernetes allows it for queueing).
  if (oldSpec.suspend !== true && canonical(spec.template) !== canonical(oldSpec.template)) {
    errs.push(invalid("spec.template", spec.template, "field is immutable"));
  }
}

export function validateJob(obj: KubeObject, ctx: UpdateContext = {}): FieldError[] {
  const errs: FieldError[] = [];
  const spec = specOf(obj, errs);
  if (!spec) return errs;
  validateJobSpec(spec, "spec", errs);
  validateGeneratedSelector(obj, spec, errs);
  const oldSpec = ctx.old?.spec;
  if (isRec(oldSpec)) validateJobUpdate(spec, oldSpec, errs);
  return errs;
}

export function validateCronJob(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = obj.metadata?.name;
  if (typeof name === "string" && name.length > CRONJOB_NAME_MAX) {
    errs.push(invalid("metadata.name", name, `must be no more than ${CRONJOB_NAME_MAX} characters`));
  }
  const spec = specOf(obj, errs);
  if (!spec) return errs;

  const tz = readString(spec.timeZone, "spec.timeZone", errs);
  if (spec.timeZone === "") errs.push(invalid("spec.timeZone", "", "timeZone must be nil or non-empty string"));
  else if (tz !== undefined) {
    if (tz.toLowerCase() === "local") errs.push(invalid("spec.timeZone", tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"));
    else if (!isValidTimeZone(tz)) errs.push(invalid("spec.timeZone", tz, `unknown time zone ${tz}`));
  }

  const schedule = readString(spec.schedule, "spec.schedule", errs);
  if (schedule === undefined) {
    if (!present(spec.schedule) || spec.schedule === "") errs.push(required("spec.schedule"));
  } else {
    try {
      CronSchedule.parse(schedule);
    } catch (e) {
      if (!(e instanceof CronParseError)) throw e;
      errs.push(invalid("spec.schedule", schedule, e.message));
    }
    if (schedule.includes("TZ")) errs.push(invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  }

  validateEnum(spec.concurrencyPolicy, "spec.concurrencyPolicy", ["Allow", "Forbid", "Replace"], errs);
  const deadline = readInt(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds", errs);
  if (deadline !== undefined && deadline < 0) errs.push(invalid("spec.startingDeadlineSeconds", deadline, "must be greater than or equal to 0"));
  validateNonNegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit", errs);
  validateNonNegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit", errs);

  const jtPath = "spec.jobTemplate";
  if (!present(spec.jobTemplate)) {
    errs.push(required(jtPath));
    return errs;
  }
  const jobTemplate = readRec(spec.jobTemplate, jtPath, errs);
  if (!jobTemplate) return errs;
  const jtMeta = readRec(jobTemplate.metadata, child(jtPath, "metadata"), errs);
  if (jtMeta) {
    errs.push(...validateLabels(jtMeta.labels, child(jtPath, "metadata.labels")));
    errs.push(...validateAnnotations(jtMeta.annotations, child(jtPath, "metadata.annotations")));
  }
  const jobSpecPath = child(jtPath, "spec");
  if (!present(jobTemplate.spec)) errs.push(required(jobSpecPath));
  else {
    const jobSpec = readRec(jobTemplate.spec, jobSpecPath, errs);
    if (jobSpec) validateJobSpec(jobSpec, jobSpecPath, errs);
  }
  return errs;
}

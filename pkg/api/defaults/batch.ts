// Defaulting for batch/v1 Job and CronJob (pkg/apis/batch/v1/defaults.go).
// As in ../defaults.ts only unset fields are filled, so applying twice changes
// nothing. The generated selector and the controller-uid/job-name labels need
// the object's uid, which does not exist yet at defaulting time: the API server
// adds them at creation (generateJobSelector, called from an admission plugin).
import { defaultPodSpec } from "./pod-spec.js";
import type { KubeObject } from "../types.js";

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);
const unset = (v: unknown): boolean => v === undefined || v === null;

function ensureRec(o: Rec, k: string): Rec | undefined {
  if (unset(o[k])) o[k] = {};
  return isRec(o[k]) ? o[k] : undefined;
}

/** Labels Kubernetes puts on a Job's pod template, and selects its pods by. */
export const JOB_LABELS = {
  controllerUid: "batch.kubernetes.io/controller-uid",
  jobName: "batch.kubernetes.io/job-name",
  legacyControllerUid: "controller-uid",
  legacyJobName: "job-name",
} as const;

/** SetDefaults_Job; the Job's pod template gets the same defaults as a Deployment's. */
export function defaultJob(job: KubeObject): void {
  const spec = ensureRec(job, "spec");
  if (!spec) return;
  defaultJobSpec(spec);
  copyTemplateLabels(job, spec);
}

function defaultJobSpec(spec: Rec): void {
  // A non-parallel Job may leave both unset: then both are 1. Completions unset
  // with parallelism set means "done when any one pod succeeds" (a work queue).
  if (unset(spec.completions) && unset(spec.parallelism)) spec.completions = 1;
  if (unset(spec.parallelism)) spec.parallelism = 1;
  if (unset(spec.backoffLimit)) spec.backoffLimit = unset(spec.backoffLimitPerIndex) ? 6 : 2147483647;
  if (unset(spec.completionMode) || spec.completionMode === "") spec.completionMode = "NonIndexed";
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.manualSelector)) spec.manualSelector = false;
  if (unset(spec.podReplacementPolicy) || spec.podReplacementPolicy === "") {
    spec.podReplacementPolicy = unset(spec.podFailurePolicy) ? "TerminatingOrFailed" : "Failed";
  }
  // SetDefaults_PodFailurePolicyOnPodConditionsPattern: a condition pattern without status means "True".
  const policy = spec.podFailurePolicy;
  if (isRec(policy) && Array.isArray(policy.rules)) {
    for (const rule of policy.rules) {
      if (!isRec(rule) || !Array.isArray(rule.onPodConditions)) continue;
      for (const c of rule.onPodConditions) if (isRec(c) && (unset(c.status) || c.status === "")) c.status = "True";
    }
  }
  const template = ensureRec(spec, "template");
  const podSpec = template && ensureRec(template, "spec");
  if (podSpec) defaultPodSpec(podSpec);
}

/** A Job without labels of its own carries its template's (defaulting does this on every read in Kubernetes). */
function copyTemplateLabels(obj: KubeObject, spec: Rec): void {
  const template = spec.template;
  if (!isRec(template) || !isRec(template.metadata) || !isRec(template.metadata.labels)) return;
  const labels = template.metadata.labels as Record<string, string>;
  if (Object.keys(labels).length === 0 || !isRec(obj.metadata)) return;
  const own = obj.metadata.labels;
  if (own === undefined || own === null || (isRec(own) && Object.keys(own).length === 0)) obj.metadata.labels = { ...labels };
}

/** SetDefaults_CronJob; the job template gets the Job defaults. */
export function defaultCronJob(cj: KubeObject): void {
  const spec = ensureRec(cj, "spec");
  if (!spec) return;
  if (unset(spec.concurrencyPolicy) || spec.concurrencyPolicy === "") spec.concurrencyPolicy = "Allow";
  if (unset(spec.suspend)) spec.suspend = false;
  if (unset(spec.successfulJobsHistoryLimit)) spec.successfulJobsHistoryLimit = 3;
  if (unset(spec.failedJobsHistoryLimit)) spec.failedJobsHistoryLimit = 1;
  const jobTemplate = ensureRec(spec, "jobTemplate");
  const jobSpec = jobTemplate && ensureRec(jobTemplate, "spec");
  if (jobSpec) defaultJobSpec(jobSpec);
}

/**
 * The strategy's generateSelector: unless spec.manualSelector is true, select the
 * Job's pods by its uid and label the template with uid and name (current and
 * legacy keys), keeping labels the user set (validation then rejects conflicts).
 * Needs metadata.uid and metadata.name. Idempotent.
 */
export function generateJobSelector(job: KubeObject): void {
  const spec = job.spec;
  const uid = isRec(job.metadata) ? job.metadata.uid : undefined;
  const name = isRec(job.metadata) ? job.metadata.name : undefined;
  if (!isRec(spec) || spec.manualSelector === true || !uid || !name) return;
  const template = ensureRec(spec, "template");
  const meta = template && ensureRec(template, "metadata");
  const labels = meta && ensureRec(meta, "labels");
  if (!labels) return;
  for (const k of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) if (unset(labels[k])) labels[k] = name;
  for (const k of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) if (unset(labels[k])) labels[k] = uid;
  const selector = ensureRec(spec, "selector");
  const matchLabels = selector && ensureRec(selector, "matchLabels");
  if (matchLabels && unset(matchLabels[JOB_LABELS.controllerUid])) matchLabels[JOB_LABELS.controllerUid] = uid;
  copyTemplateLabels(job, spec);
}

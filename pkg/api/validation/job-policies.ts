// The Job fields of Kubernetes 1.32 that steer failure and success
// (pkg/apis/batch/validation: validatePodFailurePolicy, validateSuccessPolicy,
// backoffLimitPerIndex, maxFailedIndexes), with Kubernetes' messages.
import { FieldError } from "../errors.js";
import { child, forbidden, index, invalid, isRec, notSupported, present, readInt, readList, readRec, readString, required, validateNonNegative, type Rec } from "./field.js";

const MAX_RULES = 20;
const MAX_EXIT_CODES = 255;
const ACTIONS = ["Count", "FailIndex", "FailJob", "Ignore"];

/** "1,3-5" with increasing, non-overlapping intervals below `completions`; the error says what is wrong. */
function indexesProblem(text: string, completions: number | undefined): string | undefined {
  let prev = -1;
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return `error parsing succeededIndexes: cannot convert string to integer for index: "${part}"`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return `error parsing succeededIndexes: non-increasing order, previous: ${from}, current: ${to}`;
    if (from <= prev) return `error parsing succeededIndexes: non-increasing order, previous: ${prev}, current: ${from}`;
    if (completions !== undefined && to >= completions) return `error parsing succeededIndexes: too large index: "${to}"`;
    prev = to;
  }
  return undefined;
}

function validatePodFailurePolicy(policy: Rec, path: string, spec: Rec, errs: FieldError[]): void {
  const rulesPath = child(path, "rules");
  const rules = readList(policy.rules, rulesPath, errs);
  if (rules.length > MAX_RULES) errs.push(invalid(rulesPath, rules.length, `must have at most ${MAX_RULES} items`));
  const perIndex = present(spec.backoffLimitPerIndex);
  rules.forEach((raw, i) => {
    const rp = index(rulesPath, i);
    const rule = readRec(raw, rp, errs);
    if (!rule) return;
    const action = readString(rule.action, child(rp, "action"), errs);
    if (!present(rule.action)) errs.push(required(child(rp, "action")));
    else if (action !== undefined && !ACTIONS.includes(action)) errs.push(notSupported(child(rp, "action"), action, ACTIONS));
    else if (action === "FailIndex" && !perIndex) errs.push(forbidden(child(rp, "action"), "requires the backoffLimitPerIndex to be set"));
    const hasCodes = present(rule.onExitCodes);
    const hasConds = present(rule.onPodConditions);
    if (hasCodes === hasConds) errs.push(invalid(rp, rule, "specifying one of OnExitCodes and OnPodConditions is required"));
    if (hasCodes) validateExitCodes(rule.onExitCodes, child(rp, "onExitCodes"), errs);
    if (hasConds) {
      const cp = child(rp, "onPodConditions");
      readList(rule.onPodConditions, cp, errs).forEach((c, j) => {
        const pp = index(cp, j);
        const cond = readRec(c, pp, errs);
        if (!cond) return;
        if (!present(cond.type) || cond.type === "") errs.push(required(child(pp, "type")));
        const status = readString(cond.status, child(pp, "status"), errs);
        if (status !== undefined && !["True", "False", "Unknown"].includes(status)) errs.push(notSupported(child(pp, "status"), status, ["True", "False", "Unknown"]));
      });
    }
  });
}

function validateExitCodes(v: unknown, path: string, errs: FieldError[]): void {
  const r = readRec(v, path, errs);
  if (!r) return;
  const op = readString(r.operator, child(path, "operator"), errs);
  if (!present(r.operator)) errs.push(required(child(path, "operator")));
  else if (op !== undefined && op !== "In" && op !== "NotIn") errs.push(notSupported(child(path, "operator"), op, ["In", "NotIn"]));
  const vp = child(path, "values");
  const values = readList(r.values, vp, errs);
  if (values.length === 0) errs.push(required(vp, "at least one value is required"));
  if (values.length > MAX_EXIT_CODES) errs.push(invalid(vp, values.length, `must have at most ${MAX_EXIT_CODES} items`));
  let prev: number | undefined;
  values.forEach((x, i) => {
    const n = readInt(x, index(vp, i), errs);
    if (n === undefined) return;
    if (op === "In" && n === 0) errs.push(invalid(index(vp, i), n, "must not be 0 for the In operator"));
    if (prev !== undefined && n === prev) errs.push(new FieldError("Duplicate", index(vp, i), n));
    else if (prev !== undefined && n < prev) errs.push(invalid(index(vp, i), n, "must be ordered"));
    prev = n;
  });
}

function validateSuccessPolicy(policy: Rec, path: string, completions: number | undefined, errs: FieldError[]): void {
  const rulesPath = child(path, "rules");
  const rules = readList(policy.rules, rulesPath, errs);
  if (rules.length === 0) errs.push(required(rulesPath, "at least one rules must be specified when the successPolicy is specified"));
  if (rules.length > MAX_RULES) errs.push(invalid(rulesPath, rules.length, `must have at most ${MAX_RULES} items`));
  rules.forEach((raw, i) => {
    const rp = index(rulesPath, i);
    const rule = readRec(raw, rp, errs);
    if (!rule) return;
    if (!present(rule.succeededIndexes) && !present(rule.succeededCount)) {
      errs.push(required(rp, "at least one of succeededCount or succeededIndexes must be specified"));
      return;
    }
    let size: number | undefined;
    const text = readString(rule.succeededIndexes, child(rp, "succeededIndexes"), errs);
    if (text !== undefined) {
      const problem = indexesProblem(text, completions);
      if (problem) errs.push(invalid(child(rp, "succeededIndexes"), text, problem));
      else size = text.split(",").reduce((n, part) => n + (part.includes("-") ? Number(part.split("-")[1]) - Number(part.split("-")[0]) + 1 : 1), 0);
    }
    const count = readInt(rule.succeededCount, child(rp, "succeededCount"), errs);
    if (count === undefined) return;
    const cp = child(rp, "succeededCount");
    if (count < 0) errs.push(invalid(cp, count, "must be greater than or equal to 0"));
    else if (completions !== undefined && count > completions) errs.push(invalid(cp, count, `must be less than or equal to ${completions} (the number of specified completions)`));
    else if (size !== undefined && count > size) errs.push(invalid(cp, count, `must be less than or equal to ${size} (the number of indexes in the specified succeededIndexes field)`));
  });
}

/** The 1.32 policy fields of a Job spec (or a CronJob's job template) at `path`. */
export function validateJobPolicies(spec: Rec, path: string, errs: FieldError[]): void {
  const indexed = spec.completionMode === "Indexed";
  const completions = typeof spec.completions === "number" ? spec.completions : undefined;
  if (present(spec.backoffLimitPerIndex)) {
    validateNonNegative(spec.backoffLimitPerIndex, child(path, "backoffLimitPerIndex"), errs);
    if (!indexed) errs.push(invalid(child(path, "backoffLimitPerIndex"), spec.backoffLimitPerIndex, "requires indexed completion mode"));
  }
  if (present(spec.maxFailedIndexes)) {
    const mp = child(path, "maxFailedIndexes");
    validateNonNegative(spec.maxFailedIndexes, mp, errs);
    if (!present(spec.backoffLimitPerIndex)) errs.push(required(child(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"));
    const max = typeof spec.maxFailedIndexes === "number" ? spec.maxFailedIndexes : undefined;
    if (max !== undefined && completions !== undefined && max > completions) errs.push(invalid(mp, max, "must be less than or equal to completions"));
  }
  if (present(spec.podFailurePolicy)) {
    const pp = child(path, "podFailurePolicy");
    const policy = readRec(spec.podFailurePolicy, pp, errs);
    if (policy) validatePodFailurePolicy(policy, pp, spec, errs);
    const template = isRec(spec.template) && isRec(spec.template.spec) ? spec.template.spec : undefined;
    if (template && present(template.restartPolicy) && template.restartPolicy !== "Never") {
      errs.push(invalid(child(path, "template.spec.restartPolicy"), template.restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));
    }
    if (present(spec.podReplacementPolicy) && spec.podReplacementPolicy !== "Failed") {
      errs.push(notSupported(child(path, "podReplacementPolicy"), spec.podReplacementPolicy, ["Failed"]));
    }
  }
  if (present(spec.successPolicy)) {
    const sp = child(path, "successPolicy");
    if (!indexed) errs.push(invalid(sp, spec.successPolicy, "requires indexed completion mode"));
    const policy = readRec(spec.successPolicy, sp, errs);
    if (policy) validateSuccessPolicy(policy, sp, completions, errs);
  }
}

/** Fields a Job may not change once created (besides selector and completionMode). */
export const IMMUTABLE_JOB_POLICY_FIELDS = ["podFailurePolicy", "successPolicy", "backoffLimitPerIndex"] as const;

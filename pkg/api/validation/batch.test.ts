import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import { generateJobSelector } from "../defaults/batch.js";
import type { KubeObject } from "../types.js";
import { validateObject } from "../validation.js";

function job(spec: Record<string, unknown> = {}, podSpec: Record<string, unknown> = {}): KubeObject {
  return applyDefaults({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default" },
    spec: { template: { spec: { containers: [{ name: "pi", image: "skiff/busybox" }], restartPolicy: "Never", ...podSpec } }, ...spec },
  });
}

function cronJob(spec: Record<string, unknown>): KubeObject {
  return applyDefaults({
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "hello", namespace: "default" },
    spec: {
      schedule: "*/1 * * * *",
      jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "skiff/busybox" }], restartPolicy: "OnFailure" } } } },
      ...spec,
    },
  });
}

const messages = (obj: KubeObject, old?: KubeObject) => validateObject(obj, old ? { isUpdate: true, old } : {}).map((e) => e.message);

describe("Job validation", () => {
  it("accepts the documentation's pi Job, before and after selector generation", () => {
    const j = job({ backoffLimit: 4 });
    expect(messages(j)).toEqual([]);
    j.metadata.uid = "u-1";
    generateJobSelector(j);
    expect(messages(j)).toEqual([]);
  });

  it("wants restartPolicy OnFailure or Never, as Kubernetes words it", () => {
    expect(messages(job({}, { restartPolicy: "Always" }))).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
    // Defaulting turns a missing policy into Always, which is then refused.
    const unset = job();
    delete ((unset.spec as { template: { spec: Record<string, unknown> } }).template.spec).restartPolicy;
    expect(messages(applyDefaults(unset))).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  });

  it("rejects negative counts and unknown modes", () => {
    const errs = messages(job({ parallelism: -1, completions: -2, backoffLimit: -3, activeDeadlineSeconds: -4, ttlSecondsAfterFinished: -5, completionMode: "Sometimes" }));
    expect(errs).toEqual([
      "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
      "spec.completions: Invalid value: -2: must be greater than or equal to 0",
      "spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0",
      "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
      "spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0",
      'spec.completionMode: Unsupported value: "Sometimes": supported values: "Indexed", "NonIndexed"',
    ]);
  });

  it("refuses a hand-written selector without manualSelector, and a wrong generated label", () => {
    const j = job({ selector: { matchLabels: { app: "pi" } } }, {});
    (j.spec as { template: { metadata?: unknown } }).template.metadata = { labels: { app: "pi" } };
    j.metadata.uid = "u-1";
    generateJobSelector(j); // keeps the user's selector, adds the uid to it
    expect(messages(j)).toEqual([]);
    const forged = job();
    forged.metadata.uid = "u-1";
    generateJobSelector(forged);
    (forged.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels["batch.kubernetes.io/controller-uid"] = "other";
    expect(messages(forged)).toContain("spec.selector: Invalid value: {\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"other\"}}: `selector` not auto-generated");
    const manual = job({ manualSelector: true });
    expect(messages(manual)).toEqual(["spec.selector: Required value"]);
  });

  it("keeps the selector and a running Job's template immutable", () => {
    const old = job();
    old.metadata.uid = "u-1";
    generateJobSelector(old);
    const changed = structuredClone(old);
    (changed.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image = "other";
    expect(messages(changed, old)).toEqual([expect.stringMatching(/^spec\.template: Invalid value: .*field is immutable$/)]);
    const suspended = structuredClone(old);
    (suspended.spec as Record<string, unknown>).suspend = true;
    const resumedWithNewImage = structuredClone(changed);
    expect(messages(resumedWithNewImage, suspended)).toEqual([]);
    const same = structuredClone(old);
    expect(messages(same, old)).toEqual([]);
  });
});

describe("CronJob validation", () => {
  it("accepts schedules with macros, names and steps, and IANA zones", () => {
    for (const schedule of ["@hourly", "0 0 * * MON-FRI", "*/5 9-17 * jan,jul *", "@daily"]) expect(messages(cronJob({ schedule }))).toEqual([]);
    expect(messages(cronJob({ timeZone: "Europe/Berlin" }))).toEqual([]);
  });

  it("reports bad schedules, zones, deadlines, limits and policies", () => {
    expect(messages(cronJob({ schedule: "61 * * * *" }))).toEqual(["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"]);
    expect(messages(cronJob({ schedule: "" }))).toEqual(["spec.schedule: Required value"]);
    expect(messages(cronJob({ schedule: "TZ=UTC 0 * * * *" }))).toContain('spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    expect(messages(cronJob({ timeZone: "Mars/Olympus" }))).toEqual(['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    expect(messages(cronJob({ timeZone: "Local" }))).toEqual(['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']);
    expect(messages(cronJob({ startingDeadlineSeconds: -1, successfulJobsHistoryLimit: -1, concurrencyPolicy: "Never" }))).toEqual([
      'spec.concurrencyPolicy: Unsupported value: "Never": supported values: "Allow", "Forbid", "Replace"',
      "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
      "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
    ]);
  });

  it("checks the job template and the name length", () => {
    const cj = cronJob({});
    (cj.spec as { jobTemplate: { spec: { template: { spec: Record<string, unknown> } } } }).jobTemplate.spec.template.spec.restartPolicy = "Always";
    expect(messages(cj)).toEqual(['spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
    const long = cronJob({});
    long.metadata.name = "x".repeat(53);
    expect(messages(long)).toContain(`metadata.name: Invalid value: "${"x".repeat(53)}": must be no more than 52 characters`);
  });
});

describe("batch validation on hostile input", () => {
  /** Every path in a JSON tree. */
  const paths = (v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> => {
    const out = [prefix];
    if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, k]));
    return out;
  };
  const replaced = (obj: KubeObject, path: Array<string | number>, value: unknown): KubeObject => {
    const copy = JSON.parse(JSON.stringify(obj)) as Record<string | number, unknown>;
    if (path.length === 0) return copy as KubeObject;
    let cur = copy;
    for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
    cur[path[path.length - 1]] = value;
    return copy as KubeObject;
  };

  it("reports errors and never throws, whatever a field holds", async () => {
    const fc = (await import("fast-check")).default;
    const base = [job({ activeDeadlineSeconds: 5, selector: { matchLabels: { a: "b" } } }), cronJob({ timeZone: "UTC", startingDeadlineSeconds: 3 })];
    base[0].metadata.uid = "u";
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.jsonValue(), (b, p, value) => {
        const obj = base[b % base.length];
        const all = paths(obj);
        const mutated = replaced(obj, all[p % all.length], value);
        expect(() => validateObject(mutated)).not.toThrow();
        expect(() => validateObject(mutated, { isUpdate: true, old: obj })).not.toThrow();
        expect(() => generateJobSelector(applyDefaults(structuredClone(mutated)))).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});

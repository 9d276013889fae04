import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import type { KubeObject } from "../types.js";
import { generateJobSelector, JOB_LABELS } from "./batch.js";

const pi = (): KubeObject => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi", namespace: "default" },
  spec: { template: { spec: { containers: [{ name: "pi", image: "skiff/busybox" }], restartPolicy: "Never" } }, backoffLimit: 4 },
});

describe("Job defaults", () => {
  it("fills what Kubernetes fills, keeping what the user set", () => {
    const job = applyDefaults(pi());
    expect(job.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 4,
      completionMode: "NonIndexed",
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: "TerminatingOrFailed",
    });
    const podSpec = (job.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(podSpec).toMatchObject({ restartPolicy: "Never", dnsPolicy: "ClusterFirst", terminationGracePeriodSeconds: 30 });
    expect((podSpec.containers as Array<Record<string, unknown>>)[0].imagePullPolicy).toBe("Always");
  });

  it("leaves completions unset when only parallelism is given (any one success completes)", () => {
    const job = pi();
    (job.spec as Record<string, unknown>).parallelism = 3;
    applyDefaults(job);
    expect((job.spec as Record<string, unknown>).completions).toBeUndefined();
    expect((job.spec as Record<string, unknown>).backoffLimit).toBe(4);
    const noLimit = pi();
    delete (noLimit.spec as Record<string, unknown>).backoffLimit;
    expect((applyDefaults(noLimit).spec as Record<string, unknown>).backoffLimit).toBe(6);
  });

  it("is idempotent", () => {
    const once = applyDefaults(pi());
    expect(applyDefaults(structuredClone(once))).toEqual(once);
  });
});

describe("CronJob defaults", () => {
  it("sets policy, suspend, history limits and the job template's defaults", () => {
    const cj = applyDefaults({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "hello" },
      spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { containers: [{ name: "c", image: "x:1" }], restartPolicy: "OnFailure" } } } } },
    });
    expect(cj.spec).toMatchObject({ concurrencyPolicy: "Allow", suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect((cj.spec as { jobTemplate: { spec: Record<string, unknown> } }).jobTemplate.spec).toMatchObject({ backoffLimit: 6, parallelism: 1, completions: 1 });
  });
});

describe("generateJobSelector", () => {
  it("selects by uid and labels the template and the Job (current and legacy keys)", () => {
    const job = applyDefaults(pi());
    job.metadata.uid = "u-1";
    generateJobSelector(job);
    const spec = job.spec as { selector: unknown; template: { metadata: { labels: Record<string, string> } } };
    expect(spec.selector).toEqual({ matchLabels: { [JOB_LABELS.controllerUid]: "u-1" } });
    expect(spec.template.metadata.labels).toEqual({
      "batch.kubernetes.io/controller-uid": "u-1",
      "batch.kubernetes.io/job-name": "pi",
      "controller-uid": "u-1",
      "job-name": "pi",
    });
    expect(job.metadata.labels).toEqual(spec.template.metadata.labels);
  });

  it("does nothing with manualSelector", () => {
    const job = pi();
    (job.spec as Record<string, unknown>).manualSelector = true;
    job.metadata.uid = "u-1";
    generateJobSelector(job);
    expect((job.spec as Record<string, unknown>).selector).toBeUndefined();
  });
});

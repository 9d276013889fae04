import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
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
const messages = (obj: KubeObject, old?: KubeObject) => validateObject(obj, old ? { isUpdate: true, old } : {}).map((e) => e.message);

describe("Job policy fields", () => {
  it("accept the documentation's examples and default a condition pattern's status to True", () => {
    const pfp = job({
      completions: 12,
      parallelism: 3,
      podFailurePolicy: {
        rules: [
          { action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } },
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget" }] },
        ],
      },
    });
    expect(messages(pfp)).toEqual([]);
    expect((pfp.spec as { podFailurePolicy: { rules: Array<{ onPodConditions?: unknown }> } }).podFailurePolicy.rules[1].onPodConditions).toEqual([{ type: "DisruptionTarget", status: "True" }]);
    expect((pfp.spec as { podReplacementPolicy: string }).podReplacementPolicy).toBe("Failed");
    expect(messages(job({ completions: 10, parallelism: 3, completionMode: "Indexed", backoffLimitPerIndex: 1, maxFailedIndexes: 5 }))).toEqual([]);
    expect(messages(job({ completions: 10, parallelism: 10, completionMode: "Indexed", successPolicy: { rules: [{ succeededIndexes: "0-2", succeededCount: 1 }] } }))).toEqual([]);
  });

  it("reject bad policies naming the field", () => {
    expect(messages(job({ backoffLimitPerIndex: 1 }))).toContain("spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode");
    expect(messages(job({ completions: 2, completionMode: "Indexed", maxFailedIndexes: 1 }))).toContain("spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified");
    expect(messages(job({ podFailurePolicy: { rules: [{ action: "FailIndex", onExitCodes: { operator: "In", values: [1] } }] } }))).toContain(
      "spec.podFailurePolicy.rules[0].action: Forbidden: requires the backoffLimitPerIndex to be set",
    );
    expect(messages(job({ podFailurePolicy: { rules: [{ action: "Stop", onExitCodes: { operator: "In", values: [0] } }] } }))).toEqual(
      expect.arrayContaining([
        'spec.podFailurePolicy.rules[0].action: Unsupported value: "Stop": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
        "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
      ]),
    );
    expect(messages(job({ podFailurePolicy: { rules: [{ action: "Count" }] } }))).toEqual([expect.stringMatching(/^spec\.podFailurePolicy\.rules\[0\]: Invalid value: .*specifying one of OnExitCodes and OnPodConditions is required$/)]);
    expect(messages(job({ podFailurePolicy: { rules: [{ action: "Count", onPodConditions: [{ type: "X" }] }] } }, { restartPolicy: "OnFailure" }))).toContain(
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    );
    expect(messages(job({ completions: 3, successPolicy: { rules: [{ succeededCount: 1 }] } }))).toEqual([expect.stringMatching(/^spec\.successPolicy: Invalid value: .*requires indexed completion mode$/)]);
    expect(messages(job({ completions: 3, completionMode: "Indexed", successPolicy: { rules: [{ succeededIndexes: "1-5" }] } }))).toContain(
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "1-5": error parsing succeededIndexes: too large index: "5"',
    );
  });

  it("are immutable once the Job exists", () => {
    const old = job({ completions: 3, completionMode: "Indexed", backoffLimitPerIndex: 1 });
    const changed = job({ completions: 3, completionMode: "Indexed", backoffLimitPerIndex: 2 });
    expect(messages(changed, old)).toContain("spec.backoffLimitPerIndex: Invalid value: 2: field is immutable");
  });
});

import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { Registry, newContext } from "../apiserver/registry.js";
import { openStore } from "../store/index.js";
import { JobSelectorAdmission } from "./job-selector.js";

const pi: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi", namespace: "default" },
  spec: { template: { spec: { containers: [{ name: "pi", image: "skiff/busybox" }], restartPolicy: "Never" } } },
};

async function registry(): Promise<Registry> {
  const r = new Registry(await openStore("memory"), { admission: [new JobSelectorAdmission()] });
  await r.bootstrap();
  return r;
}

describe("JobSelectorAdmission", () => {
  it("generates the selector and labels from the uid at creation", async () => {
    const r = await registry();
    const job = await r.create(R.jobs, "default", pi, newContext());
    const uid = job.metadata.uid!;
    const spec = job.spec as { selector: unknown; manualSelector: boolean; template: { metadata: { labels: Record<string, string> } } };
    expect(spec.selector).toEqual({ matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
    expect(spec.template.metadata.labels).toEqual({ "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi" });
    expect(job.metadata.labels).toEqual(spec.template.metadata.labels);
    expect(spec.manualSelector).toBe(false);
  });

  it("puts the generated selector back when a PUT of the original manifest leaves it out", async () => {
    const r = await registry();
    const created = await r.create(R.jobs, "default", pi, newContext());
    const replaced = await r.update(R.jobs, "default", "pi", { ...structuredClone(pi), metadata: { ...pi.metadata, resourceVersion: created.metadata.resourceVersion } }, newContext());
    expect(replaced.spec).toEqual(created.spec);
  });

  it("rejects a forged selector on update as immutable", async () => {
    const r = await registry();
    const created = await r.create(R.jobs, "default", pi, newContext());
    const forged = structuredClone(created);
    (forged.spec as { selector: unknown }).selector = { matchLabels: { "batch.kubernetes.io/controller-uid": "someone-else" } };
    await expect(r.update(R.jobs, "default", "pi", forged, newContext())).rejects.toThrow(/spec.selector: Invalid value.*field is immutable/);
  });
});

// Generates a Job's selector and pod-template labels when it is created, as
// Kubernetes' Job registry strategy does (pkg/registry/batch/job/strategy.go):
// batch.kubernetes.io/controller-uid=<uid> selects the pods, and the template
// carries controller-uid and job-name (current and legacy keys). It needs the
// uid the registry assigns, hence an admission plugin rather than defaulting.
// On update, a body that left the generated selector out (a PUT of the
// original manifest) gets it back, so the immutable selector does not "change".
import { generateJobSelector } from "../api/defaults/batch.js";
import type { KubeObject } from "../api/types.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

export class JobSelectorAdmission implements AdmissionPlugin {
  readonly name = "JobSelector";

  admit(a: AdmissionAttributes): void {
    if (a.info.kind !== "Job" || !a.object || a.subresource) return;
    if (a.operation === "CREATE") generateJobSelector(a.object);
    else if (a.operation === "UPDATE" && a.oldObject) restoreGenerated(a.object, a.oldObject);
  }
}

function restoreGenerated(job: KubeObject, old: KubeObject): void {
  if (!isRec(job.spec) || !isRec(old.spec) || job.spec.manualSelector === true) return;
  if (job.spec.selector !== undefined && job.spec.selector !== null) return;
  if (!isRec(old.spec.selector)) return;
  generateJobSelector(job);
}

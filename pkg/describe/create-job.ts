// The Jobs `kubectl create job` builds: from an image and command, or from a
// CronJob's job template (a manual run, marked cronjob.kubernetes.io/instantiate).
import type { KubeObject } from "../api/types.js";

export const INSTANTIATE_ANNOTATION = "cronjob.kubernetes.io/instantiate";

export function jobFromImage(name: string, image: string, command: string[]): KubeObject {
  const container: Record<string, unknown> = { name, image };
  if (command.length > 0) container.command = command;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: { template: { spec: { containers: [container], restartPolicy: "Never" } } },
  };
}

interface CronJobShape {
  spec?: { jobTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown } };
}

/**
 * A copy of the CronJob's job template, owned by the CronJob. Like kubectl, the
 * reference is a controller one without blockOwnerDeletion.
 */
export function jobFromCronJob(name: string, cronJob: KubeObject): KubeObject {
  const template = structuredClone((cronJob as CronJobShape).spec?.jobTemplate ?? {});
  const metadata: KubeObject["metadata"] = {
    name,
    annotations: { [INSTANTIATE_ANNOTATION]: "manual", ...(template.metadata?.annotations ?? {}) },
    ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: cronJob.metadata.name!, uid: cronJob.metadata.uid!, controller: true }],
  };
  if (template.metadata?.labels) metadata.labels = template.metadata.labels;
  return { apiVersion: "batch/v1", kind: "Job", metadata, spec: template.spec ?? {} };
}

// `rollout history`, done client-side against the API the way kubectl does it:
// a Deployment's revisions are its ReplicaSets' deployment.kubernetes.io/revision
// annotations. (`rollout undo` uses rollbackTo from pkg/controllers/history.ts.)
import type { V1PodTemplateSpec, V1ReplicaSet } from "@kubernetes/client-node";
import { R } from "../api/kinds.js";
import { LabelSelector, type LabelSelectorObject } from "../api/selector.js";
import { as, type KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { describePodTemplate } from "./pod.js";
import { RolloutError } from "./rollout-status.js";
import { PrefixWriter, TabWriter } from "./tab-writer.js";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";

export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number | undefined {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** The ReplicaSets a Deployment controls: matched by its selector and owned through a controller reference. */
export async function ownedReplicaSets(client: Client, deploy: KubeObject): Promise<V1ReplicaSet[]> {
  const sel = (deploy.spec as { selector?: LabelSelectorObject } | undefined)?.selector;
  const list = await client.list(R.replicasets, deploy.metadata.namespace, { labelSelector: LabelSelector.fromObject(sel).toString() || undefined });
  return list.items
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === deploy.metadata.uid))
    .map((rs) => as<V1ReplicaSet>(rs));
}

/** Revision → template, with the ReplicaSet's change-cause copied onto the template like kubectl's ViewHistory. */
export function historyOf(replicaSets: readonly V1ReplicaSet[]): Map<number, V1PodTemplateSpec> {
  const out = new Map<number, V1PodTemplateSpec>();
  for (const rs of replicaSets) {
    const v = revisionOf(rs);
    if (v === undefined) continue;
    const template = structuredClone(rs.spec?.template ?? {}) as V1PodTemplateSpec;
    const cause = rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION];
    template.metadata ??= {};
    template.metadata.annotations ??= {};
    if (cause) template.metadata.annotations[CHANGE_CAUSE_ANNOTATION] = cause;
    out.set(v, template);
  }
  return out;
}

/** The REVISION  CHANGE-CAUSE table, or kubectl's "No rollout history found.". */
export function formatHistory(history: Map<number, V1PodTemplateSpec>): string {
  if (history.size === 0) return "No rollout history found.";
  const tw = new TabWriter();
  tw.write("REVISION\tCHANGE-CAUSE\n");
  for (const r of [...history.keys()].sort((a, b) => a - b)) {
    tw.write(`${r}\t${history.get(r)!.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION] || "<none>"}\n`);
  }
  return tw.toString();
}

/** One revision's pod template, printed like kubectl's printTemplate (unaligned, tabs kept). */
export function formatRevision(history: Map<number, V1PodTemplateSpec>, revision: number): string {
  const t = history.get(revision);
  if (!t) throw new RolloutError("unable to find the specified revision");
  const w = new PrefixWriter(false);
  describePodTemplate(w, t);
  return w.toString();
}

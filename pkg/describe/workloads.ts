// `describe deployment` and `describe replicaset`.
import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { formatLabelSelector } from "../api/printers.js";
import { LabelSelector, type LabelSelectorObject } from "../api/selector.js";
import { describeEvents } from "./events.js";
import { controllerOf, printAnnotationsMultiline, printLabelsMultiline, rfc1123z } from "./format.js";
import { describePodTemplate, type DescribeOptions } from "./pod.js";
import { LEVEL_0, LEVEL_1, tabbed } from "./tab-writer.js";

/** labels.Selector.String(): "" for an empty selector, where FormatLabelSelector says "<none>". */
function selectorString(sel: LabelSelectorObject | undefined): string {
  try {
    return LabelSelector.fromObject(sel).toString();
  } catch {
    return "<invalid>";
  }
}

function rsList(list: readonly V1ReplicaSet[]): string {
  const s = list.map((rs) => `${rs.metadata?.name ?? ""} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`).join(", ");
  return s || "<none>";
}

export interface DeploymentDescribeOptions extends DescribeOptions {
  oldReplicaSets: V1ReplicaSet[];
  newReplicaSet?: V1ReplicaSet;
}

const intOrString = (v: unknown) => (v === undefined || v === null ? "" : String(v));

export function describeDeployment(d: V1Deployment, opts: DeploymentDescribeOptions): string {
  return tabbed((w) => {
    const spec = d.spec ?? ({} as NonNullable<V1Deployment["spec"]>);
    const status = d.status ?? {};
    w.write(LEVEL_0, `Name:\t${d.metadata?.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${d.metadata?.namespace ?? ""}\n`);
    w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(d.metadata?.creationTimestamp)}\n`);
    printLabelsMultiline(w, "Labels", d.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", d.metadata?.annotations);
    w.write(LEVEL_0, `Selector:\t${selectorString(spec.selector as LabelSelectorObject | undefined)}\n`);
    w.write(
      LEVEL_0,
      `Replicas:\t${spec.replicas ?? 1} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable\n`,
    );
    w.write(LEVEL_0, `StrategyType:\t${spec.strategy?.type ?? ""}\n`);
    w.write(LEVEL_0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}\n`);
    const ru = spec.strategy?.rollingUpdate;
    if (ru) w.write(LEVEL_0, `RollingUpdateStrategy:\t${intOrString(ru.maxUnavailable)} max unavailable, ${intOrString(ru.maxSurge)} max surge\n`);
    describePodTemplate(w, spec.template);
    if (status.conditions?.length) {
      w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n");
      w.write(LEVEL_1, "----\t------\t------\n");
      for (const c of status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ""}\n`);
    }
    if (opts.oldReplicaSets.length > 0 || opts.newReplicaSet) {
      w.write(LEVEL_0, `OldReplicaSets:\t${rsList(opts.oldReplicaSets)}\n`);
      w.write(LEVEL_0, `NewReplicaSet:\t${rsList(opts.newReplicaSet ? [opts.newReplicaSet] : [])}\n`);
    }
    if (opts.events) describeEvents(w, opts.events, opts.now);
  });
}

/** Running/Waiting/Succeeded/Failed counts of the pods a controller owns (getPodStatusForController). */
export function podPhaseCounts(pods: readonly V1Pod[], ownerUid: string | undefined): { running: number; waiting: number; succeeded: number; failed: number } {
  const n = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
  for (const p of pods) {
    const ref = p.metadata?.ownerReferences?.find((r) => r.controller === true);
    if (!ref || ref.uid !== ownerUid) continue;
    switch (p.status?.phase) {
      case "Running": n.running++; break;
      case "Pending": n.waiting++; break;
      case "Succeeded": n.succeeded++; break;
      case "Failed": n.failed++; break;
    }
  }
  return n;
}

export interface ReplicaSetDescribeOptions extends DescribeOptions {
  /** Pods matching the selector; only those the ReplicaSet controls are counted. */
  pods: V1Pod[];
}

export function describeReplicaSet(rs: V1ReplicaSet, opts: ReplicaSetDescribeOptions): string {
  return tabbed((w) => {
    const spec = rs.spec ?? ({} as NonNullable<V1ReplicaSet["spec"]>);
    w.write(LEVEL_0, `Name:\t${rs.metadata?.name ?? ""}\n`);
    w.write(LEVEL_0, `Namespace:\t${rs.metadata?.namespace ?? ""}\n`);
    w.write(LEVEL_0, `Selector:\t${formatLabelSelector(spec.selector as Parameters<typeof formatLabelSelector>[0])}\n`);
    printLabelsMultiline(w, "Labels", rs.metadata?.labels);
    printAnnotationsMultiline(w, "Annotations", rs.metadata?.annotations);
    const controlledBy = controllerOf(rs.metadata);
    if (controlledBy) w.write(LEVEL_0, `Controlled By:\t${controlledBy}\n`);
    w.write(LEVEL_0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${spec.replicas ?? 1} desired\n`);
    const n = podPhaseCounts(opts.pods, rs.metadata?.uid);
    w.write(LEVEL_0, `Pods Status:\t${n.running} Running / ${n.waiting} Waiting / ${n.succeeded} Succeeded / ${n.failed} Failed\n`);
    describePodTemplate(w, spec.template);
    if (rs.status?.conditions?.length) {
      w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n");
      w.write(LEVEL_1, "----\t------\t------\n");
      for (const c of rs.status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ""}\n`);
    }
    if (opts.events) describeEvents(w, opts.events, opts.now);
  });
}

// Deployment and ReplicaSet rows (printDeployment / printReplicaSet in printers.go).
import { ageOf } from "../human-duration.js";
import {
  ageColumn,
  column,
  containersColumn,
  imagesColumn,
  nameColumn,
  type KindPrinter,
  type Timestamp,
} from "./table.js";

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface PodTemplateLike {
  spec?: { containers?: Array<{ name: string; image?: string }> };
}

export interface DeploymentLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: { replicas?: number; selector?: LabelSelectorLike; template?: PodTemplateLike };
  status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

export interface ReplicaSetLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: { replicas?: number; selector?: LabelSelectorLike; template?: PodTemplateLike };
  status?: { replicas?: number; readyReplicas?: number };
}

class InvalidSelector extends Error {}

function requirement(expr: { key: string; operator: string; values?: string[] }): string {
  const values = [...(expr.values ?? [])].sort();
  switch (expr.operator) {
    case "In":
    case "NotIn":
      if (values.length === 0) throw new InvalidSelector(`${expr.operator} needs values`);
      return `${expr.key} ${expr.operator === "In" ? "in" : "notin"} (${values.join(",")})`;
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) throw new InvalidSelector(`${expr.operator} takes no values`);
      return expr.operator === "Exists" ? expr.key : `!${expr.key}`;
    default:
      throw new InvalidSelector(`unknown operator ${expr.operator}`);
  }
}

/**
 * A label selector as labels.Selector.String() prints it: requirements sorted by
 * key, "app=web,tier in (a,b),!canary"; "" when it selects everything or nothing.
 * Throws InvalidSelector on an operator Kubernetes would reject.
 */
function selectorString(sel: LabelSelectorLike | undefined): string {
  if (!sel) return "";
  const reqs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push([k, `${k}=${v}`]);
  for (const expr of sel.matchExpressions ?? []) reqs.push([expr.key, requirement(expr)]);
  reqs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return reqs.map(([, text]) => text).join(",");
}

/** metav1.FormatLabelSelector: like selectorString but "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(sel: LabelSelectorLike | undefined): string {
  try {
    return selectorString(sel) || "<none>";
  } catch (e) {
    if (e instanceof InvalidSelector) return "<error>";
    throw e;
  }
}

/** printDeployment's variant: "" when empty, "<invalid>" when it cannot be parsed. */
function deploymentSelector(sel: LabelSelectorLike | undefined): string {
  try {
    return selectorString(sel);
  } catch (e) {
    if (e instanceof InvalidSelector) return "<invalid>";
    throw e;
  }
}

/** CONTAINERS and IMAGES cells: every container of the template on one line. */
export function containerCells(template: PodTemplateLike | undefined): [names: string, images: string] {
  const containers = template?.spec?.containers ?? [];
  return [containers.map((c) => c.name).join(","), containers.map((c) => c.image ?? "").join(",")];
}

export const deploymentPrinter: KindPrinter<DeploymentLike> = {
  columns: [
    nameColumn(),
    column("Ready", "string", "Number of the pod with ready state"),
    column("Up-to-date", "string", "Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
    column("Available", "string", "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment."),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", { wide: true }),
  ],
  row(d, now) {
    const [names, images] = containerCells(d.spec?.template);
    return {
      cells: [
        d.metadata?.name ?? "",
        `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        ageOf(d.metadata?.creationTimestamp, now),
        names,
        images,
        deploymentSelector(d.spec?.selector),
      ],
    };
  },
};

export const replicaSetPrinter: KindPrinter<ReplicaSetLike> = {
  columns: [
    nameColumn(),
    column("Desired", "integer", "Replicas is the number of desired pods."),
    column("Current", "integer", "Replicas is the most recently observed number of non-terminating pods."),
    column("Ready", "integer", "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column("Selector", "string", "Selector is a label query over pods that should match the replica count.", { wide: true }),
  ],
  row(rs, now) {
    const [names, images] = containerCells(rs.spec?.template);
    return {
      cells: [
        rs.metadata?.name ?? "",
        rs.spec?.replicas ?? 0,
        rs.status?.replicas ?? 0,
        rs.status?.readyReplicas ?? 0,
        ageOf(rs.metadata?.creationTimestamp, now),
        names,
        images,
        formatLabelSelector(rs.spec?.selector),
      ],
    };
  },
};

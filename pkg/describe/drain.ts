// Which pods `drain` deletes, refuses or skips: kubectl's pkg/drain filters,
// as a pure function of the pods on the node and the flags.
import type { V1Pod } from "@kubernetes/client-node";

export const DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
export const DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods";
export const LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)";
export const LOCAL_STORAGE_WARNING = "deleting Pods with local storage";
export const UNMANAGED_FATAL = "Pods that declare no controller (use --force to override)";
export const UNMANAGED_WARNING = "deleting Pods that declare no controller";
const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

export interface DrainFilterOptions {
  force?: boolean;
  ignoreDaemonSets?: boolean;
  deleteEmptyDirData?: boolean;
}

type Status = { delete: boolean; reason: "Okay" | "Skip" | "Warning" | "Error"; message?: string };

const okay: Status = { delete: true, reason: "Okay" };
const finished = (p: V1Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
const controller = (p: V1Pod) => p.metadata?.ownerReferences?.find((r) => r.controller === true);

// In kubectl's order; a pod stops at the first filter that does not delete it.
const filters: Array<(p: V1Pod, o: DrainFilterOptions) => Status> = [
  (p, o) => {
    const ref = controller(p);
    if (!ref || ref.kind !== "DaemonSet" || finished(p)) return okay;
    return o.ignoreDaemonSets ? { delete: false, reason: "Warning", message: DAEMONSET_WARNING } : { delete: false, reason: "Error", message: DAEMONSET_FATAL };
  },
  (p) => (p.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined ? { delete: false, reason: "Skip" } : okay),
  (p, o) => {
    if (!(p.spec?.volumes ?? []).some((v) => v.emptyDir) || finished(p)) return okay;
    return o.deleteEmptyDirData ? { delete: true, reason: "Warning", message: LOCAL_STORAGE_WARNING } : { delete: false, reason: "Error", message: LOCAL_STORAGE_FATAL };
  },
  (p, o) => {
    if (finished(p) || controller(p)) return okay;
    return o.force ? { delete: true, reason: "Warning", message: UNMANAGED_WARNING } : { delete: false, reason: "Error", message: UNMANAGED_FATAL };
  },
];

export interface DrainPlan {
  /** Pods to delete, in the order listed. */
  toDelete: V1Pod[];
  /** "ignoring DaemonSet-managed Pods: ns/a; deleting Pods that declare no controller: ns/b", or "". */
  warnings: string;
  /** "cannot delete Pods that declare no controller (use --force to override): ns/b"; any error stops the drain. */
  errors: string[];
}

export function planDrain(pods: readonly V1Pod[], opts: DrainFilterOptions): DrainPlan {
  const warn = new Map<string, string[]>();
  const fail = new Map<string, string[]>();
  const toDelete: V1Pod[] = [];
  for (const p of pods) {
    let status = okay;
    for (const f of filters) {
      status = f(p, opts);
      if (!status.delete) break;
    }
    const ref = `${p.metadata?.namespace ?? ""}/${p.metadata?.name ?? ""}`;
    if (status.reason === "Warning") warn.set(status.message!, [...(warn.get(status.message!) ?? []), ref]);
    if (status.reason === "Error") fail.set(status.message!, [...(fail.get(status.message!) ?? []), ref]);
    if (status.delete) toDelete.push(p);
  }
  return {
    toDelete,
    warnings: [...warn].map(([m, refs]) => `${m}: ${refs.join(", ")}`).join("; "),
    errors: [...fail].map(([m, refs]) => `cannot delete ${m}: ${refs.join(", ")}`),
  };
}

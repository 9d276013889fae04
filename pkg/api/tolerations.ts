// Taint/toleration matching (Kubernetes' Toleration.ToleratesTaint), the one
// copy the scheduler's plugins, the node lifecycle controller (NoExecute
// eviction) and the DaemonSet controller share.
import type { V1Taint, V1Toleration } from "./types.js";

/** The parts of a taint a toleration is matched against. */
export type TaintKey = Pick<V1Taint, "key" | "value" | "effect">;

/**
 * An empty effect matches every effect; an empty key matches every key;
 * Exists matches any value; Equal (also the empty operator) compares values;
 * any other operator matches nothing.
 */
export function tolerates(t: V1Toleration, taint: TaintKey): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
    case "":
      return (t.value ?? "") === (taint.value ?? "");
    default:
      return false;
  }
}

/** Whether any of the tolerations matches the taint. */
export function toleratesAny(tolerations: readonly V1Toleration[] | undefined, taint: TaintKey): boolean {
  return (tolerations ?? []).some((t) => tolerates(t, taint));
}

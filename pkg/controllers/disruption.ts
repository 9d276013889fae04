// The disruption controller (pkg/controller/disruption): keeps each
// PodDisruptionBudget's status current — the pods it covers that are healthy
// (Ready and not recently evicted), how many must stay healthy, and from those
// how many disruptions the eviction API may allow right now. Level-triggered:
// every reconcile recomputes the status from the caches.
import { R } from "../api/kinds.js";
import { needsControllerScale, pdbSelects, scaledValue, type PdbStatus, type PodDisruptionBudget } from "../api/disruption.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { keyOf, splitKey, type Lister } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { canonicalJson, clockOrReal, controllerRef, isNotFound, isPodReady, isTerminating, rfc3339, type PodLike } from "./util.js";

/** How long an evicted pod still counts as disrupted if its deletion is not seen (DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

export interface Scaled extends KubeObject {
  spec?: { replicas?: number };
}

export interface DisruptionControllerOptions {
  client: Client;
  pdbs: Lister<PodDisruptionBudget>;
  pods: Lister<PodLike>;
  /** Listers of the kinds whose scale gives a budget its expected pod count. */
  owners: { replicaSets: Lister<Scaled>; deployments: Lister<Scaled>; replicationControllers: Lister<Scaled>; statefulSets: Lister<Scaled> };
  clock?: Clock;
}

export class DisruptionController implements Reconciler {
  readonly name = "disruption";
  private readonly clock: Clock;

  constructor(private readonly opts: DisruptionControllerOptions) {
    this.clock = clockOrReal(opts.clock);
  }

  /** Idempotent: writes the budget's status when it changed. */
  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const pdb = this.opts.pdbs.get(namespace, name);
    if (!pdb || isTerminating(pdb)) return {};
    const now = this.clock.now();
    const pods = this.opts.pods.list(namespace).filter((p) => pdbSelects(pdb, p));
    const disrupted = this.stillDisrupted(pdb, pods, now);
    const currentHealthy = pods.filter((p) => !isTerminating(p) && isPodReady(p) && !disrupted[p.metadata.name!]).length;

    let status: PdbStatus;
    const expected = this.expectedAndDesired(pdb, pods);
    if ("error" in expected) {
      status = { ...this.base(pdb, disrupted), currentHealthy, desiredHealthy: 0, expectedPods: pods.length, disruptionsAllowed: 0 };
      status.conditions = [condition(pdb, "False", "SyncFailed", expected.error, now)];
    } else {
      const allowed = expected.expectedCount > 0 ? Math.max(0, currentHealthy - expected.desiredHealthy) : 0;
      status = { ...this.base(pdb, disrupted), currentHealthy, desiredHealthy: expected.desiredHealthy, expectedPods: expected.expectedCount, disruptionsAllowed: allowed };
      status.conditions = [allowed > 0 ? condition(pdb, "True", "SufficientPods", "", now) : condition(pdb, "False", "InsufficientPods", "", now)];
    }
    const old = pdb.status ?? {};
    // Keep the transition time when the condition did not change.
    const prev = old.conditions?.find((c) => c.type === "DisruptionAllowed");
    if (prev && prev.status === status.conditions![0].status && prev.reason === status.conditions![0].reason) status.conditions![0].lastTransitionTime = prev.lastTransitionTime;
    if (canonicalJson(old) !== canonicalJson(status)) {
      try {
        await this.opts.client.updateStatus(R.poddisruptionbudgets, { ...structuredClone(pdb), status });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    // Revisit when the oldest eviction record expires.
    const times = Object.values(disrupted).map((t) => Date.parse(t) + DISRUPTED_POD_TIMEOUT_MS - now);
    return times.length > 0 ? { requeueAfterMs: Math.max(1, Math.min(...times)) } : {};
  }

  /** PDB keys a pod event concerns: every budget in its namespace that selects it (before or after). */
  podChanged(pod: PodLike, old?: PodLike): string[] {
    return this.opts.pdbs
      .list(pod.metadata.namespace)
      .filter((pdb) => pdbSelects(pdb, pod) || (old !== undefined && pdbSelects(pdb, old)))
      .map(keyOf);
  }

  private base(pdb: PodDisruptionBudget, disrupted: Record<string, string>): PdbStatus {
    return { observedGeneration: pdb.metadata.generation, ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}) };
  }

  /** Eviction records whose pod still exists undeleted and that are younger than the timeout. */
  private stillDisrupted(pdb: PodDisruptionBudget, pods: PodLike[], now: number): Record<string, string> {
    const live = new Map(pods.map((p) => [p.metadata.name!, p]));
    const out: Record<string, string> = {};
    for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const pod = live.get(name);
      if (!pod || isTerminating(pod)) continue;
      if (Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS <= now) continue;
      out[name] = at;
    }
    return out;
  }

  private expectedAndDesired(pdb: PodDisruptionBudget, pods: PodLike[]): { expectedCount: number; desiredHealthy: number } | { error: string } {
    const spec = pdb.spec ?? {};
    if (!needsControllerScale(spec)) {
      return { expectedCount: pods.length, desiredHealthy: typeof spec.minAvailable === "number" ? spec.minAvailable : 0 };
    }
    let expectedCount = 0;
    const seen = new Set<string>();
    for (const pod of pods) {
      const scale = this.controllerScale(pod);
      if (scale === undefined) return { error: `found no controllers for pod "${pod.metadata.name}"` };
      if (seen.has(scale.uid)) continue;
      seen.add(scale.uid);
      expectedCount += scale.replicas;
    }
    if (spec.maxUnavailable !== undefined) {
      const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable) };
    }
    return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable!, expectedCount, true) };
  }

  /** The scale of the workload controlling a pod (a Deployment's for its ReplicaSets' pods), as the finders do. */
  private controllerScale(pod: PodLike): { uid: string; replicas: number } | undefined {
    const ref = controllerRef(pod);
    if (!ref) return undefined;
    const ns = pod.metadata.namespace;
    const o = this.opts.owners;
    const pick = (obj: Scaled | undefined) => (obj && obj.metadata.uid === ref.uid ? { uid: obj.metadata.uid, replicas: obj.spec?.replicas ?? 0 } : undefined);
    switch (ref.kind) {
      case "ReplicaSet": {
        const rs = o.replicaSets.get(ns, ref.name);
        if (!rs || rs.metadata.uid !== ref.uid) return undefined;
        const dref = controllerRef(rs);
        if (dref?.kind === "Deployment") {
          const d = o.deployments.get(ns, dref.name);
          if (d && d.metadata.uid === dref.uid) return { uid: d.metadata.uid!, replicas: d.spec?.replicas ?? 0 };
        }
        return pick(rs);
      }
      case "ReplicationController":
        return pick(o.replicationControllers.get(ns, ref.name));
      case "StatefulSet":
        return pick(o.statefulSets.get(ns, ref.name));
      default:
        return undefined;
    }
  }
}

function condition(pdb: PodDisruptionBudget, status: "True" | "False", reason: string, message: string, now: number) {
  return { type: "DisruptionAllowed", status, reason, message, lastTransitionTime: rfc3339(now), observedGeneration: pdb.metadata.generation };
}

// The planner's model of the cluster: the scheduler's own cache and
// scheduleOne over nodes and bound pods read from the API, with predicted
// pods assumed onto it as they are placed and deleted pods taken off — the
// same bookkeeping the scheduler does, so the same pods land on the same
// nodes. The scan start rotates exactly as the scheduler's does (it stays at
// 0 while every node is looked at, i.e. below 100 nodes); above that the
// scheduler samples from wherever its last scan stopped, which the planner
// cannot see, so placements there are the best choice, not always its choice.
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { keyOf } from "../client/lister.js";
import { buildSnapshot, type SchedulerCache } from "../scheduler/cache.js";
import { compactDecision, type Decision } from "../scheduler/decision.js";
import type { Node, Pod } from "../scheduler/framework.js";
import { newScoreTrace } from "../scheduler/framework.js";
import { numFeasibleNodesToFind, scheduleOne } from "../scheduler/schedule-one.js";

export interface Placement {
  /** The predicted pod's name (a placeholder: the real name gets a random suffix). */
  pod: string;
  node?: string;
  /** Total score of the winner, when there was more than one feasible node. */
  score?: number;
  feasible: number;
  /** Why it would stay Pending (the same compact form as `skiff why`). */
  pending?: Decision;
}

export class PlanCluster {
  private nextStartIndex = 0;
  private seq = 0;

  constructor(readonly snap: SchedulerCache) {}

  /** Nodes and every bound pod, read from the API now. */
  static async load(client: Client): Promise<PlanCluster> {
    const [nodes, pods] = await Promise.all([client.list<Node>(R.nodes, undefined), client.list<Pod>(R.pods, undefined)]);
    return new PlanCluster(buildSnapshot(nodes.items, pods.items));
  }

  get nodeCount(): number {
    return this.snap.nodes().length;
  }

  /** Whether the scheduler looks at every node for every pod (so its placements are reproducible). */
  get exact(): boolean {
    const n = this.nodeCount;
    return numFeasibleNodesToFind(n) >= n;
  }

  /** Schedule a predicted pod and, when it fits, count it on its node. */
  place(pod: Pod): Placement {
    const trace = newScoreTrace();
    const res = scheduleOne(pod, this.snap, { startIndex: this.nextStartIndex, trace });
    const n = this.nodeCount;
    if (n > 0) this.nextStartIndex = (this.nextStartIndex + res.evaluatedNodes) % n;
    const out: Placement = { pod: String(pod.metadata.name), feasible: res.feasibleNodes };
    if (res.node) {
      out.node = res.node;
      if (trace.totals && trace.nodes.length > 1) {
        const i = trace.nodes.findIndex((ni) => ni.name === res.node);
        out.score = Math.round(trace.totals[i] * 100) / 100;
      }
      this.snap.assumePod(pod, res.node);
    } else {
      out.pending = compactDecision(pod, res, undefined, this.snap, { nowMs: Date.now() });
    }
    return out;
  }

  /** A pod the plan deletes leaves its node. */
  remove(pod: KubeObject): void {
    this.snap.removePod(keyOf(pod));
  }

  /** A unique placeholder name and uid for a predicted pod. */
  nextName(prefix: string): { name: string; uid: string } {
    this.seq++;
    return { name: `${prefix}<new-${this.seq}>`, uid: `plan-pod-${this.seq}` };
  }
}

export interface PodTemplateLike {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

/** A pod as a controller would create it from a template (what the scheduler needs of it). */
export function podFromTemplate(
  template: PodTemplateLike | undefined,
  o: { namespace: string; name: string; uid: string; owner?: { apiVersion: string; kind: string; name: string; uid: string } },
): Pod {
  const t = structuredClone(template ?? {});
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid: o.uid,
      labels: t.metadata?.labels ?? {},
      ...(o.owner ? { ownerReferences: [{ ...o.owner, controller: true }] } : {}),
    },
    spec: t.spec as Pod["spec"],
    status: { phase: "Pending" },
  };
  return pod;
}

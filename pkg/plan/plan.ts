// `skiff apply --plan`: what `skiff apply` would do, without doing it (like
// `nomad job plan` or `terraform plan`). For each document: the server's dry
// run of the very apply (so defaults, admission and validation are the
// server's), a diff against the live object, and for workloads the pods that
// would be created, deleted or replaced and where the scheduler would put the
// new ones — or why they would stay Pending.
//
// Writes nothing: only GETs, LISTs and dryRun=All requests reach the server.
import { byKind, displayRef } from "../api/kinds.js";
import { ApiError, isApiError } from "../api/errors.js";
import { applyDefaults } from "../api/defaults.js";
import type { KubeObject } from "../api/types.js";
import { applyDocuments, BatchRejected, validateDocuments } from "../apply/index.js";
import { HttpClient } from "../client/http-client.js";
import { resourcePath, type RestClient } from "../client/rest.js";
import type { ManifestDocument } from "../manifest/decode.js";
import { PlanCluster } from "./simulate.js";
import { planWorkload, type WorkloadPlan } from "./workloads.js";
import { toComparableYaml, unifiedDiff } from "./yaml-diff.js";

export interface ObjectPlan {
  /** "deployment.apps/web". */
  ref: string;
  action: "create" | "update" | "unchanged";
  /** Unified diff of the YAML without server-managed fields; "" when unchanged. */
  diff: string;
  workload?: WorkloadPlan;
}

export interface Plan {
  objects: ObjectPlan[];
  /** Nodes in the snapshot the placements were computed on. */
  nodes: number;
  /** True when the scheduler looks at every node (< 100): its placements are then exactly the predicted ones. */
  exactPlacement: boolean;
  totals: { create: number; update: number; unchanged: number; podsCreated: number; podsDeleted: number; podsReplaced: number; pending: number };
  /** Whether applying would change anything (exit code 2 of `apply --plan`). */
  changes: boolean;
}

export interface PlanOptions {
  /** Namespace for documents that name none. */
  namespace: string;
}

/** Namespaces first, then the rest in file order, as apply does. */
function ordered(docs: ManifestDocument[]): ManifestDocument[] {
  const isNs = (d: ManifestDocument) => d.object.kind === "Namespace";
  return [...docs.filter(isNs), ...docs.filter((d) => !isNs(d))];
}

export async function planApply(rest: RestClient, docs: ManifestDocument[], opts: PlanOptions): Promise<Plan> {
  const problems = validateDocuments(docs);
  if (problems.length > 0) throw new BatchRejected(problems);
  const client = new HttpClient(rest);
  const cluster = await PlanCluster.load(client);
  const newNamespaces = new Set(docs.filter((d) => d.object.kind === "Namespace").map((d) => String((d.object.metadata as { name?: string } | undefined)?.name)));
  const plan: Plan = {
    objects: [],
    nodes: cluster.nodeCount,
    exactPlacement: cluster.exact,
    totals: { create: 0, update: 0, unchanged: 0, podsCreated: 0, podsDeleted: 0, podsReplaced: 0, pending: 0 },
    changes: false,
  };
  for (const doc of ordered(docs)) {
    const obj = doc.object;
    const info = byKind(String(obj.apiVersion), String(obj.kind))!;
    const name = String(obj.metadata?.name ?? "");
    const ns = info.namespaced ? obj.metadata.namespace || opts.namespace : undefined;
    const ref = displayRef(info, name);
    let live: KubeObject | undefined;
    try {
      live = await rest.request<KubeObject>("GET", resourcePath(info, ns, name));
    } catch (e) {
      if (!isApiError(e, "NotFound")) throw e;
    }
    let after: KubeObject;
    if (ns && newNamespaces.has(ns) && !live && !(await exists(rest, ns))) {
      // Its namespace is created by this same apply: the server cannot dry-run it yet.
      after = structuredClone(obj);
      after.metadata.namespace = ns;
      applyDefaults(after);
    } else {
      const [result] = await applyDocuments(rest, [doc], { namespace: opts.namespace, dryRun: "server" });
      after = result.object;
    }
    const diff = unifiedDiff(toComparableYaml(live), toComparableYaml(after), { from: live ? `${ref} (live)` : "/dev/null", to: `${ref} (applied)` });
    const action: ObjectPlan["action"] = !live ? "create" : diff ? "update" : "unchanged";
    const op: ObjectPlan = { ref, action, diff };
    if (action !== "unchanged") {
      const w = await planWorkload({ client, cluster, ref }, after, live);
      if (w) op.workload = w;
    }
    plan.objects.push(op);
    plan.totals[action]++;
    if (op.workload) {
      plan.totals.podsCreated += op.workload.create.length;
      plan.totals.podsDeleted += op.workload.delete.length;
      plan.totals.podsReplaced += op.workload.replaced;
      plan.totals.pending += op.workload.create.filter((p) => !p.node).length;
    }
  }
  plan.changes = plan.totals.create + plan.totals.update > 0;
  return plan;
}

async function exists(rest: RestClient, namespace: string): Promise<boolean> {
  try {
    await rest.request("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.reason === "NotFound") return false;
    throw e;
  }
}

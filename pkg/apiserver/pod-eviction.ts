// pods/{name}/eviction: the Eviction API (policy/v1), what `kubectl drain` posts
// (pkg/registry/core/pod/storage/eviction.go). A pod covered by a
// PodDisruptionBudget is deleted only while the budget allows a disruption: the
// allowance is taken first (a status write with a resourceVersion precondition,
// so concurrent evictions cannot both spend the last one), and recorded under
// status.disruptedPods until the disruption controller sees the pod go.
// Otherwise the answer is 429 with Kubernetes' message, and the client retries.
import type { FastifyInstance } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import { EVICTION_BLOCKED_MESSAGE, pdbSelects, type PodDisruptionBudget } from "../api/disruption.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { newContext, type DeleteOptions, type Registry, type RequestContext } from "./registry.js";

/** Kubernetes' MaxDisruptedPodSize: more pending evictions than this and the budget refuses. */
const MAX_DISRUPTED_PODS = 2000;
const MAX_ATTEMPTS = 5;

interface EvictionBody {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  deleteOptions?: DeleteOptions & { dryRun?: string[] };
}

function tooManyRequests(message: string, cause: string): ApiError {
  return new ApiError("TooManyRequests", message, { causes: [{ reason: "DisruptionBudget", message: cause }] });
}

const isReady = (pod: KubeObject) => ((pod.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** A pod that no budget protects any more (finished, never started, or already going). */
function canIgnoreBudget(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return !!pod.metadata.deletionTimestamp || phase === "Succeeded" || phase === "Failed" || phase === "Pending";
}

/** Evict one pod; resolves with the Status to answer (201 Success). */
export async function evictPod(registry: Registry, namespace: string, name: string, body: unknown, ctx: RequestContext, now = () => new Date()): Promise<object> {
  const ev = (body && typeof body === "object" ? body : {}) as EvictionBody;
  if (ev.kind !== undefined && ev.kind !== "Eviction") throw errors.badRequest(`the kind of the provided object (${String(ev.kind)}) does not match Eviction`);
  if (ev.metadata?.name && ev.metadata.name !== name) throw errors.badRequest("name in URL does not match name in Eviction object");
  const deleteOptions: DeleteOptions = { ...(ev.deleteOptions ?? {}) };
  if (ev.deleteOptions?.dryRun?.includes("All")) ctx.dryRun = true;

  for (let attempt = 0; ; attempt++) {
    const pod = await registry.get(R.pods, namespace, name);
    if (!canIgnoreBudget(pod)) {
      const pdbs = ((await registry.list(R.poddisruptionbudgets, namespace)).items as PodDisruptionBudget[]).filter((p) => pdbSelects(p, pod));
      if (pdbs.length > 1) throw new ApiError("InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
      if (pdbs.length === 1) {
        try {
          await spendDisruption(registry, pdbs[0], pod, ctx, now());
        } catch (e) {
          if (e instanceof ApiError && e.reason === "Conflict" && attempt < MAX_ATTEMPTS) continue;
          throw e;
        }
      }
    }
    // The uid precondition: the pod the budget was checked for is the one deleted.
    await registry.delete(R.pods, namespace, name, { ...deleteOptions, preconditions: { uid: pod.metadata.uid, ...(deleteOptions.preconditions ?? {}) } }, ctx);
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
  }
}

async function spendDisruption(registry: Registry, pdb: PodDisruptionBudget, pod: KubeObject, ctx: RequestContext, now: Date): Promise<void> {
  const name = pdb.metadata.name!;
  const status = pdb.status ?? {};
  if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
    throw tooManyRequests(EVICTION_BLOCKED_MESSAGE, `The disruption budget ${name} is still being processed by the server.`);
  }
  // An unhealthy pod does not count against the budget when the budget is met anyway (or the policy says so).
  if (!isReady(pod)) {
    const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? "IfHealthyBudget";
    if (policy === "AlwaysAllow" || (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0)) return;
  }
  const allowed = status.disruptionsAllowed ?? 0;
  if (allowed < 0) throw new ApiError("Forbidden", "pdb disruptions allowed is negative");
  if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw new ApiError("Forbidden", "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
  if (allowed === 0) {
    throw tooManyRequests(EVICTION_BLOCKED_MESSAGE, `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
  }
  if (ctx.dryRun) return;
  const next: PodDisruptionBudget = structuredClone(pdb);
  next.status = { ...status, disruptionsAllowed: allowed - 1, disruptedPods: { ...(status.disruptedPods ?? {}), [pod.metadata.name!]: now.toISOString().replace(/\.\d+Z$/, "Z") } };
  // resourceVersion is the precondition: a concurrent eviction makes this a Conflict, and the caller re-reads.
  await registry.update(R.poddisruptionbudgets, pdb.metadata.namespace, name, next, newContext({ user: ctx.user, groups: ctx.groups }), "status");
}

/** The API server plugin: POST …/pods/{name}/eviction. */
export function podEvictionRoutes(registry: Registry): (app: FastifyInstance) => void {
  return (app) => {
    app.route<{ Params: { namespace: string; name: string } }>({
      method: ["GET", "PUT", "PATCH", "DELETE", "POST"],
      url: "/api/v1/namespaces/:namespace/pods/:name/eviction",
      handler: async (req, reply) => {
        if (req.method !== "POST") throw new ApiError("MethodNotAllowed", `the server does not allow this method on the requested resource (${req.method})`);
        const q = req.query as { dryRun?: string };
        const ctx = newContext({ user: req.user, groups: req.groups, dryRun: q.dryRun === "All" });
        const out = await evictPod(registry, req.params.namespace, req.params.name, req.body, ctx);
        reply.code(201);
        return out;
      },
    });
  };
}

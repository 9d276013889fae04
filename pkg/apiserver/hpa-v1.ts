// autoscaling/v1 HorizontalPodAutoscaler, as `kubectl autoscale` (1.32) creates
// it: its typed client POSTs the v1 object, with no discovery first. skiff
// stores autoscaling/v2 only, so the v1 create is converted the way
// kube-apiserver converts between the versions (targetCPUUtilizationPercentage
// ⇄ a Resource cpu Utilization metric) and the answer is converted back.
import type { FastifyInstance } from "fastify";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { errors } from "../api/errors.js";
import { newContext, type Registry } from "./registry.js";

interface HpaV1Spec {
  scaleTargetRef?: unknown;
  minReplicas?: number;
  maxReplicas?: number;
  targetCPUUtilizationPercentage?: number;
}
interface HpaV2Metric {
  type?: string;
  resource?: { name?: string; target?: { type?: string; averageUtilization?: number } };
}

export function hpaV1ToV2(obj: KubeObject): KubeObject {
  const { targetCPUUtilizationPercentage: cpu, ...spec } = (obj.spec ?? {}) as HpaV1Spec;
  const metrics = cpu === undefined ? undefined : [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpu } } }];
  return { ...obj, apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", spec: { ...spec, ...(metrics ? { metrics } : {}) } };
}

export function hpaV2ToV1(obj: KubeObject): KubeObject {
  const { metrics, behavior: _behavior, ...spec } = (obj.spec ?? {}) as HpaV1Spec & { metrics?: HpaV2Metric[]; behavior?: unknown };
  const cpu = metrics?.find((m) => m.type === "Resource" && m.resource?.name === "cpu" && m.resource.target?.type === "Utilization")?.resource?.target?.averageUtilization;
  return { ...obj, apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", spec: { ...spec, ...(cpu !== undefined ? { targetCPUUtilizationPercentage: cpu } : {}) } };
}

/** POST /apis/autoscaling/v1/namespaces/{ns}/horizontalpodautoscalers. */
export function registerHpaV1Create(app: FastifyInstance, registry: Registry): void {
  app.post<{ Params: { namespace: string }; Querystring: { dryRun?: string; fieldManager?: string } }>(
    "/apis/autoscaling/v1/namespaces/:namespace/horizontalpodautoscalers",
    async (req, reply) => {
      const body = req.body as KubeObject | undefined;
      if (!body || typeof body !== "object") throw errors.badRequest("the body must be an autoscaling/v1 HorizontalPodAutoscaler");
      const ctx = newContext({ dryRun: req.query.dryRun === "All", fieldManager: req.query.fieldManager, user: req.user, groups: req.groups });
      const created = await registry.create(R.horizontalpodautoscalers, req.params.namespace, hpaV1ToV2(body), ctx);
      reply.code(ctx.dryRun ? 200 : 201);
      return hpaV2ToV1(created);
    },
  );
}

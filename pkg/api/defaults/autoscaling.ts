// HorizontalPodAutoscaler defaulting (autoscaling/v2 SetDefaults_*): minReplicas
// 1, a cpu 80% utilization target when no metric is given, and — only when the
// user wrote a behavior — every unset part of it filled with Kubernetes'
// default rules, so `kubectl get hpa -o yaml` shows what the controller uses.
import type { KubeObject } from "../types.js";

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export const DEFAULT_CPU_UTILIZATION = 80;

/** GenerateHPAScaleUpRules: no stabilization, +100% or +4 pods per 15 s, whichever is more. */
export function defaultScaleUpRules(): Rec {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: "Max",
    policies: [
      { type: "Pods", value: 4, periodSeconds: 15 },
      { type: "Percent", value: 100, periodSeconds: 15 },
    ],
  };
}

/** GenerateHPAScaleDownRules: 300 s stabilization, −100% per 15 s. */
export function defaultScaleDownRules(): Rec {
  return { stabilizationWindowSeconds: 300, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] };
}

function fillRules(v: unknown, defaults: Rec): Rec {
  const r = isRec(v) ? v : {};
  for (const [k, d] of Object.entries(defaults)) if (r[k] === undefined || r[k] === null) r[k] = d;
  return r;
}

export function defaultHorizontalPodAutoscaler(obj: KubeObject): void {
  if (!isRec(obj.spec)) return;
  const spec = obj.spec;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (isRec(spec.behavior)) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, defaultScaleUpRules());
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, defaultScaleDownRules());
  }
}

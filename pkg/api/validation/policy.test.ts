import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import type { KubeObject } from "../types.js";
import { validateObject } from "../validation.js";

const msgs = (o: KubeObject) => validateObject(o).map((e) => e.message);

describe("ResourceQuota and LimitRange validation", () => {
  it("accepts standard and count/ names, refuses bad quantities and fractional counts", () => {
    const ok: KubeObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "default" }, spec: { hard: { pods: "10", "requests.cpu": "2", "count/deployments.apps": "3" } } };
    expect(msgs(ok)).toEqual([]);
    const bad: KubeObject = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "default" }, spec: { hard: { pods: "1.5", "requests.cpu": "lots", bogus: "1" } } };
    expect(msgs(bad)).toEqual([
      'spec.hard[pods]: Invalid value: "1.5": must be an integer',
      expect.stringContaining("spec.hard[requests.cpu]: Invalid value: \"lots\""),
      'spec.hard[bogus]: Invalid value: "bogus": must be a standard resource type or fully qualified',
    ]);
  });

  it("keeps min ≤ defaultRequest ≤ default ≤ max in a LimitRange item", () => {
    const lr: KubeObject = {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "l", namespace: "default" },
      spec: { limits: [{ type: "Container", max: { cpu: "1" }, min: { cpu: "2" }, default: { memory: "1Gi" }, defaultRequest: { memory: "2Gi" } }, { type: "Pod", default: { cpu: "1" } }] },
    };
    expect(msgs(lr)).toEqual([
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[memory]: Invalid value: "2Gi": default request value 2Gi is greater than default limit value 1Gi',
      "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
    ]);
  });

  it("defaults a Container item's default from max and defaultRequest from default", () => {
    const lr = applyDefaults({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "l" }, spec: { limits: [{ type: "Container", max: { cpu: "1" }, min: { memory: "64Mi" } }] } });
    expect((lr.spec as { limits: unknown[] }).limits[0]).toEqual({ type: "Container", max: { cpu: "1" }, min: { memory: "64Mi" }, default: { cpu: "1" }, defaultRequest: { cpu: "1", memory: "64Mi" } });
  });
});

describe("HorizontalPodAutoscaler defaults and validation", () => {
  const hpa = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: "default" }, spec });

  it("defaults minReplicas 1 and an 80% cpu target; fills a given behavior", () => {
    const d = applyDefaults(hpa({ scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 5, behavior: { scaleDown: { stabilizationWindowSeconds: 10 } } }));
    expect(d.spec).toMatchObject({
      minReplicas: 1,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }],
      behavior: {
        scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: "Max", policies: [{ type: "Percent", value: 100, periodSeconds: 15 }] },
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: "Max" },
      },
    });
    expect(msgs(d)).toEqual([]);
  });

  it("reports bad bounds, targets and policies with field paths", () => {
    const bad = hpa({
      scaleTargetRef: { kind: "Deployment" },
      minReplicas: 5,
      maxReplicas: 2,
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization" } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 4000, policies: [{ type: "Pods", value: 0, periodSeconds: 15 }] } },
    });
    expect(msgs(bad)).toEqual([
      "spec.scaleTargetRef.name: Required value",
      "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`",
      "spec.metrics[0].resource.target.averageUtilization: Required value: must set averageUtilization when type is Utilization",
      "spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be greater than or equal to zero and less than or equal to 3600",
      "spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { tableFor } from "../printers.js";
import { formatHpaMetrics } from "./autoscaling.js";

const now = new Date("2026-01-01T01:00:00Z");

describe("ResourceQuota, LimitRange and HPA printers", () => {
  it("prints quota usage as kubectl does: requests in REQUEST, limits.* in LIMIT", () => {
    const t = tableFor(
      "ResourceQuota",
      [
        {
          apiVersion: "v1",
          kind: "ResourceQuota",
          metadata: { name: "compute", creationTimestamp: "2026-01-01T00:00:00Z" },
          status: { hard: { pods: "10", "requests.cpu": "2", "limits.cpu": "4", "limits.memory": "4Gi" }, used: { pods: "3", "requests.cpu": "300m", "limits.cpu": "600m" } },
        },
      ],
      { now, includeObject: "None" },
    );
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Age", "Request", "Limit"]);
    expect(t.rows[0].cells).toEqual(["compute", "60m", "pods: 3/10, requests.cpu: 300m/2", "limits.cpu: 600m/4, limits.memory: 0/4Gi"]);
  });

  it("prints a LimitRange with its creation time", () => {
    const t = tableFor("LimitRange", [{ apiVersion: "v1", kind: "LimitRange", metadata: { name: "limits", creationTimestamp: "2026-01-01T00:00:00Z" } }], { now, includeObject: "None" });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Created At"]);
    expect(t.rows[0].cells).toEqual(["limits", "2026-01-01T00:00:00Z"]);
  });

  it("prints an HPA's reference, targets, bounds and replicas", () => {
    const hpa = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", creationTimestamp: "2026-01-01T00:59:00Z" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
      },
      status: { currentReplicas: 8, currentMetrics: [{ type: "Resource", resource: { name: "cpu", current: { averageUtilization: 80, averageValue: "80m" } } }] },
    };
    const t = tableFor("HorizontalPodAutoscaler", [hpa], { now, includeObject: "None" });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"]);
    expect(t.rows[0].cells).toEqual(["web", "Deployment/web", "cpu: 80%/50%", "2", 10, 8, "60s"]);
  });

  it("formats targets before the first measurement, average values and more than two metrics", () => {
    const cpu = { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } };
    const mem = { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "100Mi" } } };
    expect(formatHpaMetrics([cpu], undefined)).toBe("cpu: <unknown>/50%");
    expect(formatHpaMetrics([mem], [{ type: "Resource", resource: { name: "memory", current: { averageValue: "120Mi" } } }])).toBe("memory: 120Mi/100Mi");
    expect(formatHpaMetrics([cpu, mem, cpu], [])).toBe("cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...");
    expect(formatHpaMetrics([], [])).toBe("<none>");
  });
});

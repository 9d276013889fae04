import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import type { KubeObject } from "../types.js";

const template = { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: "busybox:1.36" }] } };

describe("DaemonSet defaults", () => {
  it("fills the rolling update strategy, history limit and the template's pod spec", () => {
    const ds = applyDefaults({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "x" } }, template: structuredClone(template) } });
    const spec = ds.spec as Record<string, any>;
    expect(spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(spec.revisionHistoryLimit).toBe(10);
    expect(spec.template.spec.restartPolicy).toBe("Always");
  });

  it("leaves OnDelete without a rollingUpdate block and is idempotent", () => {
    const ds: KubeObject = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "d" }, spec: { updateStrategy: { type: "OnDelete" }, template: structuredClone(template) } };
    const once = structuredClone(applyDefaults(ds));
    expect((once.spec as any).updateStrategy).toEqual({ type: "OnDelete" });
    expect(applyDefaults(structuredClone(once))).toEqual(once);
  });
});

describe("StatefulSet defaults", () => {
  it("fills 1.32's defaults", () => {
    const sts = applyDefaults({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web" },
      spec: { selector: { matchLabels: { app: "x" } }, template: structuredClone(template), volumeClaimTemplates: [{ metadata: { name: "www" }, spec: {} }] },
    });
    const spec = sts.spec as Record<string, any>;
    expect(spec.replicas).toBe(1);
    expect(spec.podManagementPolicy).toBe("OrderedReady");
    expect(spec.updateStrategy).toEqual({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    expect(spec.revisionHistoryLimit).toBe(10);
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    expect(spec.volumeClaimTemplates[0].spec.volumeMode).toBe("Filesystem");
    expect(spec.template.spec.dnsPolicy).toBe("ClusterFirst");
  });

  it("keeps what the user set (replicas 0, Parallel, partition)", () => {
    const sts = applyDefaults({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web" },
      spec: { replicas: 0, podManagementPolicy: "Parallel", updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } }, template: structuredClone(template) },
    });
    const spec = sts.spec as Record<string, any>;
    expect(spec.replicas).toBe(0);
    expect(spec.podManagementPolicy).toBe("Parallel");
    expect(spec.updateStrategy.rollingUpdate.partition).toBe(2);
  });
});

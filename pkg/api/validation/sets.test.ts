import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import type { KubeObject } from "../types.js";
import { validateObject } from "../validation.js";

function ds(spec: Record<string, unknown> = {}): KubeObject {
  return applyDefaults({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", namespace: "default" },
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "c", image: "busybox" }] } },
      ...spec,
    },
  });
}

function sts(spec: Record<string, unknown> = {}): KubeObject {
  return applyDefaults({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "web", namespace: "default" },
    spec: {
      serviceName: "nginx",
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "nginx", volumeMounts: [{ name: "www", mountPath: "/usr/share/nginx/html" }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      ...spec,
    },
  });
}

const messages = (obj: KubeObject, old?: KubeObject) => validateObject(obj, old ? { isUpdate: true, old } : {}).map((e) => e.message);

describe("DaemonSet validation", () => {
  it("accepts a defaulted DaemonSet", () => {
    expect(messages(ds())).toEqual([]);
  });

  it("requires template labels to match the selector, and restartPolicy Always", () => {
    const bad = ds({ template: { metadata: { labels: { app: "other" } }, spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } });
    const m = messages(bad);
    expect(m).toContainEqual(expect.stringContaining("spec.template.metadata.labels: Invalid value"));
    expect(m.join("\n")).toContain("`selector` does not match template `labels`");
    expect(m.join("\n")).toContain('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"');
  });

  it("needs exactly one of maxSurge and maxUnavailable", () => {
    const both = ds({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } });
    expect(messages(both).join("\n")).toContain("spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero");
    const none = ds({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "0%" } } });
    expect(messages(none).join("\n")).toContain("spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0");
    expect(messages(ds({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "150%", maxSurge: 0 } } })).join("\n")).toContain("must not be greater than 100%");
    expect(messages(ds({ updateStrategy: { type: "Sometimes" } })).join("\n")).toContain('spec.updateStrategy: Unsupported value: "Sometimes"');
  });

  it("keeps the selector immutable", () => {
    const old = ds();
    const next = ds({ selector: { matchLabels: { app: "agent", tier: "x" } }, template: { metadata: { labels: { app: "agent", tier: "x" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } });
    expect(messages(next, old).join("\n")).toContain("spec.selector: Invalid value");
  });
});

describe("StatefulSet validation", () => {
  it("accepts a defaulted StatefulSet whose containers mount claim template volumes", () => {
    expect(messages(sts())).toEqual([]);
  });

  it("does not require serviceName (1.32)", () => {
    const s = sts();
    delete (s.spec as Record<string, unknown>).serviceName;
    expect(messages(s)).toEqual([]);
  });

  it("rejects unknown policies and strategies with Kubernetes' wording", () => {
    const m = messages(sts({ podManagementPolicy: "Random", updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } } })).join("\n");
    expect(m).toContain('spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or \'Parallel\'');
    expect(m).toContain("spec.updateStrategy.rollingUpdate: Invalid value");
    expect(m).toContain("only allowed for updateStrategy 'RollingUpdate'");
    expect(messages(sts({ updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: -1 } } })).join("\n")).toContain(
      "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
    );
  });

  it("rejects a mount of a volume that is neither declared nor a claim template", () => {
    const s = sts({ volumeClaimTemplates: [] });
    expect(messages(s).join("\n")).toContain("volumeMounts[0].name");
  });

  it("forbids updates outside the mutable fields", () => {
    const old = sts();
    const scaled = structuredClone(old);
    (scaled.spec as Record<string, unknown>).replicas = 5;
    expect(messages(scaled, old)).toEqual([]);
    const renamed = structuredClone(old);
    (renamed.spec as Record<string, unknown>).serviceName = "other";
    expect(messages(renamed, old).join("\n")).toContain("spec: Forbidden: updates to statefulset spec for fields other than 'replicas'");
  });
});

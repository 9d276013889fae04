import { describe, expect, it } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import { planDrain } from "./drain.js";

const owned = (kind: string) => [{ apiVersion: "apps/v1", kind, name: "x", uid: "u", controller: true }];
const pod = (name: string, extra: Partial<V1Pod> = {}, ownerKind?: string): V1Pod => ({
  metadata: { name, namespace: "default", ownerReferences: ownerKind ? owned(ownerKind) : undefined },
  spec: { nodeName: "n1", containers: [{ name: "c" }] },
  status: { phase: "Running" },
  ...extra,
});

describe("planDrain", () => {
  const pods = [pod("web-1", {}, "ReplicaSet"), pod("solo"), pod("ds-1", {}, "DaemonSet"), pod("done", { status: { phase: "Succeeded" } })];

  it("refuses pods without a controller and DaemonSet pods by default", () => {
    const plan = planDrain(pods, {});
    expect(plan.errors.sort()).toEqual([
      "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-1",
      "cannot delete Pods that declare no controller (use --force to override): default/solo",
    ]);
  });

  it("with --force and --ignore-daemonsets deletes the rest and warns about what it did", () => {
    const plan = planDrain(pods, { force: true, ignoreDaemonSets: true });
    expect(plan.errors).toEqual([]);
    expect(plan.toDelete.map((p) => p.metadata?.name)).toEqual(["web-1", "solo", "done"]);
    expect(plan.warnings).toBe("deleting Pods that declare no controller: default/solo; ignoring DaemonSet-managed Pods: default/ds-1");
  });

  it("needs --delete-emptydir-data for pods with emptyDir volumes, and skips mirror pods", () => {
    const local = pod("cache", { spec: { containers: [{ name: "c" }], volumes: [{ name: "v", emptyDir: {} }] } }, "ReplicaSet");
    const mirror = pod("static", { metadata: { name: "static", namespace: "kube-system", annotations: { "kubernetes.io/config.mirror": "x" } } });
    expect(planDrain([local], {}).errors).toEqual(["cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache"]);
    const ok = planDrain([local, mirror], { deleteEmptyDirData: true });
    expect(ok.toDelete.map((p) => p.metadata?.name)).toEqual(["cache"]);
    expect(ok.errors).toEqual([]);
  });
});

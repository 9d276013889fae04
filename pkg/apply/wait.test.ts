import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import { ApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { readinessOf, waitForReady, waitTargets } from "./wait.js";

const obj = (kind: string, spec: object, status: object, generation = 1): KubeObject => ({ apiVersion: "v1", kind, metadata: { name: "x", generation }, spec, status }) as KubeObject;

describe("readiness", () => {
  it("deployments: every replica updated and available, old pods gone, generation observed", () => {
    expect(readinessOf(obj("Deployment", { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).state).toBe("ready");
    expect(readinessOf(obj("Deployment", { replicas: 2 }, { observedGeneration: 1, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).state).toBe("waiting");
    expect(readinessOf(obj("Deployment", { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).message).toBe("1/2 available");
    expect(readinessOf(obj("Deployment", { replicas: 2 }, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2)).state).toBe("waiting");
    expect(readinessOf(obj("Deployment", { replicas: 0 }, { observedGeneration: 1 })).state).toBe("ready");
  });

  it("jobs complete or fail; pods run and are ready; daemon sets wait to be scheduled", () => {
    expect(readinessOf(obj("Job", {}, { conditions: [{ type: "Complete", status: "True" }] })).state).toBe("ready");
    expect(readinessOf(obj("Job", {}, { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] }))).toEqual({ state: "failed", message: "Failed (BackoffLimitExceeded)" });
    expect(readinessOf(obj("Pod", {}, { phase: "Running", conditions: [{ type: "Ready", status: "True" }] })).state).toBe("ready");
    expect(readinessOf(obj("Pod", {}, { phase: "Running", containerStatuses: [{ state: { waiting: { reason: "CrashLoopBackOff" } } }] })).message).toBe("Running (CrashLoopBackOff)");
    expect(readinessOf(obj("DaemonSet", {}, {})).state).toBe("waiting");
    expect(readinessOf(obj("DaemonSet", {}, { observedGeneration: 1, desiredNumberScheduled: 3, numberReady: 3 })).state).toBe("ready");
    expect(readinessOf(obj("StatefulSet", { replicas: 2 }, { observedGeneration: 1, readyReplicas: 1 })).state).toBe("waiting");
  });

  it("waits only for workload kinds", () => {
    const t = waitTargets([
      { info: R.configmaps, namespace: "d", name: "a" },
      { info: R.deployments, namespace: "d", name: "web" },
      { info: R.deployments, namespace: "d", name: "web" },
      { info: R.pods, namespace: "d", name: "p" },
    ]);
    expect(t.map((x) => `${x.info.kind}/${x.name}`)).toEqual(["Deployment/web", "Pod/p"]);
  });
});

describe("waitForReady", () => {
  it("polls until ready, and times out naming what is not ready", async () => {
    let calls = 0;
    const client = {
      async get(): Promise<KubeObject> {
        calls++;
        if (calls < 3) throw new ApiError("NotFound", "not yet");
        return obj("Pod", {}, { phase: calls < 5 ? "Pending" : "Running", conditions: [{ type: "Ready", status: "True" }] });
      },
    } as never;
    const rounds: number[] = [];
    const ok = await waitForReady(client, [{ info: R.pods, namespace: "d", name: "p" }], { timeoutMs: 10_000, intervalMs: 5, onProgress: (s) => rounds.push(s.length) });
    expect(ok.ok).toBe(true);
    expect(rounds.length).toBeGreaterThanOrEqual(5);
    const never = { get: async () => obj("Pod", {}, { phase: "Pending" }) } as never;
    const late = await waitForReady(never, [{ info: R.pods, namespace: "d", name: "p" }], { timeoutMs: 30, intervalMs: 5 });
    expect(late).toMatchObject({ ok: false, timedOut: true });
    expect(late.statuses[0]).toMatchObject({ ref: "pod/p", readiness: { state: "waiting", message: "Pending" } });
  });
});

import { describe, expect, test } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { driftOf, summarize } from "./status.js";

const dep = (replicas: number, image: string, ready = 0): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "d" },
  spec: { replicas, template: { spec: { containers: [{ name: "c", image }] } } },
  status: { readyReplicas: ready },
});

describe("status columns", () => {
  test("summaries say what a user checks first", () => {
    expect(summarize(R.deployments, dep(3, "nginx:1.27", 3))).toBe("3/3 ready, image nginx:1.27");
    expect(summarize(R.pods, { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] }, status: { phase: "Running" } })).toBe("Running, image busybox");
    expect(summarize(R.services, { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "NodePort", ports: [{ port: 80 }] } })).toBe("NodePort, ports 80/TCP");
    expect(summarize(R.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1", b: "2" } })).toBe("2 keys");
    expect(summarize(R.jobs, { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { completions: 3, template: { spec: { containers: [{ name: "c", image: "pi" }] } } }, status: { succeeded: 1 } })).toBe("1/3 complete, image pi");
  });

  test("drift compares what was asked for, not progress", () => {
    expect(driftOf(R.deployments, dep(3, "a", 3), dep(3, "a", 0))).toBe("in sync");
    expect(driftOf(R.deployments, dep(3, "a"), dep(2, "a"))).toBe("replicas 3≠2");
    expect(driftOf(R.deployments, dep(3, "a"), dep(3, "b"))).toBe("image differs");
    expect(driftOf(R.deployments, dep(3, "a"), dep(1, "b"))).toBe("replicas 3≠1, image differs");
    expect(driftOf(R.deployments, dep(3, "a"), undefined)).toBe("missing in target");
    expect(driftOf(R.deployments, undefined, dep(3, "a"))).toBe("extra in target");
    const cm = (v: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { k: v } });
    expect(driftOf(R.configmaps, cm("1"), cm("1"))).toBe("in sync");
    expect(driftOf(R.configmaps, cm("1"), cm("2"))).toBe("data differs");
  });
});

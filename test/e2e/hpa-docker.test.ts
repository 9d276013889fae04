// The HorizontalPodAutoscaler on real containers: busybox pods that spin a CPU
// (`while :; do :; done`, request 100m, limit 500m) show up in the metrics API
// through Docker stats, and the HPA scales their deployment out. Everything the
// test starts is removed afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { BUSYBOX, dockerOrWarn } from "../helpers/docker.js";

const docker = await dockerOrWarn("the HPA-on-Docker test");
await docker?.close();

function burner(): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "burner" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "burner" } },
      template: {
        metadata: { labels: { app: "burner" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "spin",
              image: BUSYBOX,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", "while :; do :; done"],
              resources: { requests: { cpu: "100m" }, limits: { cpu: "500m" } },
            },
          ],
        },
      },
    },
  };
}

describe.skipIf(!docker)("HPA on Docker", () => {
  let dir: string;
  let cluster: Cluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-hpa-docker-"));
    cluster = await startCluster({
      stateDir: dir,
      store: "memory",
      port: 0,
      runtime: "docker",
      nodes: 1,
      proxy: false,
      dashboard: false,
      nodeCapacity: { cpu: "8", memory: "8Gi", pods: 110 },
      metricsIntervalMs: 2_000,
      hpa: { syncPeriodMs: 2_000, cpuInitializationPeriodMs: 0, initialReadinessDelayMs: 0 },
      onError: () => undefined,
    });
  }, 120_000);

  afterAll(async () => {
    if (cluster) {
      await cluster.client.delete(R.horizontalpodautoscalers, "default", "burner").catch(() => undefined);
      await cluster.client.delete(R.deployments, "default", "burner").catch(() => undefined);
      await cluster.close({ removeContainers: true });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("a CPU burner scales out", async () => {
    const { client } = cluster;
    await client.create(R.deployments, "default", burner());
    await client.create(R.horizontalpodautoscalers, "default", {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "burner" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "burner" },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
      },
    });
    // Docker reports the burn (up to the 500m limit) a couple of samples after start.
    const end = Date.now() + 150_000;
    let replicas = 1;
    let lastCpu = 0;
    while (Date.now() < end) {
      lastCpu = Math.max(0, ...cluster.metrics.sampler.podMetrics("default").map((p) => p.cpuNanoCores));
      replicas = ((await client.get(R.deployments, "default", "burner")).spec as { replicas: number }).replicas;
      if (replicas > 1) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(lastCpu, "the burner's cpu as Docker stats reports it").toBeGreaterThan(100e6);
    expect(replicas).toBeGreaterThan(1);
    const events = (await client.list(R.events, "default")).items.map((e) => `${(e as { reason?: string }).reason}: ${(e as { message?: string }).message}`);
    expect(events.some((e) => /^SuccessfulRescale: New size: [23]; reason: cpu resource utilization \(percentage of request\) above target$/.test(e))).toBe(true);
  }, 200_000);
});

// Issue 9 end to end on the fake runtime: quota and limit ranges at admission
// (over HTTPS, the way kubectl and controllers meet them), the metrics API with
// real kubectl top, the HPA scaling 2 → 8 → 2 under simulated load, and usage
// accounting that adds up exactly.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ApiError } from "../pkg/api/errors.js";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { startCluster, type Cluster } from "../pkg/cluster/cluster.js";
import { HttpClient } from "../pkg/client/http-client.js";
import { loadKubeconfig } from "../pkg/client/kubeconfig.js";
import { RestClient } from "../pkg/client/rest.js";
import { eventually } from "./helpers/eventually.js";
import type { ClusterScopedRuntime } from "../pkg/runtime/cluster-scoped.js";
import type { FakeRuntime } from "../pkg/runtime/fake.js";
import { FakeClock } from "../pkg/util/clock.js";
import { recordFromConfigMap } from "../pkg/metrics/usage-record.js";
import { runTop } from "../cmd/commands/top.js";
import { runUsage } from "../cmd/commands/usage.js";
import { runAutoscale } from "../cmd/commands/autoscale.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING the kubectl top / get quota checks: ${KUBECTL} not found (set KUBECTL=/path/to/kubectl) ***\n`);

function fakeOf(c: Cluster): FakeRuntime {
  return (c.runtime as ClusterScopedRuntime).unwrapped as FakeRuntime;
}

function deployment(name: string, replicas: number, resources: Record<string, unknown>, image = "nginx"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image, resources }] } },
    },
  };
}

async function namespace(client: HttpClient, name: string): Promise<void> {
  await client.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

/** Run a CLI command in-process and capture what it prints. */
async function cli(fn: () => Promise<void>): Promise<{ stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  try {
    await fn();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}

describe("quotas, limit ranges, metrics and autoscaling in a running cluster (fake runtime)", () => {
  let cluster: Cluster;
  let dir: string;
  let client: HttpClient;
  const globals = () => ({ kubeconfig: cluster.controlPlane.paths.kubeconfig, namespace: undefined as string | undefined });

  async function kubectl(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cluster.controlPlane.paths.kubeconfig, HOME: dir }, timeout: 30_000 });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")} failed: ${err.stderr || err.message}`);
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-issue9-"));
    cluster = await startCluster({
      stateDir: dir,
      store: "memory",
      port: 0,
      runtime: "fake",
      nodes: 2,
      proxy: false,
      dashboard: false,
      metricsIntervalMs: 300,
      hpa: { syncPeriodMs: 300, cpuInitializationPeriodMs: 0, initialReadinessDelayMs: 0 },
      onError: () => undefined,
    });
    client = new HttpClient(new RestClient(loadKubeconfig(cluster.controlPlane.paths.kubeconfig)));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("a deployment over its namespace's quota gets exactly the allowed pods, and the event names the quota", async () => {
    await namespace(client, "quota-test");
    await client.create(R.resourcequotas, "quota-test", { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "compute" }, spec: { hard: { pods: "3", "requests.cpu": "2" } } });
    await client.create(R.deployments, "quota-test", deployment("web", 5, { requests: { cpu: "500m" } }));
    const failed = await eventually("a FailedCreate event", async () => (await client.list(R.events, "quota-test")).items.find((e) => (e as { reason?: string }).reason === "FailedCreate") as { message?: string; involvedObject?: { kind?: string } } | undefined, { timeoutMs: 20_000 });
    expect(failed.involvedObject?.kind).toBe("ReplicaSet");
    expect(failed.message).toMatch(
      /^Error creating: pods "web-[a-z0-9]+-[a-z0-9]+" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3$/,
    );
    await eventually("3 running pods", async () => (await client.list(R.pods, "quota-test")).items.filter((p) => (p.status as { phase?: string }).phase === "Running").length === 3, { timeoutMs: 20_000 });
    // Nothing sneaks past while the ReplicaSet keeps retrying.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await client.list(R.pods, "quota-test")).items).toHaveLength(3);
    const q = await eventually("quota status", async () => {
      const got = await client.get(R.resourcequotas, "quota-test", "compute");
      return (got.status as { used?: Record<string, string> } | undefined)?.used?.pods === "3" ? got : undefined;
    }, { timeoutMs: 10_000 });
    expect(q.status).toEqual({ hard: { pods: "3", "requests.cpu": "2" }, used: { pods: "3", "requests.cpu": "1500m" } });

    // A direct create over HTTPS: 403 with Kubernetes' wording.
    const e = await client
      .create(R.pods, "quota-test", { apiVersion: "v1", kind: "Pod", metadata: { name: "extra" }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] } })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).httpStatus).toBe(403);
    expect((e as ApiError).message).toBe('pods "extra" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3');

    // Scaling down frees room that the next pod takes.
    await client.patch(R.deployments, "quota-test", "web", "merge", { spec: { replicas: 2 } }, { subresource: "scale" });
    await client.create(R.pods, "quota-test", { apiVersion: "v1", kind: "Pod", metadata: { name: "extra" }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] } }).catch(async (x: unknown) => {
      // The scale-down may still be terminating the third pod; try again once it is gone.
      if (!(x instanceof ApiError && x.reason === "Forbidden")) throw x;
      await eventually("scale-down", async () => (await client.list(R.pods, "quota-test")).items.length === 2, { timeoutMs: 20_000 });
      await client.create(R.pods, "quota-test", { apiVersion: "v1", kind: "Pod", metadata: { name: "extra" }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] } });
    });
    if (haveKubectl) {
      const out = await eventually("kubectl get quota", async () => {
        const o = await kubectl("get", "quota", "-n", "quota-test");
        return o.includes("pods: 3/3, requests.cpu: 1100m/2") ? o : undefined;
      }, { timeoutMs: 10_000 });
      expect(out).toMatch(/NAME\s+AGE\s+REQUEST\s+LIMIT/);
      expect(out).toMatch(/compute\s+\S+\s+pods: 3\/3, requests.cpu: 1100m\/2\s*$/m);
    }
  }, 90_000);

  it("a LimitRange defaults containers and refuses one over its max, with a 403 naming the numbers", async () => {
    await namespace(client, "limits-test");
    await client.create(R.limitranges, "limits-test", {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "limits" },
      spec: { limits: [{ type: "Container", max: { memory: "1Gi" }, default: { cpu: "200m", memory: "256Mi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } }] },
    });
    const p = await client.create(R.pods, "limits-test", { apiVersion: "v1", kind: "Pod", metadata: { name: "plain" }, spec: { containers: [{ name: "c", image: "x" }] } });
    expect((p.spec as { containers: Array<{ resources: unknown }> }).containers[0].resources).toEqual({ limits: { cpu: "200m", memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } });
    const e = await client
      .create(R.pods, "limits-test", { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: [{ name: "c", image: "x", resources: { limits: { memory: "2Gi" } } }] } })
      .catch((x: unknown) => x as ApiError);
    expect(e.httpStatus).toBe(403);
    expect(e.message).toBe('pods "x" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi');
  });

  it("an HPA scales 2 → 8 under simulated load and back to 2 after its stabilization window; top shows the load", async () => {
    await namespace(client, "hpa");
    const fake = fakeOf(cluster);
    await client.create(R.deployments, "hpa", deployment("web", 2, { requests: { cpu: "100m" } }, "burner"));
    await eventually("2 running pods", async () => (await client.list(R.pods, "hpa")).items.filter((p) => (p.status as { phase?: string }).phase === "Running").length === 2, { timeoutMs: 20_000 });

    const created = await cli(() => runAutoscale({ kind: "deploy", name: "web", min: 2, max: 8, cpuPercent: 50, globals: { ...globals(), namespace: "hpa" } }));
    expect(created.stdout).toBe("horizontalpodautoscaler.autoscaling/web autoscaled\n");
    // A short scale-down window and a fast scale-up policy, so the test does not wait minutes.
    await client.patch(R.horizontalpodautoscalers, "hpa", "web", "merge", {
      spec: { behavior: { scaleUp: { policies: [{ type: "Percent", value: 900, periodSeconds: 15 }] }, scaleDown: { stabilizationWindowSeconds: 3 } } },
    });
    // Now the load: every container of image "burner", old and new, burns 200m — 200% of its 100m request.
    fake.addBehaviour({ match: { image: "burner" }, behaviour: { cpuMilli: 200, memoryBytes: 32 * 2 ** 20 } });
    fake.setLoad({ "skiff.pod-namespace": "hpa" }, { cpuMilli: 200, memoryBytes: 32 * 2 ** 20 });

    await eventually("scale to 8", async () => ((await client.get(R.deployments, "hpa", "web")).spec as { replicas: number }).replicas === 8, { timeoutMs: 30_000 });
    const rescale = await eventually("SuccessfulRescale", async () => (await client.list(R.events, "hpa")).items.find((e) => (e as { reason?: string }).reason === "SuccessfulRescale") as { message?: string } | undefined, { timeoutMs: 10_000 });
    expect(rescale.message).toBe("New size: 8; reason: cpu resource utilization (percentage of request) above target");
    await eventually("8 running pods", async () => (await client.list(R.pods, "hpa")).items.filter((p) => (p.status as { phase?: string }).phase === "Running").length === 8, { timeoutMs: 30_000 });

    // kubectl get hpa shows the target against the measurement.
    const hpa = await eventually("hpa status", async () => {
      const h = await client.get(R.horizontalpodautoscalers, "hpa", "web");
      return (h.status as { currentReplicas?: number } | undefined)?.currentReplicas === 8 ? h : undefined;
    }, { timeoutMs: 20_000 });
    expect((hpa.spec as { metrics: unknown[] }).metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }]);

    // skiff top and real kubectl top read the same metrics API.
    await eventually("metrics for 8 pods", () => cluster.metrics.sampler.podMetrics("hpa").length === 8, { timeoutMs: 10_000 });
    const top = await cli(() => runTop({ what: "pods", globals: { ...globals(), namespace: "hpa" } }));
    const lines = top.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)$/);
    expect(lines).toHaveLength(9);
    for (const l of lines.slice(1)) expect(l).toMatch(/^web-\S+\s+200m\s+32Mi$/);
    const nodes = await cli(() => runTop({ what: "nodes", globals: globals() }));
    expect(nodes.stdout).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\n/);
    expect(nodes.stdout).toMatch(/node-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    if (haveKubectl) {
      const kt = await kubectl("top", "pods", "-n", "hpa");
      const krows = kt.trim().split("\n");
      expect(krows[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);
      expect(krows.slice(1).filter((l) => /^web-\S+\s+200m\s+32Mi\s*$/.test(l))).toHaveLength(8);
      const kn = await kubectl("top", "nodes");
      expect(kn).toMatch(/NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)/);
      expect(kn).toMatch(/node-2\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
      const kh = await kubectl("get", "hpa", "-n", "hpa");
      expect(kh).toMatch(/NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
      expect(kh).toMatch(/web\s+Deployment\/web\s+cpu: 200%\/50%\s+2\s+8\s+8/);
    }

    // Load gone: back to the minimum once the 3 s window has passed.
    fake.addBehaviour({ match: { image: "burner" }, behaviour: { cpuMilli: 0 } });
    fake.setLoad({ "skiff.pod-namespace": "hpa" }, { cpuMilli: 0 });
    await eventually("scale back to 2", async () => ((await client.get(R.deployments, "hpa", "web")).spec as { replicas: number }).replicas === 2, { timeoutMs: 40_000 });
    const events = (await client.list(R.events, "hpa")).items.map((e) => (e as { message?: string }).message);
    expect(events).toContain("New size: 2; reason: All metrics below target");
  }, 120_000);
});

describe("usage accounting with known synthetic load (FakeClock-driven sampler)", () => {
  let cluster: Cluster;
  let dir: string;
  let client: HttpClient;
  const clock = new FakeClock(Date.now());

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-usage-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, runtime: "fake", nodes: 2, proxy: false, dashboard: false, metricsClock: clock, metricsIntervalMs: 15_000, onError: () => undefined });
    client = new HttpClient(new RestClient(loadKubeconfig(cluster.controlPlane.paths.kubeconfig)));
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("skiff usage equals the sum of the samples, exactly", async () => {
    await namespace(client, "billing");
    await namespace(client, "idle");
    await client.create(R.deployments, "billing", deployment("small", 1, {}));
    await client.create(R.deployments, "billing", deployment("large", 1, {}));
    await eventually("2 running pods", async () => (await client.list(R.pods, "billing")).items.filter((p) => (p.status as { phase?: string }).phase === "Running").length === 2, { timeoutMs: 20_000 });
    const fake = fakeOf(cluster);
    const podName = async (app: string) => (await client.list(R.pods, "billing", { labelSelector: `app=${app}` })).items[0].metadata.name!;
    fake.setLoad({ "skiff.pod-name": await podName("small") }, { cpuMilli: 250, memoryBytes: 64 * 2 ** 20 });
    fake.setLoad({ "skiff.pod-name": await podName("large") }, { cpuMilli: 500, memoryBytes: 128 * 2 ** 20 });

    const rounds = 8;
    for (let i = 0; i < rounds; i++) {
      await clock.advance(15_000);
      await cluster.metrics.sampler.idle();
    }
    // What the store holds is what was sampled: 8 rounds of 750m and 192Mi, 15 s each.
    const cm = await client.get(R.configmaps, "kube-system", "usage-billing");
    const rec = recordFromConfigMap(cm);
    expect(rec.samples).toHaveLength(rounds);
    for (const s of rec.samples) expect(s).toMatchObject({ windowMs: 15_000, cpuNanoCores: 750e6, memoryBytes: 192 * 2 ** 20, pods: 2 });
    const sumCpu = rec.samples.reduce((n, s) => n + BigInt(s.cpuNanoCores) * BigInt(s.windowMs), 0n);
    const sumMem = rec.samples.reduce((n, s) => n + BigInt(s.memoryBytes) * BigInt(s.windowMs), 0n);

    const json = await cli(() => runUsage({ output: "json", globals: { kubeconfig: cluster.controlPlane.paths.kubeconfig, namespace: "billing" } }));
    const report = JSON.parse(json.stdout) as { namespaces: Array<Record<string, unknown>> };
    expect(report.namespaces).toEqual([
      {
        namespace: "billing",
        cpuSeconds: "90", // 0.75 cores × 120 s
        memoryByteHours: "6710886.400", // 192 MiB × 120 s / 3600
        memoryGiBHours: "0.006250",
        maxPods: 2,
        samples: rounds,
        cpuNanocoreMilliseconds: sumCpu.toString(),
        memoryByteMilliseconds: sumMem.toString(),
      },
    ]);
    expect(sumCpu).toBe(750_000_000n * 15_000n * BigInt(rounds));

    const table = await cli(() => runUsage({ allNamespaces: true, since: "1h", globals: { kubeconfig: cluster.controlPlane.paths.kubeconfig } }));
    const rows = table.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^NAMESPACE\s+CPU-SECONDS\s+MEMORY-BYTE-HOURS\s+MEMORY-GIB-HOURS\s+PODS\s+SAMPLES$/);
    expect(rows.find((r) => r.startsWith("billing"))).toMatch(/^billing\s+90\s+6710886\.400\s+0\.006250\s+2\s+8$/);
    // A namespace with nothing running consumed nothing and has no record.
    expect(rows.some((r) => r.startsWith("idle"))).toBe(false);
  }, 90_000);
});

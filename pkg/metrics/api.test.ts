import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { buildApiServer } from "../apiserver/server.js";
import { Registry } from "../apiserver/registry.js";
import { openStore } from "../store/index.js";
import { metricsApiPlugin } from "./api.js";
import type { MetricsReader, PodSample } from "./types.js";

const T = Date.parse("2026-01-01T00:00:00Z");
const pod = (namespace: string, name: string, cpu: number, mem: number): PodSample => ({
  namespace,
  name,
  uid: name,
  nodeName: "node-1",
  timestamp: T,
  windowMs: 15_000,
  cpuNanoCores: cpu,
  memoryBytes: mem,
  containers: [{ name: "app", cpuNanoCores: cpu, memoryBytes: mem }],
});

const reader: MetricsReader = {
  nodeMetrics: () => [{ nodeName: "node-1", timestamp: T, windowMs: 15_000, cpuNanoCores: 12345, memoryBytes: 1234 * 1024 }],
  podMetrics: (ns) => [pod("default", "web-1", 5e6, 64 * 2 ** 20), pod("default", "web-2", 7e6, 32 * 2 ** 20), pod("other", "db", 1e9, 2 ** 30)].filter((p) => ns === undefined || p.namespace === ns),
};

describe("metrics.k8s.io API", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const registry = new Registry(await openStore("memory"));
    await registry.bootstrap();
    const labels = { nodeLabels: () => ({ zone: "a" }), podLabels: (_ns: string, name: string) => ({ app: name.startsWith("web") ? "web" : "db" }) };
    app = await buildApiServer({ registry, authenticator: null, plugins: [metricsApiPlugin({ reader, labels })] });
  });
  afterAll(async () => {
    await app.close();
  });
  const get = async (url: string) => {
    const r = await app.inject({ method: "GET", url });
    return { status: r.statusCode, body: r.json() as Record<string, unknown> & { items?: Array<Record<string, unknown>> } };
  };

  it("is discoverable, as kubectl top requires", async () => {
    const groups = (await get("/apis")).body.groups as Array<{ name: string; preferredVersion: { groupVersion: string } }>;
    expect(groups.find((g) => g.name === "metrics.k8s.io")?.preferredVersion.groupVersion).toBe("metrics.k8s.io/v1beta1");
    const list = (await get("/apis/metrics.k8s.io/v1beta1")).body;
    expect(list.resources).toEqual([
      { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
      { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
    ]);
  });

  it("serves NodeMetrics with timestamp, window and usage", async () => {
    const { status, body } = await get("/apis/metrics.k8s.io/v1beta1/nodes");
    expect(status).toBe(200);
    expect(body).toEqual({
      kind: "NodeMetricsList",
      apiVersion: "metrics.k8s.io/v1beta1",
      metadata: {},
      items: [
        {
          kind: "NodeMetrics",
          apiVersion: "metrics.k8s.io/v1beta1",
          metadata: { name: "node-1", creationTimestamp: "2026-01-01T00:00:00Z", labels: { zone: "a" } },
          timestamp: "2026-01-01T00:00:00Z",
          window: "15s",
          usage: { cpu: "12345n", memory: "1234Ki" },
        },
      ],
    });
    expect((await get("/apis/metrics.k8s.io/v1beta1/nodes/node-1")).body.kind).toBe("NodeMetrics");
    const missing = await get("/apis/metrics.k8s.io/v1beta1/nodes/node-9");
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('nodemetrics.metrics.k8s.io "node-9" not found');
  });

  it("serves PodMetrics per namespace, across namespaces, by name and by label", async () => {
    const ns = await get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods");
    expect(ns.body.kind).toBe("PodMetricsList");
    expect(ns.body.items!.map((i) => (i.metadata as { name: string }).name)).toEqual(["web-1", "web-2"]);
    expect(ns.body.items![0]).toMatchObject({ window: "15s", containers: [{ name: "app", usage: { cpu: "5m", memory: "64Mi" } }] });
    expect((await get("/apis/metrics.k8s.io/v1beta1/pods")).body.items).toHaveLength(3);
    const one = await get("/apis/metrics.k8s.io/v1beta1/namespaces/other/pods/db");
    expect(one.body).toMatchObject({ kind: "PodMetrics", metadata: { name: "db", namespace: "other" }, containers: [{ usage: { cpu: "1", memory: "1Gi" } }] });
    expect((await get("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db")).body.message).toBe('podmetrics.metrics.k8s.io "default/db" not found');
    const sel = await get("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Ddb");
    expect(sel.body.items!.map((i) => (i.metadata as { name: string }).name)).toEqual(["db"]);
    expect((await get("/apis/metrics.k8s.io/v1beta1/pods?labelSelector=%3D%3D%3D")).status).toBe(400);
  });
});

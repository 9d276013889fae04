// Node health on a fake-runtime cluster of two 1Gi nodes (issue 24): a memory
// hog brings MemoryPressure and the eviction of the BestEffort pod first, whose
// replacement lands on the other node (the memory-pressure taint keeps the
// scheduler away); `skiff chaos stop-runtime | memory-pressure | fill-disk`
// show the kubelet's reactions and are undone by `chaos stop`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { ClusterScopedRuntime } from "../pkg/runtime/cluster-scoped.js";
import { FakeRuntime } from "../pkg/runtime/fake.js";
import { LABELS } from "../pkg/runtime/runtime.js";
import { appPods, deployment, isReady, nodeReady, startLabCluster, until, type LabCluster } from "./helpers/lab-cluster.js";

let lab: LabCluster;
let fake: FakeRuntime;
const Mi = 1024 * 1024;

type NodeCond = { type: string; status: string; reason?: string; message?: string };
const cond = async (node: string, type: string) => ((await lab.cluster.client.get(R.nodes, undefined, node)).status as { conditions: NodeCond[] }).conditions.find((c) => c.type === type);
const taintKeys = async (node: string) => (((await lab.cluster.client.get(R.nodes, undefined, node)).spec as { taints?: Array<{ key: string }> }).taints ?? []).map((t) => t.key);

beforeAll(async () => {
  lab = await startLabCluster({ nodes: 2, nodeCapacity: { cpu: "4", memory: "1Gi", pods: 110 } });
  const rt = lab.cluster.runtime;
  const inner = rt instanceof ClusterScopedRuntime ? rt.unwrapped : rt;
  if (!(inner instanceof FakeRuntime)) throw new Error("expected the fake runtime");
  fake = inner;
}, 60_000);

afterAll(async () => {
  await lab?.close();
}, 60_000);

describe("memory pressure on a 1Gi fake node", () => {
  it("evicts the BestEffort pod first (Failed/Evicted), and its replacement lands on the other node", async () => {
    const hog: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "hog", namespace: "default" },
      spec: { nodeName: "node-1", containers: [{ name: "hog", image: "skiff/busybox:latest", resources: { requests: { memory: "850Mi" }, limits: { memory: "850Mi" } } }] },
    };
    await lab.cluster.client.create(R.pods, "default", hog);
    // The BestEffort web pod goes to node-1 beside the hog: node-2 is cordoned while it is placed.
    await lab.cluster.client.patch(R.nodes, undefined, "node-2", "merge", { spec: { unschedulable: true } });
    await lab.cluster.client.create(R.deployments, "default", deployment("web", 1));
    const current = await until("web ready on node-1", async () => {
      const pods = await appPods(lab.cluster, "web");
      return pods.length === 1 && isReady(pods[0]) ? pods[0] : undefined;
    });
    expect(current.spec?.nodeName).toBe("node-1");
    await lab.cluster.client.patch(R.nodes, undefined, "node-2", "merge", { spec: { unschedulable: false } });

    await until("hog running", async () => (await lab.cluster.client.get(R.pods, "default", "hog")).status && ((await lab.cluster.client.get(R.pods, "default", "hog")).status as { phase?: string }).phase === "Running");
    fake.setLoad({ [LABELS.podName]: "hog" }, { memoryBytes: 850 * Mi });
    fake.setLoad({ [LABELS.podName]: String(current.metadata.name) }, { memoryBytes: 120 * Mi }); // 54Mi left on node-1

    const evicted = await until("the BestEffort web pod evicted", async () => {
      const p = (await lab.cluster.client.get(R.pods, "default", String(current.metadata.name))) as KubeObject & { status?: { phase?: string; reason?: string; message?: string } };
      return p.status?.phase === "Failed" ? p : undefined;
    }, 30_000);
    expect(evicted.status?.reason).toBe("Evicted");
    expect(evicted.status?.message).toMatch(/^The node was low on resource: memory\. Threshold quantity: 100Mi, available: 54Mi\. Container app was using 120Mi, request is 0, has larger consumption of memory\. $/);
    expect((await cond("node-1", "MemoryPressure"))?.status).toBe("True");
    await until("memory-pressure taint on node-1", async () => (await taintKeys("node-1")).includes("node.kubernetes.io/memory-pressure"), 10_000);
    expect(((await lab.cluster.client.get(R.pods, "default", "hog")).status as { phase?: string }).phase).toBe("Running");

    const replacement = await until("the replacement ready on node-2", async () => {
      const pods = (await appPods(lab.cluster, "web")).filter((p) => p.metadata.uid !== current.metadata.uid && p.status?.phase !== "Failed");
      return pods.length === 1 && isReady(pods[0]) ? pods[0] : undefined;
    }, 30_000);
    expect(replacement.spec?.nodeName).toBe("node-2");
    await lab.cluster.client.delete(R.deployments, "default", "web");
    await lab.cluster.client.delete(R.pods, "default", "hog", { gracePeriodSeconds: 0 });
    await until("MemoryPressure False again", async () => (await cond("node-1", "MemoryPressure"))?.status === "False", 30_000);
  }, 90_000);
});

describe("skiff chaos for node health", () => {
  it("stop-runtime: NotReady naming the runtime within 10 s, pods not ready; stop: Ready", async () => {
    await lab.cluster.client.create(R.deployments, "default", deployment("api", 1, { nodeSelector: { "kubernetes.io/hostname": "node-2" } }));
    await until("api ready", async () => (await appPods(lab.cluster, "api")).some(isReady));
    const started = Date.now();
    const r = await lab.skiff("chaos", "stop-runtime", "node-2");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const id = /^(chaos-\d+) stop-runtime Node\/node-2/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const ready = await until("node-2 NotReady", async () => {
      const c = await cond("node-2", "Ready");
      return c?.status === "False" ? c : undefined;
    }, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ready.reason).toBe("KubeletNotReady");
    expect(ready.message).toMatch(/^container runtime is down, PLEG is not healthy: fake:\/\//);
    await until("api not ready", async () => (await appPods(lab.cluster, "api")).every((p) => !isReady(p)), 10_000);
    expect(nodeReady(await lab.cluster.client.get(R.nodes, undefined, "node-1"))).toBe("True");

    expect((await lab.skiff("chaos", "stop", id!)).code).toBe(0);
    await until("node-2 Ready", async () => (await cond("node-2", "Ready"))?.status === "True", 15_000);
    await until("api ready again", async () => (await appPods(lab.cluster, "api")).some(isReady), 15_000);
  }, 60_000);

  it("memory-pressure and fill-disk: MemoryPressure / DiskPressure at once; stop clears them", async () => {
    const m = await lab.skiff("chaos", "memory-pressure", "node-1");
    expect(m.code).toBe(0);
    expect(m.stdout).toMatch(/simulated memory use/);
    expect((await cond("node-1", "MemoryPressure"))?.status).toBe("True");
    const d = await lab.skiff("chaos", "fill-disk", "node-1", "--size", "99Gi");
    expect(d.code).toBe(0);
    expect((await cond("node-1", "DiskPressure"))).toMatchObject({ status: "True", reason: "KubeletHasDiskPressure" });
    await until("pressure taints", async () => {
      const keys = await taintKeys("node-1");
      return keys.includes("node.kubernetes.io/memory-pressure") && keys.includes("node.kubernetes.io/disk-pressure");
    }, 10_000);
    const bad = await lab.skiff("chaos", "fill-disk", "node-1", "--size", "12Q");
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid quantity "12Q"');
    const stop = await lab.skiff("chaos", "stop", "--all");
    expect(stop.code).toBe(0);
    expect((await cond("node-1", "MemoryPressure"))?.status).toBe("False");
    expect((await cond("node-1", "DiskPressure"))?.status).toBe("False");
  }, 60_000);
});

describe("skiff images", () => {
  it("lists each node's images with the pods using them; images load brings a tarball to every node", async () => {
    const tar = join(lab.dir, "lab-tool.tar");
    writeFileSync(tar, "not really a tarball: the fake runtime names the image after the file");
    const load = await lab.skiff("images", "load", tar);
    expect(load.stderr).toBe("");
    expect(load.code).toBe(0);
    expect(load.stdout).toBe("node-1: loaded lab-tool:latest\nnode-2: loaded lab-tool:latest\n");
    const out = await until("both nodes report lab-tool, and the pod using busybox", async () => {
      const r = await lab.skiff("images");
      const lines = r.stdout.split("\n");
      const tool = lines.filter((l) => /^node-\d\s+lab-tool\s+latest\s/.test(l));
      return r.code === 0 && tool.length === 2 && lines.some((l) => /^node-2\s+skiff\/busybox\s+latest\s.*default\/api-/.test(l)) ? r.stdout : undefined;
    }, 30_000);
    expect(out.split("\n")[0]).toMatch(/^NODE\s+REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE\s+PODS$/);
    const missing = await lab.skiff("images", "load", join(lab.dir, "nope.tar"));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("cannot read");
  }, 60_000);
});

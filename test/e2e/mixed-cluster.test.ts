// Mixed clusters (`skiff up --nodes N --fake-nodes M`): real nodes node-1..N
// and simulated nodes fake-1..M side by side. A nodeSelector on
// skiff.dev/runtime (or skiff.dev/simulated) decides which kind a workload
// runs on. On Docker the real node runs real containers; without Docker the
// same with two FakeRuntimes, told apart by the runtime that holds them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Docker from "dockerode";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { SIMULATED_LABEL } from "../../pkg/cluster/lab-tools.js";
import { ClusterScopedRuntime } from "../../pkg/runtime/cluster-scoped.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { FakeRuntime } from "../../pkg/runtime/fake.js";
import { LABELS, SANDBOX_CONTAINER } from "../../pkg/runtime/runtime.js";
import { appPods, deployment, isReady, startLabCluster, until, type LabCluster } from "../helpers/lab-cluster.js";

const dockerUp = await new DockerRuntime().ping();
if (!dockerUp) console.warn("\n*** SKIPPING the Docker half of the mixed-cluster tests: no Docker engine answers (bash scripts/docker-up.sh starts one) ***\n");

async function readyOn(lab: LabCluster, app: string, n: number): Promise<string[]> {
  return until(`${n} ready ${app} pods`, async () => {
    const pods = await appPods(lab.cluster, app);
    return pods.length === n && pods.every(isReady) ? pods.map((p) => String(p.spec?.nodeName)) : undefined;
  }, 120_000);
}

function notSimulated(name: string, replicas: number): KubeObject {
  const d = deployment(name, replicas) as KubeObject & { spec: { template: { spec: Record<string, unknown> } } };
  d.spec.template.spec.affinity = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: SIMULATED_LABEL, operator: "DoesNotExist" }] }] } },
  };
  return d;
}

describe("a mixed cluster with two fake runtimes", () => {
  let lab: LabCluster;
  const realRuntime = new FakeRuntime();

  beforeAll(async () => {
    lab = await startLabCluster({ nodes: 1, fakeNodes: 50, containerRuntime: realRuntime });
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
  }, 60_000);

  it("registers node-1 and fake-1..50 with their labels", async () => {
    const nodes = (await lab.cluster.client.list(R.nodes, undefined)).items;
    expect(nodes).toHaveLength(51);
    const byName = new Map(nodes.map((n) => [String(n.metadata.name), n.metadata.labels ?? {}]));
    expect(byName.get("node-1")?.["skiff.dev/runtime"]).toBe("fake");
    expect(byName.get("node-1")?.[SIMULATED_LABEL]).toBeUndefined();
    for (let i = 1; i <= 50; i++) expect(byName.get(`fake-${i}`)).toMatchObject({ "skiff.dev/runtime": "fake", [SIMULATED_LABEL]: "true" });
  });

  it("runs each workload on the runtime its selector asks for", async () => {
    await lab.cluster.client.create(R.deployments, "default", notSimulated("real", 2));
    await lab.cluster.client.create(R.deployments, "default", deployment("sim", 20, { nodeSelector: { [SIMULATED_LABEL]: "true" } }));
    expect(new Set(await readyOn(lab, "real", 2))).toEqual(new Set(["node-1"]));
    const simNodes = await readyOn(lab, "sim", 20);
    expect(simNodes.every((n) => n.startsWith("fake-"))).toBe(true);
    expect(new Set(simNodes).size).toBe(20); // spread one per simulated node

    const inReal = await realRuntime.list({});
    expect(new Set(inReal.map((c) => c.labels[LABELS.podName]?.split("-")[0]))).toEqual(new Set(["real"]));
    const inSim = await lab.cluster.simulatedRuntime!.list({});
    expect(inSim.filter((c) => c.state === "running")).toHaveLength(20);
    expect(inSim.every((c) => c.labels[LABELS.podName]?.startsWith("sim-"))).toBe(true);
  }, 120_000);
});

describe.skipIf(!dockerUp)("a mixed cluster on Docker", () => {
  let lab: LabCluster;

  beforeAll(async () => {
    lab = await startLabCluster({ nodes: 1, fakeNodes: 50, runtime: "docker", nodeGracePeriodMs: undefined });
  }, 180_000);
  afterAll(async () => {
    const clusterId = (lab?.cluster.runtime as ClusterScopedRuntime | undefined)?.clusterId;
    await lab?.close();
    if (clusterId) {
      const docker = new Docker();
      for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.cluster}=${clusterId}`] } })) {
        await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      }
    }
  }, 120_000);

  it("runs real containers on the docker node and simulated pods on fake nodes", async () => {
    await lab.cluster.client.create(R.deployments, "default", deployment("real", 1, { nodeSelector: { "skiff.dev/runtime": "docker" } }));
    await lab.cluster.client.create(R.deployments, "default", deployment("sim", 10, { nodeSelector: { "skiff.dev/runtime": "fake" } }));
    expect(await readyOn(lab, "real", 1)).toEqual(["node-1"]);
    const simNodes = await readyOn(lab, "sim", 10);
    expect(simNodes.every((n) => n.startsWith("fake-"))).toBe(true);

    const clusterId = (lab.cluster.runtime as ClusterScopedRuntime).clusterId;
    const docker = new Docker();
    const running = await docker.listContainers({ filters: { label: [`${LABELS.cluster}=${clusterId}`] } });
    expect(running.map((c) => c.Labels[LABELS.podName]).every((n) => n?.startsWith("real-"))).toBe(true);
    // one pod on the docker node: its app container and its sandbox (pause) container
    expect(running.filter((c) => c.Labels[LABELS.container] !== SANDBOX_CONTAINER)).toHaveLength(1);
    expect(running.filter((c) => c.Labels[LABELS.container] === SANDBOX_CONTAINER)).toHaveLength(1);
  }, 180_000);

  it("chaos oom on the docker node: a real OOM kill, reported OOMKilled, then restarted", async () => {
    const pod = (await appPods(lab.cluster, "real"))[0];
    const name = String(pod.metadata.name);
    const r = await lab.skiff("chaos", "oom", name);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("kernel OOM killer");
    type Cs = { restartCount?: number; lastState?: { terminated?: { reason?: string; exitCode?: number } } };
    const cs = await until("OOMKilled and restarted", async () => {
      const p = await lab.cluster.client.get(R.pods, "default", name);
      const c = ((p.status as { containerStatuses?: Cs[] }).containerStatuses ?? [])[0];
      return c && c.lastState?.terminated?.reason === "OOMKilled" && (c.restartCount ?? 0) >= 1 ? c : undefined;
    }, 120_000);
    expect(cs.lastState?.terminated?.exitCode).toBe(137);
  }, 180_000);
});

// Integration: the whole controller manager on an in-process cluster, with real
// informers and queues, and a tiny fake kubelet standing in for scheduler + agents.
import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { InformerFactory } from "../client/informer.js";
import type { Client } from "../client/client.js";
import { REVISION, rollbackTo, type DeploymentLike } from "./history.js";
import { startControllers, type RunningControllers } from "./manager.js";
import type { NodeLike } from "./node-lifecycle.js";
import type { ReplicaSetLike } from "./replicaset.js";
import { createNode, deploymentObject, fakeKubelet, newCluster, type FakeKubelet } from "../../test/helpers/controllers.js";
import { eventually } from "../../test/helpers/eventually.js";
import { controllerRef, isNotFound, isPodReady, type PodLike } from "./util.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function start(registry: Registry, opts: { nodeGracePeriodMs?: number; podEvictionTimeoutMs?: number } = {}): Promise<{ client: Client; ctrl: RunningControllers }> {
  const client = new InProcessClient(registry);
  const informers = new InformerFactory(client);
  const ctrl = await startControllers({ client, informers, workers: 4, ...opts, onError: () => undefined });
  cleanups.push(async () => {
    await ctrl.stop();
    informers.stopAll();
  });
  return { client, ctrl };
}

async function cluster(nodes = ["n1", "n2", "n3"]) {
  const { registry, client } = await newCluster();
  for (const n of nodes) await createNode(client, n);
  const kubelet = fakeKubelet(client, nodes);
  cleanups.push(() => kubelet.stop());
  return { registry, client, kubelet };
}

async function deploymentPods(client: Client, name: string): Promise<PodLike[]> {
  const rss = (await client.list<ReplicaSetLike>(R.replicasets, "default")).items.filter((r) => controllerRef(r)?.name === name);
  const uids = new Set(rss.map((r) => r.metadata.uid));
  return (await client.list<PodLike>(R.pods, "default")).items.filter((p) => uids.has(controllerRef(p)?.uid));
}

async function converged(client: Client, name: string, replicas: number, image?: string): Promise<boolean> {
  const d = await client.get<DeploymentLike>(R.deployments, "default", name);
  const pods = await deploymentPods(client, name);
  const s = d.status ?? {};
  return (
    pods.length === replicas &&
    pods.every((p) => isPodReady(p) && !p.metadata.deletionTimestamp) &&
    (!image || pods.every((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0].image === image)) &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    (s.replicas ?? 0) === replicas &&
    (s.updatedReplicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas
  );
}

async function patchDeployment(client: Client, name: string, fn: (d: DeploymentLike) => void): Promise<void> {
  for (;;) {
    const d = await client.get<DeploymentLike>(R.deployments, "default", name);
    fn(d);
    try {
      await client.update(R.deployments, d);
      return;
    } catch (e) {
      if (!(e instanceof Error && /modified/.test(e.message))) throw e;
    }
  }
}

describe("controller manager (integration)", () => {
  it("converges a deployment scaled 3 → 50 → 0 → 10", async () => {
    const { registry, client } = await cluster();
    await start(registry);
    await client.create(R.deployments, "default", deploymentObject("web", 3, "nginx:1"));
    await eventually("3 replicas", () => converged(client, "web", 3), { timeoutMs: 15_000 });
    for (const n of [50, 0, 10]) {
      await patchDeployment(client, "web", (d) => (d.spec!.replicas = n));
      await eventually(`${n} replicas`, () => converged(client, "web", n), { timeoutMs: 20_000 });
    }
    expect(await client.list(R.replicasets, "default").then((l) => l.items.length)).toBe(1);
  }, 60_000);

  it("rolls out an image change, then rollbackTo returns to the previous template", async () => {
    const { registry, client } = await cluster();
    await start(registry);
    await client.create(R.deployments, "default", deploymentObject("web", 4, "nginx:1"));
    await eventually("v1", () => converged(client, "web", 4, "nginx:1"), { timeoutMs: 15_000 });
    await patchDeployment(client, "web", (d) => ((d.spec!.template!.spec as { containers: Array<{ image: string }> }).containers[0].image = "nginx:2"));
    await eventually("v2", () => converged(client, "web", 4, "nginx:2"), { timeoutMs: 15_000 });
    const d = await client.get<DeploymentLike>(R.deployments, "default", "web");
    expect(d.metadata.annotations?.[REVISION]).toBe("2");
    const res = await rollbackTo(client, d);
    expect(res.revision).toBe(1);
    await eventually("back to v1", () => converged(client, "web", 4, "nginx:1"), { timeoutMs: 15_000 });
    await eventually("revision 3", async () => (await client.get<DeploymentLike>(R.deployments, "default", "web")).metadata.annotations?.[REVISION] === "3", { timeoutMs: 5_000 });
    const revs = (await client.list<ReplicaSetLike>(R.replicasets, "default")).items.map((r) => r.metadata.annotations?.[REVISION]).sort();
    expect(revs).toEqual(["2", "3"]);
  }, 60_000);

  it("a node whose lease stops turns NotReady and its pods move to other nodes", async () => {
    const nodes = ["n1", "n2", "n3"];
    const { registry, client, kubelet } = await cluster(nodes);
    await start(registry, { nodeGracePeriodMs: 400, podEvictionTimeoutMs: 300 });
    const heartbeats = leaseLoop(client, nodes, kubelet);
    cleanups.push(() => heartbeats.stop());
    await client.create(R.deployments, "default", deploymentObject("web", 6, "nginx:1"));
    await eventually("6 replicas", () => converged(client, "web", 6), { timeoutMs: 15_000 });
    const onN2 = (await deploymentPods(client, "web")).filter((p) => p.spec?.nodeName === "n2");
    expect(onN2.length).toBeGreaterThan(0);

    kubelet.dead.add("n2"); // n2 stops heartbeating and stops running anything
    await eventually("n2 NotReady", async () => {
      const n = await client.get<NodeLike>(R.nodes, undefined, "n2");
      return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "Unknown" && (n.spec?.taints ?? []).some((t) => t.effect === "NoExecute");
    }, { timeoutMs: 10_000 });
    await eventually("pods moved off n2", async () => {
      const pods = await deploymentPods(client, "web");
      return pods.length === 6 && pods.every((p) => p.spec?.nodeName !== "n2" && isPodReady(p)) ? pods : undefined;
    }, { timeoutMs: 15_000 });
    for (const p of onN2) {
      await expect(client.get(R.pods, "default", p.metadata.name!)).rejects.toSatisfy(isNotFound);
    }

    // n2 comes back: Ready, untainted.
    kubelet.dead.delete("n2");
    await eventually("n2 Ready again", async () => {
      const n = await client.get<NodeLike>(R.nodes, undefined, "n2");
      return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True" && (n.spec?.taints ?? []).length === 0;
    }, { timeoutMs: 10_000 });
  }, 60_000);
});

/** Renews each live node's Lease every 50 ms, as agents do. */
function leaseLoop(client: Client, nodes: string[], kubelet: FakeKubelet): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (const n of nodes) {
        if (kubelet.dead.has(n)) continue;
        const spec = { holderIdentity: n, renewTime: new Date().toISOString(), leaseDurationSeconds: 40 };
        try {
          const l = await client.get(R.leases, "kube-node-lease", n);
          await client.update(R.leases, { ...l, spec });
        } catch (e) {
          if (isNotFound(e)) {
            await client.create(R.leases, "kube-node-lease", { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: n }, spec }).catch(() => undefined);
          }
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

// skiff chaos on a fake-runtime cluster with short node grace and eviction
// timeouts: each action has its documented effect and its events, and
// `chaos stop` brings the cluster back to Ready.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../pkg/api/kinds.js";
import type { CoreV1Event, KubeObject } from "../pkg/api/types.js";
import { appPods, deployment, isReady, nodeReady, startLabCluster, until, type LabCluster } from "./helpers/lab-cluster.js";

let lab: LabCluster;

async function events(name: string, reason: string): Promise<CoreV1Event[]> {
  const all: CoreV1Event[] = [];
  for (const ns of ["default", "kube-system"]) {
    const list = await lab.cluster.client.list(R.events, ns, { fieldSelector: `involvedObject.name=${name}` });
    all.push(...(list.items as unknown as CoreV1Event[]).filter((e) => e.reason === reason));
  }
  return all;
}

const node = (name: string) => lab.cluster.client.get(R.nodes, undefined, name);

async function readyWeb(n: number): Promise<void> {
  await until(`${n} ready web pods`, async () => {
    const pods = await appPods(lab.cluster, "web");
    return pods.length === n && pods.every(isReady);
  });
}

beforeAll(async () => {
  lab = await startLabCluster({ nodes: 3, nodeGracePeriodMs: 2_000, podEvictionTimeoutMs: 1_000 });
  await lab.cluster.client.create(R.deployments, "default", deployment("web", 3));
  await readyWeb(3);
}, 120_000);

afterAll(async () => {
  await lab?.close();
}, 60_000);

describe("skiff chaos", () => {
  it("kill-node: the node goes NotReady and its pods move; stop: Ready again", async () => {
    const start = await lab.skiff("chaos", "kill-node", "node-1");
    expect(start.stderr).toBe("");
    expect(start.code).toBe(0);
    const id = /^(chaos-\d+) kill-node Node\/node-1/.exec(start.stdout)?.[1];
    expect(id).toBeDefined();
    await until("node-1 NotReady", async () => nodeReady(await node("node-1")) === "Unknown");
    await until("web pods off node-1", async () => {
      const pods = await appPods(lab.cluster, "web");
      return pods.length === 3 && pods.every((p) => p.spec?.nodeName && p.spec.nodeName !== "node-1") && pods.every(isReady);
    });
    expect((await events("node-1", "ChaosInjected")).length).toBeGreaterThan(0);

    const stop = await lab.skiff("chaos", "stop", id!);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain("stopped");
    await until("node-1 Ready", async () => nodeReady(await node("node-1")) === "True");
    expect((await events("node-1", "ChaosStopped")).length).toBeGreaterThan(0);
  }, 120_000);

  it("partition: the agent cannot reach the API, the node goes NotReady; stop: Ready", async () => {
    const start = await lab.skiff("chaos", "partition", "node-2");
    expect(start.code).toBe(0);
    const id = /^(chaos-\d+)/.exec(start.stdout)![1];
    await until("node-2 NotReady", async () => nodeReady(await node("node-2")) === "Unknown");
    await lab.skiff("chaos", "stop", id);
    await until("node-2 Ready", async () => nodeReady(await node("node-2")) === "True");
    await readyWeb(3);
  }, 120_000);

  it("slow-node: the agent's API calls take at least the latency", async () => {
    type Lease = KubeObject & { spec: { renewTime?: string } };
    const renewTime = async () => String(((await lab.cluster.client.get(R.leases, "kube-node-lease", "node-3")) as Lease).spec.renewTime);
    const start = await lab.skiff("chaos", "slow-node", "node-3", "--latency", "3s");
    expect(start.code).toBe(0);
    const id = /^(chaos-\d+)/.exec(start.stdout)![1];
    // Lease renewals after the switch: the third one was built only after the
    // second's delayed write came back, so the two lie at least 3 s apart.
    const seen = [await renewTime()];
    await until("three lease renewals", async () => {
      const t = await renewTime();
      if (t !== seen[seen.length - 1]) seen.push(t);
      return seen.length >= 4;
    });
    expect(Date.parse(seen[3]) - Date.parse(seen[2])).toBeGreaterThanOrEqual(3_000);
    const stop = await lab.skiff("chaos", "stop", id);
    expect(stop.code).toBe(0);
    await until("node-3 Ready", async () => nodeReady(await node("node-3")) === "True");
    await readyWeb(3);
  }, 120_000);

  it("kill-pod --every: pods are deleted and replaced, again and again, with events", async () => {
    const before = new Set((await appPods(lab.cluster, "web")).map((p) => p.metadata.uid));
    const start = await lab.skiff("chaos", "kill-pod", "-l", "app=web", "--every", "1s");
    expect(start.code).toBe(0);
    const id = /^(chaos-\d+)/.exec(start.stdout)![1];
    await until("two original pods replaced", async () => {
      const now = new Set((await appPods(lab.cluster, "web")).map((p) => p.metadata.uid));
      return [...before].filter((u) => !now.has(u)).length >= 2;
    });
    const stop = await lab.skiff("chaos", "stop", id);
    expect(stop.code).toBe(0);
    await readyWeb(3);
    const list = await lab.cluster.client.list(R.events, "default");
    const kills = (list.items as unknown as CoreV1Event[]).filter((e) => e.reason === "ChaosInjected" && e.involvedObject?.kind === "Pod");
    expect(new Set(kills.map((e) => e.involvedObject?.name)).size).toBeGreaterThanOrEqual(2);
    const created = (list.items as unknown as CoreV1Event[]).filter((e) => e.reason === "SuccessfulCreate");
    expect(created.length).toBeGreaterThanOrEqual(5); // 3 at first, then the replacements
  }, 120_000);

  it("oom: the container is reported OOMKilled and restarted", async () => {
    const victim = (await appPods(lab.cluster, "web")).find(isReady)!;
    const name = String(victim.metadata.name);
    const r = await lab.skiff("chaos", "oom", name);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("OOM-killed");
    type Status = { containerStatuses?: Array<{ restartCount?: number; lastState?: { terminated?: { reason?: string; exitCode?: number } } }> };
    const st = await until("OOMKilled and restarted", async () => {
      const p = await lab.cluster.client.get(R.pods, "default", name);
      const cs = (p.status as Status).containerStatuses?.[0];
      return cs && cs.lastState?.terminated?.reason === "OOMKilled" && (cs.restartCount ?? 0) >= 1 ? cs : undefined;
    });
    expect(st.lastState?.terminated?.exitCode).toBe(137);
    expect((await events(name, "ChaosInjected")).length).toBe(1);
    expect((await events(name, "OOMKilled")).length).toBeGreaterThan(0);
  }, 120_000);

  it("lists actions, refuses nonsense, and stop --all undoes what is left", async () => {
    const bad = await lab.skiff("chaos", "kill-node", "no-such-node");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("NotFound");
    const a = await lab.skiff("chaos", "kill-node", "node-2");
    expect(a.code).toBe(0);
    const again = await lab.skiff("chaos", "kill-node", "node-2");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already active");
    const list = await lab.skiff("chaos", "list");
    expect(list.stdout).toMatch(/ID\s+ACTION\s+TARGET\s+STATE/);
    expect(list.stdout).toMatch(/kill-node\s+Node\/node-2\s+active/);
    const all = await lab.skiff("chaos", "stop", "--all");
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/kill-node Node\/node-2: stopped/);
    expect((await lab.skiff("chaos", "list")).stdout).not.toMatch(/\bactive\b/);
    await until("node-2 Ready", async () => nodeReady(await node("node-2")) === "True");
  }, 120_000);
});

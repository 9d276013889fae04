// The whole scheduler against an in-process API server: informers, queue,
// assume-then-bind, events and the PodScheduled condition.
import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { EventRecorder } from "../client/events.js";
import { InProcessClient } from "../client/in-process.js";
import { InformerFactory } from "../client/informer.js";
import { openStore } from "../store/index.js";
import { makeNode, makePod, type NodeSpecInput, type PodSpecInput } from "./fixtures.js";
import type { Pod } from "./framework.js";
import { milliCpu } from "./pod-info.js";
import { Scheduler, type SchedulerOptions } from "./scheduler.js";

interface Cluster {
  client: InProcessClient;
  scheduler: Scheduler;
  informers: InformerFactory;
  recorder: EventRecorder;
  errors: Error[];
}

let current: Cluster | undefined;

async function cluster(opts: Partial<SchedulerOptions> = {}): Promise<Cluster> {
  const store = await openStore("memory");
  const registry = new Registry(store);
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  const informers = new InformerFactory(client);
  const recorder = new EventRecorder(client, "default-scheduler");
  const errors: Error[] = [];
  const scheduler = new Scheduler({
    client,
    informers,
    recorder,
    // A safety flush this long never fires during a test: anything that gets
    // scheduled late got there through a cluster event, not by polling.
    unschedulableFlushMs: 3_600_000,
    podInitialBackoffMs: 20,
    podMaxBackoffMs: 100,
    onError: (e) => errors.push(e),
    ...opts,
  });
  current = { client, scheduler, informers, recorder, errors };
  return current;
}

afterEach(async () => {
  if (!current) return;
  await current.scheduler.stop();
  current.informers.stopAll();
  await current.recorder.flush();
  current = undefined;
});

async function addNode(c: Cluster, name: string, o: NodeSpecInput = {}): Promise<void> {
  await c.client.create(R.nodes, undefined, makeNode(name, o));
}

async function addPod(c: Cluster, name: string, o: PodSpecInput = {}): Promise<Pod> {
  const pod = makePod(name, o);
  delete pod.metadata.uid;
  return c.client.create<Pod>(R.pods, "default", pod);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function pods(c: Cluster): Promise<Pod[]> {
  return (await c.client.list<Pod>(R.pods, "default")).items;
}

async function eventsFor(c: Cluster, pod: string): Promise<KubeObject[]> {
  await c.recorder.flush();
  return (await c.client.list(R.events, "default", { fieldSelector: `involvedObject.name=${pod}` })).items;
}

describe("Scheduler", () => {
  it("holds a gated pod as SchedulingGated and schedules it once the gates are removed", async () => {
    const c = await cluster();
    await addNode(c, "n1");
    await c.scheduler.start();
    await addPod(c, "gated", { schedulingGates: ["example.com/a", "example.com/b"] });
    const cond = await waitFor("PodScheduled=False/SchedulingGated", async () => {
      const p = await c.client.get<Pod>(R.pods, "default", "gated");
      return p.status?.conditions?.find((x) => x.type === "PodScheduled" && x.reason === "SchedulingGated");
    });
    expect(cond).toMatchObject({ status: "False", message: "Scheduling is blocked due to non-empty scheduling gates" });
    expect(c.scheduler.stats()).toMatchObject({ active: 0, unschedulable: 0 });
    await c.client.patch(R.pods, "default", "gated", "merge", { spec: { schedulingGates: [{ name: "example.com/b" }] } });
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.client.get<Pod>(R.pods, "default", "gated")).spec?.nodeName).toBeUndefined();
    await c.client.patch(R.pods, "default", "gated", "merge", { spec: { schedulingGates: null } });
    await waitFor("gated pod bound", async () => (await c.client.get<Pod>(R.pods, "default", "gated")).spec?.nodeName);
  });

  it("leaves a pod for another scheduler alone: Pending, no condition, no event", async () => {
    const c = await cluster();
    await addNode(c, "n1");
    await c.scheduler.start();
    await addPod(c, "theirs", { schedulerName: "other" });
    await addPod(c, "ours");
    await waitFor("our pod bound", async () => (await c.client.get<Pod>(R.pods, "default", "ours")).spec?.nodeName);
    const theirs = await c.client.get<Pod>(R.pods, "default", "theirs");
    expect(theirs.spec?.nodeName).toBeUndefined();
    expect(theirs.status?.conditions ?? []).toEqual([]);
    expect(await eventsFor(c, "theirs")).toEqual([]);
  });

  it("places an anti-affinity replica as soon as a pod blocking it is deleted (no polling)", async () => {
    const c = await cluster();
    await addNode(c, "n1");
    await c.scheduler.start();
    const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } }] } };
    await addPod(c, "web-0", { labels: { app: "web" }, affinity: anti });
    await waitFor("web-0 bound", async () => (await c.client.get<Pod>(R.pods, "default", "web-0")).spec?.nodeName);
    await addPod(c, "web-1", { labels: { app: "web" }, affinity: anti });
    const cond = await waitFor("web-1 unschedulable", async () => {
      const p = await c.client.get<Pod>(R.pods, "default", "web-1");
      return p.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
    });
    expect(cond?.message).toBe("0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.");
    await c.client.delete(R.pods, "default", "web-0", { gracePeriodSeconds: 0 });
    await waitFor("web-1 bound", async () => (await c.client.get<Pod>(R.pods, "default", "web-1")).spec?.nodeName);
  });

  it("binds 200 pods without overcommitting any node, with a Scheduled event each", async () => {
    const c = await cluster();
    for (let i = 0; i < 10; i++) await addNode(c, `node-${i}`, { cpu: "4", memory: "8Gi", pods: 25 });
    await c.scheduler.start();
    for (let i = 0; i < 200; i++) await addPod(c, `p-${i}`, { cpu: `${100 + (i % 4) * 50}m`, memory: `${128 * (1 + (i % 3))}Mi`, ownerUid: `rs-${i % 5}` });
    const all = await waitFor("all pods bound", async () => {
      const list = await pods(c);
      return list.filter((p) => p.spec?.nodeName).length === 200 && list;
    });
    const perNode = new Map<string, { cpu: number; count: number }>();
    for (const p of all) {
      const n = perNode.get(p.spec!.nodeName!) ?? { cpu: 0, count: 0 };
      n.cpu += milliCpu(p.spec!.containers[0].resources!.requests!.cpu);
      n.count++;
      perNode.set(p.spec!.nodeName!, n);
      expect(p.status?.conditions?.find((x) => x.type === "PodScheduled")?.status).toBe("True");
    }
    expect(perNode.size).toBe(10); // least-allocated + spreading use every node
    for (const n of perNode.values()) {
      expect(n.cpu).toBeLessThanOrEqual(4000);
      expect(n.count).toBeLessThanOrEqual(25);
    }
    expect(c.scheduler.stats().bound).toBe(200);
    const ev = await eventsFor(c, "p-7");
    expect(ev.map((e) => [e.reason, e.message])).toEqual([["Scheduled", `Successfully assigned default/p-7 to ${all.find((p) => p.metadata.name === "p-7")!.spec!.nodeName}`]]);
    expect(c.errors).toEqual([]);
  });

  it("reports an unschedulable pod and places it as soon as a fitting node is added", async () => {
    const c = await cluster();
    await addNode(c, "small-1", { cpu: "1" });
    await addNode(c, "small-2", { cpu: "1" });
    await addNode(c, "down", { cpu: "16", ready: "False" });
    await c.scheduler.start();
    await addPod(c, "big", { cpu: "8" });
    const message = "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 2 Insufficient cpu.";
    const cond = await waitFor("PodScheduled=False", async () => {
      const p = await c.client.get<Pod>(R.pods, "default", "big");
      return p.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
    });
    expect(cond).toMatchObject({ reason: "Unschedulable", message });
    const ev = await eventsFor(c, "big");
    expect(ev).toEqual([expect.objectContaining({ type: "Warning", reason: "FailedScheduling", message })]);
    expect(c.scheduler.stats().unschedulable).toBe(1);

    // No polling: with nothing changing, the pod stays put and nothing is retried.
    await new Promise((r) => setTimeout(r, 200));
    expect((await eventsFor(c, "big"))[0].count).toBe(1);

    const t0 = Date.now();
    await addNode(c, "large", { cpu: "16" });
    const bound = await waitFor("big bound", async () => {
      const p = await c.client.get<Pod>(R.pods, "default", "big");
      return p.spec?.nodeName;
    });
    expect(bound).toBe("large");
    expect(Date.now() - t0).toBeLessThan(2000);
    const reasons = (await eventsFor(c, "big")).map((e) => e.reason);
    expect(reasons).toContain("Scheduled");
  });

  it("retries when a pod on a node is deleted or a node is uncordoned", async () => {
    const c = await cluster();
    await addNode(c, "only", { cpu: "2" });
    await addNode(c, "cordoned", { cpu: "8", unschedulable: true });
    await c.scheduler.start();
    await addPod(c, "hog", { cpu: "1500m" });
    await waitFor("hog bound", async () => (await c.client.get<Pod>(R.pods, "default", "hog")).spec?.nodeName);
    await addPod(c, "second", { cpu: "1200m" });
    await addPod(c, "third", { cpu: "1200m" });
    await waitFor("both unschedulable", async () => c.scheduler.stats().unschedulable === 2);
    const p = await c.client.get<Pod>(R.pods, "default", "second");
    await waitFor("condition written", async () => {
      const x = await c.client.get<Pod>(R.pods, "default", "third");
      return x.status?.conditions?.some((k) => k.status === "False");
    });
    expect(p.spec?.nodeName).toBeUndefined();

    await c.client.delete(R.pods, "default", "hog", { gracePeriodSeconds: 0 });
    // One of the two fits on "only" now (2 cpu); the other must still wait.
    await waitFor("one placed after the delete", async () => (await pods(c)).filter((x) => x.spec?.nodeName === "only").length === 1 && !(await pods(c)).some((x) => x.metadata.name === "hog"));
    await waitFor("other back to unschedulable", async () => c.scheduler.stats().unschedulable === 1);

    await c.client.patch(R.nodes, undefined, "cordoned", "merge", { spec: { unschedulable: false } });
    await waitFor("placed after uncordon", async () => (await pods(c)).every((x) => x.spec?.nodeName));
    expect((await pods(c)).filter((x) => x.spec?.nodeName === "cordoned")).toHaveLength(1);
  });

  it("writes the PodScheduled condition only when it changes", async () => {
    const c = await cluster();
    await addNode(c, "n1", { cpu: "1" });
    const statusPatches: string[] = [];
    const realPatch = c.client.patch.bind(c.client);
    c.client.patch = ((info, ns, name, type, body, opts) => {
      if (info.plural === "pods" && opts?.subresource === "status") statusPatches.push(name);
      return realPatch(info, ns, name, type, body, opts);
    }) as typeof c.client.patch;
    await c.scheduler.start();
    await addPod(c, "filler", { cpu: "200m" });
    await waitFor("filler bound", async () => (await c.client.get<Pod>(R.pods, "default", "filler")).spec?.nodeName);
    await addPod(c, "big", { cpu: "2" });
    const failures = async () => ((await eventsFor(c, "big")).find((e) => e.reason === "FailedScheduling")?.count as number | undefined) ?? 0;
    await waitFor("first failure", async () => (await failures()) === 1);
    await waitFor("condition written", async () => statusPatches.length === 1);
    // Deleting a pod on the node wakes "big" up; it still does not fit, with
    // the very same message, so the condition is not written again.
    await c.client.delete(R.pods, "default", "filler", { gracePeriodSeconds: 0 });
    await waitFor("retried", async () => (await failures()) === 2);
    expect(statusPatches).toEqual(["big"]);
    expect(c.scheduler.stats().unschedulable).toBe(1);
  });

  it("ignores pods for other schedulers, pods already bound and pods being deleted", async () => {
    const c = await cluster();
    await addNode(c, "n1");
    await c.scheduler.start();
    await addPod(c, "other", { schedulerName: "my-scheduler" });
    await addPod(c, "pinned", { nodeName: "n1" });
    await addPod(c, "mine");
    await waitFor("mine bound", async () => (await c.client.get<Pod>(R.pods, "default", "mine")).spec?.nodeName);
    await new Promise((r) => setTimeout(r, 50));
    expect((await c.client.get<Pod>(R.pods, "default", "other")).spec?.nodeName).toBeUndefined();
    expect(c.scheduler.stats().bound).toBe(1);
    // The pinned pod counts on n1 in the cache all the same.
    expect(c.scheduler.cache.get("n1")!.podCount).toBe(2);
  });

  it("schedules higher-priority pods first", async () => {
    const c = await cluster();
    await addNode(c, "n1", { cpu: "1" });
    // Pods exist before the scheduler starts, so they are all queued at once.
    await addPod(c, "low", { cpu: "1", priority: 0 });
    await addPod(c, "high", { cpu: "1", priority: 100 });
    await c.scheduler.start();
    await waitFor("one bound", async () => (await pods(c)).some((p) => p.spec?.nodeName));
    const list = await pods(c);
    expect(list.find((p) => p.spec?.nodeName)?.metadata.name).toBe("high");
  });

  it("forgets the assumption when a bind fails and retries a pod that is still unbound", async () => {
    const c = await cluster();
    await addNode(c, "n1", { cpu: "1" });
    const realBind = c.client.bindPod.bind(c.client);
    let failures = 1;
    c.client.bindPod = async (ns, name, node, o) => {
      if (failures-- > 0) throw new Error("network hiccup");
      return realBind(ns, name, node, o);
    };
    await c.scheduler.start();
    await addPod(c, "p", { cpu: "1" });
    await waitFor("bound after retry", async () => (await c.client.get<Pod>(R.pods, "default", "p")).spec?.nodeName);
    expect(c.errors.map((e) => e.message)).toEqual(["binding default/p to n1: network hiccup"]);
    expect(c.scheduler.cache.get("n1")!.requested.milliCpu).toBe(1000);
    expect((await eventsFor(c, "p")).map((e) => e.reason).sort()).toEqual(["FailedScheduling", "Scheduled"]);
    c.errors.length = 0;
  });
});

import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { MemoryStore } from "../store/memory.js";
import { FakeClock } from "../util/clock.js";
import { EventRecorder } from "./events.js";
import { InProcessClient } from "./in-process.js";

async function setup() {
  const registry = new Registry(new MemoryStore());
  await registry.bootstrap();
  const client = new InProcessClient(registry);
  const pod = await client.create(R.pods, "default", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-1" },
    spec: { containers: [{ name: "c", image: "nginx" }] },
  });
  return { registry, client, pod };
}

async function events(client: InProcessClient, ns = "default"): Promise<KubeObject[]> {
  return (await client.list(R.events, ns)).items;
}

describe("EventRecorder", () => {
  it("creates an Event about the object in its namespace", async () => {
    const { client, pod } = await setup();
    const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const rec = new EventRecorder(client, "default-scheduler", { clock, host: "h1" });
    rec.event(pod, "Normal", "Scheduled", "Successfully assigned default/web-1 to node-1");
    await rec.flush();
    const [ev, ...rest] = await events(client);
    expect(rest).toEqual([]);
    expect(ev!.metadata.name).toMatch(/^web-1\.[0-9a-f]{16}$/);
    expect(ev).toMatchObject({
      involvedObject: { kind: "Pod", namespace: "default", name: "web-1", uid: pod.metadata.uid, apiVersion: "v1", resourceVersion: pod.metadata.resourceVersion },
      reason: "Scheduled",
      message: "Successfully assigned default/web-1 to node-1",
      type: "Normal",
      source: { component: "default-scheduler", host: "h1" },
      reportingComponent: "default-scheduler",
      firstTimestamp: "2026-01-02T03:04:05Z",
      lastTimestamp: "2026-01-02T03:04:05Z",
      count: 1,
    });
  });

  it("puts events about cluster-scoped objects in default", async () => {
    const { client } = await setup();
    const node = await client.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "node-1" } });
    const rec = new EventRecorder(client, "node-controller");
    rec.event(node, "Warning", "NodeNotReady", "Node node-1 status is now: NodeNotReady");
    await rec.flush();
    const [ev] = await events(client);
    expect(ev?.metadata.namespace).toBe("default");
    expect((ev?.involvedObject as { namespace?: string }).namespace).toBeUndefined();
  });

  it("aggregates repeats within 10 minutes into one event with a growing count", async () => {
    const { client, pod } = await setup();
    const clock = new FakeClock();
    const rec = new EventRecorder(client, "kubelet", { clock });
    const t0 = clock.now();
    rec.event(pod, "Warning", "BackOff", "Back-off restarting failed container");
    await clock.advance(60_000);
    rec.event(pod, "Warning", "BackOff", "Back-off restarting failed container");
    await clock.advance(60_000);
    rec.event(pod, "Warning", "BackOff", "Back-off restarting failed container");
    rec.event(pod, "Normal", "Pulled", "Container image already present"); // different reason: its own event
    await rec.flush();
    const evs = await events(client);
    expect(evs).toHaveLength(2);
    const backoff = evs.find((e) => e.reason === "BackOff")!;
    expect(backoff.count).toBe(3);
    expect(backoff.firstTimestamp).toBe(new Date(t0).toISOString().replace(".000", ""));
    expect(backoff.lastTimestamp).toBe(new Date(t0 + 120_000).toISOString().replace(".000", ""));

    // After more than 10 quiet minutes the same message starts a new event.
    await clock.advance(11 * 60_000);
    rec.event(pod, "Warning", "BackOff", "Back-off restarting failed container");
    await rec.flush();
    const again = (await events(client)).filter((e) => e.reason === "BackOff");
    expect(again.map((e) => e.count).sort()).toEqual([1, 3]);
  });

  it("recreates an aggregated event that was deleted meanwhile", async () => {
    const { client, pod } = await setup();
    const rec = new EventRecorder(client, "c");
    rec.event(pod, "Normal", "R", "m");
    await rec.flush();
    const [ev] = await events(client);
    await client.delete(R.events, "default", ev!.metadata.name!);
    rec.event(pod, "Normal", "R", "m");
    await rec.flush();
    const now = await events(client);
    expect(now).toHaveLength(1);
    expect(now[0]!.count).toBe(2);
  });

  it("rate-limits a flood from one object: burst, then one per refill interval", async () => {
    const { client, pod } = await setup();
    const other = await client.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "calm" }, spec: { containers: [{ name: "c", image: "x" }] } });
    const clock = new FakeClock();
    const rec = new EventRecorder(client, "c", { clock, burst: 25, refillMs: 5000 });
    for (let i = 0; i < 100; i++) rec.event(pod, "Warning", "Crash", `crash ${i}`); // distinct messages: no aggregation
    rec.event(other, "Normal", "Fine", "another object is not limited");
    await rec.flush();
    expect(rec.dropped).toBe(75);
    let evs = await events(client);
    expect(evs.filter((e) => e.reason === "Crash")).toHaveLength(25);
    expect(evs.filter((e) => e.reason === "Fine")).toHaveLength(1);

    await clock.advance(12_000); // two tokens back
    for (let i = 0; i < 5; i++) rec.event(pod, "Warning", "Crash", `later ${i}`);
    await rec.flush();
    evs = await events(client);
    expect(evs.filter((e) => e.reason === "Crash")).toHaveLength(27);
    expect(rec.dropped).toBe(78);
  });

  it("bounds the aggregation memory (LRU) and never throws on failures", async () => {
    const { client, pod } = await setup();
    const failures: Error[] = [];
    const rec = new EventRecorder(client, "c", { maxTracked: 2, burst: 1000, onError: (e) => failures.push(e) });
    rec.event(pod, "Normal", "A", "a");
    rec.event(pod, "Normal", "B", "b");
    rec.event(pod, "Normal", "C", "c"); // evicts A's series
    rec.event(pod, "Normal", "A", "a"); // so this is a new event, not a count bump
    await rec.flush();
    expect((await events(client)).filter((e) => e.reason === "A").map((e) => e.count)).toEqual([1, 1]);

    // An object in a namespace that does not exist: the write fails, the caller never sees it.
    const ghost: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "g", namespace: "missing", uid: "u" } };
    expect(() => rec.event(ghost, "Normal", "X", "y")).not.toThrow();
    await rec.flush();
    expect(failures).toHaveLength(1);
  });
});

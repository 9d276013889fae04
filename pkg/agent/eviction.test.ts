import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { CoreV1Event } from "../api/types.js";
import { LABELS } from "../runtime/runtime.js";
import { binaryQuantity, evictionMessage, parseEvictionHard, pressureConditions, rankForMemory, thresholdsMet } from "./eviction.js";
import type { NodeUsage } from "./node-usage.js";
import { condition, containerStatus, startHarness, type Harness } from "./testing.js";
import type { AgentPod } from "./types.js";

const Mi = 1024 * 1024;

function pod(name: string, o: { request?: string; priority?: number } = {}): AgentPod {
  const resources = o.request ? { requests: { memory: o.request } } : {};
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", uid: name }, spec: { priority: o.priority, containers: [{ name: "c", image: "busybox", resources }] } };
}

function usage(memAvailable: number, podMemory: Record<string, number> = {}, diskAvailable = 50 * 1024 * Mi): NodeUsage {
  return {
    memory: { capacity: 1024 * Mi, available: memAvailable },
    nodefs: { capacity: 100 * 1024 * Mi, available: diskAvailable },
    pids: { capacity: 32768, available: 30000 },
    podMemory: new Map(Object.entries(podMemory)),
  };
}

describe("eviction thresholds", () => {
  it("parses the kubelet's flag syntax and names the bad entry", () => {
    expect(parseEvictionHard("memory.available<100Mi,nodefs.available<10%")).toEqual([
      { signal: "memory.available", quantity: 100 * Mi, text: "100Mi" },
      { signal: "nodefs.available", percentage: 0.1, text: "10%" },
    ]);
    expect(parseEvictionHard("")).toEqual([]);
    expect(() => parseEvictionHard("memory.available<100Mi,nodefs.free<3%")).toThrow('--eviction-hard[1] "nodefs.free<3%": unsupported signal "nodefs.free"');
    expect(() => parseEvictionHard("memory.available<12Q")).toThrow('--eviction-hard[0] "memory.available<12Q": invalid quantity "12Q"');
    expect(() => parseEvictionHard("nodefs.available<120%")).toThrow("percentage must be between 0 and 100");
  });

  it("memory below 100Mi → MemoryPressure; disk below 10% → DiskPressure; both in the kubelet's words", () => {
    const t = parseEvictionHard("memory.available<100Mi,nodefs.available<10%");
    expect(thresholdsMet(t, usage(200 * Mi))).toEqual([]);
    expect(thresholdsMet(t, usage(99 * Mi)).map((x) => x.signal)).toEqual(["memory.available"]);
    expect(thresholdsMet(t, usage(200 * Mi, {}, 9 * 1024 * Mi)).map((x) => x.signal)).toEqual(["nodefs.available"]);
    expect(pressureConditions(thresholdsMet(t, usage(99 * Mi, {}, 1)))).toEqual({
      MemoryPressure: { status: "True", reason: "KubeletHasInsufficientMemory", message: "kubelet has insufficient memory available" },
      DiskPressure: { status: "True", reason: "KubeletHasDiskPressure", message: "kubelet has disk pressure" },
    });
  });

  it("ranks for memory: usage above requests first, then lower priority, then larger usage above requests", () => {
    const be = pod("besteffort");
    const within = pod("within", { request: "800Mi" });
    const over = pod("over", { request: "100Mi" });
    const overHighPrio = pod("over-high-prio", { request: "100Mi", priority: 1000 });
    const overMore = pod("over-more", { request: "100Mi" });
    const mem = { besteffort: 50 * Mi, within: 700 * Mi, over: 150 * Mi, "over-high-prio": 900 * Mi, "over-more": 400 * Mi };
    const ranked = rankForMemory([within, overHighPrio, be, over, overMore], new Map(Object.entries(mem)));
    expect(ranked.map((p) => p.metadata.name)).toEqual(["over-more", "besteffort", "over", "over-high-prio", "within"]);
    // a BestEffort pod using anything exceeds its (zero) requests: it goes before a pod within its requests
    expect(rankForMemory([within, be], new Map(Object.entries(mem)))[0].metadata.name).toBe("besteffort");
  });

  it("prints the kubelet's message with Kubernetes quantities", () => {
    const [t] = parseEvictionHard("memory.available<100Mi");
    const msg = evictionMessage(t, usage(50 * Mi), pod("be"), new Map([["c", 300 * Mi]]));
    expect(msg).toBe("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c was using 300Mi, request is 0, has larger consumption of memory. ");
    expect(binaryQuantity(1536 * 1024)).toBe("1536Ki");
    expect(binaryQuantity(1000)).toBe("1000");
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("agent: memory pressure and eviction (fake node of 1Gi)", () => {
  it("a hog within its requests pushes the node under 100Mi: MemoryPressure, the BestEffort pod evicted first, Failed/Evicted; pressure clears", async () => {
    h = await startHarness({ agent: { capacity: { cpu: "4", memory: "1Gi", pods: 110 }, evictionMonitoringMs: 10_000 } });
    await h.createPod("hog", { containers: [{ name: "main", image: "busybox", resources: { requests: { memory: "850Mi" }, limits: { memory: "850Mi" } } }] });
    await h.createPod("besteffort", {});
    await h.createPod("burstable", { containers: [{ name: "main", image: "busybox", resources: { requests: { memory: "100Mi" } } }] });
    for (const n of ["hog", "besteffort", "burstable"]) await h.until(async () => (await h!.getPod(n))?.status?.phase === "Running", `${n} running`);
    h.runtime.setLoad({ [LABELS.podName]: "besteffort" }, { memoryBytes: 100 * Mi });
    h.runtime.setLoad({ [LABELS.podName]: "burstable" }, { memoryBytes: 50 * Mi });
    expect(await h.agent.evictionPass()).toBeUndefined(); // 874Mi free: no pressure yet
    h.runtime.setLoad({ [LABELS.podName]: "hog" }, { memoryBytes: 830 * Mi }); // 44Mi left

    await h.advance(10_000, 1000);
    const evicted = await h.until(async () => {
      const p = await h!.getPod("besteffort");
      return p?.status?.phase === "Failed" && containerStatus(p, "main")?.state.terminated ? p : undefined;
    }, "besteffort evicted");
    expect(evicted.status?.reason).toBe("Evicted");
    expect(evicted.status?.message).toBe(
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 44Mi. Container main was using 100Mi, request is 0, has larger consumption of memory. ",
    );
    expect(condition(evicted, "DisruptionTarget")).toMatchObject({ status: "True", reason: "TerminationByKubelet" });
    expect(condition(evicted, "Ready")?.status).toBe("False");
    expect(containerStatus(evicted, "main")?.state.terminated?.exitCode).toBeGreaterThan(128); // killed by a signal
    expect((await h.getPod("hog"))?.status?.phase).toBe("Running");
    expect((await h.getPod("burstable"))?.status?.phase).toBe("Running");
    const node = await h.client.get(R.nodes, undefined, "node-1");
    const mp = (node.status as { conditions: Array<{ type: string; status: string; reason: string }> }).conditions.find((c) => c.type === "MemoryPressure");
    expect(mp).toMatchObject({ status: "True", reason: "KubeletHasInsufficientMemory" });
    expect((await h.events("besteffort")).map((e) => e.reason)).toContain("Evicted");
    // its container stays down (the worker must not restart an evicted pod)
    await h.advance(20_000, 1000);
    const running = (await h.runtime.list({ [LABELS.podName]: "besteffort", [LABELS.container]: "main" })).filter((c) => c.state === "running");
    expect(running).toHaveLength(0);
    // 144Mi free now: the condition clears, and only one pod was evicted
    await h.until(async () => {
      const n = await h!.client.get(R.nodes, undefined, "node-1");
      return (n.status as { conditions: Array<{ type: string; status: string }> }).conditions.find((c) => c.type === "MemoryPressure")?.status === "False";
    }, "MemoryPressure False");
    expect((await h.getPod("burstable"))?.status?.phase).toBe("Running");
    const nodeEvents = (await h.client.list(R.events, "default", { fieldSelector: "involvedObject.name=node-1" })).items as unknown as CoreV1Event[];
    const reasons = nodeEvents.map((e) => e.reason);
    expect(reasons).toContain("NodeHasInsufficientMemory");
    expect(reasons).toContain("EvictionThresholdMet");
    expect(reasons).toContain("NodeHasSufficientMemory");
  });
});

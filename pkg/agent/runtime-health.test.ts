import { afterEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { CoreV1Event } from "../api/types.js";
import { LABELS, SANDBOX_CONTAINER } from "../runtime/runtime.js";
import { FakeClock } from "../util/clock.js";
import { notReadyStatus, RuntimeHealth } from "./runtime-health.js";
import { condition, containerStatus, startHarness, type Harness } from "./testing.js";
import type { AgentPod } from "./types.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type NodeCond = { type: string; status: string; reason: string; message: string };
async function nodeReady(hh: Harness): Promise<NodeCond | undefined> {
  const node = await hh.client.get(R.nodes, undefined, "node-1");
  return (node.status as { conditions: NodeCond[] }).conditions.find((c) => c.type === "Ready");
}

async function nodeEvents(hh: Harness): Promise<string[]> {
  const list = await hh.client.list(R.events, "default", { fieldSelector: "involvedObject.name=node-1" });
  const evs = list.items as unknown as CoreV1Event[];
  return evs.sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) || Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)).map((e) => String(e.reason));
}

const isReady = (p: AgentPod | undefined) => condition(p, "Ready")?.status === "True";

describe("RuntimeHealth", () => {
  it("reports down only after downAfterMs without an answer, and up at the first answer", async () => {
    const clock = new FakeClock(0);
    const rh = new RuntimeHealth({ clock, runtimeVersion: () => "docker://20.10.24", downAfterMs: 4000 });
    expect(rh.observe(true)).toBeUndefined();
    await clock.advance(2000);
    expect(rh.observe(false, "connect ENOENT")).toBeUndefined(); // one missed check is not an outage
    await clock.advance(2000);
    expect(rh.observe(false, "connect ENOENT")).toBe("down");
    await clock.advance(2000);
    expect(rh.observe(false)).toBeUndefined(); // reported once
    expect(rh.down).toBe(true);
    expect(rh.message()).toMatch(/^container runtime is down, PLEG is not healthy: docker:\/\/20\.10\.24 has not answered for 6s/);
    expect(rh.observe(true)).toBe("up");
    expect(rh.down).toBe(false);
  });

  it("notReadyStatus turns Ready, ContainersReady and containers false, and leaves finished pods alone", () => {
    const status = {
      phase: "Running" as const,
      conditions: [
        { type: "Ready", status: "True" as const, lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z" },
        { type: "ContainersReady", status: "True" as const, lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z" },
        { type: "PodScheduled", status: "True" as const, lastProbeTime: null, lastTransitionTime: "2026-01-01T00:00:00Z" },
      ],
      containerStatuses: [{ name: "web", image: "x", imageID: "", ready: true, started: true, restartCount: 0, state: { running: { startedAt: "2026-01-01T00:00:00Z" } }, lastState: {} }],
    };
    const next = notReadyStatus(status, Date.parse("2026-01-01T00:01:00Z"))!;
    expect(next.conditions!.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [web]", lastTransitionTime: "2026-01-01T00:01:00Z" });
    expect(next.conditions!.find((c) => c.type === "ContainersReady")?.status).toBe("False");
    expect(next.conditions!.find((c) => c.type === "PodScheduled")?.status).toBe("True");
    expect(next.containerStatuses![0]).toMatchObject({ ready: false, state: { running: {} } });
    expect(status.conditions[0].status).toBe("True"); // input untouched
    expect(notReadyStatus(next, 0)).toBeUndefined(); // already not ready
    expect(notReadyStatus({ ...status, phase: "Succeeded" }, 0)).toBeUndefined();
  });
});

describe("agent: container runtime down and back", () => {
  it("NotReady naming the runtime within 10 s, pods not ready; back: Ready, dead container restarted once, nothing duplicated", async () => {
    h = await startHarness({ agent: { runtimeCheckMs: 2000, runtimeDownAfterMs: 4000, heartbeatMs: 10_000 } });
    await h.createPod("web", { restartPolicy: "Always" });
    const running = await h.until(async () => {
      const p = await h!.getPod("web");
      return isReady(p) ? p : undefined;
    }, "web ready");
    expect(containerStatus(running, "main")?.restartCount).toBe(0);
    expect((await nodeReady(h))?.status).toBe("True");

    // The engine stops answering; its containers die meanwhile.
    const before = await h.runtime.list({ [LABELS.node]: "node-1" });
    h.runtime.setAvailable(false);
    for (const c of before) h.runtime.kill(c.id, 137);
    await h.advance(10_000, 1000);
    const ready = await h.until(async () => {
      const r = await nodeReady(h!);
      return r?.status === "False" ? r : undefined;
    }, "node NotReady");
    expect(ready.reason).toBe("KubeletNotReady");
    expect(ready.message).toContain("container runtime is down");
    expect(ready.message).toContain("fake://0.1.0");
    const down = await h.until(async () => {
      const p = await h!.getPod("web");
      return condition(p, "Ready")?.status === "False" ? p : undefined;
    }, "pod not ready");
    expect(condition(down, "ContainersReady")?.status).toBe("False");
    expect(containerStatus(down, "main")?.ready).toBe(false);
    expect(h.agent.runtimeDown).toBe(true);

    h.runtime.setAvailable(true);
    await h.advance(15_000, 1000);
    const back = await h.until(async () => {
      const p = await h!.getPod("web");
      return isReady(p) && (containerStatus(p, "main")?.restartCount ?? 0) >= 1 ? p : undefined;
    }, "web ready again, restarted");
    expect(containerStatus(back, "main")?.restartCount).toBe(1);
    expect(back.status?.phase).toBe("Running");
    expect((await nodeReady(h))?.status).toBe("True");
    const live = (await h.runtime.list({ [LABELS.node]: "node-1" })).filter((c) => c.state === "running");
    expect(live.filter((c) => c.labels[LABELS.container] === "main")).toHaveLength(1);
    expect(live.filter((c) => c.labels[LABELS.container] === SANDBOX_CONTAINER).length).toBeLessThanOrEqual(1);

    const reasons = await nodeEvents(h);
    expect(reasons.indexOf("NodeNotReady")).toBeGreaterThanOrEqual(0);
    expect(reasons.indexOf("NodeReady")).toBeGreaterThan(reasons.indexOf("NodeNotReady"));
    const podReasons = (await h.events("web")).map((e) => e.reason);
    expect(podReasons).toContain("NodeNotReady");
  });

  it("a short blip (one failed ping) changes nothing", async () => {
    h = await startHarness({ agent: { runtimeCheckMs: 2000, runtimeDownAfterMs: 4000 } });
    await h.createPod("web", {});
    await h.until(async () => isReady(await h!.getPod("web")), "web ready");
    h.runtime.setAvailable(false);
    await h.advance(2000, 1000);
    h.runtime.setAvailable(true);
    await h.advance(6000, 1000);
    expect((await nodeReady(h))?.status).toBe("True");
    expect(isReady(await h.getPod("web"))).toBe(true);
  });
});

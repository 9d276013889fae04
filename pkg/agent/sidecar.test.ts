// Init containers and native sidecars in the pod worker, on the fake runtime's
// default stages and its per-pod annotations, with virtual time.
import { afterEach, describe, expect, it } from "vitest";
import { podStatusReason } from "../api/printers/pod.js";
import { R } from "../api/kinds.js";
import { LABELS } from "../runtime/runtime.js";
import { condition, containerStatus, startHarness, type Harness } from "./testing.js";
import type { AgentPod } from "./types.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function advanceUntil(hh: Harness, name: string, what: string, pred: (p: AgentPod) => boolean, maxMs: number, stepMs = 250): Promise<AgentPod> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    const p = await hh.getPod(name);
    if (p && pred(p)) return p;
    await hh.advance(stepMs, stepMs);
  }
  throw new Error(`${name}: ${what} not reached in ${maxMs} virtual ms: ${JSON.stringify((await hh.getPod(name))?.status)}`);
}

const sleeper = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: "busybox", command: ["sleep", "3600"], ...extra });
const jobOwner = { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: "1b7e9a4c-0000-4000-8000-000000000001", controller: true }] };

describe("init containers on the default stages", () => {
  it("complete one after the other without any rule, then the app container starts", async () => {
    h = await startHarness();
    const started: string[] = [];
    h.runtime.events((ev) => ev.type === "start" && started.push(ev.labels![LABELS.container]));
    await h.createPod("init", { initContainers: [sleeper("init-a"), sleeper("init-b")] });
    const first = await advanceUntil(h, "init", "init-a running", (p) => containerStatus(p, "init-a")?.state.running !== undefined, 1000);
    expect(podStatusReason(first)).toBe("Init:0/2");
    const second = await advanceUntil(h, "init", "init-b running", (p) => containerStatus(p, "init-b")?.state.running !== undefined, 3000);
    expect(podStatusReason(second)).toBe("Init:1/2");
    const running = await advanceUntil(h, "init", "Running", (p) => p.status?.phase === "Running", 3000);
    expect(started).toEqual(["init-a", "init-b", "main"]);
    expect(containerStatus(running, "init-b")?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(condition(running, "Initialized")?.status).toBe("True");
  });

  it("a failing init container fails a Never pod with Init:Error and loops in Init:CrashLoopBackOff otherwise", async () => {
    h = await startHarness();
    const exit1 = { annotations: { "fake.skiff.dev/exit-code.setup": "1" } };
    await h.createPod("never", { restartPolicy: "Never", initContainers: [sleeper("setup")] }, exit1);
    await h.createPod("always", { initContainers: [sleeper("setup")] }, exit1);
    const failed = await advanceUntil(h, "never", "Failed", (p) => p.status?.phase === "Failed", 3000);
    expect(podStatusReason(failed)).toBe("Init:Error");
    expect(containerStatus(failed, "setup")?.state.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    const loop = await advanceUntil(h, "always", "Init:CrashLoopBackOff", (p) => podStatusReason(p) === "Init:CrashLoopBackOff", 30_000);
    expect(loop.status?.phase).toBe("Pending");
    expect(containerStatus(loop, "setup")?.restartCount).toBeGreaterThanOrEqual(1);
    expect(containerStatus(loop, "main")?.state.waiting?.reason).toBe("PodInitializing");
  });
});

describe("native sidecars (initContainers with restartPolicy Always)", () => {
  it("start in order, keep running beside the app container and count for readiness", async () => {
    h = await startHarness();
    const started: string[] = [];
    h.runtime.events((ev) => ev.type === "start" && started.push(ev.labels![LABELS.container]));
    const readiness = { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1 };
    await h.createPod(
      "web",
      { initContainers: [sleeper("setup"), sleeper("shipper", { restartPolicy: "Always", readinessProbe: readiness })] },
      { annotations: { "fake.skiff.dev/ready-after.shipper": "5s" } },
    );
    const notReady = await advanceUntil(h, "web", "Running", (p) => p.status?.phase === "Running", 4000);
    expect(started).toEqual(["setup", "shipper", "main"]);
    expect(containerStatus(notReady, "shipper")).toMatchObject({ ready: false, started: true, state: { running: {} } });
    expect(condition(notReady, "Initialized")?.status).toBe("True");
    expect(condition(notReady, "ContainersReady")).toMatchObject({ status: "False", message: "containers with unready status: [shipper]" });
    const ready = await advanceUntil(h, "web", "Ready", (p) => condition(p, "Ready")?.status === "True", 8000);
    expect(containerStatus(ready, "shipper")).toMatchObject({ ready: true, restartCount: 0 });
    expect(containerStatus(ready, "setup")?.state.terminated?.reason).toBe("Completed");
    expect(podStatusReason(ready)).toBe("Running");
  });

  it("restart whatever the pod's restartPolicy, without holding back the running app", async () => {
    h = await startHarness();
    await h.createPod(
      "flaky",
      { restartPolicy: "Never", initContainers: [sleeper("shipper", { restartPolicy: "Always" })] },
      { annotations: { "fake.skiff.dev/duration.shipper": "2s", "fake.skiff.dev/exit-code.shipper": "1" } },
    );
    const p = await advanceUntil(h, "flaky", "shipper restarted", (x) => (containerStatus(x, "shipper")?.restartCount ?? 0) >= 2, 60_000);
    expect(p.status?.phase).toBe("Running");
    expect(containerStatus(p, "main")?.state.running).toBeDefined();
    expect(containerStatus(p, "main")?.restartCount).toBe(0);
  });

  it("are stopped once a Job's main container completed, and the pod Succeeds", async () => {
    h = await startHarness();
    await h.createPod("job-pod", { restartPolicy: "Never", initContainers: [sleeper("shipper", { restartPolicy: "Always" })] }, jobOwner);
    const running = await advanceUntil(h, "job-pod", "Running", (p) => p.status?.phase === "Running", 3000);
    expect(containerStatus(running, "shipper")?.state.running).toBeDefined();
    expect(podStatusReason(running)).toBe("Running");
    // The default stage: a Job's app container exits 0 after 5 s.
    const done = await advanceUntil(h, "job-pod", "Succeeded", (p) => p.status?.phase === "Succeeded", 10_000);
    expect(containerStatus(done, "main")?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(containerStatus(done, "shipper")?.state.terminated?.exitCode).toBe(143);
    expect(podStatusReason(done)).toBe("Completed");
    const events = await h.events("job-pod");
    expect(events.some((e) => e.reason === "Killing" && e.message === "Stopping container shipper")).toBe(true);
  });

  it("are stopped after the app containers when the pod is deleted, in reverse order, within one grace period", async () => {
    // main needs 2 s to shut down after SIGTERM; the sidecars stop at once when asked.
    h = await startHarness({ fake: { behaviours: [{ match: { container: "main" }, behaviour: { shutdownMs: 2000 } }] } });
    const died: Array<[string, number]> = [];
    h.runtime.events((ev) => ev.type === "die" && died.push([ev.labels![LABELS.container], ev.time]));
    await h.createPod("web", {
      terminationGracePeriodSeconds: 10,
      initContainers: [sleeper("first", { restartPolicy: "Always" }), sleeper("second", { restartPolicy: "Always" })],
    });
    await advanceUntil(h, "web", "Running", (p) => p.status?.phase === "Running", 3000);
    await h.client.delete(R.pods, "default", "web");
    for (let t = 0; t < 5000 && (await h.getPod("web")); t += 250) await h.advance(250, 250);
    expect(await h.getPod("web")).toBeUndefined();
    expect(died.map(([name]) => name)).toEqual(["main", "second", "first"]);
  });
});

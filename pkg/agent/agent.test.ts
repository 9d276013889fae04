import { afterEach, describe, expect, it, vi } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { behaviours } from "../runtime/fake-behaviour.js";
import { LABELS, type ContainerSpec, type ContainerStatus } from "../runtime/runtime.js";
import { attemptOf } from "./pod-worker.js";
import { condition, containerStatus, startHarness, type Harness } from "./testing.js";
import type { AgentPod } from "./types.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function podWhere(hh: Harness, name: string, what: string, pred: (p: AgentPod) => boolean, timeoutMs = 3000): Promise<AgentPod> {
  return hh.until(async () => {
    const p = await hh.getPod(name);
    return p && pred(p) ? p : undefined;
  }, `${name}: ${what}`, timeoutMs);
}

/** Advance the fake clock step by step until pred holds for the pod. */
async function advanceUntil(hh: Harness, name: string, what: string, pred: (p: AgentPod) => boolean, maxMs: number, stepMs = 500): Promise<AgentPod> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    const p = await hh.getPod(name);
    if (p && pred(p)) return p;
    await hh.advance(stepMs, stepMs);
  }
  return podWhere(hh, name, what, pred, 500);
}

async function instancesOf(hh: Harness, podName: string, container = "main"): Promise<ContainerStatus[]> {
  const all = await hh.runtime.list({ [LABELS.podName]: podName, [LABELS.container]: container });
  return all.sort((a, b) => attemptOf(a) - attemptOf(b));
}

describe("node registration and heartbeats", () => {
  it("creates the Node with labels, capacity, conditions, addresses and nodeInfo", async () => {
    h = await startHarness({ agent: { labels: { zone: "a" }, taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }] } });
    const node = (await h.client.get(R.nodes, undefined, "node-1")) as KubeObject & { spec: Record<string, unknown>; status: Record<string, any> };
    expect(node.metadata.labels).toMatchObject({ "kubernetes.io/hostname": "node-1", "kubernetes.io/os": "linux", "skiff.dev/runtime": "fake", zone: "a" });
    expect(node.spec.taints).toEqual([{ key: "dedicated", value: "x", effect: "NoSchedule" }]);
    expect(node.status.capacity).toEqual({ cpu: "4", memory: "8Gi", pods: "110" });
    expect(node.status.allocatable).toEqual(node.status.capacity);
    const ready = node.status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "True", reason: "KubeletReady", message: "skiff agent is posting ready status" });
    for (const t of ["MemoryPressure", "DiskPressure", "PIDPressure"]) {
      expect(node.status.conditions.find((c: { type: string }) => c.type === t)?.status).toBe("False");
    }
    expect(node.status.addresses).toEqual([
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: "node-1" },
    ]);
    expect(node.status.nodeInfo).toMatchObject({ kubeletVersion: "v1.32.0-skiff", containerRuntimeVersion: "fake://0.1.0", operatingSystem: "linux" });
    expect(h.agent.podCidr).toMatch(/^127\.(1[2-8]\d|19[01])\.\d+\.0\/24$/);
  });

  it("renews its Lease every heartbeatMs with a microsecond renewTime", async () => {
    h = await startHarness({ agent: { heartbeatMs: 10_000 } });
    const lease1 = (await h.client.get(R.leases, "kube-node-lease", "node-1")) as KubeObject & { spec: Record<string, unknown> };
    expect(lease1.spec).toMatchObject({ holderIdentity: "node-1", leaseDurationSeconds: 40 });
    expect(String(lease1.spec.renewTime)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await h.advance(10_000, 2_000);
    const lease2 = await h.until(async () => {
      const l = (await h!.client.get(R.leases, "kube-node-lease", "node-1")) as KubeObject & { spec: Record<string, unknown> };
      return l.spec.renewTime !== lease1.spec.renewTime ? l : undefined;
    }, "lease renewal");
    expect(Date.parse(String(lease2.spec.renewTime)) - Date.parse(String(lease1.spec.renewTime))).toBe(10_000);
  });

  it("re-posts node status every nodeStatusMs, keeping lastTransitionTime", async () => {
    h = await startHarness({ agent: { heartbeatMs: 10_000, nodeStatusMs: 20_000 } });
    type Cond = { type: string; lastHeartbeatTime: string; lastTransitionTime: string };
    const ready = async () => ((await h!.client.get(R.nodes, undefined, "node-1")).status as { conditions: Cond[] }).conditions.find((c) => c.type === "Ready")!;
    const r1 = await ready();
    await h.advance(10_000, 2_000);
    expect((await ready()).lastHeartbeatTime).toBe(r1.lastHeartbeatTime); // nothing changed, not due yet
    await h.advance(10_000, 2_000);
    const r2 = await h.until(async () => {
      const r = await ready();
      return r.lastHeartbeatTime !== r1.lastHeartbeatTime ? r : undefined;
    }, "node status re-post");
    expect(r2.lastTransitionTime).toBe(r1.lastTransitionTime);
  });
});

describe("phases and restart policies", () => {
  it("Never + exit 0 → Succeeded; Never + exit 1 → Failed; no restarts", async () => {
    h = await startHarness({
      fake: {
        behaviours: [
          { match: { pod: "ok" }, behaviour: behaviours.exitAfter(1000, 0) },
          { match: { pod: "bad" }, behaviour: behaviours.exitAfter(1000, 1) },
        ],
      },
    });
    await h.createPod("ok", { restartPolicy: "Never" });
    await h.createPod("bad", { restartPolicy: "Never" });
    await podWhere(h, "ok", "Running", (p) => p.status?.phase === "Running");
    await h.advance(2000);
    const ok = await podWhere(h, "ok", "Succeeded", (p) => p.status?.phase === "Succeeded");
    const bad = await podWhere(h, "bad", "Failed", (p) => p.status?.phase === "Failed");
    expect(containerStatus(ok, "main")?.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(containerStatus(bad, "main")?.state.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(condition(ok, "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    await h.advance(30_000, 5_000);
    expect((await instancesOf(h, "bad")).length).toBe(1);
    expect(containerStatus(await h.getPod("bad"), "main")?.restartCount).toBe(0);
  });

  it("OnFailure restarts only non-zero exits", async () => {
    h = await startHarness({
      fake: {
        behaviours: [
          { match: { pod: "zero" }, behaviour: behaviours.exitAfter(1000, 0) },
          // fails once, then succeeds
          { match: { pod: "flaky" }, behaviour: (s: ContainerSpec) => behaviours.exitAfter(1000, s.labels[LABELS.restartCount] === "0" ? 3 : 0) },
        ],
      },
    });
    await h.createPod("zero", { restartPolicy: "OnFailure" });
    await h.createPod("flaky", { restartPolicy: "OnFailure" });
    await advanceUntil(h, "flaky", "Succeeded", (p) => p.status?.phase === "Succeeded", 10_000);
    const zero = await podWhere(h, "zero", "Succeeded", (p) => p.status?.phase === "Succeeded");
    const flaky = (await h.getPod("flaky"))!;
    expect(containerStatus(zero, "main")?.restartCount).toBe(0);
    expect(containerStatus(flaky, "main")?.restartCount).toBe(1);
    expect(containerStatus(flaky, "main")?.lastState.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
  });

  it("Always restarts even a clean exit and stays Running", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "loop" }, behaviour: behaviours.exitAfter(1000, 0) }] } });
    await h.createPod("loop", {});
    const p = await advanceUntil(h, "loop", "restarted", (x) => (containerStatus(x, "main")?.restartCount ?? 0) >= 1, 5000);
    expect(p.status?.phase).toBe("Running");
  });
});

describe("CrashLoopBackOff", () => {
  it("waits 10s, 20s, 40s… capped at max between restarts, with kubelet's message", async () => {
    h = await startHarness({
      agent: { backoff: { baseMs: 10_000, maxMs: 40_000, resetAfterMs: 600_000 } },
      fake: { behaviours: [{ match: { pod: "crash" }, behaviour: behaviours.crashLoop(1000, 1) }] },
    });
    const pod = await h.createPod("crash", {});
    const messages = new Set<string>();
    for (let t = 0; t < 200_000; t += 500) {
      await h.advance(500, 500);
      const p = await h.getPod("crash");
      const w = containerStatus(p, "main")?.state.waiting;
      if (w?.reason === "CrashLoopBackOff") messages.add(w.message ?? "");
      if ((await instancesOf(h, "crash")).length > 0 && attemptOf((await instancesOf(h, "crash")).at(-1)!) >= 5) break;
    }
    // the agent keeps only the current and previous instance; use the events instead for history
    const uid = pod.metadata.uid;
    expect([...messages]).toEqual(
      expect.arrayContaining([
        `back-off 10s restarting failed container=main pod=crash_default(${uid})`,
        `back-off 20s restarting failed container=main pod=crash_default(${uid})`,
        `back-off 40s restarting failed container=main pod=crash_default(${uid})`,
      ]),
    );
    expect([...messages].some((m) => m.includes("back-off 1m20s"))).toBe(false);
    const p = await h.getPod("crash");
    expect(p?.status?.phase).toBe("Running");
    const ev = await h.events("crash");
    expect(ev.some((e) => e.reason === "BackOff" && e.type === "Warning" && e.message === `Back-off restarting failed container main in pod crash_default(${uid})`)).toBe(true);
  });

  it("measures the delays between crash and restart: 0, 10, 20, 40, 40 s", async () => {
    const starts: number[] = [];
    const finishes: number[] = [];
    h = await startHarness({
      agent: { backoff: { baseMs: 10_000, maxMs: 40_000, resetAfterMs: 600_000 } },
      fake: { behaviours: [{ match: { pod: "crash" }, behaviour: behaviours.crashLoop(1000, 1) }] },
    });
    h.runtime.events((ev) => {
      if (ev.labels?.[LABELS.podName] !== "crash") return;
      if (ev.type === "start") starts.push(ev.time);
      if (ev.type === "die") finishes.push(ev.time);
    });
    await h.createPod("crash", {});
    for (let t = 0; t < 200_000 && starts.length < 6; t += 250) await h.advance(250, 250);
    const delays = starts.slice(1).map((s, i) => Math.round((s - finishes[i]) / 1000));
    expect(delays.slice(0, 5)).toEqual([0, 10, 20, 40, 40]);
  });

  it("resets the back-off after the container ran longer than resetAfterMs", async () => {
    const starts: number[] = [];
    const finishes: number[] = [];
    h = await startHarness({
      agent: { backoff: { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 60_000 } },
      fake: {
        behaviours: [
          {
            match: { pod: "crash" },
            // attempts 0-2 crash fast; attempt 3 runs 2 minutes before crashing; then fast again
            behaviour: (s: ContainerSpec) => behaviours.crashLoop(s.labels[LABELS.restartCount] === "3" ? 120_000 : 1000, 1),
          },
        ],
      },
    });
    h.runtime.events((ev) => {
      if (ev.labels?.[LABELS.podName] !== "crash") return;
      if (ev.type === "start") starts.push(ev.time);
      if (ev.type === "die") finishes.push(ev.time);
    });
    await h.createPod("crash", {});
    for (let t = 0; t < 400_000 && starts.length < 6; t += 500) await h.advance(500, 500);
    const delays = starts.slice(1).map((s, i) => Math.round((s - finishes[i]) / 1000));
    // 0, 10, 20 (growing), then after the long run: back to immediate, then 10
    expect(delays.slice(0, 5)).toEqual([0, 10, 20, 0, 10]);
  });
});

describe("OOMKilled", () => {
  it("reports OOMKilled exit 137 in lastState, restarts, and records an event", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "hog" }, behaviour: behaviours.oomAfter(1000) }] } });
    await h.createPod("hog", {
      containers: [{ name: "main", image: "busybox", resources: { limits: { memory: "32Mi" } } }],
    });
    const p = await advanceUntil(h, "hog", "restarted after OOM", (x) => (containerStatus(x, "main")?.restartCount ?? 0) >= 1, 5000);
    expect(containerStatus(p, "main")?.lastState.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
    const ev = await h.until(async () => (await h!.events("hog")).find((e) => e.reason === "OOMKilled"), "OOMKilled event");
    expect(ev.type).toBe("Warning");
    expect(ev.message).toContain("32Mi");
  });

  it("with Never, the terminated state itself says OOMKilled and the pod fails", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "hog" }, behaviour: behaviours.oomAfter(1000) }] } });
    await h.createPod("hog", { restartPolicy: "Never", containers: [{ name: "main", image: "busybox", resources: { limits: { memory: "32Mi" } } }] });
    const p = await advanceUntil(h, "hog", "Failed", (x) => x.status?.phase === "Failed", 5000);
    expect(containerStatus(p, "main")?.state.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled" });
  });

  it("passes limits to the runtime: cpu in millicores, memory in bytes", async () => {
    let seen: ContainerSpec | undefined;
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "lim" }, behaviour: (s: ContainerSpec) => ((seen = s), {}) }] } });
    await h.createPod("lim", { containers: [{ name: "main", image: "busybox", resources: { limits: { cpu: "500m", memory: "32Mi" } } }] });
    await h.until(() => seen, "container created");
    expect(seen!.resources).toEqual({ cpuMilli: 500, memoryBytes: 32 * 1024 * 1024 });
  });
});

describe("probes", () => {
  it("a failing readiness probe keeps Ready False while the container runs; a passing one makes it True", async () => {
    h = await startHarness({ agent: { probeTiming: { periodMs: 1000 } } });
    await h.createPod("unready", { containers: [{ name: "main", image: "busybox", readinessProbe: { exec: { command: ["false"] } } }] });
    await h.createPod("ready", { containers: [{ name: "main", image: "busybox", readinessProbe: { exec: { command: ["true"] } } }] });
    await podWhere(h, "unready", "Running", (p) => p.status?.phase === "Running");
    await h.advance(5000);
    const ready = await podWhere(h, "ready", "Ready", (p) => condition(p, "Ready")?.status === "True");
    expect(containerStatus(ready, "main")?.ready).toBe(true);
    const unready = (await h.getPod("unready"))!;
    expect(condition(unready, "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [main]" });
    expect(condition(unready, "ContainersReady")?.status).toBe("False");
    expect(containerStatus(unready, "main")).toMatchObject({ ready: false, restartCount: 0 });
    expect(containerStatus(unready, "main")?.state.running).toBeDefined();
    const ev = await h.events("unready");
    expect(ev.some((e) => e.reason === "Unhealthy" && e.message?.startsWith("Readiness probe failed"))).toBe(true);
  });

  it("a readiness probe that starts failing takes the pod out of Ready, keeping lastTransitionTime otherwise", async () => {
    h = await startHarness({
      agent: { probeTiming: { periodMs: 1000 } },
      fake: { behaviours: [{ match: { pod: "p" }, behaviour: { exec: (_cmd, ctx) => ({ exitCode: ctx.runningForMs < 10_000 ? 0 : 1, stdout: "", stderr: "" }) } }] },
    });
    await h.createPod("p", { containers: [{ name: "main", image: "busybox", readinessProbe: { exec: { command: ["check"] }, failureThreshold: 2 } }] });
    const ready = await advanceUntil(h, "p", "Ready", (x) => condition(x, "Ready")?.status === "True", 3000);
    const t1 = condition(ready, "Ready")!.lastTransitionTime;
    await h.advance(3000);
    expect(condition(await h.getPod("p"), "Ready")?.lastTransitionTime).toBe(t1);
    const unready = await advanceUntil(h, "p", "not Ready", (x) => condition(x, "Ready")?.status === "False", 15_000);
    expect(condition(unready, "Ready")!.lastTransitionTime).not.toBe(t1);
  });

  it("a failing liveness probe kills and restarts the container with Unhealthy and Killing events", async () => {
    h = await startHarness({
      agent: { probeTiming: { periodMs: 1000 } },
      fake: { behaviours: [{ match: { pod: "live" }, behaviour: { exec: (_cmd, ctx) => ({ exitCode: ctx.runningForMs < 5000 ? 0 : 1, stdout: "", stderr: "unhealthy" }) } }] },
    });
    await h.createPod("live", { containers: [{ name: "main", image: "busybox", livenessProbe: { exec: { command: ["check"] } } }] });
    const first = (await h.until(async () => (await instancesOf(h!, "live"))[0], "first instance")).id;
    const p = await advanceUntil(h, "live", "restarted", (x) => (containerStatus(x, "main")?.restartCount ?? 0) >= 1, 15_000);
    expect(containerStatus(p, "main")?.lastState.terminated?.containerID).toBe(`fake://${first}`);
    const ev = await h.events("live");
    expect(ev.some((e) => e.reason === "Unhealthy" && e.message === "Liveness probe failed: unhealthy")).toBe(true);
    expect(ev.some((e) => e.reason === "Killing" && e.message === "Container main failed liveness probe, will be restarted")).toBe(true);
  });

  it("a startup probe gates liveness and readiness until it passes", async () => {
    let checks = 0;
    h = await startHarness({
      agent: { probeTiming: { periodMs: 1000 } },
      fake: {
        behaviours: [
          {
            match: { pod: "slow" },
            behaviour: {
              exec: (cmd, ctx) => {
                if (cmd[0] === "live") checks++;
                // starts answering after 8 s; liveness "live" would fail before that
                return { exitCode: ctx.runningForMs >= 8000 ? 0 : 1, stdout: "", stderr: "" };
              },
            },
          },
        ],
      },
    });
    await h.createPod("slow", {
      containers: [
        {
          name: "main",
          image: "busybox",
          startupProbe: { exec: { command: ["start"] }, failureThreshold: 30 },
          livenessProbe: { exec: { command: ["live"] } },
        },
      ],
    });
    await podWhere(h, "slow", "Running", (p) => p.status?.phase === "Running");
    await h.advance(6000);
    expect(checks).toBe(0);
    expect(containerStatus(await h.getPod("slow"), "main")?.started).toBe(false);
    const p = await advanceUntil(h, "slow", "started", (x) => containerStatus(x, "main")?.started === true, 6000);
    await h.advance(3000);
    expect(checks).toBeGreaterThan(0);
    expect(containerStatus(p, "main")?.restartCount).toBe(0);
    expect(containerStatus(await h.getPod("slow"), "main")?.restartCount).toBe(0);
  });
});

describe("init containers", () => {
  it("run in order, each to completion, before the app containers", async () => {
    h = await startHarness({
      fake: {
        behaviours: [
          { match: { container: "init-a" }, behaviour: behaviours.exitAfter(2000, 0) },
          { match: { container: "init-b" }, behaviour: behaviours.exitAfter(2000, 0) },
        ],
      },
    });
    const created: string[] = [];
    h.runtime.events((ev) => ev.type === "start" && created.push(ev.labels![LABELS.container]));
    await h.createPod("init", {
      initContainers: [
        { name: "init-a", image: "busybox" },
        { name: "init-b", image: "busybox" },
      ],
    });
    const pending = await podWhere(h, "init", "init-a running", (p) => containerStatus(p, "init-a")?.state.running !== undefined);
    expect(pending.status?.phase).toBe("Pending");
    expect(condition(pending, "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [init-a init-b]" });
    expect(containerStatus(pending, "main")?.state.waiting?.reason).toBe("PodInitializing");
    const running = await advanceUntil(h, "init", "Running", (p) => p.status?.phase === "Running", 10_000);
    expect(created).toEqual(["init-a", "init-b", "main"]);
    expect(condition(running, "Initialized")?.status).toBe("True");
    expect(containerStatus(running, "init-b")?.state.terminated?.reason).toBe("Completed");
  });

  it("a failing init container fails the pod with Never and back-off restarts it otherwise", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { container: "setup" }, behaviour: behaviours.exitAfter(1000, 2) }] } });
    await h.createPod("never", { restartPolicy: "Never", initContainers: [{ name: "setup", image: "busybox" }] });
    await h.createPod("always", { initContainers: [{ name: "setup", image: "busybox" }] });
    await advanceUntil(h, "never", "Failed", (p) => p.status?.phase === "Failed", 5000);
    const always = await advanceUntil(h, "always", "init crash loop", (p) => containerStatus(p, "setup")?.state.waiting?.reason === "CrashLoopBackOff", 10_000);
    expect(always.status?.phase).toBe("Pending");
    expect((await instancesOf(h, "never", "main")).length).toBe(0);
    expect((await instancesOf(h, "always", "main")).length).toBe(0);
  });
});

describe("termination", () => {
  it("sends SIGTERM, kills after the grace period, removes containers, then deletes the pod", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "stubborn" }, behaviour: behaviours.ignoreSigterm() }] } });
    await h.createPod("stubborn", { terminationGracePeriodSeconds: 5 });
    await podWhere(h, "stubborn", "Running", (p) => p.status?.phase === "Running");
    const [inst] = await instancesOf(h, "stubborn");
    await h.client.delete(R.pods, "default", "stubborn");
    await h.advance(4000, 1000);
    expect((await h.runtime.inspect(inst.id)).state).toBe("running");
    expect(await h.getPod("stubborn")).toBeDefined();
    await h.advance(2000, 1000);
    await h.until(async () => (await h!.getPod("stubborn")) === undefined, "pod gone");
    expect(await h.runtime.list({ [LABELS.podName]: "stubborn" })).toEqual([]);
    const ev = await h.events("stubborn");
    expect(ev.some((e) => e.reason === "Killing" && e.message === "Stopping container main")).toBe(true);
  });

  it("uses the shorter of deletionGracePeriodSeconds and terminationGracePeriodSeconds", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "stubborn" }, behaviour: behaviours.ignoreSigterm() }] } });
    await h.createPod("stubborn", { terminationGracePeriodSeconds: 60 });
    await podWhere(h, "stubborn", "Running", (p) => p.status?.phase === "Running");
    await h.client.delete(R.pods, "default", "stubborn", { gracePeriodSeconds: 2 });
    await h.advance(3000, 1000);
    await h.until(async () => (await h!.getPod("stubborn")) === undefined, "pod gone");
  });

  it("removes the pod's volume directories", async () => {
    h = await startHarness();
    const pod = await h.createPod("vol", { volumes: [{ name: "scratch", emptyDir: {} }], containers: [{ name: "main", image: "busybox", volumeMounts: [{ name: "scratch", mountPath: "/data" }] }] });
    await podWhere(h, "vol", "Running", (p) => p.status?.phase === "Running");
    const { existsSync } = await import("node:fs");
    const dir = `${h.stateDir}/pods/${pod.metadata.uid}/volumes/scratch`;
    expect(existsSync(dir)).toBe(true);
    await h.client.delete(R.pods, "default", "vol");
    await h.until(async () => (await h!.getPod("vol")) === undefined, "pod gone");
    expect(existsSync(`${h.stateDir}/pods/${pod.metadata.uid}`)).toBe(false);
  });
});

describe("restart of the agent", () => {
  it("adopts running containers (same ids, same restart counts) and duplicates nothing", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "once" }, behaviour: (s: ContainerSpec) => (s.labels[LABELS.restartCount] === "0" ? behaviours.exitAfter(1000, 1) : {}) }] } });
    await h.createPod("steady", {});
    await h.createPod("once", {});
    await advanceUntil(h, "once", "restarted once", (p) => containerStatus(p, "main")?.restartCount === 1 && p.status?.phase === "Running", 5000);
    await podWhere(h, "steady", "Running", (p) => p.status?.phase === "Running");
    const before = (await h.runtime.list({})).map((c) => `${c.id}:${c.state}`).sort();
    const ipBefore = (await h.getPod("steady"))!.status?.podIP;
    await h.agent.stop({ leaveContainers: true });
    expect((await h.runtime.list({ [LABELS.podName]: "steady" }))[0].state).toBe("running");
    await h.restartAgent();
    await h.advance(15_000, 1000);
    const after = (await h.runtime.list({})).map((c) => `${c.id}:${c.state}`).sort();
    expect(after).toEqual(before);
    const once = (await h.getPod("once"))!;
    expect(containerStatus(once, "main")?.restartCount).toBe(1);
    expect((await h.getPod("steady"))!.status?.podIP).toBe(ipBefore);
    expect(h.errors).toEqual([]);
  });

  it("removes containers of pods deleted while it was down, and never touches other nodes' containers", async () => {
    h = await startHarness();
    await h.createPod("doomed", {});
    await h.createPod("kept", {});
    await podWhere(h, "doomed", "Running", (p) => p.status?.phase === "Running");
    await podWhere(h, "kept", "Running", (p) => p.status?.phase === "Running");
    const foreign = await h.runtime.create({
      name: "other-node-container",
      image: "busybox",
      labels: { [LABELS.podUid]: "x", [LABELS.node]: "node-2", [LABELS.container]: "c" },
    });
    await h.runtime.start(foreign);
    await h.agent.stop({ leaveContainers: true });
    await h.client.delete(R.pods, "default", "doomed", { gracePeriodSeconds: 0 });
    expect(await h.getPod("doomed")).toBeUndefined();
    await h.restartAgent();
    await h.until(async () => (await h!.runtime.list({ [LABELS.podName]: "doomed" })).length === 0, "orphan removed");
    expect((await h.runtime.list({ [LABELS.podName]: "kept" }))[0].state).toBe("running");
    expect((await h.runtime.inspect(foreign)).state).toBe("running");
  });

  it("stop() without leaveContainers stops and removes the node's containers", async () => {
    h = await startHarness();
    await h.createPod("a", {});
    await podWhere(h, "a", "Running", (p) => p.status?.phase === "Running");
    await h.agent.stop();
    expect(await h.runtime.list({ [LABELS.node]: "node-1" })).toEqual([]);
  });
});

describe("images", () => {
  it("a missing image gives ErrImagePull, then ImagePullBackOff, with the engine's message in events", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { image: "nope:1.0" }, behaviour: behaviours.missingImage() }] } });
    await h.createPod("pull", { containers: [{ name: "main", image: "nope:1.0" }] });
    const errPull = await podWhere(h, "pull", "ErrImagePull", (p) => containerStatus(p, "main")?.state.waiting?.reason === "ErrImagePull");
    expect(containerStatus(errPull, "main")?.state.waiting?.message).toContain("pull access denied for nope");
    expect(errPull.status?.phase).toBe("Pending");
    await h.advance(1000);
    await podWhere(h, "pull", "ImagePullBackOff", (p) => containerStatus(p, "main")?.state.waiting?.reason === "ImagePullBackOff");
    const ev = await h.events("pull");
    expect(ev.some((e) => e.type === "Warning" && e.reason === "Failed" && e.message?.startsWith('Failed to pull image "nope:1.0": pull access denied for nope'))).toBe(true);
    expect(ev.some((e) => e.reason === "BackOff" && e.message === 'Back-off pulling image "nope:1.0"')).toBe(true);
    // retried after the back-off: ErrImagePull again
    await advanceUntil(h, "pull", "ErrImagePull again", (p) => containerStatus(p, "main")?.state.waiting?.reason === "ErrImagePull", 12_000);
  });

  it("Never with an absent image gives ErrImageNeverPull", async () => {
    h = await startHarness();
    await h.createPod("never", { containers: [{ name: "main", image: "absent:2", imagePullPolicy: "Never" }] });
    await podWhere(h, "never", "ErrImageNeverPull", (p) => containerStatus(p, "main")?.state.waiting?.reason === "ErrImageNeverPull");
  });
});

describe("invalid image names", () => {
  it("a malformed image reference waits as InvalidImageName with the kubelet's message, never reaching the runtime", async () => {
    h = await startHarness();
    await h.createPod("bad", { containers: [{ name: "main", image: "<your-private-image>" }] });
    const bad = await podWhere(h, "bad", "InvalidImageName", (p) => containerStatus(p, "main")?.state.waiting?.reason === "InvalidImageName");
    expect(containerStatus(bad, "main")?.state.waiting?.message).toBe(
      'Failed to apply default image tag "<your-private-image>": couldn\'t parse image name "<your-private-image>": invalid reference format',
    );
    expect(bad.status?.phase).toBe("Pending");
    expect((await h.runtime.list({})).some((c) => c.image === "<your-private-image>")).toBe(false);
    await h.advance(30_000);
    const ev = (await h.events("bad")).filter((e) => e.reason === "InspectFailed");
    expect(ev).toHaveLength(1);
  });
});

describe("pod IPs", () => {
  it("each pod gets the lowest free address of the node's range, unique, and stable across restarts", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "short" }, behaviour: behaviours.exitAfter(1000, 0) }] } });
    const prefix = h.agent.podCidr.replace(/0\/24$/, "");
    await h.createPod("a", {});
    await podWhere(h, "a", "IP", (p) => !!p.status?.podIP);
    await h.createPod("short", { restartPolicy: "Never" });
    await podWhere(h, "short", "IP", (p) => !!p.status?.podIP);
    await h.createPod("c", {});
    const c = await podWhere(h, "c", "IP", (p) => !!p.status?.podIP);
    expect((await h.getPod("a"))!.status?.podIP).toBe(`${prefix}2`);
    expect((await h.getPod("short"))!.status?.podIP).toBe(`${prefix}3`);
    expect(c.status?.podIP).toBe(`${prefix}4`);
    expect(c.status?.podIPs).toEqual([{ ip: `${prefix}4` }]);
    expect(c.status?.hostIP).toBe("127.0.0.1");
    // a finished pod's address is free again
    await advanceUntil(h, "short", "Succeeded", (p) => p.status?.phase === "Succeeded", 5000);
    await h.createPod("d", {});
    const d = await podWhere(h, "d", "IP", (p) => !!p.status?.podIP);
    expect(d.status?.podIP).toBe(`${prefix}3`);
    await h.agent.stop({ leaveContainers: true });
    await h.restartAgent();
    await h.advance(12_000, 1000);
    expect((await h.getPod("c"))!.status?.podIP).toBe(`${prefix}4`);
    expect((await h.getPod("d"))!.status?.podIP).toBe(`${prefix}3`);
  });

  it("publishes container ports on the pod IP", async () => {
    let seen: ContainerSpec | undefined;
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "web" }, behaviour: (s: ContainerSpec) => ((seen = s), {}) }] } });
    await h.createPod("web", { containers: [{ name: "main", image: "busybox", ports: [{ containerPort: 8080, protocol: "TCP" }] }] });
    const p = await podWhere(h, "web", "IP", (x) => !!x.status?.podIP);
    expect(seen!.ports).toEqual([{ containerPort: 8080, hostIP: p.status!.podIP, hostPort: 8080, protocol: "TCP" }]);
  });
});

describe("configuration", () => {
  it("builds env from literals, configMap keys, envFrom and the downward API, and expands $(VAR)", async () => {
    let seen: ContainerSpec | undefined;
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "env" }, behaviour: (s: ContainerSpec) => ((seen = s), {}) }] } });
    await h.client.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { color: "blue", size: "L" } });
    await h.createPod("env", {
      containers: [
        {
          name: "main",
          image: "busybox",
          command: ["echo", "$(GREETING)"],
          workingDir: "/tmp",
          envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CFG_" }],
          env: [
            { name: "NAME", value: "world" },
            { name: "GREETING", value: "hello $(NAME)" },
            { name: "COLOR", valueFrom: { configMapKeyRef: { name: "cfg", key: "color" } } },
            { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          ],
        },
      ],
    });
    const p = await podWhere(h, "env", "Running", (x) => x.status?.phase === "Running");
    expect(seen!.env).toMatchObject({ NAME: "world", GREETING: "hello world", COLOR: "blue", POD: "env", NS: "default", IP: p.status!.podIP, CFG_color: "blue", CFG_size: "L" });
    expect(seen!.command).toEqual(["echo", "hello world"]);
    expect(seen!.workingDir).toBe("/tmp");
    expect(seen!.labels).toMatchObject({ [LABELS.podUid]: p.metadata.uid, [LABELS.node]: "node-1", [LABELS.container]: "main", [LABELS.restartCount]: "0" });
  });

  it("a missing ConfigMap gives CreateContainerConfigError until it appears", async () => {
    h = await startHarness();
    await h.createPod("cfgerr", { containers: [{ name: "main", image: "busybox", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "later", key: "x" } } }] }] });
    const p = await podWhere(h, "cfgerr", "CreateContainerConfigError", (x) => containerStatus(x, "main")?.state.waiting?.reason === "CreateContainerConfigError");
    expect(containerStatus(p, "main")?.state.waiting?.message).toBe('configmap "later" not found');
    await h.client.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "later" }, data: { x: "1" } });
    await advanceUntil(h, "cfgerr", "Running", (x) => x.status?.phase === "Running", 12_000);
  });

  it("writes configMap volume files and rewrites them when the ConfigMap changes", async () => {
    const { readFile } = await import("node:fs/promises");
    h = await startHarness({ agent: { relistMs: 2000 } });
    await h.client.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "files" }, data: { "app.conf": "v=1\n" } });
    const pod = await h.createPod("cm", {
      volumes: [{ name: "conf", configMap: { name: "files" } }],
      containers: [{ name: "main", image: "busybox", volumeMounts: [{ name: "conf", mountPath: "/etc/app" }] }],
    });
    await podWhere(h, "cm", "Running", (x) => x.status?.phase === "Running");
    const file = `${h.stateDir}/pods/${pod.metadata.uid}/volumes/conf/app.conf`;
    expect(await readFile(file, "utf8")).toBe("v=1\n");
    const cm = await h.client.get(R.configmaps, "default", "files");
    await h.client.update(R.configmaps, { ...cm, data: { "app.conf": "v=2\n" } });
    await h.advance(2000, 1000);
    await h.until(async () => (await readFile(file, "utf8")) === "v=2\n", "file rewritten");
  });
});

describe("status writes", () => {
  it("writes status only when something changed", async () => {
    h = await startHarness({ agent: { relistMs: 1000 } });
    await h.createPod("quiet", {});
    const p1 = await podWhere(h, "quiet", "Ready", (x) => condition(x, "Ready")?.status === "True");
    await h.advance(2000, 1000);
    const writes = vi.spyOn(h.client, "updateStatus");
    await h.advance(10_000, 1000);
    // ten relists later: the status was computed again and again, and never written
    expect(writes.mock.calls.filter(([info]) => info.plural === "pods")).toEqual([]);
    const p2 = (await h.getPod("quiet"))!;
    expect(p2.metadata.resourceVersion).toBe(p1.metadata.resourceVersion);
    expect(p2.status?.startTime).toBe(p1.status?.startTime);
    expect(p2.status?.qosClass).toBe("BestEffort");
  });
});

describe("logs and stats", () => {
  it("streams a container's log with follow, and shows the previous instance", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "talk" }, behaviour: (s: ContainerSpec) => (s.labels[LABELS.restartCount] === "0" ? { ...behaviours.exitAfter(1000, 1), logLines: ["first life"] } : { logLines: ["second life"] }) }] } });
    await h.createPod("talk", {});
    const p = await advanceUntil(h, "talk", "restarted", (x) => containerStatus(x, "main")?.restartCount === 1 && x.status?.phase === "Running", 5000);
    const prev: string[] = [];
    for await (const l of h.agent.logs(p, { previous: true })) prev.push(l);
    expect(prev).toEqual(["first life"]);
    const ac = new AbortController();
    const got: string[] = [];
    const reading = (async () => {
      for await (const l of h!.agent.logs(p, { follow: true, signal: ac.signal })) {
        got.push(l);
        if (got.length === 2) ac.abort();
      }
    })();
    await h.until(() => got.length === 1, "first line");
    const [, cur] = await instancesOf(h, "talk");
    h.runtime.writeLog(cur.id, "later line");
    await reading;
    expect(got).toEqual(["second life", "later line"]);
  });

  it("explains why there is nothing to read", async () => {
    h = await startHarness();
    const p = await h.createPod("two", {
      containers: [
        { name: "a", image: "busybox" },
        { name: "b", image: "busybox" },
      ],
    });
    const read = async (opts: Parameters<Harness["agent"]["logs"]>[1]) => {
      for await (const _ of h!.agent.logs(p, opts)) void _;
    };
    await expect(read({})).rejects.toThrow("a container name must be specified for pod two, choose one of: [a b]");
    await expect(read({ container: "zzz" })).rejects.toThrow("container zzz is not valid for pod two");
    await podWhere(h, "two", "Running", (x) => x.status?.phase === "Running");
    await expect(read({ container: "a", previous: true })).rejects.toThrow('previous terminated container "a" in pod "two" not found');
  });

  it("samples usage per pod and container for top", async () => {
    h = await startHarness({ fake: { behaviours: [{ match: { pod: "busy" }, behaviour: { cpuMilli: 250, memoryBytes: 10_000_000 } }] } });
    await h.createPod("busy", {});
    await podWhere(h, "busy", "Running", (x) => x.status?.phase === "Running");
    const s = await h.agent.stats();
    expect(s.nodeName).toBe("node-1");
    expect(s.pods).toHaveLength(1);
    expect(s.pods[0]).toMatchObject({ name: "busy", namespace: "default", cpuNanoCores: 250_000_000, memoryBytes: 10_000_000 });
    expect(s.pods[0].containers).toEqual([{ name: "main", cpuNanoCores: 250_000_000, memoryBytes: 10_000_000 }]);
  });
});

describe("a shared pods informer", () => {
  it("serves several agents from one watch, each running only its own pods", async () => {
    const { SharedInformer } = await import("../client/informer.js");
    h = await startHarness({ nodeName: "n1" });
    const inf = new SharedInformer(h.client, R.pods, { clock: h.clock });
    const { Agent } = await import("./agent.js");
    const { FakeRuntime } = await import("../runtime/fake.js");
    const rt2 = new FakeRuntime({ clock: h.clock, images: ["busybox:latest"] });
    const a2 = new Agent({ client: h.client, runtime: rt2, nodeName: "n2", clock: h.clock, stateDir: h.stateDir, podInformer: inf, capacity: { cpu: "1", memory: "1Gi", pods: 10 } });
    const a3 = new Agent({ client: h.client, runtime: h.runtime, nodeName: "n3", clock: h.clock, stateDir: h.stateDir, podInformer: inf, capacity: { cpu: "1", memory: "1Gi", pods: 10 } });
    // one after the other: concurrent Node creates could race for a podCIDR in the registry
    await a2.start();
    await a3.start();
    await h.createPod("on2", { nodeName: "n2" });
    await h.createPod("on3", { nodeName: "n3" });
    await podWhere(h, "on2", "Running", (p) => p.status?.phase === "Running");
    await podWhere(h, "on3", "Running", (p) => p.status?.phase === "Running");
    expect((await rt2.list({})).map((c) => c.labels[LABELS.podName])).toEqual(["on2"]);
    expect((await h.runtime.list({ [LABELS.node]: "n3" })).map((c) => c.labels[LABELS.podName])).toEqual(["on3"]);
    const n2 = await h.client.get(R.nodes, undefined, "n2");
    const n3 = await h.client.get(R.nodes, undefined, "n3");
    expect((n2.spec as { podCIDR: string }).podCIDR).not.toBe((n3.spec as { podCIDR: string }).podCIDR);
    await a2.stop();
    await a3.stop();
    inf.stop();
    await rt2.close();
  });
});

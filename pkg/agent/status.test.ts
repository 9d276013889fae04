import { describe, expect, it } from "vitest";
import type { ContainerStatus } from "../runtime/runtime.js";
import { computePodStatus, containerStatusWire, jsonEqual, podPhase, qosClass, type ContainerView } from "./status.js";
import type { AgentPod, ContainerStatusWire } from "./types.js";

const T0 = Date.UTC(2026, 0, 1);

function inst(state: ContainerStatus["state"], exitCode?: number, extra: Partial<ContainerStatus> = {}): ContainerStatus {
  const c: ContainerStatus = { id: `id-${Math.random()}`, name: "x", image: "busybox", labels: {}, state, createdAt: T0, startedAt: T0, oomKilled: false, ...extra };
  if (state === "exited") {
    c.exitCode = exitCode ?? 0;
    c.finishedAt = T0 + 1000;
  }
  return c;
}

function view(over: Partial<ContainerView> = {}): ContainerView {
  return { name: "main", image: "busybox", imageID: "", runtimeName: "fake", restartCount: 0, ready: true, started: true, ...over };
}

const running: ContainerStatusWire = containerStatusWire(view({ current: inst("running") }));
const exited0 = containerStatusWire(view({ current: inst("exited", 0) }));
const exited1 = containerStatusWire(view({ current: inst("exited", 1) }));
const crashLoop = containerStatusWire(view({ current: inst("exited", 1), waiting: { reason: "CrashLoopBackOff" } }));
const creating = containerStatusWire(view());

describe("podPhase (Kubernetes getPhase)", () => {
  const spec = (restartPolicy: string) => ({ containers: [], restartPolicy });
  it.each([
    ["Always", "Running", [running]],
    ["Always", "Running", [exited0]],
    ["Always", "Running", [crashLoop]],
    ["Never", "Succeeded", [exited0]],
    ["Never", "Failed", [exited1]],
    ["Never", "Running", [exited0, running]],
    ["Never", "Failed", [exited0, exited1]],
    ["OnFailure", "Succeeded", [exited0]],
    ["OnFailure", "Running", [exited1]],
    ["OnFailure", "Running", [crashLoop]],
    ["Always", "Pending", [creating]],
    ["Always", "Pending", [creating, running]],
  ] as const)("restartPolicy %s → %s (case %#)", (policy, phase, app) => {
    expect(podPhase(spec(policy), [], [...app])).toBe(phase);
  });

  it("a failed init container fails the pod only with Never", () => {
    expect(podPhase(spec("Never"), [exited1], [creating])).toBe("Failed");
    expect(podPhase(spec("Always"), [crashLoop], [creating])).toBe("Pending");
    expect(podPhase(spec("Always"), [running], [creating])).toBe("Pending");
  });
});

describe("container states", () => {
  it("shows the last run as lastState while waiting in CrashLoopBackOff", () => {
    const cur = inst("exited", 1);
    const s = containerStatusWire(view({ current: cur, restartCount: 3, waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } }));
    expect(s.state).toEqual({ waiting: { reason: "CrashLoopBackOff", message: "back-off 40s" } });
    expect(s.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error", containerID: `fake://${cur.id}` });
    expect(s.ready).toBe(false);
  });

  it("reports OOMKilled and a running instance's predecessor", () => {
    const prev = inst("exited", 137, { oomKilled: true, reason: "OOMKilled" });
    const s = containerStatusWire(view({ current: inst("running"), previous: prev, restartCount: 1 }));
    expect(s.state.running?.startedAt).toBe("2026-01-01T00:00:00Z");
    expect(s.lastState.terminated).toMatchObject({ exitCode: 137, reason: "OOMKilled", finishedAt: "2026-01-01T00:00:01Z" });
    expect(s).toMatchObject({ ready: true, started: true, restartCount: 1 });
  });

  it("calls a container the engine could not start StartError", () => {
    const s = containerStatusWire(view({ current: inst("exited", 127, { startedAt: undefined, message: 'exec: "nope": executable file not found' }) }));
    expect(s.state.terminated).toMatchObject({ reason: "StartError", message: 'exec: "nope": executable file not found' });
  });
});

describe("computePodStatus", () => {
  const pod = (status?: AgentPod["status"]): AgentPod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "default", uid: "u" },
    spec: { containers: [{ name: "main", image: "busybox" }] },
    status,
  });

  it("keeps lastTransitionTime while a condition's status stays, and moves it on change", () => {
    const r = inst("running");
    const s1 = computePodStatus({ pod: pod(), init: [], app: [view({ current: r, ready: false })], podIP: "127.128.0.2", hostIP: "127.0.0.1", now: T0 });
    expect(s1.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "False", lastTransitionTime: "2026-01-01T00:00:00Z" });
    const s2 = computePodStatus({ pod: pod(s1), init: [], app: [view({ current: r, ready: false })], podIP: "127.128.0.2", hostIP: "127.0.0.1", now: T0 + 60_000 });
    expect(jsonEqual(s1, s2)).toBe(true);
    const s3 = computePodStatus({ pod: pod(s2), init: [], app: [view({ current: r, ready: true })], podIP: "127.128.0.2", hostIP: "127.0.0.1", now: T0 + 120_000 });
    expect(s3.conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "True", lastTransitionTime: "2026-01-01T00:02:00Z" });
    expect(s3.conditions.find((c) => c.type === "Initialized")?.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
    expect(s3).toMatchObject({ phase: "Running", podIP: "127.128.0.2", podIPs: [{ ip: "127.128.0.2" }], hostIPs: [{ ip: "127.0.0.1" }], startTime: "2026-01-01T00:00:00Z" });
  });

  it("never leaves a terminal phase", () => {
    const s = computePodStatus({ pod: pod({ phase: "Succeeded", conditions: [] }), init: [], app: [view({ current: inst("running") })], hostIP: "127.0.0.1", now: T0 });
    expect(s.phase).toBe("Succeeded");
    expect(s.conditions.find((c) => c.type === "Ready")?.reason).toBe("PodCompleted");
  });

  it("keeps conditions it does not own", () => {
    const other = { type: "example.com/gate", status: "True" as const, lastProbeTime: null, lastTransitionTime: "2025-01-01T00:00:00Z" };
    const s = computePodStatus({ pod: pod({ conditions: [other] }), init: [], app: [view({ current: inst("running") })], hostIP: "127.0.0.1", now: T0 });
    expect(s.conditions).toContainEqual(other);
  });
});

describe("qosClass", () => {
  it("classifies like Kubernetes", () => {
    expect(qosClass({ containers: [{ name: "a" }] })).toBe("BestEffort");
    expect(qosClass({ containers: [{ name: "a", resources: { limits: { cpu: "500m", memory: "32Mi" }, requests: { cpu: "0.5", memory: "32Mi" } } }] })).toBe("Guaranteed");
    expect(qosClass({ containers: [{ name: "a", resources: { limits: { memory: "32Mi" } } }] })).toBe("Burstable");
    expect(qosClass({ containers: [{ name: "a", resources: { requests: { cpu: "100m" } } }] })).toBe("Burstable");
  });
});

// The node agent against the real Docker engine (skiff/busybox:latest, imported
// by scripts/docker-up.sh): limits and OOM, restart policies and back-off,
// probes, adoption after an agent restart, orphan removal, and logs. Skips
// loudly without an engine. Every container carries skiff.node=<this run's
// node> and is removed in afterAll, even when a test fails.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import { Registry } from "../../pkg/apiserver/registry.js";
import { InProcessClient } from "../../pkg/client/in-process.js";
import { Agent, type AgentOptions } from "../../pkg/agent/agent.js";
import type { AgentPod, V1PodSpec } from "../../pkg/agent/types.js";
import { LABELS, type ContainerStatus, type RuntimeEvent } from "../../pkg/runtime/runtime.js";
import { openStore } from "../../pkg/store/index.js";
import { BUSYBOX, dockerOrWarn, newRunId } from "../helpers/docker.js";

const rt = await dockerOrWarn("test/e2e/agent-docker.test.ts");
const RUN = newRunId();
const NODE = `agent-${RUN}`;
// A /24 of its own, so parallel test files never publish on the same pod IPs.
const POD_CIDR = `127.${160 + Math.floor(Math.random() * 32)}.${Math.floor(Math.random() * 256)}.0/24`;

let registry: Registry;
let client: InProcessClient;
let agent: Agent;
let stateDir: string;

function agentOptions(): AgentOptions {
  return {
    client,
    runtime: rt!,
    nodeName: NODE,
    stateDir,
    heartbeatMs: 5_000,
    relistMs: 2_000,
    backoff: { baseMs: 1_000, maxMs: 8_000, resetAfterMs: 60_000 },
    imagePullBackoff: { baseMs: 1_000, maxMs: 4_000 },
    probeTiming: { periodMs: 500, timeoutMs: 2_000 },
    capacity: { cpu: "2", memory: "4Gi", pods: 110 },
    onError: (e) => console.error(`agent error: ${e.message}`),
  };
}

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getPod(name: string): Promise<AgentPod | undefined> {
  try {
    return (await client.get(R.pods, "default", name)) as AgentPod;
  } catch {
    return undefined;
  }
}

function podWhere(name: string, what: string, pred: (p: AgentPod) => boolean, timeoutMs?: number): Promise<AgentPod> {
  return until(async () => {
    const p = await getPod(name);
    return p && pred(p) ? p : undefined;
  }, `${name}: ${what}`, timeoutMs);
}

function cs(p: AgentPod | undefined, name = "main") {
  return p?.status?.containerStatuses?.find((s) => s.name === name);
}

async function createPod(name: string, spec: Partial<V1PodSpec>): Promise<AgentPod> {
  return (await client.create(R.pods, "default", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, ...spec },
  })) as AgentPod;
}

function sh(script: string, extra: Record<string, unknown> = {}) {
  return { name: "main", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["sh", "-c", script], ...extra };
}

async function containersOf(podName: string): Promise<ContainerStatus[]> {
  return rt!.list({ [LABELS.node]: NODE, [LABELS.podName]: podName });
}

async function readLogs(pod: AgentPod, opts: Parameters<Agent["logs"]>[1] = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const l of agent.logs(pod, opts)) out.push(l);
  return out;
}

describe.skipIf(!rt)("agent on Docker", () => {
  beforeAll(async () => {
    registry = new Registry(await openStore("memory"));
    await registry.bootstrap();
    client = new InProcessClient(registry);
    stateDir = mkdtempSync(join(tmpdir(), "skiff-agent-e2e-"));
    await client.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: NODE }, spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] } });
    agent = new Agent(agentOptions());
    await agent.start();
  });

  afterEach(async () => {
    // each test cleans its pods through the API, so the agent's own path is exercised too
    for (const p of (await client.list(R.pods, "default")).items) {
      await client.delete(R.pods, "default", String(p.metadata.name), { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  });

  afterAll(async () => {
    await agent?.stop().catch(() => undefined);
    if (rt) {
      const left = await rt.list({ [LABELS.node]: NODE }).catch(() => []);
      await Promise.all(left.map((c) => rt.remove(c.id).catch(() => undefined)));
      await rt.close();
    }
    registry?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it("enforces limits: the cgroup shows 32Mi and a 500m CPU quota", async () => {
    const script =
      "for f in /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do [ -f $f ] && echo \"$f $(cat $f)\"; done; sleep 3600";
    const pod = await createPod("limits", { containers: [sh(script, { resources: { limits: { cpu: "500m", memory: "32Mi" } } })] });
    await podWhere("limits", "Running", (p) => p.status?.phase === "Running");
    const lines = await until(async () => {
      const l = await readLogs(pod);
      return l.length >= 2 ? l : undefined;
    }, "cgroup lines");
    const text = lines.join("\n");
    expect(text).toMatch(/(cpu\.max 50000 100000|cfs_quota_us 50000)/);
    expect(text).toMatch(/(memory\.max|limit_in_bytes) 33554432/);
  }, 60_000);

  it("a container that allocates past limits.memory is OOMKilled, restarted with back-off, and described by events", async () => {
    // The shell itself (PID 1) reads 256 MiB into a variable against a 32 MiB limit, so
    // the OOM killer takes the container's main process (a child would die alone).
    await createPod("hog", { containers: [sh('echo start; x=$(head -c 268435456 /dev/zero | tr "\\0" a); echo survived', { resources: { limits: { memory: "32Mi" } } })] });
    const p = await podWhere("hog", "OOMKilled twice", (x) => (cs(x)?.restartCount ?? 0) >= 2 && cs(x)?.lastState.terminated?.reason === "OOMKilled", 60_000);
    expect(cs(p)?.lastState.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    await podWhere("hog", "CrashLoopBackOff", (x) => cs(x)?.state.waiting?.reason === "CrashLoopBackOff", 30_000);
    const events = (await client.list(R.events, "default", { fieldSelector: "involvedObject.name=hog" })).items as Array<{ reason?: string; message?: string }>;
    expect(events.some((e) => e.reason === "OOMKilled" && e.message?.includes("32Mi"))).toBe(true);
    expect(events.some((e) => e.reason === "BackOff")).toBe(true);
  }, 90_000);

  it("a crashing container goes to CrashLoopBackOff with growing delays", async () => {
    const starts: number[] = [];
    // When each instance exited, as the agent's back-off counts it: the
    // container's State.FinishedAt, not the die event's time, which a loaded
    // daemon can emit most of a second later (that lag once shrank a measured
    // 4 s back-off to 3.1 s).
    const dies: Array<Promise<number>> = [];
    const off = rt!.events((ev: RuntimeEvent) => {
      // the app container only: the pod's sandbox (pause) container carries the same pod labels
      if (ev.labels?.[LABELS.node] !== NODE || ev.labels[LABELS.podName] !== "crash" || ev.labels[LABELS.container] !== "main") return;
      if (ev.type === "start") starts.push(ev.time);
      if (ev.type === "die") {
        const at = ev.time;
        dies.push(ev.id ? rt!.inspect(ev.id).then((c) => c.finishedAt ?? at, () => at) : Promise.resolve(at));
      }
    });
    try {
      const pod = await createPod("crash", { containers: [sh("echo boom; exit 1")] });
      const looping = await podWhere("crash", "CrashLoopBackOff", (x) => cs(x)?.state.waiting?.reason === "CrashLoopBackOff");
      expect(cs(looping)?.state.waiting?.message).toMatch(new RegExp(`^back-off \\d+s restarting failed container=main pod=crash_default\\(${pod.metadata.uid}\\)$`));
      expect(looping.status?.phase).toBe("Running");
      await until(async () => starts.length >= 5, "five starts", 45_000);
      const finished = await Promise.all(dies);
      const delays = starts.slice(1, 5).map((s, i) => s - finished[i]);
      // Kubernetes: immediate, then base, 2×base, 4×base (1 s, 2 s, 4 s here)
      expect(delays[1]).toBeGreaterThanOrEqual(900);
      expect(delays[2]).toBeGreaterThan(delays[1] * 1.5);
      expect(delays[3]).toBeGreaterThan(delays[2] * 1.5);
    } finally {
      off();
    }
  }, 60_000);

  it("restartPolicy Never leaves a failed container Failed; OnFailure restarts only non-zero exits", async () => {
    await createPod("never", { restartPolicy: "Never", containers: [sh("exit 3")] });
    await createPod("onfail-ok", { restartPolicy: "OnFailure", containers: [sh("exit 0")] });
    await createPod("onfail-bad", { restartPolicy: "OnFailure", containers: [sh("exit 2")] });
    const never = await podWhere("never", "Failed", (p) => p.status?.phase === "Failed");
    expect(cs(never)?.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    const ok = await podWhere("onfail-ok", "Succeeded", (p) => p.status?.phase === "Succeeded");
    expect(cs(ok)?.restartCount).toBe(0);
    const bad = await podWhere("onfail-bad", "restarted", (p) => (cs(p)?.restartCount ?? 0) >= 1);
    expect(bad.status?.phase).toBe("Running");
    expect(cs(never)?.restartCount).toBe(0);
    expect((await containersOf("never")).length).toBe(1);
  }, 60_000);

  it("a failing readiness probe keeps the pod out of Ready; a passing one makes it Ready", async () => {
    const httpd = "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www";
    await createPod("unready", { containers: [sh(httpd, { ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: "/missing", port: 8080 } } })] });
    await createPod("ready", { containers: [sh(httpd, { ports: [{ name: "http", containerPort: 8080 }], readinessProbe: { httpGet: { path: "/", port: "http" } } })] });
    const ready = await podWhere("ready", "Ready", (p) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True");
    expect(cs(ready)?.ready).toBe(true);
    const unready = await podWhere("unready", "Running", (p) => p.status?.phase === "Running");
    await new Promise((r) => setTimeout(r, 3000));
    const still = (await getPod("unready"))!;
    expect(still.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    expect(cs(still)?.ready).toBe(false);
    expect(cs(still)?.restartCount).toBe(0);
    expect(unready.status?.podIP).not.toBe(ready.status?.podIP);
  }, 60_000);

  it("a failing liveness probe restarts the container", async () => {
    await createPod("live", { containers: [sh("sleep 3600", { livenessProbe: { exec: { command: ["cat", "/tmp/healthy"] }, failureThreshold: 2 } })] });
    const first = await until(async () => (await containersOf("live"))[0]?.id, "first container");
    const p = await podWhere("live", "restarted", (x) => (cs(x)?.restartCount ?? 0) >= 1, 45_000);
    expect(cs(p)?.lastState.terminated?.containerID).toBe(`docker://${first}`);
    const events = (await client.list(R.events, "default", { fieldSelector: "involvedObject.name=live" })).items as Array<{ reason?: string; message?: string }>;
    expect(events.some((e) => e.reason === "Killing" && e.message === "Container main failed liveness probe, will be restarted")).toBe(true);
  }, 60_000);

  it("after an agent restart the same containers keep running and nothing is duplicated", async () => {
    await createPod("steady-a", { containers: [sh("sleep 3600")] });
    await createPod("steady-b", { containers: [sh("sleep 3600")] });
    await podWhere("steady-a", "Running", (p) => p.status?.phase === "Running");
    await podWhere("steady-b", "Running", (p) => p.status?.phase === "Running");
    const before = (await rt!.list({ [LABELS.node]: NODE })).filter((c) => c.state === "running").map((c) => c.id).sort();
    await agent.stop({ leaveContainers: true });
    agent = new Agent(agentOptions());
    await agent.start();
    await new Promise((r) => setTimeout(r, 5000)); // a few relists
    const after = (await rt!.list({ [LABELS.node]: NODE })).filter((c) => c.state === "running").map((c) => c.id).sort();
    expect(after).toEqual(before);
    expect((await containersOf("steady-a")).length).toBe(1);
    expect(cs(await getPod("steady-a"))?.restartCount).toBe(0);
  }, 60_000);

  it("a pod deleted while the agent is down loses its container when the agent comes back", async () => {
    await createPod("doomed", { containers: [sh("sleep 3600")] });
    await podWhere("doomed", "Running", (p) => p.status?.phase === "Running");
    const [c] = await containersOf("doomed");
    await agent.stop({ leaveContainers: true });
    await client.delete(R.pods, "default", "doomed", { gracePeriodSeconds: 0 });
    expect((await rt!.inspect(c.id)).state).toBe("running");
    agent = new Agent(agentOptions());
    await agent.start();
    await until(async () => (await containersOf("doomed")).length === 0, "orphan removed");
  }, 60_000);

  it("streams logs of a running busybox container with follow", async () => {
    const pod = await createPod("talker", { containers: [sh("i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done")] });
    await podWhere("talker", "Running", (p) => p.status?.phase === "Running");
    const ac = new AbortController();
    const got: string[] = [];
    const timer = setTimeout(() => ac.abort(), 20_000);
    for await (const l of agent.logs(pod, { follow: true, signal: ac.signal })) {
      got.push(l);
      if (got.length >= 8) break;
    }
    clearTimeout(timer);
    expect(got.slice(0, 8)).toEqual(Array.from({ length: 8 }, (_, i) => `line ${i}`));
  }, 60_000);

  it("deleting a pod stops its container gracefully and removes the object", async () => {
    await createPod("bye", { containers: [sh("trap 'exit 0' TERM; while true; do sleep 0.1; done")] });
    await podWhere("bye", "Running", (p) => p.status?.phase === "Running");
    await client.delete(R.pods, "default", "bye");
    await until(async () => (await getPod("bye")) === undefined, "pod gone", 20_000);
    expect(await containersOf("bye")).toEqual([]);
  }, 60_000);
});

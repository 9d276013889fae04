// DockerRuntime against the real engine (skiff/busybox:latest, imported by
// scripts/docker-up.sh). Skips loudly without an engine. Every container carries
// a per-run label and is removed in afterEach/afterAll, even when a test fails.
import { existsSync, mkdtempSync, rmSync, createWriteStream } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ImageNeverPullError,
  ImagePullError,
  LABELS,
  NameConflictError,
  NotManagedError,
  RuntimeUnavailableError,
  type ContainerStatus,
  type RuntimeEvent,
} from "../../pkg/runtime/runtime.js";
import { BUSYBOX, TEST_RUN_LABEL, dockerOrWarn, newRunId, randomPodIP, removeRun, testSpec } from "../helpers/docker.js";

const rt = await dockerOrWarn("test/e2e/runtime-docker.test.ts");
const RUN = newRunId();
const MiB = 1024 * 1024;

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function waitExited(r: DockerRuntime, id: string, timeoutMs = 15_000): Promise<ContainerStatus> {
  return waitFor(async () => {
    const s = await r.inspect(id);
    return s.state === "exited" ? s : undefined;
  }, timeoutMs, `container ${id} to exit`);
}

function httpGet(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: "/", agent: false, timeout: 2000 }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

let n = 0;
const uniq = (s: string) => `${s}-${++n}`;

describe.skipIf(!rt)("DockerRuntime on a real engine", () => {
  const r = rt!;

  afterEach(async () => {
    await removeRun(r, RUN);
  });
  afterAll(async () => {
    await removeRun(r, RUN);
    await r.close();
  });

  it("creates, starts, inspects, stops (gracefully) and removes a busybox container", async () => {
    await r.ensureImage(BUSYBOX, "IfNotPresent");
    const spec = testSpec(RUN, uniq("life"), {
      command: ["sh", "-c"],
      args: ["trap 'echo bye; exit 0' TERM; echo \"hello $GREETING from $(pwd)\"; while true; do sleep 0.1; done"],
      env: { GREETING: "skiff" },
      workingDir: "/tmp",
    });
    const t0 = performance.now();
    const id = await r.create(spec);
    const t1 = performance.now();
    await r.start(id);
    const t2 = performance.now();
    console.log(`[measure] create ${(t1 - t0).toFixed(1)} ms, start ${(t2 - t1).toFixed(1)} ms`);
    const s = await r.inspect(id);
    expect(s).toMatchObject({ id, name: spec.name, state: "running", oomKilled: false, image: BUSYBOX });
    expect(s.pid).toBeGreaterThan(0);
    expect(s.startedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(s.labels[LABELS.podUid]).toBe(spec.labels[LABELS.podUid]);
    await waitFor(async () => {
      const lines = [];
      for await (const l of r.logs(id)) lines.push(l);
      return lines.includes("hello skiff from /tmp") ? true : undefined;
    }, 5000, "greeting");
    await r.stop(id, { timeoutMs: 10_000 });
    const done = await r.inspect(id);
    expect(done).toMatchObject({ state: "exited", exitCode: 0, reason: "Completed" });
    expect(done.finishedAt).toBeGreaterThanOrEqual(done.startedAt!);
    await r.stop(id, { timeoutMs: 1000 }); // idempotent on a stopped container
    await r.remove(id);
    await r.remove(id); // idempotent
    await expect(r.inspect(id)).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  it("lists by labels and refuses to touch containers without skiff's labels", async () => {
    const a = await r.create(testSpec(RUN, uniq("a"), { command: ["sleep", "60"], labels: { tier: "web" } }));
    const b = await r.create(testSpec(RUN, uniq("b"), { command: ["sleep", "60"], labels: { tier: "db" } }));
    const foreign = await r.docker.createContainer({ Image: BUSYBOX, Cmd: ["sleep", "60"], Labels: { [TEST_RUN_LABEL]: RUN } });
    try {
      expect((await r.list({ [TEST_RUN_LABEL]: RUN })).map((c) => c.id).sort()).toEqual([a, b].sort());
      expect((await r.list({ [TEST_RUN_LABEL]: RUN, tier: "db" })).map((c) => c.id)).toEqual([b]);
      expect((await r.list({})).map((c) => c.id)).not.toContain(foreign.id);
      await expect(r.remove(foreign.id)).rejects.toBeInstanceOf(NotManagedError);
      await expect(r.stop(foreign.id, { timeoutMs: 0 })).rejects.toBeInstanceOf(NotManagedError);
      expect((await foreign.inspect()).Id).toBe(foreign.id);
    } finally {
      await foreign.remove({ force: true });
    }
  });

  it("reports a name conflict with the existing id", async () => {
    const spec = testSpec(RUN, uniq("dup"), { command: ["true"] });
    const id = await r.create(spec);
    const err = await r.create(spec).catch((e) => e);
    expect(err).toBeInstanceOf(NameConflictError);
    expect((err as NameConflictError).existingId).toBe(id);
  });

  it("puts a 32Mi memory limit and a 500m CPU limit into the container's cgroup", async () => {
    const id = await r.create(testSpec(RUN, uniq("limits"), { command: ["sleep", "60"], resources: { memoryBytes: 32 * MiB, cpuMilli: 500 } }));
    await r.start(id);
    const mem = await r.exec(id, ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"], { timeoutMs: 5000 });
    expect(mem).toMatchObject({ exitCode: 0, stdout: "33554432\n" });
    const quota = await r.exec(id, ["cat", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"], { timeoutMs: 5000 });
    expect(quota.stdout.split("\n").slice(0, 2)).toEqual(["50000", "100000"]);
    const swap = await r.exec(id, ["cat", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"], { timeoutMs: 5000 });
    if (swap.exitCode === 0) expect(swap.stdout.trim()).toBe("33554432"); // only where swap accounting is on
  });

  it("reports a container that allocates beyond 32Mi as OOMKilled with exit 137, with an oom event", async () => {
    const events: RuntimeEvent[] = [];
    const off = r.events((e) => events.push(e));
    try {
      await new Promise((res) => setTimeout(res, 300)); // let the subscription reach the daemon
      // $(…) holds 64 MiB of "a" in the shell's memory: more than the limit allows
      const id = await r.create(testSpec(RUN, uniq("oom"), { command: ["sh", "-c", 'x=$(head -c 64m /dev/zero | tr "\\0" a); echo survived; sleep 1'], resources: { memoryBytes: 32 * MiB } }));
      await r.start(id);
      const s = await waitExited(r, id);
      expect(s).toMatchObject({ state: "exited", exitCode: 137, reason: "OOMKilled", oomKilled: true });
      await waitFor(async () => (events.some((e) => e.id === id && e.type === "die") ? true : undefined), 5000, "die event");
      // the engine may report one oom per killed process; what matters is oom before die
      const types = events.filter((e) => e.id === id).map((e) => e.type);
      expect(types[0]).toBe("start");
      expect(types.at(-1)).toBe("die");
      expect(types.slice(1, -1).length).toBeGreaterThanOrEqual(1);
      expect(new Set(types.slice(1, -1))).toEqual(new Set(["oom"]));
    } finally {
      off();
    }
  });

  it("publishes a container port on the pod IP (busybox httpd)", async () => {
    const ip = randomPodIP();
    const id = await r.create(testSpec(RUN, uniq("httpd"), { command: ["httpd", "-f", "-p", "8080"], ports: [{ containerPort: 8080, hostIP: ip, protocol: "TCP" }] }));
    await r.start(id);
    const res = await waitFor(() => httpGet(ip, 8080).catch(() => undefined), 10_000, `http on ${ip}:8080`);
    expect(res.status).toBe(200);
    expect(res.body).toContain("skiff busybox ok");
  });

  // stdout and stderr are separate pipes: lines written back to back on both may swap, so they are spaced
  it("follows logs line by line as they are written, stdout and stderr in order", async () => {
    const id = await r.create(testSpec(RUN, uniq("logs"), { command: ["sh", "-c", "for i in 1 2 3; do echo out$i; sleep 0.1; echo err$i >&2; sleep 0.3; done"] }));
    await r.start(id);
    const got: Array<{ line: string; at: number }> = [];
    const t0 = Date.now();
    for await (const line of r.logs(id, { follow: true })) got.push({ line, at: Date.now() - t0 });
    expect(got.map((g) => g.line)).toEqual(["out1", "err1", "out2", "err2", "out3", "err3"]);
    // streamed as they came: the last line arrived well after the first
    expect(got[4].at - got[0].at).toBeGreaterThanOrEqual(500);
    const tail = [];
    for await (const l of r.logs(id, { tail: 2, timestamps: true })) tail.push(l);
    expect(tail).toHaveLength(2);
    expect(tail[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z err3$/);
  });

  it("stops a container that traps TERM by killing it after timeoutMs", async () => {
    const id = await r.create(testSpec(RUN, uniq("stubborn"), { command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"] }));
    await r.start(id);
    await waitFor(async () => {
      for await (const l of r.logs(id)) if (l === "ready") return true;
      return undefined;
    }, 5000, "ready");
    const t0 = performance.now();
    await r.stop(id, { timeoutMs: 2000 });
    const elapsed = performance.now() - t0;
    console.log(`[measure] stop of a TERM-ignoring container with 2 s grace took ${elapsed.toFixed(0)} ms`);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(6000);
    expect(await r.inspect(id)).toMatchObject({ state: "exited", exitCode: 137, reason: "Error", oomKilled: false });
  });

  it("fails a missing image with the engine's message, and Never without pulling", async () => {
    const err = await r.ensureImage("skiff/does-not-exist:1", "IfNotPresent").catch((e) => e);
    console.log(`[measure] engine message for a missing image: ${(err as Error).message}`);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as ImagePullError).reason).toBe("ErrImagePull");
    expect((err as ImagePullError).engineMessage.length).toBeGreaterThan(10);
    expect((err as ImagePullError).engineMessage).not.toMatch(/^\(HTTP code/);
    await expect(r.ensureImage("skiff/does-not-exist:1", "Never")).rejects.toBeInstanceOf(ImageNeverPullError);
    await r.ensureImage(BUSYBOX, "Never");
    // :latest defaults to Always; offline, the pull fails and the local copy is used
    const warnings: string[] = [];
    const withWarn = new DockerRuntime({ onWarning: (m) => warnings.push(m) });
    await withWarn.ensureImage(BUSYBOX, "Always");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/using the local image/);
    await expect(new DockerRuntime({ alwaysPullFallsBackToLocal: false }).ensureImage("skiff/does-not-exist:1", "Always")).rejects.toBeInstanceOf(ImagePullError);
  });

  it("lists images and loads a saved tarball", async () => {
    const images = await r.listImages();
    expect(images.flatMap((i) => i.repoTags)).toContain(BUSYBOX);
    const dir = mkdtempSync(join(tmpdir(), "skiff-e2e-"));
    try {
      const tar = join(dir, "busybox.tar");
      await pipeline(await r.docker.getImage(BUSYBOX).get(), createWriteStream(tar));
      expect(await r.loadImage(tar)).toEqual([BUSYBOX]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("delivers start and die events with the exit code", async () => {
    const events: RuntimeEvent[] = [];
    const off = r.events((e) => events.push(e));
    try {
      await new Promise((res) => setTimeout(res, 300));
      const spec = testSpec(RUN, uniq("dies"), { command: ["sh", "-c", "exit 3"] });
      const id = await r.create(spec);
      await r.start(id);
      const die = await waitFor(async () => events.find((e) => e.id === id && e.type === "die"), 10_000, "die event");
      expect(die.exitCode).toBe(3);
      expect(die.labels?.[LABELS.podUid]).toBe(spec.labels[LABELS.podUid]);
      expect(events.find((e) => e.id === id)?.type).toBe("start");
    } finally {
      off();
    }
  });

  it("samples stats and execs with exit code, stdout and stderr", async () => {
    const id = await r.create(testSpec(RUN, uniq("busy"), { command: ["sh", "-c", "while true; do :; done"], resources: { cpuMilli: 200 } }));
    await r.start(id);
    const first = await r.stats(id);
    await new Promise((res) => setTimeout(res, 1000));
    const second = await r.stats(id);
    expect(first.cpuNanoCores).toBeUndefined();
    expect(second.cpuUsageNanos).toBeGreaterThan(first.cpuUsageNanos);
    // a busy loop under a 200m quota: about 0.2 cores
    expect(second.cpuNanoCores!).toBeGreaterThan(100_000_000);
    expect(second.cpuNanoCores!).toBeLessThan(300_000_000);
    expect(second.memoryBytes).toBeGreaterThan(0);
    console.log(`[measure] busy loop with 200m limit: ${(second.cpuNanoCores! / 1e6).toFixed(0)}m CPU, ${second.memoryBytes} B working set`);

    const res = await r.exec(id, ["sh", "-c", "echo out; echo err >&2; exit 5"], { timeoutMs: 5000 });
    expect(res).toEqual({ exitCode: 5, stdout: "out\n", stderr: "err\n" });
    await r.stop(id, { timeoutMs: 0 });
    await expect(r.exec(id, ["true"], { timeoutMs: 1000 })).rejects.toBeInstanceOf(ContainerNotRunningError);
    await expect(r.stats(id)).rejects.toBeInstanceOf(ContainerNotRunningError);
  });

  it("measures create+start latency, sequential and 10 in parallel", async () => {
    const seq: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const id = await r.create(testSpec(RUN, uniq("lat"), { command: ["sleep", "30"] }));
      await r.start(id);
      seq.push(performance.now() - t0);
    }
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const id = await r.create(testSpec(RUN, uniq("par"), { command: ["sleep", "30"] }));
        await r.start(id);
      }),
    );
    const par = performance.now() - t0;
    const median = [...seq].sort((a, b) => a - b)[2];
    console.log(`[measure] create+start sequential: ${seq.map((x) => x.toFixed(0)).join(", ")} ms (median ${median.toFixed(0)}); 10 in parallel: ${par.toFixed(0)} ms total`);
    expect((await r.list({ [TEST_RUN_LABEL]: RUN })).filter((c) => c.state === "running")).toHaveLength(15);
  });

  it("fails with RuntimeUnavailableError while the daemon is unreachable and recovers, events included", async () => {
    const upstream = process.env.DOCKER_HOST?.replace(/^unix:\/\//, "") ?? "/var/run/docker.sock";
    if (!existsSync(upstream)) return; // TCP DOCKER_HOST: the proxy below only speaks unix sockets
    const dir = mkdtempSync(join(tmpdir(), "skiff-sock-"));
    const sock = join(dir, "docker.sock");
    const conns = new Set<net.Socket>();
    const proxy = net.createServer((c) => {
      const u = net.connect(upstream);
      conns.add(c).add(u);
      c.pipe(u).pipe(c);
      const drop = () => (c.destroy(), u.destroy(), conns.delete(c), conns.delete(u));
      c.on("error", drop).on("close", drop);
      u.on("error", drop).on("close", drop);
    });
    const listen = () => new Promise<void>((res) => proxy.listen(sock, () => res()));
    const down = async () => {
      await new Promise<void>((res) => {
        proxy.close(() => res());
        for (const c of conns) c.destroy();
      });
    };
    await listen();
    const viaProxy = new DockerRuntime({ socketPath: sock });
    const events: RuntimeEvent[] = [];
    const off = viaProxy.events((e) => events.push(e));
    try {
      expect(await viaProxy.ping()).toBe(true);
      await new Promise((res) => setTimeout(res, 300));
      await down();
      expect(await viaProxy.ping()).toBe(false);
      await expect(viaProxy.list({})).rejects.toBeInstanceOf(RuntimeUnavailableError);
      await expect(viaProxy.inspect("whatever")).rejects.toBeInstanceOf(RuntimeUnavailableError);
      await listen();
      expect(await viaProxy.ping()).toBe(true);
      await waitFor(async () => (events.some((e) => e.type === "resync") ? true : undefined), 10_000, "resync");
      const id = await viaProxy.create(testSpec(RUN, uniq("after-outage"), { command: ["sh", "-c", "exit 7"] }));
      await viaProxy.start(id);
      const die = await waitFor(async () => events.find((e) => e.id === id && e.type === "die"), 10_000, "die after resubscribe");
      expect(die.exitCode).toBe(7);
    } finally {
      off();
      await viaProxy.close();
      await down().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    const nowhere = new DockerRuntime({ socketPath: join(dir, "missing.sock") });
    expect(await nowhere.ping()).toBe(false);
    await expect(nowhere.ensureImage(BUSYBOX, "IfNotPresent")).rejects.toBeInstanceOf(RuntimeUnavailableError);
  });
});


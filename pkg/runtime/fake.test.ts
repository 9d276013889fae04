import http from "node:http";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.js";
import { behaviours, type FakeBehaviourRule } from "./fake-behaviour.js";
import { FakeRuntime, TRANSITIONS } from "./fake.js";
import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ExecTimeoutError,
  IllegalTransitionError,
  ImageNeverPullError,
  ImagePullError,
  InvalidSpecError,
  LABELS,
  NameConflictError,
  RuntimeUnavailableError,
  type ContainerSpec,
  type RuntimeEvent,
} from "./runtime.js";

const IMAGE = "skiff/busybox:latest";
let seq = 0;

function spec(over: Partial<ContainerSpec> = {}, labels: Record<string, string> = {}): ContainerSpec {
  const n = ++seq;
  return {
    name: `c${n}`,
    image: IMAGE,
    labels: {
      [LABELS.podUid]: `uid-${n}`,
      [LABELS.node]: "node-1",
      [LABELS.container]: "main",
      [LABELS.podName]: `pod-${n}`,
      [LABELS.podNamespace]: "default",
      [LABELS.restartCount]: "0",
      ...labels,
    },
    ...over,
  };
}

function setup(rules: FakeBehaviourRule[] = [], extra: { serveHttp?: boolean; alwaysPullFallsBackToLocal?: boolean } = {}) {
  const clock = new FakeClock();
  const rt = new FakeRuntime({ clock, behaviours: rules, images: [IMAGE], ...extra });
  const events: RuntimeEvent[] = [];
  rt.events((e) => events.push(e));
  return { clock, rt, events };
}

async function run(rt: FakeRuntime, s: ContainerSpec): Promise<string> {
  const id = await rt.create(s);
  await rt.start(id);
  return id;
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

function randomLoopback(): string {
  return `127.251.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
}

function get(host: string, port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path, agent: false }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("FakeRuntime state table", () => {
  it("allows only created → running → exited (and created → exited on a failed start)", () => {
    expect(TRANSITIONS).toEqual({ created: ["running", "exited"], running: ["exited"], exited: [] });
  });

  it("moves through created, running, exited and refuses to start an exited container", async () => {
    const { rt } = setup();
    const id = await rt.create(spec({ command: ["sleep", "1000"] }));
    expect((await rt.inspect(id)).state).toBe("created");
    await rt.start(id);
    const running = await rt.inspect(id);
    expect(running.state).toBe("running");
    expect(running.pid).toBeGreaterThan(0);
    await rt.start(id); // no-op on a running container
    await rt.stop(id, { timeoutMs: 1000 });
    const exited = await rt.inspect(id);
    expect(exited.state).toBe("exited");
    expect(exited.pid).toBeUndefined();
    await expect(rt.start(id)).rejects.toBeInstanceOf(IllegalTransitionError);
  });

  it("validates labels, names and image presence on create", async () => {
    const { rt } = setup();
    const s = spec();
    delete s.labels[LABELS.podUid];
    await expect(rt.create(s)).rejects.toBeInstanceOf(InvalidSpecError);
    const a = spec();
    const id = await rt.create(a);
    const err = await rt.create({ ...a }).catch((e) => e);
    expect(err).toBeInstanceOf(NameConflictError);
    expect((err as NameConflictError).existingId).toBe(id);
    await expect(rt.create(spec({ image: "not/pulled:1" }))).rejects.toThrow(/No such image: not\/pulled:1/);
    await expect(rt.inspect("nope")).rejects.toBeInstanceOf(ContainerNotFoundError);
  });
});

describe("FakeRuntime images", () => {
  it("pulls, honours Never, and fails a missing repository with Docker's words", async () => {
    const { rt, clock } = setup([{ match: { image: "ghost/app" }, behaviour: behaviours.missingImage() }, { match: { image: "slow/app:2" }, behaviour: { pullDelayMs: 3000 } }]);
    await expect(rt.ensureImage("other/app:1", "Never")).rejects.toBeInstanceOf(ImageNeverPullError);
    await rt.ensureImage("other/app:1", "IfNotPresent");
    await rt.ensureImage("other/app:1", "Never");
    const err = await rt.ensureImage("ghost/app", "IfNotPresent").catch((e) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as ImagePullError).reason).toBe("ErrImagePull");
    expect((err as Error).message).toMatch(/pull access denied for ghost\/app, repository does not exist/);

    let done = false;
    const p = rt.ensureImage("slow/app:2", "IfNotPresent").then(() => (done = true));
    await clock.advance(2999);
    expect(done).toBe(false);
    await clock.advance(1);
    await p;
    expect((await rt.listImages()).flatMap((i) => i.repoTags)).toEqual(expect.arrayContaining([IMAGE, "other/app:1", "slow/app:2"]));
    expect(await rt.loadImage("/tmp/x/mine.tar")).toEqual(["mine:latest"]);
  });

  it("falls back to a present image when an Always pull fails, unless told not to", async () => {
    const rules = [{ match: { image: IMAGE }, behaviour: behaviours.missingImage() }];
    await setup(rules).rt.ensureImage(IMAGE, "Always");
    await expect(setup(rules, { alwaysPullFallsBackToLocal: false }).rt.ensureImage(IMAGE, "Always")).rejects.toBeInstanceOf(ImagePullError);
  });
});

describe("FakeRuntime faults on virtual time", () => {
  it("exits with the configured code after T ms and emits start and die", async () => {
    const { rt, clock, events } = setup([{ match: { container: "job" }, behaviour: behaviours.exitAfter(5000, 3) }]);
    const id = await run(rt, spec({}, { [LABELS.container]: "job" }));
    await clock.advance(4999);
    expect((await rt.inspect(id)).state).toBe("running");
    await clock.advance(1);
    const s = await rt.inspect(id);
    expect(s).toMatchObject({ state: "exited", exitCode: 3, reason: "Error", oomKilled: false });
    expect(s.finishedAt! - s.startedAt!).toBe(5000);
    expect(events.map((e) => [e.type, e.exitCode])).toEqual([["start", undefined], ["die", 3]]);
    expect(events[1].labels?.[LABELS.container]).toBe("job");
  });

  it("reports exit 0 as Completed", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: behaviours.exitAfter(10) }]);
    const id = await run(rt, spec());
    await clock.advance(10);
    expect(await rt.inspect(id)).toMatchObject({ exitCode: 0, reason: "Completed" });
  });

  it("crash-loops every new container, and a function can stop after a few restarts", async () => {
    const { rt, clock } = setup([
      {
        match: { pod: "flaky" },
        behaviour: (s) => (Number(s.labels[LABELS.restartCount]) < 2 ? behaviours.crashLoop(100, 1) : {}),
      },
    ]);
    const codes: Array<number | undefined> = [];
    for (let restart = 0; restart < 3; restart++) {
      const id = await run(rt, spec({ name: `flaky-${restart}` }, { [LABELS.podName]: "flaky", [LABELS.restartCount]: String(restart) }));
      await clock.advance(100);
      const s = await rt.inspect(id);
      codes.push(s.state === "exited" ? s.exitCode : undefined);
    }
    expect(codes).toEqual([1, 1, undefined]);
  });

  it("OOM-kills after T ms: exit 137, reason OOMKilled, oom event before die", async () => {
    const { rt, clock, events } = setup([{ match: { image: IMAGE }, behaviour: behaviours.oomAfter(2000) }]);
    const id = await run(rt, spec({ resources: { memoryBytes: 32 * 1024 * 1024 } }));
    await clock.advance(2000);
    expect(await rt.inspect(id)).toMatchObject({ state: "exited", exitCode: 137, reason: "OOMKilled", oomKilled: true });
    expect(events.map((e) => e.type)).toEqual(["start", "oom", "die"]);
  });

  it("starts slowly: start() resolves only after the delay, created meanwhile", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: behaviours.slowStart(1500) }]);
    const id = await rt.create(spec());
    let started = false;
    const p = rt.start(id).then(() => (started = true));
    await clock.advance(1000);
    expect(started).toBe(false);
    expect((await rt.inspect(id)).state).toBe("created");
    await clock.advance(500);
    await p;
    expect((await rt.inspect(id)).state).toBe("running");
  });

  it("fails a start like an unrunnable command", async () => {
    const { rt } = setup([{ match: { image: IMAGE }, behaviour: { startError: 'exec: "nope": executable file not found in $PATH' } }]);
    const id = await rt.create(spec());
    await expect(rt.start(id)).rejects.toThrow(/executable file not found/);
    expect(await rt.inspect(id)).toMatchObject({ state: "exited", exitCode: 127, reason: "Error", message: expect.stringContaining("nope") });
  });

  it("never exits by default, and neverExit overrides an image rule", async () => {
    const { rt, clock } = setup([
      { match: { image: IMAGE }, behaviour: behaviours.exitAfter(10, 1) },
      { match: { container: "server" }, behaviour: behaviours.neverExit() },
    ]);
    const id = await run(rt, spec({}, { [LABELS.container]: "server" }));
    await clock.advance(3_600_000);
    expect((await rt.inspect(id)).state).toBe("running");
  });
});

describe("FakeRuntime stop and remove", () => {
  it("SIGTERM ends a normal container at once with 143", async () => {
    const { rt } = setup();
    const id = await run(rt, spec());
    await rt.stop(id, { timeoutMs: 30_000 });
    expect(await rt.inspect(id)).toMatchObject({ state: "exited", exitCode: 143 });
    await rt.stop(id, { timeoutMs: 30_000 }); // idempotent
    await expect(rt.stop("missing", { timeoutMs: 1 })).rejects.toBeInstanceOf(ContainerNotFoundError);
  });

  it("a container ignoring SIGTERM is killed (137) exactly after the grace period", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: behaviours.ignoreSigterm() }]);
    const id = await run(rt, spec());
    let stopped = false;
    const p = rt.stop(id, { timeoutMs: 10_000 }).then(() => (stopped = true));
    await clock.advance(9_999);
    expect(stopped).toBe(false);
    expect((await rt.inspect(id)).state).toBe("running");
    await clock.advance(1);
    await p;
    const s = await rt.inspect(id);
    expect(s).toMatchObject({ exitCode: 137, reason: "Error" });
    expect(s.finishedAt! - clock.now()).toBe(0);
  });

  it("a slow shutdown finishes inside the grace period with its own exit code, or is killed", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: { shutdownMs: 2000, exitCodeOnTerm: 0 } }]);
    const a = await run(rt, spec());
    const pa = rt.stop(a, { timeoutMs: 5000 });
    await clock.advance(2000);
    await pa;
    expect(await rt.inspect(a)).toMatchObject({ exitCode: 0, reason: "Completed" });
    const b = await run(rt, spec());
    const pb = rt.stop(b, { timeoutMs: 1000 });
    await clock.advance(1000);
    await pb;
    expect((await rt.inspect(b)).exitCode).toBe(137);
  });

  it("remove kills a running container, is idempotent, and frees the name", async () => {
    const { rt, events } = setup();
    const s = spec();
    const id = await run(rt, s);
    await rt.remove(id);
    await rt.remove(id);
    await expect(rt.inspect(id)).rejects.toBeInstanceOf(ContainerNotFoundError);
    await Promise.resolve();
    expect(events.at(-1)).toMatchObject({ type: "die", exitCode: 137 });
    await rt.create(s); // the name is free again
  });
});

describe("FakeRuntime list", () => {
  it("selects by labels and only returns skiff containers", async () => {
    const { rt } = setup();
    const a = await run(rt, spec({}, { [LABELS.node]: "n1", app: "web" }));
    const b = await rt.create(spec({}, { [LABELS.node]: "n1", app: "db" }));
    await run(rt, spec({}, { [LABELS.node]: "n2", app: "web" }));
    expect((await rt.list({ [LABELS.node]: "n1" })).map((c) => c.id).sort()).toEqual([a, b].sort());
    expect((await rt.list({ [LABELS.node]: "n1", app: "web" })).map((c) => c.id)).toEqual([a]);
    expect(await rt.list({})).toHaveLength(3);
    await rt.remove(a);
    expect((await rt.list({ app: "web" })).map((c) => c.labels[LABELS.node])).toEqual(["n2"]);
  });
});

describe("FakeRuntime logs", () => {
  it("echoes the command, and honours tail, since and timestamps", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: { logEveryMs: 1000, logLine: (n) => `tick ${n}` } }]);
    const id = await run(rt, spec({ command: ["sh", "-c"], args: ["echo hi"] }));
    await clock.advance(3000);
    expect(await collect(rt.logs(id))).toEqual(["sh -c echo hi", "tick 1", "tick 2", "tick 3"]);
    expect(await collect(rt.logs(id, { tail: 2 }))).toEqual(["tick 2", "tick 3"]);
    expect(await collect(rt.logs(id, { since: clock.now() - 1500 }))).toEqual(["tick 2", "tick 3"]);
    const stamped = await collect(rt.logs(id, { tail: 1, timestamps: true }));
    expect(stamped).toEqual([`${new Date(clock.now()).toISOString()} tick 3`]);
  });

  it("follows lines as virtual time passes and ends when the container exits", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: { logEveryMs: 100, exitAfterMs: 350, logLines: ["hello"] } }]);
    const id = await run(rt, spec());
    const got: string[] = [];
    const done = (async () => {
      for await (const l of rt.logs(id, { follow: true })) got.push(l);
    })();
    await clock.advance(250);
    expect(got).toEqual(["hello", "line 1", "line 2"]);
    await clock.advance(100);
    await done; // the stream ended by itself
    expect(got).toEqual(["hello", "line 1", "line 2", "line 3"]);
  });

  it("stops following when the consumer breaks or the signal aborts", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: { logEveryMs: 10 } }]);
    const id = await run(rt, spec());
    const got: string[] = [];
    const done = (async () => {
      for await (const l of rt.logs(id, { follow: true })) {
        got.push(l);
        if (got.length === 2) break;
      }
    })();
    await clock.advance(100);
    await done;
    expect(got).toEqual(["line 1", "line 2"]);
    const ac = new AbortController();
    const more: string[] = [];
    const done2 = (async () => {
      for await (const l of rt.logs(id, { follow: true, tail: 0, signal: ac.signal })) more.push(l);
    })();
    await clock.advance(20);
    ac.abort();
    await done2;
    expect(more).toEqual(["line 11", "line 12"]);
    await expect(collect(rt.logs("nope"))).rejects.toBeInstanceOf(ContainerNotFoundError);
  });
});

describe("FakeRuntime stats and exec", () => {
  it("integrates simulated CPU (capped by the limit) and reports memory", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: { cpuMilli: 800, memoryBytes: 10_000_000 } }]);
    const id = await run(rt, spec({ resources: { cpuMilli: 500 } }));
    await clock.advance(2000);
    const s = await rt.stats(id);
    expect(s.cpuNanoCores).toBe(500_000_000);
    expect(s.cpuUsageNanos).toBe(1_000_000_000); // half a core for 2 s
    expect(s.memoryBytes).toBe(10_000_000);
    rt.setLoad(id, { cpuMilli: 100 });
    await clock.advance(1000);
    expect((await rt.stats(id)).cpuUsageNanos).toBe(1_100_000_000);
  });

  it("OOM-kills when the simulated memory goes over the limit", async () => {
    const { rt } = setup();
    const s = spec({ resources: { memoryBytes: 1000 } });
    const id = await run(rt, s);
    rt.setLoad({ [LABELS.podName]: s.labels[LABELS.podName] }, { memoryBytes: 1001 });
    expect(await rt.inspect(id)).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    await expect(rt.stats(id)).rejects.toBeInstanceOf(ContainerNotRunningError);
  });

  it("execs with defaults, a configured behaviour, and a timeout on virtual time", async () => {
    const { rt, clock } = setup([
      {
        match: { container: "probe" },
        behaviour: { exec: (cmd, ctx) => (cmd[0] === "hang" ? "timeout" : { exitCode: ctx.runningForMs >= 5000 ? 0 : 1, stdout: "", stderr: "not yet" }) },
      },
    ]);
    const plain = await run(rt, spec());
    expect(await rt.exec(plain, ["echo", "a", "b"], { timeoutMs: 1000 })).toEqual({ exitCode: 0, stdout: "a b\n", stderr: "" });
    expect((await rt.exec(plain, ["sh", "-c", "exit 4"], { timeoutMs: 1000 })).exitCode).toBe(4);
    expect((await rt.exec(plain, ["false"], { timeoutMs: 1000 })).exitCode).toBe(1);

    const probe = await run(rt, spec({}, { [LABELS.container]: "probe" }));
    expect((await rt.exec(probe, ["cat", "/ready"], { timeoutMs: 1000 })).exitCode).toBe(1);
    await clock.advance(5000);
    expect((await rt.exec(probe, ["cat", "/ready"], { timeoutMs: 1000 })).exitCode).toBe(0);
    const hung = rt.exec(probe, ["hang"], { timeoutMs: 1000 });
    const caught = hung.catch((e) => e);
    await clock.advance(1000);
    expect(await caught).toBeInstanceOf(ExecTimeoutError);

    await rt.stop(plain, { timeoutMs: 0 });
    await expect(rt.exec(plain, ["true"], { timeoutMs: 10 })).rejects.toBeInstanceOf(ContainerNotRunningError);
  });
});

describe("FakeRuntime engine outage", () => {
  it("throws RuntimeUnavailableError while down and emits resync when back", async () => {
    const { rt, events } = setup();
    const id = await run(rt, spec());
    rt.setAvailable(false);
    expect(await rt.ping()).toBe(false);
    await expect(rt.inspect(id)).rejects.toBeInstanceOf(RuntimeUnavailableError);
    await expect(rt.create(spec())).rejects.toBeInstanceOf(RuntimeUnavailableError);
    rt.setAvailable(true);
    await Promise.resolve();
    expect(events.at(-1)?.type).toBe("resync");
    expect((await rt.inspect(id)).state).toBe("running");
  });
});

describe("FakeRuntime echo server", () => {
  it("answers with the pod name on hostIP:containerPort while running, and stops with it", async () => {
    const { rt } = setup([], { serveHttp: true });
    const ip = randomLoopback();
    const s = spec({ ports: [{ containerPort: 18080, hostIP: ip, protocol: "TCP" }] }, { [LABELS.podName]: "web-abc" });
    const id = await run(rt, s);
    try {
      expect(await get(ip, 18080)).toEqual({ status: 200, body: "web-abc" });
      await rt.stop(id, { timeoutMs: 1000 });
      await expect(get(ip, 18080)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      await rt.remove(id);
      await rt.close();
    }
  });

  it("serves two pods on the same port at different pod IPs, with per-path status and a slow readiness", async () => {
    const { rt, clock } = setup([{ match: { pod: "b" }, behaviour: { serveAfterMs: 3000, httpStatus: (p) => (p === "/healthz" ? 500 : 200) } }], { serveHttp: true });
    const ipA = randomLoopback();
    const ipB = randomLoopback();
    const a = await run(rt, spec({ ports: [{ containerPort: 18081, hostIP: ipA, protocol: "TCP" }] }, { [LABELS.podName]: "a" }));
    const b = await run(rt, spec({ ports: [{ containerPort: 18081, hostIP: ipB, protocol: "TCP" }] }, { [LABELS.podName]: "b" }));
    try {
      expect((await get(ipA, 18081)).body).toBe("a");
      await expect(get(ipB, 18081)).rejects.toMatchObject({ code: "ECONNREFUSED" });
      await clock.advance(3000);
      await new Promise((r) => setTimeout(r, 20)); // the listen itself is real I/O
      expect(await get(ipB, 18081)).toEqual({ status: 200, body: "b" });
      expect((await get(ipB, 18081, "/healthz")).status).toBe(500);
    } finally {
      await rt.remove(a);
      await rt.remove(b);
      await rt.close();
    }
  });

  it("exits a container whose port is taken", async () => {
    const { rt } = setup([], { serveHttp: true });
    const ip = randomLoopback();
    const ports = [{ containerPort: 18082, hostIP: ip, protocol: "TCP" as const }];
    const a = await run(rt, spec({ ports }));
    const b = await run(rt, spec({ ports }));
    try {
      expect(await rt.inspect(b)).toMatchObject({ state: "exited", exitCode: 1 });
      expect((await collect(rt.logs(b))).join("\n")).toMatch(/EADDRINUSE/);
    } finally {
      await rt.remove(a);
      await rt.close();
    }
  });
});

describe("FakeRuntime scale", () => {
  it("holds 10,000 running containers cheaply", async () => {
    const { rt, clock } = setup([{ match: { image: IMAGE }, behaviour: { cpuMilli: 10 } }]);
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      ids.push(await run(rt, spec({ command: ["sleep", "infinity"] }, { [LABELS.node]: `node-${i % 100}` })));
    }
    const elapsed = performance.now() - t0;
    await clock.advance(1000);
    expect(rt.size).toBe(10_000);
    expect(await rt.list({ [LABELS.node]: "node-7" })).toHaveLength(100);
    expect((await rt.stats(ids[9999])).cpuUsageNanos).toBe(10_000_000);
    expect(elapsed).toBeLessThan(5000);
  });
});

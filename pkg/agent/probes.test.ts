import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeRuntime } from "../runtime/fake.js";
import { LABELS } from "../runtime/runtime.js";
import { FakeClock } from "../util/clock.js";
import { httpProbe, probeTiming, ProbeWorker, runProbe, tcpProbe, type ProbeReport } from "./probes.js";

let server: http.Server;
let port = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(req.url === "/ok" ? 200 : req.url === "/redirect" ? 302 : 500);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("probe handlers", () => {
  it("httpGet: 200–399 pass, others fail with the status code", async () => {
    const base = { scheme: "http" as const, host: "127.0.0.1", port, headers: {}, timeoutMs: 1000 };
    expect((await httpProbe({ ...base, path: "/ok" })).ok).toBe(true);
    expect((await httpProbe({ ...base, path: "/redirect" })).ok).toBe(true);
    expect(await httpProbe({ ...base, path: "/bad" })).toEqual({ ok: false, message: "HTTP probe failed with statuscode: 500" });
  });

  it("tcpSocket: a listening port passes, a closed one fails", async () => {
    expect((await tcpProbe("127.0.0.1", port, 1000)).ok).toBe(true);
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const closed = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await tcpProbe("127.0.0.1", closed, 1000);
    expect(r.ok).toBe(false);
    expect(r.message).toContain("ECONNREFUSED");
  });

  it("httpGet resolves named ports from the container's ports and targets the pod IP", async () => {
    const rt = new FakeRuntime();
    const target = { runtime: rt, containerId: "x", podIP: "127.0.0.1", container: { name: "c", ports: [{ name: "web", containerPort: port }] } };
    expect((await runProbe({ httpGet: { port: "web", path: "/ok" } }, target, 1000)).ok).toBe(true);
    expect((await runProbe({ httpGet: { port: "nope", path: "/ok" } }, target, 1000)).message).toBe("unknown port name nope");
  });

  it("applies Kubernetes defaults", () => {
    expect(probeTiming({}, "liveness")).toEqual({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
    expect(probeTiming({ initialDelaySeconds: 5, periodSeconds: 2, successThreshold: 2 }, "readiness")).toMatchObject({ initialDelayMs: 5000, periodMs: 2000, successThreshold: 2 });
  });
});

describe("ProbeWorker", () => {
  async function setup(exitCodes: number[]) {
    const clock = new FakeClock(0);
    let i = 0;
    const rt = new FakeRuntime({
      clock,
      images: ["busybox"],
      behaviours: [{ match: {}, behaviour: { exec: () => ({ exitCode: exitCodes[Math.min(i++, exitCodes.length - 1)], stdout: "", stderr: "" }) } }],
    });
    const id = await rt.create({ name: "c", image: "busybox", labels: { [LABELS.podUid]: "u", [LABELS.node]: "n", [LABELS.container]: "c" } });
    await rt.start(id);
    return { clock, rt, id };
  }

  it("waits initialDelaySeconds, runs every periodSeconds, and applies failureThreshold", async () => {
    const { clock, rt, id } = await setup([0, 1, 1, 1]);
    const reports: ProbeReport[] = [];
    const w = new ProbeWorker("liveness", { exec: { command: ["check"] }, initialDelaySeconds: 5, periodSeconds: 2 }, { runtime: rt, containerId: id, podIP: "127.0.0.1", container: { name: "c" } }, clock, {}, (r) => reports.push(r));
    w.start();
    await clock.advance(4999);
    expect(reports).toHaveLength(0);
    await clock.advance(1);
    expect(reports.map((r) => r.outcome.ok)).toEqual([true]);
    await clock.advance(4000);
    expect(reports.map((r) => r.failedOut)).toEqual([false, false, false]);
    await clock.advance(2000);
    expect(reports.at(-1)).toMatchObject({ failedOut: true, result: false, changed: true });
    await clock.advance(10_000);
    expect(reports).toHaveLength(4); // a failed liveness worker stops: the container gets restarted
  });

  it("readiness needs successThreshold successes and is gated until started", async () => {
    const { clock, rt, id } = await setup([0, 0, 1]);
    const reports: ProbeReport[] = [];
    let started = false;
    const w = new ProbeWorker("readiness", { exec: { command: ["check"] }, periodSeconds: 1, successThreshold: 2, failureThreshold: 1 }, { runtime: rt, containerId: id, podIP: "127.0.0.1", container: { name: "c" } }, clock, {}, (r) => reports.push(r), () => started);
    w.start();
    await clock.advance(3000);
    expect(reports).toHaveLength(0);
    started = true;
    await clock.advance(1000);
    expect(w.result).toBe(false);
    await clock.advance(1000);
    expect(w.result).toBe(true);
    await clock.advance(1000);
    expect(w.result).toBe(false);
    w.stop();
  });
});

// The Docker daemon goes away while pods run, and comes back. Restarting the
// shared daemon would break everyone else using it, so skiff talks to Docker
// through a unix-socket proxy this test cuts and restores (DOCKER_HOST points
// the cluster at it). During the outage the containers die; afterwards the
// agent must reconnect, report the truth (exit code 137) and restart exactly
// what each pod's restartPolicy says.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import net from "node:net";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import type { HttpClient } from "../../pkg/client/http-client.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { LABELS, SANDBOX_CONTAINER } from "../../pkg/runtime/runtime.js";
import { dockerOrWarn } from "../helpers/docker.js";
import { clientFor, killAll, startUp, waitFor, type Up } from "./cli-helpers.js";
import { recordResult } from "./helpers.js";

/** A unix-socket proxy in front of the real daemon that can be cut (every connection dropped) and restored. */
class SocketProxy {
  private server: net.Server | undefined;
  private readonly conns = new Set<net.Socket>();
  constructor(
    readonly path: string,
    private readonly upstream: string,
  ) {}

  async up(): Promise<void> {
    this.server = net.createServer((c) => {
      const u = net.connect(this.upstream);
      this.conns.add(c).add(u);
      c.pipe(u).pipe(c);
      const drop = () => (c.destroy(), u.destroy(), this.conns.delete(c), this.conns.delete(u));
      c.on("error", drop).on("close", drop);
      u.on("error", drop).on("close", drop);
    });
    await new Promise<void>((res) => this.server!.listen(this.path, () => res()));
  }

  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((res) => {
      s.close(() => res());
      for (const c of this.conns) c.destroy();
    });
  }
}

type Pod = KubeObject & {
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount: number; state: { running?: object; terminated?: { exitCode: number } } }> };
};

const pod = (name: string, restartPolicy: string): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { test: "outage" } },
    spec: { restartPolicy, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "skiff/busybox:latest", command: ["sleep", "3600"] }] },
  }) as KubeObject;

describe("Docker daemon outage while pods run", () => {
  let docker: DockerRuntime | undefined;
  let dir: string;
  let up: Up | undefined;
  let client: HttpClient | undefined;
  let proxy: SocketProxy | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-outage-"));
  });
  afterAll(async () => {
    try {
      if (client) {
        for (const p of ["always", "onfailure", "never"]) await client.delete(R.pods, "default", p, { gracePeriodSeconds: 0 }).catch(() => undefined);
        await waitFor("pods to go", async () => (await client!.list(R.pods, "default")).items.length === 0, 60_000).catch(() => undefined);
        client.rest.close();
      }
      if (up) {
        up.proc.kill("SIGTERM");
        await up.exited;
      }
      if (docker && existsSync(join(dir, "home", "cluster-id"))) {
        const id = readFileSync(join(dir, "home", "cluster-id"), "utf8").trim();
        for (const c of await docker.list({ [LABELS.cluster]: id })) await docker.remove(c.id).catch(() => undefined);
      }
    } finally {
      killAll();
      await proxy?.down();
      await docker?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reconnects, reports the containers that died meanwhile, and restarts what restartPolicy says", async (ctx) => {
    docker = await dockerOrWarn("the Docker outage fault test");
    if (!docker) return ctx.skip();
    const upstream = process.env.DOCKER_HOST?.replace(/^unix:\/\//, "") ?? "/var/run/docker.sock";
    if (!existsSync(upstream)) return ctx.skip();
    proxy = new SocketProxy(join(dir, "docker.sock"), upstream);
    await proxy.up();
    const home = join(dir, "home");
    up = await startUp(home, ["--runtime", "docker", "--nodes", "1"], { DOCKER_HOST: `unix://${proxy.path}` });
    client = clientFor(home);
    const c = client;
    for (const [name, policy] of [["always", "Always"], ["onfailure", "OnFailure"], ["never", "Never"]]) await c.create(R.pods, "default", pod(name, policy));
    const running = async () => {
      const pods = (await c.list(R.pods, "default", { labelSelector: "test=outage" })).items as Pod[];
      return pods.length === 3 && pods.every((p) => p.status?.phase === "Running");
    };
    await waitFor("three running pods", running, 180_000);
    const clusterId = readFileSync(join(home, "cluster-id"), "utf8").trim();
    const before = await docker.list({ [LABELS.cluster]: clusterId });
    // each pod runs its app container plus its sandbox (pause) container
    const isSandbox = (x: { labels: Record<string, string> }) => x.labels[LABELS.container] === SANDBOX_CONTAINER;
    expect(before.filter((x) => x.state === "running" && !isSandbox(x))).toHaveLength(3);
    expect(before.filter((x) => x.state === "running" && isSandbox(x))).toHaveLength(3);

    // The daemon "goes away"; its containers die while skiff cannot see it.
    await proxy.down();
    for (const x of before) await docker.stop(x.id, { timeoutMs: 0 });
    // The API keeps answering meanwhile.
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await c.list(R.pods, "default")).items).toHaveLength(3);

    await proxy.up();
    const get = async (name: string) => (await c.get(R.pods, "default", name)) as Pod;
    await waitFor("Always and OnFailure pods restarted, the Never pod Failed with exit code 137", async () => {
      const [always, onfailure, never] = await Promise.all([get("always"), get("onfailure"), get("never")]);
      const restarted = (p: Pod) => p.status?.phase === "Running" && (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && !!p.status.containerStatuses?.[0]?.state.running;
      const ready = (p: Pod) => p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True");
      return restarted(always) && ready(always) && restarted(onfailure) && never.status?.phase === "Failed" && never.status.containerStatuses?.[0]?.state.terminated?.exitCode === 137;
    }, 180_000);
    // The Never pod stays down; the others have exactly one running app container
    // and one running sandbox each.
    const after = (await docker.list({ [LABELS.cluster]: clusterId })).filter((x) => x.state === "running");
    const perPod = new Map<string, number>();
    for (const x of after.filter((x) => !isSandbox(x))) perPod.set(x.labels[LABELS.podName], (perPod.get(x.labels[LABELS.podName]) ?? 0) + 1);
    expect(Object.fromEntries(perPod)).toEqual({ always: 1, onfailure: 1 });
    const sandboxes = after.filter(isSandbox).map((x) => x.labels[LABELS.podName]);
    expect(sandboxes).toContain("always");
    expect(sandboxes).toContain("onfailure");
    expect(sandboxes.length).toBe(new Set(sandboxes).size);
    const node = (await c.get(R.nodes, undefined, "node-1")) as Pod;
    expect(node.status?.conditions?.find((x) => x.type === "Ready")?.status).toBe("True");
    recordResult({ kind: "fault", fault: "Docker daemon unreachable for 5 s while its containers died (Always, OnFailure, Never pods)", restartedAsPolicySays: true, lost: 0 });
  }, 600_000);
});

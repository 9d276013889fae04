// Node health on the real Docker engine (issue 24). The cluster's only agent
// reaches Docker through a unix-socket proxy this test cuts and restores: the
// engine really stops answering that agent, while the shared dockerd (and
// every other engineer's test on it) keeps running. While cut, the test stops
// the cluster's containers itself, as an engine stop would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { LABELS, SANDBOX_CONTAINER, type ContainerStatus } from "../../pkg/runtime/runtime.js";
import Dockerode from "dockerode";
import { ImageGc, DEFAULT_IMAGE_GC } from "../../pkg/agent/image-gc.js";
import { realClock } from "../../pkg/util/clock.js";
import { BUSYBOX, newRunId, removeRun, testSpec } from "../helpers/docker.js";
import { SocketProxy } from "../helpers/socket-proxy.js";

const direct = new DockerRuntime();
const dockerUp = await direct.ping();
const UPSTREAM = process.env.DOCKER_HOST?.replace(/^unix:\/\//, "") ?? "/var/run/docker.sock";
if (!dockerUp) console.warn("\n*** SKIPPING node-health-docker: no Docker engine answers ***\n");

const NODE_PORT = 30000 + Math.floor(Math.random() * 1000);

type Pod = KubeObject & {
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ ready: boolean; restartCount: number; state: { running?: object } }> };
};
type NodeCond = { type: string; status: string; reason?: string; message?: string };

function web(replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "httpd",
              image: "skiff/busybox:latest",
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", "mkdir -p /srv && echo -n $POD_NAME > /srv/index.html && exec httpd -f -p 8080 -h /srv"],
              env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              ports: [{ name: "http", containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        },
      },
    },
  };
}

/** One request on a fresh connection: "ok:<body>", or the error code (ECONNREFUSED, timeout…). */
function get(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 3000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(res.statusCode === 200 ? `ok:${body}` : `http ${res.statusCode}`));
      res.on("error", (e) => resolve(String(e)));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "timeout" })));
    req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!dockerUp || !existsSync(UPSTREAM))("node health on Docker", () => {
  let dir: string;
  let proxy: SocketProxy;
  let cluster: Cluster | undefined;
  let clusterId = "";

  const pods = async () => (await cluster!.client.list(R.pods, "default", { labelSelector: "app=web" })).items as Pod[];
  const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
  const nodeReady = async () => ((await cluster!.client.get(R.nodes, undefined, "node-1")).status as { conditions: NodeCond[] }).conditions.find((c) => c.type === "Ready");
  const ours = async (): Promise<ContainerStatus[]> => direct.list({ [LABELS.cluster]: clusterId });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-nodehealth-"));
    proxy = new SocketProxy(join(dir, "docker.sock"), UPSTREAM);
    await proxy.up();
    cluster = await startCluster({
      stateDir: dir,
      store: "memory",
      port: 0,
      nodes: 1,
      containerRuntime: new DockerRuntime({ socketPath: proxy.path }),
      dashboard: false,
      dns: false,
      onError: () => undefined,
    });
    clusterId = readFileSync(join(dir, "cluster-id"), "utf8").trim();
    await cluster.client.create(R.deployments, "default", web(2));
    await cluster.client.create(R.services, "default", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: "http", nodePort: NODE_PORT }] },
    });
    await until("two ready pods serving on the node port", async () => (await pods()).filter(isReady).length === 2 && (await get(NODE_PORT)).startsWith("ok:"), 60_000);
  }, 90_000);

  afterAll(async () => {
    await proxy?.up();
    await cluster?.close({ removeContainers: true }).catch(() => undefined);
    if (clusterId) for (const c of await direct.list({ [LABELS.cluster]: clusterId })) await direct.remove(c.id).catch(() => undefined);
    await proxy?.down();
    await direct.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("engine gone: NotReady naming docker within 10 s, pods not ready, NodePort refuses; back: Ready, serving, restarted once, nothing duplicated", async () => {
    expect(clusterId).not.toBe("");
    const before = await ours();
    const apps = before.filter((c) => c.labels[LABELS.container] !== SANDBOX_CONTAINER && c.state === "running");
    expect(apps).toHaveLength(2);

    const cutAt = Date.now();
    await proxy.down();
    // What an engine stop does to the containers (the agent cannot see it happen).
    await Promise.all(before.map((c) => direct.stop(c.id, { timeoutMs: 0 })));

    const ready = await until("node NotReady", async () => {
      const r = await nodeReady();
      return r?.status === "False" ? r : undefined;
    }, 15_000);
    const notReadyAfterMs = Date.now() - cutAt;
    expect(notReadyAfterMs).toBeLessThan(10_000);
    expect(ready.reason).toBe("KubeletNotReady");
    expect(ready.message).toMatch(/container runtime is down.*docker:\/\//);
    await until("both pods not ready", async () => (await pods()).every((p) => !isReady(p) && p.status?.containerStatuses?.every((c) => !c.ready)), 10_000);
    // No ready endpoint: the node port refuses at once instead of hanging.
    const refused = await until("node port refuses", async () => ((await get(NODE_PORT)) === "ECONNREFUSED" ? true : undefined), 10_000);
    expect(refused).toBe(true);
    const refusedAfterMs = Date.now() - cutAt;
    expect(refusedAfterMs).toBeLessThan(10_000);
    await until("not-ready taints", async () => {
      const n = await cluster!.client.get(R.nodes, undefined, "node-1");
      const t = ((n.spec as { taints?: Array<{ key: string; effect: string }> }).taints ?? []).map((x) => `${x.key}:${x.effect}`);
      return t.includes("node.kubernetes.io/not-ready:NoSchedule") && t.includes("node.kubernetes.io/not-ready:NoExecute");
    }, 10_000);

    const restoredAt = Date.now();
    await proxy.up();
    await until("node Ready again", async () => (await nodeReady())?.status === "True", 30_000);
    const back = await until("both pods ready, each restarted once", async () => {
      const ps = await pods();
      return ps.length === 2 && ps.every((p) => isReady(p) && p.status?.containerStatuses?.[0]?.restartCount === 1) ? ps : undefined;
    }, 60_000);
    await until("serving on the node port again", async () => (await get(NODE_PORT)).startsWith("ok:"), 20_000);
    const servingAfterMs = Date.now() - restoredAt;
    // The same two pods (nothing rescheduled), one running app container and one sandbox each.
    expect(back.map((p) => p.metadata.uid).sort()).toEqual([...new Set(apps.map((c) => c.labels[LABELS.podUid]))].sort());
    const running = (await ours()).filter((c) => c.state === "running");
    const perPod = new Map<string, number>();
    for (const c of running) perPod.set(`${c.labels[LABELS.podName]}/${c.labels[LABELS.container]}`, (perPod.get(`${c.labels[LABELS.podName]}/${c.labels[LABELS.container]}`) ?? 0) + 1);
    for (const n of perPod.values()) expect(n).toBe(1);
    expect([...perPod.keys()].filter((k) => k.endsWith("/httpd"))).toHaveLength(2);
    await until("not-ready taints gone", async () => {
      const n = await cluster!.client.get(R.nodes, undefined, "node-1");
      return !((n.spec as { taints?: Array<{ key: string }> }).taints ?? []).some((t) => t.key === "node.kubernetes.io/not-ready");
    }, 10_000);
    console.log(`node-health-docker: NotReady after ${notReadyAfterMs} ms, node port refusing after ${refusedAfterMs} ms, serving again ${servingAfterMs} ms after the engine returned`);
  }, 120_000);

  it("image GC removes unused images past 85% and never one a container uses (skiff's or the engine's other users')", async () => {
    // Throwaway images made from skiff/busybox, each its own image id (a bare
    // `docker tag` would share busybox's id, which pods use: GC rightly keeps it).
    // On this shared engine GC may only touch this run's images: every other tag is pinned.
    const run = newRunId();
    const repo = `skiff-gc-${run}`;
    const engine = new Dockerode();
    const commit = async (name: string, order: number) => {
      const c = await engine.createContainer({ Image: BUSYBOX, Cmd: ["true"], Labels: { "skiff.test-run": run } });
      try {
        await c.commit({ repo: `${repo}/${name}`, tag: "1", changes: [`LABEL skiff.gc-test=${run}-${name}-${order}`] });
      } finally {
        await c.remove({ force: true });
      }
    };
    const engineUser = `skiff-gc-${run}-user`;
    try {
      await commit("old", 1);
      await commit("new", 2);
      await commit("used", 3);
      await commit("foreign", 4);
      // "used": a skiff container (created, never started) made from it; "foreign": someone else's container
      await direct.create(testSpec(run, "user", { image: `${repo}/used:1` }));
      await engine.createContainer({ name: engineUser, Image: `${repo}/foreign:1`, Cmd: ["true"], Labels: { "skiff.test-run": run } });
      const mine = async () => (await direct.listImages()).filter((i) => i.repoTags.some((t) => t.startsWith(`${repo}/`))).flatMap((i) => i.repoTags).sort();
      expect(await mine()).toEqual([`${repo}/foreign:1`, `${repo}/new:1`, `${repo}/old:1`, `${repo}/used:1`]);

      const gc = new ImageGc(direct, realClock, { ...DEFAULT_IMAGE_GC, pinned: (ref) => !ref.startsWith(`${repo}/`) });
      const capacity = 1000 * 1024 * 1024;
      // 84% used: under the high threshold, nothing happens
      expect((await gc.collect({ capacity, available: capacity * 0.16 })).removed).toEqual([]);
      // 99% used: 19% of 1000Mi to free, far more than these images: every unused one goes
      const r = await gc.collect({ capacity, available: capacity * 0.01 });
      // (Docker's creation times have whole seconds, so the LRU order itself is proven on the fake: image-gc.test.ts)
      expect(r.removed.map((x) => x.tags[0]).sort()).toEqual([`${repo}/new:1`, `${repo}/old:1`]);
      expect(await mine()).toEqual([`${repo}/foreign:1`, `${repo}/used:1`]);
      expect((await direct.listImages()).some((i) => i.repoTags.includes(BUSYBOX))).toBe(true);
    } finally {
      await removeRun(direct, run);
      await engine.getContainer(engineUser).remove({ force: true }).catch(() => undefined);
      for (const n of ["old", "new", "used", "foreign"]) await direct.removeImage(`${repo}/${n}:1`).catch(() => undefined);
    }
  }, 60_000);
});

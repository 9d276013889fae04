// The whole cluster on the real Docker engine: a deployment of busybox httpd
// pods behind a NodePort service, traffic through the node port and the
// cluster IP, scaling under load, readiness, and logs through kubectl and skiff.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { cidrContains } from "../../pkg/util/address-plan.js";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../dist/cmd/skiff.js", import.meta.url));
const KUBECTL = "/usr/bin/kubectl";

const dockerUp = await new DockerRuntime().ping();
if (!dockerUp) console.warn("\n*** SKIPPING cluster-on-Docker tests: no Docker engine answers (bash scripts/docker-up.sh starts one) ***\n");

const NODE_PORT = 31000 + Math.floor(Math.random() * 1500);

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
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: "httpd",
              image: "skiff/busybox:latest",
              imagePullPolicy: "IfNotPresent",
              // Each pod answers with its own name, so the test can see where requests went.
              command: ["sh", "-c", "mkdir -p /srv && echo -n $POD_NAME > /srv/index.html && touch /srv/ready.html && exec httpd -f -p 8080 -h /srv"],
              env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              ports: [{ name: "http", containerPort: 8080 }],
              readinessProbe: { httpGet: { path: "/ready.html", port: "http" }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        },
      },
    },
  };
}

/** One request on a fresh connection; resolves with the body or the error code. */
function get(host: string, port: number): Promise<{ ok: boolean; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: "/", agent: false, timeout: 3000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ ok: res.statusCode === 200, body }));
      res.on("error", (e) => resolve({ ok: false, body: String(e) }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ ok: false, body: e.code ?? e.message }));
  });
}

describe.skipIf(!dockerUp)("cluster on Docker", () => {
  let dir: string;
  let cluster: Cluster;

  const pods = async () => (await cluster.client.list(R.pods, "default", { labelSelector: "app=web" })).items;
  const readyPods = async () =>
    (await pods()).filter((p) => !p.metadata.deletionTimestamp && (p.status as { conditions?: Array<{ type: string; status: string }> })?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  async function until(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const scale = (n: number) => cluster.client.patch(R.deployments, "default", "web", "merge", { spec: { replicas: n } });
  async function endpointsCount(): Promise<number> {
    const ep = await cluster.client.get(R.endpoints, "default", "web").catch(() => undefined);
    const subsets = (ep as { subsets?: Array<{ addresses?: unknown[] }> } | undefined)?.subsets ?? [];
    return subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-cluster-docker-"));
    cluster = await startCluster({ stateDir: dir, store: "sqlite", port: 0, nodes: 2, runtime: "docker" });
    await cluster.client.create(R.deployments, "default", web(3));
    await cluster.client.create(R.services, "default", {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: "http", nodePort: NODE_PORT }] },
    });
    await until(async () => (await readyPods()).length === 3 && (await endpointsCount()) === 3, 90_000);
  }, 120_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    const docker = new Docker();
    for (const c of await docker.listContainers({ all: true, filters: { label: ["skiff.node=node-1", "skiff.node=node-2"] } })) {
      if (c.Labels["skiff.pod-namespace"] === "default") await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("spreads 300 requests through the node port over all three pods", async () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const r = await get("127.0.0.1", NODE_PORT);
      expect(r.ok, r.body).toBe(true);
      counts.set(r.body, (counts.get(r.body) ?? 0) + 1);
    }
    const names = new Set((await readyPods()).map((p) => p.metadata.name));
    expect([...counts.keys()].sort()).toEqual([...names].sort());
    for (const [, n] of counts) {
      expect(n / 300).toBeGreaterThanOrEqual(0.2);
      expect(n / 300).toBeLessThanOrEqual(0.47);
    }
  });

  it("answers on the service's cluster IP too", async () => {
    const svc = await cluster.client.get(R.services, "default", "web");
    const ip = (svc.spec as { clusterIP: string }).clusterIP;
    // From the service half of the cluster's own Docker network (pkg/util/address-plan.ts).
    expect(cidrContains(cluster.network!.serviceRange, ip)).toBe(true);
    if (process.getuid?.() !== 0) return; // cluster IPs are bound and NATed only as root
    const r = await get(ip, 80);
    expect(r.ok).toBe(true);
    expect(r.body).toMatch(/^web-/);
  });

  it("keeps serving while scaling 3 -> 1 -> 3 under a looping client", async () => {
    let stop = false;
    const failures: string[] = [];
    let total = 0;
    const loop = (async () => {
      while (!stop) {
        const r = await get("127.0.0.1", NODE_PORT);
        total++;
        if (!r.ok) failures.push(r.body);
      }
    })();
    await scale(1);
    await until(async () => (await pods()).length === 1 && (await endpointsCount()) === 1);
    await scale(3);
    await until(async () => (await readyPods()).length === 3 && (await endpointsCount()) === 3, 90_000);
    stop = true;
    await loop;
    expect(total).toBeGreaterThan(50);
    // Every request is on its own connection, so none may fail.
    expect(failures).toEqual([]);
  }, 180_000);

  it("stops sending new connections to a pod that turns unready", async () => {
    const [victim] = await readyPods();
    const docker = new Docker();
    const [c] = await docker.listContainers({ filters: { label: [`skiff.pod-uid=${victim.metadata.uid}`, "skiff.container=httpd"] } });
    const exec = await docker.getContainer(c.Id).exec({ Cmd: ["rm", "/srv/ready.html"], AttachStdout: true, AttachStderr: true });
    await new Promise<void>((resolve, reject) => exec.start({}, (err, stream) => (err ? reject(err) : stream!.on("end", () => resolve()).resume())));
    await until(async () => (await endpointsCount()) === 2, 30_000);
    for (let i = 0; i < 60; i++) {
      const r = await get("127.0.0.1", NODE_PORT);
      expect(r.ok).toBe(true);
      expect(r.body).not.toBe(victim.metadata.name);
    }
  }, 60_000);

  it("streams logs through kubectl logs and skiff logs -f", async () => {
    await cluster.client.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "ticker" },
      spec: { containers: [{ name: "t", image: "skiff/busybox:latest", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done"] }] },
    });
    await until(async () => ((await cluster.client.get(R.pods, "default", "ticker")).status as { phase?: string })?.phase === "Running");
    const env = { ...process.env, KUBECONFIG: cluster.controlPlane.paths.kubeconfig, SKIFF_HOME: dir, HOME: dir };
    // Wait until there are at least three lines to show.
    await until(async () => /^tick 2$/m.test((await run(process.execPath, [CLI, "logs", "ticker"], { env })).stdout));
    if (existsSync(KUBECTL)) {
      const { stdout } = await run(KUBECTL, ["logs", "ticker", "--tail=3"], { env });
      expect(stdout).toMatch(/^tick \d+\ntick \d+\ntick \d+\n$/);
    } else {
      console.warn("*** kubectl not found: skipping the kubectl logs half ***");
    }
    // -f keeps streaming: lines written after the command started arrive.
    const child = spawn(process.execPath, [CLI, "logs", "-f", "ticker", "--tail", "1"], { env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await until(async () => out.split("\n").filter(Boolean).length >= 5, 15_000);
    child.kill();
    const ticks = out.split("\n").filter(Boolean).map((l) => Number(l.split(" ")[1]));
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]).toBe(ticks[i - 1] + 1);
  }, 60_000);
});

// No collisions, ever (issue 16): two clusters starting at once on one engine,
// a stray process on addresses of the old loopback pod and service ranges, an
// engine network sitting on the subnet a cluster would pick first, and a
// stopped cluster whose containers still run — every pod of every cluster
// reaches Running and serves. A pod whose hostPort is held by another program
// waits with back-off and runs as soon as the port is free.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { firstCandidate, removeClusterNetwork } from "../../pkg/runtime/docker-network.js";
import { LABELS } from "../../pkg/runtime/runtime.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { candidateSubnet, cidrsOverlap } from "../../pkg/util/address-plan.js";

const dockerUp = await new DockerRuntime().ping();
if (!dockerUp) console.warn("\n*** SKIPPING network collision tests: no Docker engine answers ***\n");
const isRoot = process.getuid?.() === 0;
const BUSYBOX = "skiff/busybox:latest";

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
              image: BUSYBOX,
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", "mkdir -p /srv && echo -n $POD_NAME > /srv/index.html && exec httpd -f -p 8080 -h /srv"],
              env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
              ports: [{ name: "http", containerPort: 8080 }],
            },
          ],
        },
      },
    },
  };
}
const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] } };

function get(host: string, port: number): Promise<{ ok: boolean; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: "/", agent: false, timeout: 3000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ ok: res.statusCode === 200, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ ok: false, body: e.code ?? e.message }));
  });
}

function listen(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => c.end("stray\n"));
    s.once("error", reject);
    s.listen(port, host, () => resolve(s));
  });
}

async function until(what: string, cond: () => Promise<boolean>, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!dockerUp)("pod networks never collide", () => {
  const docker = new Docker();
  const dirs: string[] = [];
  const strays: net.Server[] = [];
  let stopped: { id: string; podIP: string } | undefined;
  let strayNetwork: string | undefined;
  let b: Cluster;
  let c: Cluster;
  let hostPortHolder: net.Server | undefined;
  const HOST_PORT = 20000 + Math.floor(Math.random() * 5000);

  const stateDir = (name: string, clusterId?: string) => {
    const d = mkdtempSync(join(tmpdir(), `skiff-collide-${name}-`));
    dirs.push(d);
    if (clusterId) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
      writeFileSync(join(d, "cluster-id"), `${clusterId}\n`);
    }
    return d;
  };
  const pods = async (cl: Cluster) => (await cl.client.list(R.pods, "default")).items;
  const podIPOf = (p: KubeObject) => String((p.status as { podIP?: string } | undefined)?.podIP ?? "");
  const phaseOf = (p: KubeObject) => (p.status as { phase?: string } | undefined)?.phase;

  beforeAll(async () => {
    // A stray program on the addresses the old loopback scheme handed out first.
    for (const [h, p] of [["127.128.0.2", 8080], ["127.96.0.2", 80]] as const) strays.push(await listen(h, p).catch(() => listen(h, p + 1)));
    hostPortHolder = await listen("127.0.0.1", HOST_PORT);

    // A cluster that was stopped with its containers left running.
    const a = await startCluster({ stateDir: stateDir("a"), store: "memory", port: 0, nodes: 1, runtime: "docker", dashboard: false, proxy: false });
    await a.client.create(R.deployments, "default", web(1));
    await until("stopped cluster's pod running", async () => (await pods(a)).some((p) => phaseOf(p) === "Running" && podIPOf(p)));
    const aPod = (await pods(a)).find((p) => phaseOf(p) === "Running")!;
    const aId = String((await docker.getNetwork(a.network!.name).inspect()).Labels?.[LABELS.cluster]);
    await a.close();
    stopped = { id: aId, podIP: podIPOf(aPod) };

    // Someone else's engine network right where cluster B would look first.
    const bId = `e2e${process.pid}${Math.floor(Math.random() * 1e6)}`;
    strayNetwork = `skiff-e2e-stray-${bId}`;
    const bFirst = candidateSubnet(firstCandidate(bId));
    await docker.createNetwork({ Name: strayNetwork, Labels: { "skiff.test-run": bId }, IPAM: { Config: [{ Subnet: bFirst }] } }).catch(() => undefined);

    // Two clusters starting at the same moment.
    [b, c] = await Promise.all([
      // The hostPort pod below needs Pod Security "privileged" (baseline, skiff's default, refuses host ports).
      startCluster({ stateDir: stateDir("b", bId), store: "memory", port: 0, nodes: 2, runtime: "docker", dashboard: false, podSecurity: { defaultLevel: "privileged" } }),
      startCluster({ stateDir: stateDir("c"), store: "memory", port: 0, nodes: 2, runtime: "docker", dashboard: false }),
    ]);
    for (const cl of [b, c]) {
      await cl.client.create(R.deployments, "default", web(2));
      await cl.client.create(R.services, "default", svc);
    }
    await b.client.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "hostport" },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "httpd", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "echo -n hp > /tmp/index.html && exec httpd -f -p 8080 -h /tmp"], ports: [{ containerPort: 8080, hostPort: HOST_PORT, hostIP: "127.0.0.1" }] }] },
    });
  }, 240_000);

  afterAll(async () => {
    for (const s of [...strays, hostPortHolder]) s?.close();
    await Promise.all([b?.close({ removeContainers: true }), c?.close({ removeContainers: true })]);
    if (stopped) {
      for (const ct of await docker.listContainers({ all: true, filters: { label: [`${LABELS.cluster}=${stopped.id}`] } })) await docker.getContainer(ct.Id).remove({ force: true }).catch(() => undefined);
      await removeClusterNetwork(docker, stopped.id);
    }
    if (strayNetwork) await docker.getNetwork(strayNetwork).remove().catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }, 120_000);

  it("gives each cluster its own subnet, clear of every other engine network", async () => {
    const subnets = [b.network!.subnet, c.network!.subnet];
    expect(cidrsOverlap(subnets[0], subnets[1])).toBe(false);
    const others = (await docker.listNetworks()).filter((n) => n.Name !== b.network!.name && n.Name !== c.network!.name).flatMap((n) => (n.IPAM?.Config ?? []).map((x) => x.Subnet ?? "")).filter((s) => s && !s.includes(":"));
    for (const s of subnets) for (const o of others) expect(cidrsOverlap(s, o), `${s} vs ${o}`).toBe(false);
  });

  it("runs and serves every pod of both clusters, by pod IP and by cluster IP", async () => {
    for (const cl of [b, c]) {
      await until("web pods running", async () => (await pods(cl)).filter((p) => p.metadata.labels?.app === "web" && phaseOf(p) === "Running" && podIPOf(p)).length === 2);
      for (const p of (await pods(cl)).filter((x) => x.metadata.labels?.app === "web")) {
        expect(await get(podIPOf(p), 8080)).toEqual({ ok: true, body: p.metadata.name });
      }
      if (isRoot) {
        const ip = String(((await cl.client.get(R.services, "default", "web")).spec as { clusterIP?: string } | undefined)?.clusterIP);
        await until("cluster IP serves", async () => (await get(ip, 80)).ok, 30_000);
      }
    }
  }, 120_000);

  it("leaves the stopped cluster's still-running pod alone and reachable", async () => {
    const [ct] = await docker.listContainers({ filters: { label: [`${LABELS.cluster}=${stopped!.id}`, `${LABELS.container}=httpd`] } });
    expect(ct?.State).toBe("running");
    expect((await get(stopped!.podIP, 8080)).ok).toBe(true);
  });

  it("retries a pod whose hostPort is taken and runs it once the port is free", async () => {
    await until("FailedCreatePodSandBox reported", async () => {
      const events = (await b.client.list(R.events, "default")).items as Array<KubeObject & { reason?: string; involvedObject?: { name?: string } }>;
      return events.some((e) => e.involvedObject?.name === "hostport" && e.reason === "FailedCreatePodSandBox");
    }, 60_000);
    expect(phaseOf(await b.client.get(R.pods, "default", "hostport"))).not.toBe("Running");
    await new Promise<void>((r) => hostPortHolder!.close(() => r()));
    hostPortHolder = undefined;
    // The sandbox back-off starts at 10 s and doubles; the second or third try gets the port.
    await until("hostPort pod running", async () => phaseOf(await b.client.get(R.pods, "default", "hostport")) === "Running", 90_000);
    await until("hostPort serves", async () => (await get("127.0.0.1", HOST_PORT)).body === "hp", 20_000);
  }, 200_000);
});

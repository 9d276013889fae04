// The pod network on the real Docker engine (issue 16): one bridge network per
// cluster, a sandbox per pod owning its network namespace, pod IPs reachable
// from every pod and from the host, Service cluster IPs NATed in the kernel.
// One two-node cluster shared by every case.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { LABELS } from "../../pkg/runtime/runtime.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { cidrContains } from "../../pkg/util/address-plan.js";

const run = promisify(execFile);

const dockerUp = await new DockerRuntime().ping();
if (!dockerUp) console.warn("\n*** SKIPPING pod network tests: no Docker engine answers (bash scripts/docker-up.sh starts one) ***\n");
const isRoot = process.getuid?.() === 0;

const BUSYBOX = "skiff/busybox:latest";
/** Serves its pod name on 8080 (named port "http"). */
function server(name: string, node: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", labels: { app: "server" } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "httpd",
          image: BUSYBOX,
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", "mkdir -p /srv && echo -n $POD_NAME > /srv/index.html && exec httpd -f -p 8080 -h /srv"],
          env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          ports: [{ name: "http", containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1 },
        },
      ],
    },
  };
}

function idle(name: string, node: string, containers = [{ name: "main", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }]): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers } };
}

function service(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: "server" }, ports: [{ port: 80, targetPort: "http" }], ...extra } };
}

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

describe.skipIf(!dockerUp)("pod network on Docker", () => {
  let dir: string;
  let cluster: Cluster;
  const docker = new Docker();

  async function until(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const pod = (name: string) => cluster.client.get(R.pods, "default", name);
  const podIP = async (name: string) => String(((await pod(name)).status as { podIP?: string }).podIP ?? "");
  const running = async (name: string) => ((await pod(name)).status as { phase?: string }).phase === "Running";
  const clusterIP = async (name: string) => String(((await cluster.client.get(R.services, "default", name)).spec as { clusterIP?: string } | undefined)?.clusterIP);

  /** Runs a command in one container of a pod, through the cluster's runtime. */
  async function execIn(podName: string, container: string, cmd: string): Promise<string> {
    const uid = String((await pod(podName)).metadata.uid);
    const [c] = (await cluster.runtime!.list({ [LABELS.podUid]: uid, [LABELS.container]: container })).filter((x) => x.state === "running");
    const r = await cluster.runtime!.exec(c.id, ["sh", "-c", cmd], { timeoutMs: 15_000 });
    return r.stdout.trim();
  }
  const fetchFrom = (podName: string, url: string) => execIn(podName, "main", `timeout 5 wget -q -O - ${url} 2>&1`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-podnet-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 2, runtime: "docker", dashboard: false });
    const objects: KubeObject[] = [
      server("server-a", "node-1"),
      server("server-b", "node-2"),
      idle("client", "node-2"),
      idle("duo", "node-1", [
        { name: "web", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "mkdir -p /d && echo -n duo-web > /d/index.html && exec httpd -f -p 127.0.0.1:9090 -h /d"] },
        { name: "main", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] },
      ]),
    ];
    for (const o of objects) await cluster.client.create(R.pods, "default", o);
    await cluster.client.create(R.services, "default", service("backend"));
    await cluster.client.create(R.services, "default", service("sticky", { sessionAffinity: "ClientIP" }));
    await until(async () => (await Promise.all(["server-a", "server-b", "client", "duo"].map(running))).every(Boolean), 90_000);
    await until(async () => {
      const ep = await cluster.client.get(R.endpoints, "default", "backend").catch(() => undefined);
      return ((ep as { subsets?: Array<{ addresses?: unknown[] }> } | undefined)?.subsets?.[0]?.addresses?.length ?? 0) === 2;
    }, 60_000);
  }, 150_000);

  afterAll(async () => {
    const id = cluster?.network?.name;
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
    if (id) expect((await docker.listNetworks({ filters: { name: [id] } })).filter((n) => n.Name === id)).toEqual([]);
  }, 60_000);

  it("gives the cluster its own labelled bridge network and pods addresses from its pod range", async () => {
    const net = cluster.network!;
    const info = await docker.getNetwork(net.name).inspect();
    expect(info.Labels?.[LABELS.cluster]).toBeTruthy();
    expect(info.IPAM?.Config?.[0]?.IPRange).toBe(net.podRange);
    for (const name of ["server-a", "server-b", "client", "duo"]) {
      const ip = await podIP(name);
      expect(cidrContains(net.podRange, ip), `${name} ${ip}`).toBe(true);
      expect(((await pod(name)).status as { podIPs?: Array<{ ip: string }> }).podIPs).toEqual([{ ip }]);
    }
    expect(cidrContains(net.serviceRange, await clusterIP("backend"))).toBe(true);
    expect(cidrContains(net.serviceRange, net.dnsAddress)).toBe(true);
  });

  it("lets a pod fetch another pod by pod IP on a different node", async () => {
    expect(await fetchFrom("client", `http://${await podIP("server-a")}:8080/`)).toBe("server-a");
  });

  it("lets two containers of one pod talk over localhost", async () => {
    expect(await fetchFrom("duo", "http://127.0.0.1:9090/")).toBe("duo-web");
  });

  it("names the pod's host after the pod and writes the kubelet's resolv.conf", async () => {
    expect(await execIn("client", "main", "hostname")).toBe("client");
    expect(await execIn("client", "main", "cat /etc/resolv.conf")).toBe(`search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver ${cluster.network!.dnsAddress}\noptions ndots:5`);
  });

  it.skipIf(!isRoot)("lets a pod reach a Service's cluster IP, spreading over both endpoints", async () => {
    const ip = await clusterIP("backend");
    const seen = new Set<string>();
    for (let i = 0; i < 30 && seen.size < 2; i++) seen.add(await fetchFrom("client", `http://${ip}/`));
    expect([...seen].sort()).toEqual(["server-a", "server-b"]);
  });

  it.skipIf(!isRoot)("keeps a client on one endpoint with sessionAffinity ClientIP", async () => {
    const ip = await clusterIP("sticky");
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) seen.add(await fetchFrom("client", `http://${ip}/`));
    expect(seen.size).toBe(1);
    expect(["server-a", "server-b"]).toContain([...seen][0]);
  });

  it.skipIf(!isRoot)("lets a pod reach itself through its own Service (hairpin)", async () => {
    await cluster.client.create(R.services, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "only-a" }, spec: { selector: { app: "server" }, ports: [{ port: 81, targetPort: 8080 }] } });
    const ip = await clusterIP("only-a");
    // server-a's own shell: whichever endpoint answers, the connection must work.
    await until(async () => (await execIn("server-a", "httpd", `timeout 5 wget -q -O - http://${ip}:81/ 2>&1`)).startsWith("server-"), 20_000);
  });

  it.skipIf(!isRoot)("lets a pod reach the API server through the kubernetes Service its environment names", async () => {
    const ip = await clusterIP("kubernetes");
    expect(cidrContains(cluster.network!.serviceRange, ip)).toBe(true);
    expect(await execIn("client", "main", "echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT")).toBe(`${ip}:443`);
    // busybox's TLS shares no cipher with the API server (it gets "handshake failure"), so a Node
    // container on the cluster's network makes the request: TLS end to end through the cluster IP's
    // NAT and the bridge relay, the server's certificate valid for kubernetes.default.svc.
    const ca = readFileSync(join(dir, "pki", "ca.crt"), "utf8");
    const script = `require("https").get({ host: "${ip}", servername: "kubernetes.default.svc", port: 443, path: "/livez", ca: process.env.CA }, (r) => r.on("data", (d) => process.stdout.write(d))).on("error", (e) => { console.log(e.message); process.exit(1); })`;
    const { stdout } = await run("docker", ["run", "--rm", "--network", cluster.network!.name, "-e", `CA=${ca}`, "skiff/node:20", "node", "-e", script], { timeout: 30_000 });
    expect(stdout.trim()).toBe("ok");
  });

  it("lets the host reach pod IPs and cluster IPs directly", async () => {
    expect(await get(await podIP("server-b"), 8080)).toEqual({ ok: true, body: "server-b" });
    if (!isRoot) return;
    const r = await get(await clusterIP("backend"), 80);
    expect(r.ok, r.body).toBe(true);
    expect(["server-a", "server-b"]).toContain(r.body);
  });

  it.skipIf(!isRoot)("stops serving a deleted Service's cluster IP", async () => {
    await cluster.client.create(R.services, "default", service("brief"));
    const ip = await clusterIP("brief");
    await until(async () => (await get(ip, 80)).ok, 20_000);
    await cluster.client.delete(R.services, "default", "brief");
    await until(async () => !(await get(ip, 80)).ok, 20_000);
  });
});

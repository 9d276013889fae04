// Cluster DNS and the ingress controller on the real Docker engine (issue 16):
// pods on the cluster's bridge network resolve Services by full and short
// names through their resolv.conf, a headless Service resolves to its pods'
// IPs, a StatefulSet pod reaches its peer `web-1.nginx`, and the ingress
// controller on the host carries requests to pod IPs. One cluster for all cases.
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { LABELS } from "../../pkg/runtime/runtime.js";
import { freePort } from "../helpers/etcd.js";

const dockerUp = await new DockerRuntime().ping();
const isRoot = process.getuid?.() === 0;
if (!dockerUp) console.warn("\n*** SKIPPING cluster DNS on Docker: no Docker engine answers (bash scripts/docker-up.sh starts one) ***\n");
else if (!isRoot) console.warn("\n*** SKIPPING cluster DNS on Docker: binding the DNS address's port 53 and cluster IPs needs root ***\n");

const BUSYBOX = "skiff/busybox:latest";
const httpd = (port = 8080) => ({
  name: "httpd",
  image: BUSYBOX,
  imagePullPolicy: "IfNotPresent",
  command: ["sh", "-c", `mkdir -p /srv && echo -n $POD_NAME > /srv/index.html && exec httpd -f -p ${port} -h /srv`],
  env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
  ports: [{ name: "http", containerPort: port }],
  readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 1 },
});

function get(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

describe.skipIf(!dockerUp || !isRoot)("cluster DNS and ingress on Docker", () => {
  let dir: string;
  let cluster: Cluster;
  let ingressPort = 0;

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe().catch(() => undefined);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const pod = (ns: string, name: string) => cluster.client.get(R.pods, ns, name);
  const podIP = async (ns: string, name: string) => String(((await pod(ns, name)).status as { podIP?: string }).podIP ?? "");
  const ready = async (ns: string, name: string) =>
    ((await pod(ns, name)).status as { conditions?: Array<{ type: string; status: string }> }).conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

  async function execIn(ns: string, podName: string, container: string, cmd: string): Promise<string> {
    const uid = String((await pod(ns, podName)).metadata.uid);
    const [c] = (await cluster.runtime!.list({ [LABELS.podUid]: uid, [LABELS.container]: container })).filter((x) => x.state === "running");
    const r = await cluster.runtime!.exec(c.id, ["sh", "-c", cmd], { timeoutMs: 20_000 });
    return `${r.stdout}${r.stderr}`.trim();
  }
  // busybox: `wget -T` segfaults; `timeout` bounds the request instead.
  const fetchFrom = (ns: string, podName: string, container: string, url: string) => execIn(ns, podName, container, `timeout 5 wget -q -O - ${url} 2>&1`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-dns-docker-"));
    ingressPort = await freePort();
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 1, runtime: "docker", dashboard: false, ingressPort, onError: () => undefined });
    const c = cluster.client;
    for (const ns of ["a", "b"]) await c.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    await c.create(R.pods, "a", { apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: "a" }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "main", image: BUSYBOX, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }] } });
    for (const name of ["backend-1", "backend-2"]) {
      await c.create(R.pods, "b", { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "b", labels: { app: "backend" } }, spec: { terminationGracePeriodSeconds: 1, containers: [httpd()] } });
    }
    await c.create(R.services, "b", { apiVersion: "v1", kind: "Service", metadata: { name: "backend", namespace: "b" }, spec: { selector: { app: "backend" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } });
    await c.create(R.services, "b", { apiVersion: "v1", kind: "Service", metadata: { name: "nginx", namespace: "b" }, spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ name: "http", port: 8080 }] } });
    await c.create(R.statefulsets, "b", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web", namespace: "b" },
      spec: { serviceName: "nginx", replicas: 2, podManagementPolicy: "Parallel", selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { terminationGracePeriodSeconds: 1, containers: [httpd()] } } },
    });
    await until("pods ready", async () => (await Promise.all([["a", "client"], ["b", "backend-1"], ["b", "backend-2"], ["b", "web-0"], ["b", "web-1"]].map(([ns, n]) => ready(ns, n).catch(() => false)))).every(Boolean) || undefined, 120_000);
  }, 180_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("runs kube-dns on the pod network's DNS address", async () => {
    expect(cluster.dns?.address).toBe(cluster.network?.dnsAddress);
    const svc = await cluster.client.get(R.services, "kube-system", "kube-dns");
    expect((svc.spec as { clusterIP: string }).clusterIP).toBe(cluster.network?.dnsAddress);
  });

  it("lets a pod in namespace a fetch backend.b.svc.cluster.local, backend.b and the cluster IP", async () => {
    const backends = /^backend-[12]$/;
    expect(await until("full name", async () => backends.test(await fetchFrom("a", "client", "main", "http://backend.b.svc.cluster.local/")) && "ok")).toBe("ok");
    expect(await fetchFrom("a", "client", "main", "http://backend.b/")).toMatch(backends);
    const ip = ((await cluster.client.get(R.services, "b", "backend")).spec as { clusterIP: string }).clusterIP;
    expect(await fetchFrom("a", "client", "main", `http://${ip}/`)).toMatch(backends);
    // Names outside the cluster do not exist here, and say so quickly (no hang on the search path).
    expect(await execIn("a", "client", "main", "timeout 5 nslookup nope.b.svc.cluster.local 2>&1; echo rc=$?")).toMatch(/NXDOMAIN|can't find|rc=1/);
  });

  it("resolves a headless Service to its pods' IPs", async () => {
    const ips = [await podIP("b", "web-0"), await podIP("b", "web-1")];
    const out = await until("headless answer", async () => {
      const o = await execIn("a", "client", "main", "timeout 5 nslookup nginx.b.svc.cluster.local 2>&1");
      return ips.every((ip) => o.includes(ip)) ? o : undefined;
    });
    for (const ip of ips) expect(out).toContain(ip);
  });

  it("lets a StatefulSet pod reach its peer web-1.nginx", async () => {
    expect(await until("peer", async () => (await fetchFrom("b", "web-0", "httpd", "http://web-1.nginx:8080/")) === "web-1" && "ok")).toBe("ok");
    expect(await fetchFrom("b", "web-1", "httpd", "http://web-0.nginx.b.svc.cluster.local:8080/")).toBe("web-0");
  });

  it("routes Ingress traffic from the host to pod IPs", async () => {
    await cluster.client.create(R.ingresses, "b", {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "sites", namespace: "b" },
      spec: {
        rules: [
          { host: "backend.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "backend", port: { number: 80 } } } }] } },
          { host: "web.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "nginx", port: { name: "http" } } } }] } },
        ],
      },
    });
    await until("ingress routes", async () => (await get(ingressPort, "web.example", "/")).status === 200);
    const seen = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      for (const [host, expected] of [["backend.example", /^backend-[12]$/], ["web.example", /^web-[01]$/]] as const) {
        const r = await get(ingressPort, host, "/");
        expect(r.status).toBe(200);
        expect(r.body).toMatch(expected);
        seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(seen)).toEqual({ "backend-1": 50, "backend-2": 50, "web-0": 50, "web-1": 50 });
  });
});

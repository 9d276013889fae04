// Cluster DNS and the ingress controller wired into a whole `skiff up`-style
// cluster on the fake runtime (pods answer HTTP with their name): kube-dns in
// kube-system answering on its cluster IP (UDP directly, TCP through the
// Service proxy), an Ingress with two hosts and two paths carrying 100 requests
// each to the right Deployments, and real kubectl applying and listing the
// networking kinds with validation on.
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";
import { request } from "node:http";
import { promisify } from "node:util";
import * as packet from "dns-packet";
import type { DecodedPacket } from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { freePort } from "./helpers/etcd.js";
import { deployment, startLabCluster, until, type LabCluster } from "./helpers/lab-cluster.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);

let lab: LabCluster;
let ingressPort = 0;

function udpQuery(host: string, port: number, name: string): Promise<DecodedPacket> {
  const sock = createSocket("udp4");
  return new Promise<DecodedPacket>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no DNS answer for ${name}`)), 5000);
    sock.on("message", (msg) => {
      clearTimeout(timer);
      resolve(packet.decode(msg));
    });
    sock.send(packet.encode({ type: "query", id: 7, questions: [{ type: "A", name }] }), port, host);
  }).finally(() => sock.close());
}

function tcpQuery(host: string, port: number, name: string): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(5000, () => sock.destroy(new Error("DNS over TCP timed out")));
    sock.on("error", reject);
    sock.on("connect", () => sock.write(packet.streamEncode({ type: "query", id: 8, questions: [{ type: "A", name }] })));
    sock.on("data", (c) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.end();
        resolve(packet.streamDecode(buf) as DecodedPacket);
      }
    });
  });
}

function httpGet(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: ingressPort, path, headers: { host }, agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

function webDeployment(name: string): KubeObject {
  const d = deployment(name, 2);
  const spec = d.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } };
  spec.template.spec.containers[0].ports = [{ name: "http", containerPort: 8080 }];
  return d;
}

function service(name: string): KubeObject {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec: { selector: { app: name }, ports: [{ name: "http", port: 80, targetPort: "http" }] } };
}

beforeAll(async () => {
  ingressPort = await freePort();
  lab = await startLabCluster({ nodes: 1, proxy: true, fakeHttp: true, ingressPort });
  const client = lab.cluster.client;
  for (const app of ["shop", "api", "blog", "admin"]) {
    await client.create(R.deployments, "default", webDeployment(app));
    await client.create(R.services, "default", service(app));
  }
}, 60_000);

afterAll(async () => {
  await lab?.close();
});

describe("cluster DNS in a running cluster", () => {
  it("publishes kube-dns in kube-system with the DNS address as its cluster IP", async () => {
    const dns = lab.cluster.dns!;
    expect(dns).toBeDefined();
    const svc = await lab.cluster.client.get(R.services, "kube-system", "kube-dns");
    expect((svc.spec as { clusterIP: string }).clusterIP).toBe(dns.address);
    expect(dns.port).toBe(53);
    const out = await lab.skiff("get", "svc", "-n", "kube-system");
    expect(out.stdout).toMatch(new RegExp(`kube-dns\\s+ClusterIP\\s+${dns.address.replace(/\./g, "\\.")}\\s+<none>\\s+53/UDP,53/TCP`));
  });

  it("answers over UDP on clusterIP:53 and over TCP through the Service proxy", async () => {
    const dns = lab.cluster.dns!;
    const shop = await lab.cluster.client.get(R.services, "default", "shop");
    const ip = (shop.spec as { clusterIP: string }).clusterIP;
    const udp = await udpQuery(dns.address, 53, "shop.default.svc.cluster.local");
    expect(udp.answers?.map((a) => ("data" in a ? a.data : undefined))).toEqual([ip]);
    const tcp = await until("DNS over TCP via the proxy", async () => {
      const r = await tcpQuery(dns.address, 53, "shop.default.svc.cluster.local").catch(() => undefined);
      return r?.answers?.length ? r : undefined;
    });
    expect(tcp.answers?.map((a) => ("data" in a ? a.data : undefined))).toEqual([ip]);
  });
});

describe("the ingress controller in a running cluster", () => {
  it("routes two hosts and two paths, 100 requests each, to the right Services", async () => {
    const backend = (name: string) => ({ service: { name, port: { name: "http" } } });
    await lab.cluster.client.create(R.ingresses, "default", {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "sites", namespace: "default" },
      spec: {
        rules: [
          { host: "shop.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("shop") }, { path: "/api", pathType: "Prefix", backend: backend("api") }] } },
          { host: "blog.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("blog") }, { path: "/admin", pathType: "Exact", backend: backend("admin") }] } },
        ],
      },
    });
    const cases: Array<[string, string, string]> = [
      ["shop.example", "/cart", "shop"],
      ["shop.example", "/api/v1/items", "api"],
      ["blog.example", "/2026/12/hello", "blog"],
      ["blog.example", "/admin", "admin"],
    ];
    // Wait until every backend has ready pods behind it.
    for (const [host, path] of cases) await until(`${host}${path} to answer`, async () => (await httpGet(host, path)).status === 200);
    for (const [host, path, app] of cases) {
      const seen = new Map<string, number>();
      for (let i = 0; i < 100; i++) {
        const r = await httpGet(host, path);
        expect(r.status, `${host}${path}`).toBe(200);
        expect(r.body, `${host}${path}`).toMatch(new RegExp(`^${app}-`));
        seen.set(r.body, (seen.get(r.body) ?? 0) + 1);
      }
      // Round-robin: both pods of the Deployment take half.
      expect([...seen.values()], `${host}${path}`).toEqual([50, 50]);
    }
    expect((await httpGet("nowhere.example", "/")).status).toBe(404);
    const status = await until("ingress status", async () => {
      const ing = await lab.cluster.client.get(R.ingresses, "default", "sites");
      return (ing.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress;
    });
    expect(status).toEqual([{ ip: "127.0.0.1" }]);
    const out = await lab.skiff("get", "ingress");
    expect(out.stdout).toMatch(/NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE/);
    expect(out.stdout).toMatch(/sites\s+skiff\s+shop\.example,blog\.example\s+127\.0\.0\.1\s+80\s+/);
  });

  it("keeps the cluster up and says so when the ingress port is taken", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    const port = (taken.address() as { port: number }).port;
    const lines: string[] = [];
    const other = await startLabCluster({ nodes: 0, ingressPort: port, dns: false, log: (l) => lines.push(l) });
    try {
      expect(other.cluster.ingress).toBeUndefined();
      expect(lines.join("\n")).toContain(`ingress controller is off: 127.0.0.1:${port} is in use`);
      expect((await other.cluster.client.list(R.namespaces, undefined)).items.length).toBeGreaterThan(0);
    } finally {
      await other.close();
      taken.close();
    }
  });
});

describe.skipIf(!haveKubectl)("real kubectl and the networking kinds", () => {
  it("applies an Ingress and a NetworkPolicy with validation on, and lists them with kubectl's columns", async () => {
    const env = { ...process.env, KUBECONFIG: `${lab.dir}/kubeconfig`, HOME: lab.dir };
    const manifest = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: kubectl-made
spec:
  rules:
  - host: k.example
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: shop
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-only-from-web
spec:
  podSelector:
    matchLabels:
      app: db
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: web
`;
    const apply = async (text: string) => {
      const child = execFile(KUBECTL, ["apply", "-f", "-"], { env, timeout: 30_000 });
      child.stdin!.end(text);
      return new Promise<{ code: number; out: string }>((resolve) => {
        let out = "";
        child.stdout!.on("data", (d) => (out += d));
        child.stderr!.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ code: code ?? 1, out }));
      });
    };
    const ok = await apply(manifest);
    expect(ok.out).toContain("ingress.networking.k8s.io/kubectl-made created");
    expect(ok.out).toContain("networkpolicy.networking.k8s.io/db-only-from-web created");
    expect(ok.code).toBe(0);
    const bad = await apply(manifest.split("---")[0].replace("pathType: Prefix", "pathType: Sometimes").replace("kubectl-made", "bad-one"));
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('spec.rules[0].http.paths[0].pathType: Unsupported value: "Sometimes"');
    const { stdout } = await run(KUBECTL, ["get", "ingress,networkpolicy,ingressclass"], { env, timeout: 30_000 });
    expect(stdout).toMatch(/ingress\.networking\.k8s\.io\/kubectl-made\s+skiff\s+k\.example\s+/);
    expect(stdout).toMatch(/networkpolicy\.networking\.k8s\.io\/db-only-from-web\s+app=db\s+/);
    expect(stdout).toMatch(/ingressclass\.networking\.k8s\.io\/skiff\s+skiff\.dev\/ingress-controller\s+<none>\s+/);
    const svc = await run(KUBECTL, ["get", "svc", "-n", "kube-system"], { env, timeout: 30_000 });
    expect(svc.stdout).toMatch(/kube-dns\s+ClusterIP\s+\S+\s+<none>\s+53\/UDP,53\/TCP/);
  });
});

// The ingress controller against a real in-process API server, with plain
// HTTP servers on loopback standing in for pods (their address and port go
// into the Endpoints, as the endpoints controller would write them).
import { createServer, request, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { admissionChain } from "../admission/index.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { InformerFactory } from "../client/informer.js";
import { openStore } from "../store/index.js";
import { IngressController } from "./controller.js";

let registry: Registry;
let client: InProcessClient;
let informers: InformerFactory;
let controller: IngressController;
const pods: Server[] = [];

async function pod(name: string): Promise<number> {
  const s = createServer((req, res) => {
    if (req.method === "POST") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => res.end(`${name} got ${body}`));
      return;
    }
    res.end(`${name} ${req.url} host=${req.headers.host} xff=${req.headers["x-forwarded-for"]}`);
  });
  s.on("upgrade", (_req, socket) => {
    socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
    socket.on("data", (d) => socket.write(`${name}:${d}`));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  pods.push(s);
  return (s.address() as { port: number }).port;
}

async function service(name: string, backends: number[], portName = "http"): Promise<void> {
  await client.create(R.services, "web", { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "web" }, spec: { ports: [{ name: portName, port: 80, targetPort: 8080 }] } });
  await client.create(R.endpoints, "web", {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name, namespace: "web" },
    // Every fake pod is 127.0.0.1 on its own port: one subset per pod, as ports differ.
    subsets: backends.map((port) => ({ addresses: [{ ip: "127.0.0.1" }], ports: [{ name: portName, port }] })),
  });
}

function get(path: string, host: string, method = "GET", body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: controller.port, path, method, headers: { host } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  // With the admission chain: DefaultIngressClass gives class-less Ingresses the default class.
  const store = await openStore("memory");
  registry = new Registry(store, { admission: admissionChain(store) });
  await registry.bootstrap();
  client = new InProcessClient(registry);
  await client.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } });
  await service("shop", [await pod("shop-1"), await pod("shop-2")]);
  await service("shop-api", [await pod("api-1")]);
  await service("blog", [await pod("blog-1")], "web");
  await service("blog-admin", [await pod("admin-1")]);
  await service("fallback", [await pod("fallback-1")]);
  informers = new InformerFactory(client);
  controller = new IngressController({ client, informers, port: 0 });
  await controller.start();
}, 30_000);

afterAll(async () => {
  await controller?.stop();
  for (const s of pods) s.close();
  informers?.stopAll();
  registry?.close();
});

const backend = (name: string, port: Record<string, unknown> = { number: 80 }) => ({ service: { name, port } });

describe("the skiff ingress controller", () => {
  it("creates the default IngressClass, so class-less Ingresses are its own", async () => {
    const ic = await client.get(R.ingressclasses, undefined, "skiff");
    expect(ic.metadata.annotations).toEqual({ "ingressclass.kubernetes.io/is-default-class": "true" });
    expect(ic.spec).toEqual({ controller: "skiff.dev/ingress-controller" });
  });

  it("routes two hosts and two paths, 100 requests each, to the right Services, and fills in status", async () => {
    const created = await client.create(R.ingresses, "web", {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "sites", namespace: "web" },
      spec: {
        rules: [
          { host: "shop.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("shop") }, { path: "/api", pathType: "Prefix", backend: backend("shop-api") }] } },
          { host: "blog.example", http: { paths: [{ path: "/", pathType: "ImplementationSpecific", backend: backend("blog", { name: "web" }) }, { path: "/admin", pathType: "Exact", backend: backend("blog-admin") }] } },
        ],
      },
    });
    expect((created.spec as { ingressClassName?: string }).ingressClassName).toBe("skiff");
    await waitFor(() => (controller.route("shop.example", "/api") ? true : undefined), "routes");

    const cases: Array<[string, string, RegExp]> = [
      ["shop.example", "/cart", /^shop-[12] \/cart /],
      ["shop.example", "/api/items", /^api-1 \/api\/items /],
      ["blog.example", "/posts/1", /^blog-1 /],
      ["blog.example", "/admin", /^admin-1 /],
    ];
    const shopPods = new Map<string, number>();
    for (const [host, path, expected] of cases) {
      const results = await Promise.all(Array.from({ length: 100 }, () => get(path, host)));
      for (const r of results) {
        expect(r.status).toBe(200);
        expect(r.body).toMatch(expected);
        if (path === "/cart") shopPods.set(r.body.split(" ")[0], (shopPods.get(r.body.split(" ")[0]) ?? 0) + 1);
      }
    }
    // Round-robin over the two ready shop pods.
    expect(shopPods).toEqual(new Map([["shop-1", 50], ["shop-2", 50]]));
    // The Host header and X-Forwarded-For reach the pod.
    expect((await get("/x", "shop.example")).body).toMatch(/host=shop\.example xff=127\.0\.0\.1$/);
    // Exact means exact.
    expect((await get("/admin/users", "blog.example")).body).toMatch(/^blog-1 /);
    const status = await waitFor(async () => {
      const cur = await client.get(R.ingresses, "web", "sites");
      return (cur.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress;
    }, "status");
    expect(status).toEqual([{ ip: "127.0.0.1" }]);
  });

  it("answers 404 without a matching rule, and uses a defaultBackend once one exists", async () => {
    expect((await get("/", "nowhere.example")).status).toBe(404);
    await client.create(R.ingresses, "web", { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name: "default", namespace: "web" }, spec: { defaultBackend: backend("fallback") } });
    const r = await waitFor(async () => {
      const res = await get("/", "nowhere.example");
      return res.status === 200 ? res : undefined;
    }, "default backend");
    expect(r.body).toMatch(/^fallback-1 /);
  });

  it("streams request bodies, says 503 for a Service without ready endpoints, and ignores other classes", async () => {
    await client.create(R.services, "web", { apiVersion: "v1", kind: "Service", metadata: { name: "empty", namespace: "web" }, spec: { ports: [{ port: 80 }] } });
    await client.create(R.ingresses, "web", {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "misc", namespace: "web" },
      spec: { rules: [{ host: "misc.example", http: { paths: [{ path: "/empty", pathType: "Prefix", backend: backend("empty") }, { path: "/post", pathType: "Prefix", backend: backend("shop-api") }] } }] },
    });
    await client.create(R.ingresses, "web", {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "nginx-only", namespace: "web" },
      spec: { ingressClassName: "nginx", rules: [{ host: "nginx.example", http: { paths: [{ path: "/", pathType: "Prefix", backend: backend("shop") }] } }] },
    });
    await waitFor(() => (controller.route("misc.example", "/empty") ? true : undefined), "misc routes");
    expect((await get("/empty", "misc.example")).status).toBe(503);
    expect((await get("/post", "misc.example", "POST", "x".repeat(100_000))).body).toBe(`api-1 got ${"x".repeat(100_000)}`);
    // nginx.example matches nothing of class skiff: the default backend answers it.
    expect((await get("/", "nginx.example")).body).toMatch(/^fallback-1 /);
    const other = await client.get(R.ingresses, "web", "nginx-only");
    expect((other.status as { loadBalancer?: { ingress?: unknown[] } } | undefined)?.loadBalancer?.ingress).toBeUndefined();
  });

  it("passes WebSocket-style upgrades through", async () => {
    const sock = connect({ host: "127.0.0.1", port: controller.port });
    let text = "";
    sock.on("data", (d) => (text += d));
    sock.write("GET /chat HTTP/1.1\r\nHost: blog.example\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
    await waitFor(() => (text.includes("101 Switching Protocols") ? true : undefined), "upgrade");
    sock.write("ping");
    await waitFor(() => (text.endsWith("blog-1:ping") ? true : undefined), "echo through the upgrade");
    sock.destroy();
  });
});

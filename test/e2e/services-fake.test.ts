// Services end to end without Docker: an in-process API server, the Endpoints
// controller and the ServiceProxy, with "pods" that are small node:http servers
// on their own 127.128.x.y addresses answering their pod name. Pod objects get
// their podIP and Ready condition through the status subresource, as the node
// agent would write them.
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { Registry } from "../../pkg/apiserver/registry.js";
import { InProcessClient } from "../../pkg/client/in-process.js";
import { InformerFactory } from "../../pkg/client/informer.js";
import { WorkQueue } from "../../pkg/client/workqueue.js";
import { registerEndpointsController } from "../../pkg/controllers/endpoints.js";
import { ControllerRunner } from "../../pkg/controllers/runner.js";
import { ServiceProxy } from "../../pkg/proxy/proxy.js";
import { openStore } from "../../pkg/store/index.js";

const NS = "default";
let client: InProcessClient;
let informers: InformerFactory;
let runner: ControllerRunner;
let proxy: ServiceProxy;
const servers = new Map<string, http.Server>();

beforeAll(async () => {
  const store = await openStore("memory");
  const registry = new Registry(store);
  await registry.bootstrap();
  client = new InProcessClient(registry);
  informers = new InformerFactory(client);
  const queue = new WorkQueue({ name: "endpoints" });
  const ctrl = registerEndpointsController(informers, client, (k) => queue.add(k));
  runner = new ControllerRunner(ctrl, queue, { workers: 2 });
  proxy = new ServiceProxy({ client, informers });
  await informers.startAll();
  await proxy.start();
  runner.start();
});

afterAll(async () => {
  await proxy?.stop();
  await runner?.stop();
  informers?.stopAll();
  await Promise.all([...servers.values()].map((s) => closeServer(s)));
});

// ---- helpers -------------------------------------------------------------------

function closeServer(s: http.Server): Promise<void> {
  return new Promise((r) => {
    s.close(() => r());
    s.closeIdleConnections();
  });
}

/** A "container": answers its pod name on ip:port. */
async function startBackend(name: string, ip: string, port = 8080): Promise<void> {
  const s = http.createServer((_req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(name);
  });
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.listen(port, ip, () => resolve());
  });
  servers.set(name, s);
}

async function stopBackend(name: string): Promise<void> {
  const s = servers.get(name);
  servers.delete(name);
  if (s) await closeServer(s);
}

async function setReady(name: string, ready: boolean): Promise<void> {
  const pod = await client.get(R.pods, NS, name);
  const status = (pod.status ?? {}) as { conditions?: Array<{ type: string; status: string }> };
  status.conditions = [{ type: "Ready", status: ready ? "True" : "False" }];
  pod.status = status;
  await client.updateStatus(R.pods, pod);
}

/** A pod object plus its backend, Running and Ready on ip. */
async function runPod(name: string, ip: string, labels: Record<string, string>, ready = true): Promise<void> {
  await startBackend(name, ip);
  await client.create(R.pods, NS, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels },
    spec: { containers: [{ name: "web", image: "busybox", ports: [{ name: "http", containerPort: 8080 }] }] },
  });
  const pod = await client.get(R.pods, NS, name);
  pod.status = {
    phase: "Running",
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  };
  await client.updateStatus(R.pods, pod);
}

async function deletePod(name: string): Promise<void> {
  await client.delete(R.pods, NS, name, { gracePeriodSeconds: 0 });
}

interface SvcAddr {
  clusterIP: string;
  port: number;
  nodePort?: number;
}

async function createService(name: string, spec: Record<string, unknown>): Promise<SvcAddr> {
  const svc = await client.create<KubeObject>(R.services, NS, { apiVersion: "v1", kind: "Service", metadata: { name, namespace: NS }, spec });
  const s = svc.spec as { clusterIP: string; ports: Array<{ port: number; nodePort?: number }> };
  // 127.96.0.0/16 for the first cluster on a machine; concurrent clusters take the next /16s.
  expect(s.clusterIP).toMatch(/^127\.(9[6-9]|1[01][0-9]|12[0-7])\./);
  return { clusterIP: s.clusterIP, port: s.ports[0].port, nodePort: s.ports[0].nodePort };
}

/** One request on a fresh connection (so every request is balanced anew); resolves the body. */
function get(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: "/", agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString()));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<number> {
  const start = performance.now();
  while (!(await cond())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now() - start;
}

function proxiedPods(svc: string): string[] {
  return Object.values(proxy.endpointsOf(`${NS}/${svc}`)).flat();
}

/** Connect and report how the attempt ended and how long it took. */
function tryConnect(host: string, port: number): Promise<{ outcome: string; ms: number }> {
  return new Promise((resolve) => {
    const start = performance.now();
    const s = net.connect({ host, port });
    const done = (outcome: string) => {
      s.destroy();
      resolve({ outcome, ms: performance.now() - start });
    };
    s.setTimeout(2000, () => done("hang"));
    s.once("error", (e: NodeJS.ErrnoException) => done(e.code ?? "error"));
    // Accepted: a correct proxy with no endpoints must have reset it already.
    s.once("connect", () => {
      s.once("close", () => done("reset-after-connect"));
      s.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    });
  });
}

// ---- tests ----------------------------------------------------------------------

describe("services on the fake runtime", () => {
  let web: SvcAddr;

  it("balances 300 requests over three ready pods through the node port", async () => {
    for (let i = 1; i <= 3; i++) await runPod(`web-${i}`, `127.128.77.${i}`, { app: "web" });
    web = await createService("web", { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] });
    expect(web.nodePort).toBeGreaterThanOrEqual(30000);
    await waitFor("three endpoints in the proxy", () => proxiedPods("web").length === 3);

    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const body = await get("127.0.0.1", web.nodePort!);
      counts.set(body, (counts.get(body) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(["web-1", "web-2", "web-3"]);
    for (const n of counts.values()) {
      expect(n / 300).toBeGreaterThanOrEqual(0.2);
      expect(n / 300).toBeLessThanOrEqual(0.47);
    }
    // The cluster IP serves the same backends.
    expect(await get(web.clusterIP, web.port)).toMatch(/^web-[123]$/);

    const ep = await client.get(R.endpoints, NS, "web");
    const subsets = (ep as { subsets?: Array<{ addresses?: Array<{ ip: string }>; ports?: Array<{ port: number; name?: string }> }> }).subsets!;
    expect(subsets).toHaveLength(1);
    expect(subsets[0].addresses!.map((a) => a.ip)).toEqual(["127.128.77.1", "127.128.77.2", "127.128.77.3"]);
    expect(subsets[0].ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    const stats = proxy.stats().find((s) => s.service === `${NS}/web`)!;
    expect(stats.connections).toBeGreaterThanOrEqual(301);
    expect(stats.bytesOut).toBeGreaterThan(0);
  });

  it("a pod that turns unready stops receiving new connections within 100 ms", async () => {
    const start = performance.now();
    await setReady("web-2", false);
    await waitFor("web-2 out of the proxy", () => !proxiedPods("web").includes("127.128.77.2:8080"), 2000);
    const ms = performance.now() - start;
    console.log(`unready → proxy stopped sending: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(100);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add(await get("127.0.0.1", web.nodePort!));
    expect([...seen].sort()).toEqual(["web-1", "web-3"]);
    const ep = (await client.get(R.endpoints, NS, "web")) as { subsets?: Array<{ notReadyAddresses?: Array<{ ip: string }> }> };
    expect(ep.subsets![0].notReadyAddresses!.map((a) => a.ip)).toEqual(["127.128.77.2"]);

    await setReady("web-2", true);
    await waitFor("web-2 back", () => proxiedPods("web").includes("127.128.77.2:8080"), 2000);
  });

  it("scales 3 → 1 → 3 while a client loops, with no failed request", async () => {
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const seen = new Map<string, number>();
    const loop = (async () => {
      while (!stop) {
        try {
          const body = await get("127.0.0.1", web.nodePort!);
          seen.set(body, (seen.get(body) ?? 0) + 1);
          ok++;
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    })();
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await pause(100);

    // Scale down, harshly: the "containers" stop before their pods are deleted,
    // so for a while the Endpoints still list dead addresses. The proxy must
    // retry a refused connect on a live endpoint instead of failing the request.
    const errorsBefore = proxy.stats().find((s) => s.service === `${NS}/web`)!.connectErrors;
    for (const name of ["web-2", "web-3"]) await stopBackend(name);
    await pause(50);
    for (const name of ["web-2", "web-3"]) await deletePod(name);
    await waitFor("one endpoint", () => proxiedPods("web").length === 1);
    await pause(150);
    const okAtOne = ok;
    seen.clear();
    await pause(150);
    expect([...seen.keys()]).toEqual(["web-1"]);
    expect(ok).toBeGreaterThan(okAtOne);

    // Scale up again with new pods on new addresses.
    await runPod("web-4", "127.128.77.4", { app: "web" });
    await runPod("web-5", "127.128.77.5", { app: "web" });
    await waitFor("three endpoints again", () => proxiedPods("web").length === 3);
    seen.clear();
    await waitFor("traffic on all three", () => seen.size === 3, 3000);
    stop = true;
    await loop;
    const retried = proxy.stats().find((s) => s.service === `${NS}/web`)!.connectErrors - errorsBefore;
    console.log(`scale loop: ${ok} requests, ${failures.length} failed, ${retried} refused connects retried`);
    expect(retried).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect([...seen.keys()].sort()).toEqual(["web-1", "web-4", "web-5"]);
  });

  it("a Service without a selector uses its manual Endpoints, and changes apply within 100 ms", async () => {
    await startBackend("manual-a", "127.128.78.1", 9000);
    await startBackend("manual-b", "127.128.78.2", 9000);
    const ext = await createService("external", { ports: [{ port: 8081, targetPort: 9000 }] });
    const ep = await client.create(R.endpoints, NS, {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "external", namespace: NS },
      subsets: [{ addresses: [{ ip: "127.128.78.1" }], ports: [{ port: 9000 }] }],
    });
    await waitFor("manual endpoint in the proxy", () => proxiedPods("external").length === 1);
    expect(await get(ext.clusterIP, ext.port)).toBe("manual-a");

    // The controller must leave user-managed Endpoints alone.
    await new Promise((r) => setTimeout(r, 100));
    const after = await client.get(R.endpoints, NS, "external");
    expect(after.metadata.resourceVersion).toBe(ep.metadata.resourceVersion);

    // Switch to the other backend and time until a new connection reaches it.
    const next = structuredClone(after) as KubeObject & { subsets: Array<{ addresses: Array<{ ip: string }> }> };
    next.subsets[0].addresses = [{ ip: "127.128.78.2" }];
    const start = performance.now();
    await client.update(R.endpoints, next);
    await waitFor("traffic on manual-b", async () => (await get(ext.clusterIP, ext.port)) === "manual-b", 2000);
    const ms = performance.now() - start;
    console.log(`Endpoints update → new connections on the new backend: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(100);
  });

  it("a Service whose selector matches nothing refuses connections at once", async () => {
    const none = await createService("nobody", { type: "NodePort", selector: { app: "nobody" }, ports: [{ port: 8082, targetPort: 8080 }] });
    await waitFor("empty Endpoints written", async () => {
      try {
        await client.get(R.endpoints, NS, "nobody");
        return true;
      } catch {
        return false;
      }
    });
    await proxy.settled();
    for (const [host, port] of [
      [none.clusterIP, none.port],
      ["127.0.0.1", none.nodePort!],
    ] as const) {
      const r = await tryConnect(host, port);
      expect(r.outcome).toBe("ECONNREFUSED");
      expect(r.ms).toBeLessThan(50);
    }
  });

  it("a Service whose pods all go away stops listening; connections are refused, not hung", async () => {
    await deletePod("web-1");
    await deletePod("web-4");
    await deletePod("web-5");
    await waitFor("no endpoints", () => proxiedPods("web").length === 0);
    await proxy.settled();
    const r = await tryConnect("127.0.0.1", web.nodePort!);
    expect(r.outcome).toBe("ECONNREFUSED");
    expect(r.ms).toBeLessThan(50);
  });
});

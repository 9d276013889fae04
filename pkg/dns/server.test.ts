// The cluster DNS server end to end on loopback: a real in-process API server,
// informers over it, UDP and TCP clients speaking DNS wire format, and a stub
// upstream resolver (also on loopback) for forwarded names.
import { createSocket, type Socket } from "node:dgram";
import { connect } from "node:net";
import * as packet from "dns-packet";
import type { DecodedPacket, RecordType } from "dns-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { InformerFactory } from "../client/informer.js";
import type { InProcessClient } from "../client/in-process.js";
import type { Registry } from "../apiserver/registry.js";
import { newCluster } from "../../test/helpers/controllers.js";
import { InformerClusterView } from "./informer-view.js";
import { DnsServer } from "./server.js";
import { parseResolvConf } from "./upstream.js";

let registry: Registry;
let client: InProcessClient;
let informers: InformerFactory;
let server: DnsServer;
let upstream: Socket;
let upstreamQueries = 0;
let nextId = 1;

async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function udpQuery(name: string, type: RecordType | "ANY", port = server.address.port): Promise<DecodedPacket> {
  const sock = createSocket("udp4");
  const id = nextId++;
  try {
    return await new Promise<DecodedPacket>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${name}`)), 5000);
      sock.on("message", (msg) => {
        clearTimeout(timer);
        resolve(packet.decode(msg));
      });
      sock.send(packet.encode({ type: "query", id, flags: packet.RECURSION_DESIRED, questions: [{ type: type as RecordType, name }] }), port, "127.0.0.1");
    });
  } finally {
    sock.close();
  }
}

async function tcpQuery(name: string, type: RecordType): Promise<DecodedPacket> {
  const sock = connect({ host: "127.0.0.1", port: server.address.port });
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    sock.on("error", reject);
    sock.on("connect", () => sock.write(packet.streamEncode({ type: "query", id: nextId++, questions: [{ type, name }] })));
    sock.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.end();
        resolve(packet.streamDecode(buf) as DecodedPacket);
      }
    });
  });
}

const rcode = (p: DecodedPacket) => (p.flags ?? 0) & 0xf;
const data = (p: DecodedPacket) => (p.answers ?? []).map((a) => ("data" in a ? a.data : undefined));

async function create(obj: KubeObject): Promise<KubeObject> {
  const info = { Service: R.services, Endpoints: R.endpoints, Pod: R.pods }[obj.kind]!;
  return client.create(info, obj.metadata.namespace, obj);
}

function pod(ns: string, name: string, ip: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns }, spec: { containers: [{ name: "c", image: "i" }], ...extra }, status: { podIP: ip, podIPs: [{ ip }] } };
}

async function podWithStatus(ns: string, name: string, ip: string, extra: Record<string, unknown> = {}): Promise<void> {
  const p = pod(ns, name, ip, extra);
  const created = await create(p);
  await client.updateStatus(R.pods, { ...created, status: p.status });
}

function endpoints(ns: string, name: string, addrs: Array<{ ip: string; pod?: string }>, ports: Array<{ name?: string; port: number; protocol?: string }>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name, namespace: ns },
    subsets: [{ addresses: addrs.map((a) => ({ ip: a.ip, ...(a.pod ? { targetRef: { kind: "Pod", namespace: ns, name: a.pod } } : {}) })), ports }],
  };
}

let backendIP = "";

beforeAll(async () => {
  ({ registry, client } = await newCluster());
  for (const ns of ["a", "b"]) await client.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const backend = await create({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "backend", namespace: "b" },
    spec: { selector: { app: "backend" }, ports: [{ name: "http", port: 80, targetPort: 8080 }, { name: "dns", port: 53, protocol: "UDP" }, { name: "metrics", port: 9000 }] },
  });
  backendIP = (backend.spec as { clusterIP: string }).clusterIP;
  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "nginx", namespace: "b" }, spec: { clusterIP: "None", selector: { app: "web" }, ports: [{ name: "web", port: 80 }] } });
  await podWithStatus("b", "web-0", "10.244.0.10", { hostname: "web-0", subdomain: "nginx" });
  await podWithStatus("b", "web-1", "10.244.0.11", { hostname: "web-1", subdomain: "nginx" });
  await podWithStatus("b", "stray", "10.244.0.12");
  await create(endpoints("b", "nginx", [{ ip: "10.244.0.10", pod: "web-0" }, { ip: "10.244.0.11", pod: "web-1" }, { ip: "10.244.0.12", pod: "stray" }], [{ name: "web", port: 80 }]));
  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "ext", namespace: "b" }, spec: { type: "ExternalName", externalName: "db.example.test" } });
  // Many endpoints: an answer too big for classic UDP.
  await create({ apiVersion: "v1", kind: "Service", metadata: { name: "big", namespace: "b" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } });
  await create(endpoints("b", "big", Array.from({ length: 60 }, (_, i) => ({ ip: `10.245.0.${i + 1}` })), [{ port: 80 }]));

  // The stub upstream: answers every A question with 192.0.2.7.
  upstream = createSocket("udp4");
  await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", () => r()));
  upstream.on("message", (msg, rinfo) => {
    upstreamQueries++;
    const q = packet.decode(msg);
    const answers = q.questions!.map((qq) => ({ type: "A" as const, name: qq.name, ttl: 60, data: "192.0.2.7" }));
    upstream.send(packet.encode({ type: "response", id: q.id, flags: packet.RECURSION_AVAILABLE, questions: q.questions, answers }), rinfo.port, rinfo.address);
  });
  const upstreamPort = upstream.address().port;

  informers = new InformerFactory(client);
  const view = new InformerClusterView(informers, "cluster.local");
  await view.start();
  server = new DnsServer({ view, host: "127.0.0.1", port: 0, upstreams: () => [{ host: "127.0.0.1", port: upstreamPort }], forwardTimeoutMs: 2000 });
  await server.start();
}, 30_000);

afterAll(async () => {
  await server?.stop();
  upstream?.close();
  informers?.stopAll();
  registry?.close();
});

describe("cluster DNS records", () => {
  it("answers a Service name with its cluster IP, authoritatively, in any case", async () => {
    const res = await udpQuery("backend.b.svc.cluster.local", "A");
    expect(rcode(res)).toBe(0);
    expect(res.flag_aa).toBe(true);
    expect(res.answers).toEqual([expect.objectContaining({ type: "A", name: "backend.b.svc.cluster.local", ttl: 5, data: backendIP })]);
    expect(data(await udpQuery("Backend.B.svc.Cluster.Local.", "A"))).toEqual([backendIP]);
  });

  it("answers a headless Service with its ready endpoints, and each pod by hostname", async () => {
    const res = await udpQuery("nginx.b.svc.cluster.local", "A");
    expect(data(res).sort()).toEqual(["10.244.0.10", "10.244.0.11", "10.244.0.12"]);
    expect(data(await udpQuery("web-1.nginx.b.svc.cluster.local", "A"))).toEqual(["10.244.0.11"]);
    // No hostname of its own: the dashed IP names it, as CoreDNS does.
    expect(data(await udpQuery("10-244-0-12.nginx.b.svc.cluster.local", "A"))).toEqual(["10.244.0.12"]);
    expect(rcode(await udpQuery("web-9.nginx.b.svc.cluster.local", "A"))).toBe(3);
  });

  it("follows changes through the informers: a new ready endpoint resolves without a restart", async () => {
    await podWithStatus("b", "web-2", "10.244.0.13", { hostname: "web-2", subdomain: "nginx" });
    const ep = await client.get(R.endpoints, "b", "nginx");
    const subsets = ep.subsets as Array<{ addresses: Array<Record<string, unknown>> }>;
    subsets[0].addresses.push({ ip: "10.244.0.13", targetRef: { kind: "Pod", namespace: "b", name: "web-2" } });
    await client.update(R.endpoints, ep);
    let answer: unknown[] = [];
    await waitFor(() => {
      void udpQuery("web-2.nginx.b.svc.cluster.local", "A").then((r) => (answer = data(r)));
      return answer.length > 0;
    }, "web-2 to resolve");
    expect(answer).toEqual(["10.244.0.13"]);
  });

  it("serves SRV records for named ports only, with targets and their addresses", async () => {
    const res = await udpQuery("_http._tcp.backend.b.svc.cluster.local", "SRV");
    expect(res.answers).toEqual([expect.objectContaining({ type: "SRV", data: { priority: 0, weight: 100, port: 80, target: "backend.b.svc.cluster.local" } })]);
    expect(res.additionals).toEqual(expect.arrayContaining([expect.objectContaining({ type: "A", name: "backend.b.svc.cluster.local", data: backendIP })]));
    expect((await udpQuery("_dns._udp.backend.b.svc.cluster.local", "SRV")).answers).toEqual([expect.objectContaining({ data: expect.objectContaining({ port: 53 }) })]);
    expect(rcode(await udpQuery("_http._udp.backend.b.svc.cluster.local", "SRV"))).toBe(3);
    // Four targets with their addresses outgrow 512 bytes: ask over TCP.
    const headless = await tcpQuery("_web._tcp.nginx.b.svc.cluster.local", "SRV");
    expect((headless.answers ?? []).map((a) => ("data" in a ? (a.data as { target: string }).target : ""))).toEqual(expect.arrayContaining(["web-0.nginx.b.svc.cluster.local", "web-1.nginx.b.svc.cluster.local"]));
  });

  it("answers pod A records only for pods that exist with that IP", async () => {
    expect(data(await udpQuery("10-244-0-10.b.pod.cluster.local", "A"))).toEqual(["10.244.0.10"]);
    expect(rcode(await udpQuery("10-244-0-10.a.pod.cluster.local", "A"))).toBe(3);
  });

  it("maps cluster IPs and headless endpoints back to names (PTR)", async () => {
    const rev = backendIP.split(".").reverse().join(".") + ".in-addr.arpa";
    expect(data(await udpQuery(rev, "PTR"))).toEqual(["backend.b.svc.cluster.local"]);
    expect(data(await udpQuery("11.0.244.10.in-addr.arpa", "PTR"))).toEqual(["web-1.nginx.b.svc.cluster.local"]);
  });

  it("says NXDOMAIN for missing names and NODATA for missing types, both with the zone's SOA", async () => {
    for (const name of ["nope.b.svc.cluster.local", "backend.b.a.svc.cluster.local", "backend.b.svc.cluster.local.b.svc.cluster.local", "x.cluster.local", "svc.nosuchns.svc.cluster.local"]) {
      const res = await udpQuery(name, "A");
      expect(rcode(res), name).toBe(3);
      expect(res.authorities, name).toEqual([expect.objectContaining({ type: "SOA", name: "cluster.local", data: expect.objectContaining({ mname: "ns.dns.cluster.local" }) })]);
    }
    const nodata = await udpQuery("backend.b.svc.cluster.local", "AAAA");
    expect(rcode(nodata)).toBe(0);
    expect(nodata.answers).toEqual([]);
    expect(nodata.authorities).toEqual([expect.objectContaining({ type: "SOA" })]);
    expect(rcode(await udpQuery("b.svc.cluster.local", "A"))).toBe(0);
    expect(data(await udpQuery("dns-version.cluster.local", "TXT"))).toEqual([[Buffer.from("1.1.0")]]);
    expect((await udpQuery("cluster.local", "SOA")).answers).toEqual([expect.objectContaining({ type: "SOA" })]);
  });

  it("answers an ExternalName Service with a CNAME", async () => {
    expect((await udpQuery("ext.b.svc.cluster.local", "A")).answers).toEqual([expect.objectContaining({ type: "CNAME", data: "db.example.test" })]);
  });

  it("forwards names outside the zone to the upstream resolvers, unchanged", async () => {
    const before = upstreamQueries;
    const res = await udpQuery("www.example.test", "A");
    expect(data(res)).toEqual(["192.0.2.7"]);
    expect(upstreamQueries).toBe(before + 1);
    // Cluster names never reach the upstream.
    await udpQuery("nope.b.svc.cluster.local", "A");
    expect(upstreamQueries).toBe(before + 1);
  });

  it("answers SERVFAIL when no upstream answers", async () => {
    const lonely = new DnsServer({ view: new InformerClusterView(informers, "cluster.local"), host: "127.0.0.1", port: 0, upstreams: () => [] });
    await lonely.start();
    try {
      expect(rcode(await udpQuery("www.example.test", "A", lonely.address.port))).toBe(2);
    } finally {
      await lonely.stop();
    }
  });

  it("speaks TCP on the same port, and truncates UDP answers that do not fit", async () => {
    expect(data(await tcpQuery("backend.b.svc.cluster.local", "A"))).toEqual([backendIP]);
    const udp = await udpQuery("big.b.svc.cluster.local", "A");
    expect(udp.flag_tc).toBe(true);
    expect(udp.answers).toEqual([]);
    const tcp = await tcpQuery("big.b.svc.cluster.local", "A");
    expect(tcp.answers).toHaveLength(60);
  });
});

describe("resolv.conf", () => {
  it("reads nameservers in order, dropping what is not an address", () => {
    expect(parseResolvConf("# comment\nsearch x\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\nnameserver bogus\noptions ndots:5\n")).toEqual([
      { host: "10.0.0.2", port: 53 },
      { host: "fe80::1", port: 53 },
    ]);
    expect(parseResolvConf("nameserver 127.0.0.53\n", { skip: (h) => h.startsWith("127.") })).toEqual([]);
  });
});

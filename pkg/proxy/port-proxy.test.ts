// The data path on real loopback sockets: half-close, draining, retries,
// refusal with no endpoints, EADDRINUSE, byte counters under backpressure.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { endpointKey, type Endpoint } from "./balancer.js";
import { PortProxy, type PortEvent } from "./port-proxy.js";
import type { ServicePortSpec } from "./service-ports.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let nextPort = 20000 + Math.floor(Math.random() * 5000);
const spec = (over: Partial<ServicePortSpec> = {}): ServicePortSpec => ({
  key: "ns/svc:",
  service: "ns/svc",
  portName: "",
  clusterIP: "127.96.250.1",
  port: nextPort++,
  ...over,
});
const ep = (ip: string, port: number): Endpoint => ({ key: endpointKey(ip, port), ip, port });

function makeProxy(s: ServicePortSpec, events: PortEvent[] = []): PortProxy {
  const p = new PortProxy(s, { algorithm: "round-robin", nodePortHost: "127.0.0.1", onEvent: (e) => events.push(e) });
  cleanups.push(() => p.close(false));
  return p;
}

/** A raw TCP backend; `handler` gets each socket. */
async function backend(ip: string, handler: (s: net.Socket) => void): Promise<{ port: number; server: net.Server; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    handler(s);
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as net.AddressInfo).port, server, sockets };
}

/** Backend that answers "<name>" then closes: who served the connection. */
const namer = (name: string) => (s: net.Socket) => s.end(name);

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, allowHalfOpen: true });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

function readAll(s: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.once("end", () => resolve(Buffer.concat(chunks)));
    s.once("error", reject);
  });
}

async function whoAnswers(host: string, port: number): Promise<string> {
  return (await readAll(await connect(host, port))).toString();
}

describe("PortProxy", () => {
  it("does not listen without endpoints: connections are refused at once", async () => {
    const s = spec();
    const p = makeProxy(s);
    p.update(s, []);
    await p.settled();
    // ECONNREFUSED (not a timeout) is the proof that nothing listens: no timed bound, which a
    // loaded machine would break.
    await expect(connect(s.clusterIP, s.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("opens when endpoints appear and closes again when they go", async () => {
    const b = await backend("127.128.250.1", namer("a"));
    const s = spec({ nodePort: 30000 + Math.floor(Math.random() * 2700) });
    const p = makeProxy(s);
    p.update(s, [ep("127.128.250.1", b.port)]);
    await p.settled();
    expect(await whoAnswers(s.clusterIP, s.port)).toBe("a");
    expect(await whoAnswers("127.0.0.1", s.nodePort!)).toBe("a");
    p.update(s, []);
    await p.settled();
    await expect(connect(s.clusterIP, s.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await expect(connect("127.0.0.1", s.nodePort!)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("passes a half-close through: the pod sees EOF and still answers", async () => {
    // Echo everything back in upper case, only after the client has finished sending.
    const b = await backend("127.128.250.2", (sock) => {
      const chunks: Buffer[] = [];
      sock.on("data", (c: Buffer) => chunks.push(c));
      sock.on("end", () => sock.end(Buffer.concat(chunks).toString().toUpperCase()));
    });
    const s = spec();
    const p = makeProxy(s);
    p.update(s, [ep("127.128.250.2", b.port)]);
    await p.settled();
    const c = await connect(s.clusterIP, s.port);
    const reply = readAll(c);
    c.write("hello ");
    c.end("world");
    expect((await reply).toString()).toBe("HELLO WORLD");
  });

  it("retries a refused connect on the next endpoint", async () => {
    const dead = await backend("127.128.250.3", namer("dead"));
    const deadPort = dead.port;
    await new Promise<void>((r) => dead.server.close(() => r())); // nothing listens there now
    const live = await backend("127.128.250.4", namer("live"));
    const s = spec();
    const p = makeProxy(s);
    p.update(s, [ep("127.128.250.3", deadPort), ep("127.128.250.4", live.port)]);
    await p.settled();
    for (let i = 0; i < 6; i++) expect(await whoAnswers(s.clusterIP, s.port)).toBe("live");
    expect(p.stats().connectErrors).toBeGreaterThanOrEqual(3);
    expect(p.stats().rejected).toBe(0);
  });

  it("resets the client when every endpoint refuses", async () => {
    const dead = await backend("127.128.250.5", namer("dead"));
    const deadPort = dead.port;
    await new Promise<void>((r) => dead.server.close(() => r()));
    const s = spec();
    const p = makeProxy(s);
    p.update(s, [ep("127.128.250.5", deadPort)]);
    await p.settled();
    const c = await connect(s.clusterIP, s.port);
    await expect(readAll(c)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(p.stats().rejected).toBe(1);
  });

  it("drains: a connection to a removed endpoint keeps working, new ones go elsewhere", async () => {
    const echo = (name: string) => (sock: net.Socket) => sock.on("data", (d: Buffer) => sock.write(`${name}:${d.toString()}`));
    const a = await backend("127.128.250.6", echo("a"));
    const b = await backend("127.128.250.7", echo("b"));
    const s = spec();
    const p = makeProxy(s);
    p.update(s, [ep("127.128.250.6", a.port)]);
    await p.settled();
    const old = await connect(s.clusterIP, s.port);
    const ask = (sock: net.Socket, msg: string) =>
      new Promise<string>((r) => {
        sock.once("data", (d: Buffer) => r(d.toString()));
        sock.write(msg);
      });
    expect(await ask(old, "1")).toBe("a:1");
    p.update(s, [ep("127.128.250.7", b.port)]);
    await p.settled();
    expect(await ask(old, "2")).toBe("a:2");
    const fresh = await connect(s.clusterIP, s.port);
    expect(await ask(fresh, "3")).toBe("b:3");
    expect(p.stats().active).toBe(2);
    old.destroy();
    fresh.destroy();
  });

  it("moves large payloads both ways with backpressure and counts the bytes", async () => {
    const b = await backend("127.128.250.8", (sock) => sock.pipe(sock)); // echo
    const s = spec();
    const p = makeProxy(s);
    p.update(s, [ep("127.128.250.8", b.port)]);
    await p.settled();
    const size = 32 * 1024 * 1024;
    const payload = Buffer.alloc(size, 7);
    const c = await connect(s.clusterIP, s.port);
    // Read slowly at first so the proxy's buffers fill and pipe() must pause.
    c.pause();
    c.end(payload);
    await new Promise((r) => setTimeout(r, 100));
    c.resume();
    const got = await readAll(c);
    expect(got.length).toBe(size);
    expect(got.equals(payload)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(p.stats()).toMatchObject({ bytesIn: size, bytesOut: size, active: 0, connections: 1 });
  });

  it("passes a pod's reset on to the client", async () => {
    const b = await backend("127.128.250.9", (sock) => sock.once("data", () => sock.resetAndDestroy()));
    const s = spec();
    const p = makeProxy(s);
    p.update(s, [ep("127.128.250.9", b.port)]);
    await p.settled();
    const c = await connect(s.clusterIP, s.port);
    const r = readAll(c);
    c.write("x");
    await expect(r).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("reports EADDRINUSE as an event instead of crashing", async () => {
    const taken = net.createServer();
    const s = spec();
    await new Promise<void>((r) => taken.listen(s.port, s.clusterIP, r));
    cleanups.push(() => new Promise<void>((r) => taken.close(() => r())));
    const b = await backend("127.128.250.10", namer("x"));
    const events: PortEvent[] = [];
    const p = makeProxy(s, events);
    p.update(s, [ep("127.128.250.10", b.port)]);
    await p.settled();
    expect(events).toContainEqual(expect.objectContaining({ type: "listen-error", code: "EADDRINUSE", host: s.clusterIP, port: s.port, service: "ns/svc" }));
    expect(p.listening).toEqual([]);
  });

  it("least-connections sends new connections to the least busy endpoint", async () => {
    // Answers at once and stays open until the client closes its side.
    const hold = (name: string) => (sock: net.Socket) => {
      sock.write(name);
      sock.on("end", () => sock.end());
    };
    const a = await backend("127.128.250.11", hold("a"));
    const b = await backend("127.128.250.12", hold("b"));
    const s = spec();
    const p = new PortProxy(s, { algorithm: "least-connections", nodePortHost: "127.0.0.1", onEvent: () => {} });
    cleanups.push(() => p.close(false));
    p.update(s, [ep("127.128.250.11", a.port), ep("127.128.250.12", b.port)]);
    await p.settled();
    const first = (sock: net.Socket) => new Promise<string>((r) => sock.once("data", (d: Buffer) => r(d.toString())));
    const c1 = await connect(s.clusterIP, s.port);
    const n1 = await first(c1);
    const c2 = await connect(s.clusterIP, s.port);
    const n2 = await first(c2);
    expect(new Set([n1, n2]).size).toBe(2);
    c2.destroy(); // the endpoint of c2 is now idle
    await new Promise((r) => setTimeout(r, 30));
    for (let i = 0; i < 3; i++) {
      const c = await connect(s.clusterIP, s.port);
      expect(await first(c)).toBe(n2);
      c.destroy();
      await new Promise((r) => setTimeout(r, 20));
    }
    c1.destroy();
  });
});

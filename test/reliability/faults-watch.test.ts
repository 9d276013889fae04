// Watch streams under pressure, over real loopback HTTP: a client that stops
// reading is cut off once its unsent backlog passes the bound (so the server's
// memory does not grow with it) while a reading client gets every event; and
// 1,000 concurrent watches all receive every change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import net from "node:net";
import type { FastifyInstance } from "fastify";
import { openStore } from "../../pkg/store/index.js";
import type { Store } from "../../pkg/store/store.js";
import { newContext, Registry } from "../../pkg/apiserver/registry.js";
import { buildApiServer } from "../../pkg/apiserver/server.js";
import { StaticTokenAuthenticator } from "../../pkg/apiserver/auth.js";
import { R } from "../../pkg/api/kinds.js";
import { recordResult } from "./helpers.js";
import { waitFor } from "./cli-helpers.js";

const TOKEN = "watch-token";
const MAX_BACKLOG = 1024 * 1024;

describe("watch streams under pressure", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;
  let port: number;
  const serverSockets = new Set<net.Socket>();

  beforeAll(async () => {
    // Short history: the heap check below must measure the watch buffers, not the store's replay ring.
    store = await openStore("memory", { historySize: 100 });
    registry = new Registry(store);
    await registry.bootstrap();
    app = await buildApiServer({
      registry,
      authenticator: new StaticTokenAuthenticator({ [TOKEN]: { user: "admin", groups: ["system:masters"] } }),
      watch: { maxBacklogBytes: MAX_BACKLOG },
    });
    app.server.on("connection", (s: net.Socket) => {
      serverSockets.add(s);
      s.on("close", () => serverSockets.delete(s));
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    port = (app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    registry.close();
    await app.close();
    await store.close();
  });


  /** A watch that reads everything; resolves its event count on demand. */
  function readingWatch(path: string, agent?: http.Agent): Promise<{ events: () => number; bytes: () => number; close: () => void }> {
    return new Promise((resolve, reject) => {
      let events = 0;
      let bytes = 0;
      let buf = "";
      const req = http.get({ host: "127.0.0.1", port, path, agent, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          bytes += d.length;
          buf += d;
          let i: number;
          while ((i = buf.indexOf("\n")) >= 0) {
            if (buf.slice(0, i).includes('"type":"ADDED"')) events++;
            buf = buf.slice(i + 1);
          }
        });
        resolve({ events: () => events, bytes: () => bytes, close: () => req.destroy() });
      });
      req.on("error", reject);
    });
  }

  it("cuts off a client that stops reading, while a reading client gets every event", async () => {
    const n = 1500;
    const size = 20_000; // 30 MB of events in all, far beyond the 1 MiB bound plus socket buffers
    const reader = await readingWatch("/api/v1/namespaces/default/configmaps?watch=true");
    // The stalled client: a raw socket that sends the request and then never reads.
    const stalled = net.connect(port, "127.0.0.1");
    let stalledClosed = false;
    stalled.on("close", () => (stalledClosed = true));
    stalled.on("error", () => undefined);
    await new Promise<void>((r) => stalled.once("connect", () => r()));
    stalled.pause();
    stalled.write(`GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    const connectionsBefore = await connections();
    // The server's end of the stalled connection: how much it holds unsent is the memory at stake.
    const serverSide = [...serverSockets].find((s) => s.remotePort === stalled.localPort)!;
    expect(serverSide).toBeDefined();
    let maxBuffered = 0;

    for (let i = 0; i < n; i++) {
      await registry.create(R.configmaps, "default", { metadata: { name: `slow-${i}` }, data: { v: "x".repeat(size) } }, newContext());
      maxBuffered = Math.max(maxBuffered, serverSide.writableLength);
      // Let sockets drain between writes, as they do when writes arrive over HTTP.
      await new Promise((r) => setImmediate(r));
    }
    await waitFor("the reading watch to get every event", async () => reader.events() >= n, 60_000, 50);
    // The server dropped the stalled stream: its connection is gone on the server side.
    await waitFor("the server to drop the stalled watch", async () => (await connections()) < connectionsBefore, 30_000, 100);
    // Now read what the stalled client was sent before the cut: far less than everything.
    let received = 0;
    stalled.on("data", (d: Buffer) => (received += d.length));
    stalled.resume();
    await waitFor("the stalled socket to close", async () => stalledClosed, 30_000, 50);
    const total = reader.bytes();
    recordResult({ kind: "fault", fault: "watch client that stops reading while 30 MB of events are written", cutOff: true, maxBufferedBytes: maxBuffered, stalledReceivedBytes: received, readerReceivedBytes: total, readerEvents: reader.events(), lost: n - reader.events() });
    expect(received).toBeLessThan(total / 2);
    // What the server held for the stalled client never passed the bound by more than one event.
    expect(maxBuffered).toBeLessThanOrEqual(MAX_BACKLOG + 2 * size);
    expect(serverSide.destroyed).toBe(true);
    reader.close();
    stalled.destroy();
  }, 120_000);

  it("serves 1,000 concurrent watches, each of which sees every change", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2000 });
    // A namespace of its own: each filtered watch starts by listing what it selects from.
    await registry.create(R.namespaces, undefined, { metadata: { name: "waves" } }, newContext());
    const rv = (await registry.list(R.configmaps, "waves")).metadata.resourceVersion;
    const watches: Array<Awaited<ReturnType<typeof readingWatch>>> = [];
    // In batches, as informers start: 1,000 SYNs at once would overflow the listen backlog.
    for (let b = 0; b < 10; b++) {
      watches.push(...(await Promise.all(Array.from({ length: 100 }, () => readingWatch(`/api/v1/namespaces/waves/configmaps?watch=true&resourceVersion=${rv}&labelSelector=wave%3D1`, agent)))));
    }
    expect(await connections()).toBeGreaterThanOrEqual(1000);
    for (let i = 0; i < 10; i++) {
      await registry.create(R.configmaps, "waves", { metadata: { name: `wave-${i}`, labels: { wave: "1" } }, data: { i: String(i) } }, newContext());
    }
    await waitFor("every watch to see all 10 objects", async () => watches.every((w) => w.events() >= 10), 60_000, 100);
    const short = watches.filter((w) => w.events() !== 10).length;
    recordResult({ kind: "fault", fault: "1,000 concurrent watches over loopback HTTP", watches: 1000, eventsEach: 10, missed: short, lost: short });
    expect(short).toBe(0);
    for (const w of watches) w.close();
    agent.destroy();
  }, 120_000);

  function connections(): Promise<number> {
    return new Promise((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  }
});

// Upgrade requests (WebSocket, SPDY) bypass an HTTP server's request handler:
// Node hands them to the 'upgrade' event with the raw socket. To give them the
// same authentication, authorization, rate limit and audit as every other
// request, this feeds them to fastify as ordinary requests whose response is
// written to that socket; a streaming route then takes the socket over with
// upgradedSocket(). Requests that no route upgrades get their error Status
// (401, 403, 404…) as a normal HTTP response and the socket is closed.
import { ServerResponse, type IncomingMessage } from "node:http";
import { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

interface Pending {
  socket: Socket;
  head: Buffer;
  res: ServerResponse;
  switched: boolean;
}

const pending = new WeakMap<IncomingMessage, Pending>();

export function installUpgradeRouting(app: FastifyInstance): Set<Duplex> {
  const live = new Set<Duplex>();
  const server = app.server;
  server.on("upgrade", (req: IncomingMessage, duplex: Duplex, head: Buffer) => {
    // Node types it a Duplex, but http and https servers hand over a net.Socket
    // (a TLSSocket is one), the only kind a ServerResponse can be written to.
    if (!(duplex instanceof Socket)) return void duplex.destroy();
    const socket = duplex;
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    const p: Pending = { socket, head, res, switched: false };
    // an answer without a switch (an error Status) ends the exchange
    res.on("finish", () => {
      if (!p.switched) socket.end();
    });
    socket.on("error", () => socket.destroy());
    pending.set(req, p);
    server.emit("request", req, res);
  });
  // Upgraded sockets are no longer the HTTP server's: close them with the app.
  app.addHook("onClose", async () => {
    for (const s of live) s.destroy();
  });
  return live;
}

/** True when the request came through the 'upgrade' event with the given Upgrade header (case-insensitive). */
export function isUpgrade(req: FastifyRequest, protocol: "websocket" | "spdy/3.1"): boolean {
  return pending.has(req.raw) && String(req.headers.upgrade ?? "").toLowerCase() === protocol;
}

/**
 * Takes the socket over from fastify: the reply is hijacked, the placeholder
 * response detached, and the exchange recorded as 101 Switching Protocols for
 * the audit log once the caller has switched.
 */
export function upgradedSocket(req: FastifyRequest, reply: FastifyReply, live: Set<Duplex>): { socket: Duplex; head: Buffer; switched(): void } {
  const p = pending.get(req.raw);
  if (!p) throw new Error("not an upgrade request");
  pending.delete(req.raw);
  reply.hijack();
  p.res.detachSocket(p.socket);
  live.add(p.socket);
  p.socket.once("close", () => live.delete(p.socket));
  return {
    socket: p.socket,
    head: p.head,
    switched() {
      p.switched = true;
      p.res.statusCode = 101;
      // fastify's onResponse hooks (the audit log) run when the response finishes: for a switch, now
      p.res.emit("finish");
    },
  };
}

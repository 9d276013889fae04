// pods/exec, pods/attach and pods/portforward: the API server checks the
// request (authorization already happened in the request hooks, verb create),
// finds the pod's node agent and carries the stream between the client and it
// in whichever protocol the client speaks — the WebSocket channel protocol
// (kubectl ≥ 1.30, the Python client), SPDY/3.1 framed in a WebSocket
// (kubectl port-forward), or the plain SPDY/3.1 upgrade (older clients and
// kubectl's fallback). The node side (pkg/agent/streams.ts) runs the process.
import type { Duplex } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { WebSocketServer, createWebSocketStream, type WebSocket } from "ws";
import { ApiError, errors } from "../../api/errors.js";
import { R } from "../../api/kinds.js";
import type { PodStreamResolver, PodStreamTarget, ProcessStream, StreamOptions } from "../../api/pod-stream.js";
import type { KubeObject } from "../../api/types.js";
import type { Registry } from "../registry.js";
import { serveChannels } from "../../streaming/channel-server.js";
import { serveSpdyExec } from "../../streaming/spdy-exec.js";
import { serveSpdyPortForward } from "../../streaming/portforward-spdy.js";
import { parsePorts, serveWsPortForward } from "../../streaming/portforward-ws.js";
import { spdyUpgradeResponse } from "../../streaming/spdy.js";
import { CHANNEL_PROTOCOLS, SPDY_EXEC_PROTOCOLS, SPDY_OVER_WEBSOCKET_PORTFORWARD, SPDY_PORTFORWARD, WEBSOCKET_PORTFORWARD_PROTOCOLS, negotiate } from "../../streaming/protocols.js";
import { installUpgradeRouting, isUpgrade, upgradedSocket } from "./upgrade-routing.js";

/** The subresources served here; the authorizer sees them as verb create (see requestAttributes). */
export const STREAMING_SUBRESOURCES = ["exec", "attach", "portforward"] as const;

type Query = Record<string, string | string[] | undefined>;

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function flag(q: Query, name: string): boolean {
  const v = list(q[name])[0];
  return v !== undefined && /^(1|true|True)$/.test(v);
}

function streamOptions(q: Query): StreamOptions {
  const o = { container: list(q.container)[0], stdin: flag(q, "stdin"), stdout: flag(q, "stdout"), stderr: flag(q, "stderr"), tty: flag(q, "tty") };
  if (!o.stdin && !o.stdout && !o.stderr) throw errors.badRequest("you must specify at least 1 of stdin, stdout, stderr");
  return o;
}

async function podAndTarget(registry: Registry, resolve: PodStreamResolver, namespace: string, name: string, verb: string): Promise<{ pod: KubeObject; target: PodStreamTarget }> {
  const pod = await registry.get(R.pods, namespace, name);
  const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!node) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (phase === "Succeeded" || phase === "Failed") throw errors.badRequest(`cannot ${verb} a container in a completed pod; current phase is ${phase}`);
  const target = resolve(node);
  if (!target) throw new ApiError("ServiceUnavailable", `no agent is serving node "${node}": cannot ${verb} pod "${name}"`);
  return { pod, target };
}

export interface PodStreamingOptions {
  registry: Registry;
  resolve: PodStreamResolver;
}

export function registerPodStreaming(app: FastifyInstance, opts: PodStreamingOptions): void {
  const live = installUpgradeRouting(app);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 << 20 });
  app.addHook("onClose", async () => wss.close());

  // ws asks which subprotocol to answer with, synchronously inside handleUpgrade: the one this request negotiated.
  let negotiated: string | false = false;
  wss.options.handleProtocols = () => negotiated;

  /** Completes a WebSocket upgrade with an already negotiated subprotocol. */
  function acceptWebSocket(req: FastifyRequest, reply: FastifyReply, protocol: string): Promise<WebSocket> {
    const { socket, head, switched } = upgradedSocket(req, reply, live);
    // ws parses the offered list as RFC 7230 tokens, and "SPDY/3.1+portforward.k8s.io" is not one:
    // offer it a token instead; the answer still names the real protocol.
    req.raw.headers["sec-websocket-protocol"] = "negotiated";
    return new Promise((resolve) => {
      negotiated = protocol;
      wss.handleUpgrade(req.raw, socket, head, (ws) => {
        switched();
        resolve(ws);
      });
      negotiated = false;
    });
  }

  function acceptSpdy(req: FastifyRequest, reply: FastifyReply, protocol: string): Duplex {
    const { socket, head, switched } = upgradedSocket(req, reply, live);
    socket.write(spdyUpgradeResponse(protocol));
    if (head.length > 0) socket.unshift(head);
    switched();
    return socket;
  }

  function channelProtocolOf(req: FastifyRequest): string {
    const p = negotiate(req.headers["sec-websocket-protocol"], CHANNEL_PROTOCOLS);
    if (!p) throw errors.badRequest(`no supported WebSocket subprotocol: offer one of ${CHANNEL_PROTOCOLS.join(", ")}`);
    return p;
  }

  async function serveProcess(req: FastifyRequest, reply: FastifyReply, want: StreamOptions, start: () => Promise<ProcessStream>, command: string[]): Promise<void> {
    if (isUpgrade(req, "websocket")) {
      const protocol = channelProtocolOf(req);
      // Started before switching protocols, so "no such container" is an HTTP error Status.
      const proc = await start();
      const ws = await acceptWebSocket(req, reply, protocol);
      await serveChannels(ws, protocol, proc, command);
      return;
    }
    if (isUpgrade(req, "spdy/3.1")) {
      const protocol = negotiate(req.headers["x-stream-protocol-version"], SPDY_EXEC_PROTOCOLS);
      if (!protocol) throw errors.badRequest(`no supported X-Stream-Protocol-Version: offer one of ${SPDY_EXEC_PROTOCOLS.join(", ")}`);
      const proc = await start();
      const socket = acceptSpdy(req, reply, protocol);
      await serveSpdyExec(socket, protocol, want, async () => proc, command);
      return;
    }
    throw errors.badRequest("Upgrade request required");
  }

  type Req = FastifyRequest<{ Params: { namespace: string; name: string }; Querystring: Query }>;

  app.route<{ Params: { namespace: string; name: string }; Querystring: Query }>({
    method: ["GET", "POST"],
    url: "/api/v1/namespaces/:namespace/pods/:name/exec",
    handler: async (req: Req, reply) => {
      const want = streamOptions(req.query);
      const command = list(req.query.command);
      if (command.length === 0) throw errors.badRequest("you must specify at least one command for the container");
      const { pod, target } = await podAndTarget(opts.registry, opts.resolve, req.params.namespace, req.params.name, "exec into");
      await serveProcess(req, reply, want, () => target.exec(pod, { ...want, command }), command);
    },
  });

  app.route<{ Params: { namespace: string; name: string }; Querystring: Query }>({
    method: ["GET", "POST"],
    url: "/api/v1/namespaces/:namespace/pods/:name/attach",
    handler: async (req: Req, reply) => {
      const want = streamOptions(req.query);
      const { pod, target } = await podAndTarget(opts.registry, opts.resolve, req.params.namespace, req.params.name, "attach to");
      await serveProcess(req, reply, want, () => target.attach(pod, want), []);
    },
  });

  app.route<{ Params: { namespace: string; name: string }; Querystring: Query }>({
    method: ["GET", "POST"],
    url: "/api/v1/namespaces/:namespace/pods/:name/portforward",
    handler: async (req: Req, reply) => {
      const { pod, target } = await podAndTarget(opts.registry, opts.resolve, req.params.namespace, req.params.name, "forward ports of");
      const name = String(pod.metadata.name);
      const dial = (port: number) => target.portForward(pod, port);
      if (isUpgrade(req, "websocket")) {
        const offered = req.headers["sec-websocket-protocol"];
        if (negotiate(offered, [SPDY_OVER_WEBSOCKET_PORTFORWARD])) {
          const ws = await acceptWebSocket(req, reply, SPDY_OVER_WEBSOCKET_PORTFORWARD);
          ws.on("error", () => undefined);
          serveSpdyPortForward(createWebSocketStream(ws), dial, name);
          return;
        }
        const protocol = negotiate(offered, WEBSOCKET_PORTFORWARD_PROTOCOLS);
        if (!protocol) throw errors.badRequest(`no supported WebSocket subprotocol: offer ${SPDY_OVER_WEBSOCKET_PORTFORWARD} or ${WEBSOCKET_PORTFORWARD_PROTOCOLS.join(", ")}`);
        let ports: number[];
        try {
          ports = parsePorts(list(req.query.ports));
        } catch (e) {
          throw errors.badRequest((e as Error).message);
        }
        if (ports.length === 0) throw errors.badRequest("query parameter \"ports\" is required");
        const ws = await acceptWebSocket(req, reply, protocol);
        serveWsPortForward(ws, ports, dial, name);
        return;
      }
      if (isUpgrade(req, "spdy/3.1")) {
        if (!negotiate(req.headers["x-stream-protocol-version"], [SPDY_PORTFORWARD])) throw errors.badRequest(`X-Stream-Protocol-Version must offer ${SPDY_PORTFORWARD}`);
        serveSpdyPortForward(acceptSpdy(req, reply, SPDY_PORTFORWARD), dial, name);
        return;
      }
      throw errors.badRequest("Upgrade request required");
    },
  });
}

// Opening exec, attach and port-forward streams against an API server with
// the protocols kubectl uses (WebSocket channel protocol v5/v4; the v4
// WebSocket port-forward protocol for one connection at a time), for skiff's
// CLI and tests.
import type { Duplex } from "node:stream";
import type { ClientOptions } from "ws";
import { R } from "../api/kinds.js";
import type { StreamOptions } from "../api/pod-stream.js";
import { channelProcess, openWebSocket, type RemoteProcess } from "../streaming/channel-client.js";
import { wsPortForwardStream } from "../streaming/portforward-ws.js";
import type { ClusterConnection } from "./kubeconfig.js";
import { resourcePath } from "./rest.js";

function wsOptions(conn: ClusterConnection): ClientOptions {
  return {
    ca: conn.caPem,
    headers: conn.token ? { Authorization: `Bearer ${conn.token}` } : {},
    perMessageDeflate: false,
    handshakeTimeout: 30_000,
  };
}

function streamUrl(conn: ClusterConnection, namespace: string, pod: string, sub: string, query: URLSearchParams): string {
  const base = conn.server.replace(/^http/, "ws").replace(/\/$/, "");
  return `${base}${resourcePath(R.pods, namespace, pod, sub)}?${query}`;
}

function streamQuery(o: StreamOptions): URLSearchParams {
  const q = new URLSearchParams();
  if (o.container) q.set("container", o.container);
  for (const k of ["stdin", "stdout", "stderr", "tty"] as const) if (o[k]) q.set(k, "true");
  return q;
}

/** Starts command in the pod; rejects with an ApiError when the server refuses (403, no such pod…). */
export async function openExec(conn: ClusterConnection, namespace: string, pod: string, o: StreamOptions & { command: string[] }): Promise<RemoteProcess> {
  const q = streamQuery(o);
  for (const c of o.command) q.append("command", c);
  const ws = await openWebSocket(streamUrl(conn, namespace, pod, "exec", q), ["v5.channel.k8s.io", "v4.channel.k8s.io"], wsOptions(conn));
  return channelProcess(ws, { stdin: o.stdin, stderr: o.stderr && !o.tty });
}

export async function openAttach(conn: ClusterConnection, namespace: string, pod: string, o: StreamOptions): Promise<RemoteProcess> {
  const ws = await openWebSocket(streamUrl(conn, namespace, pod, "attach", streamQuery(o)), ["v5.channel.k8s.io", "v4.channel.k8s.io"], wsOptions(conn));
  return channelProcess(ws, { stdin: o.stdin, stderr: o.stderr && !o.tty });
}

/** One TCP connection to port in the pod. */
export async function openPortForward(conn: ClusterConnection, namespace: string, pod: string, port: number): Promise<Duplex> {
  const ws = await openWebSocket(streamUrl(conn, namespace, pod, "portforward", new URLSearchParams({ ports: String(port) })), ["v4.channel.k8s.io"], wsOptions(conn));
  return wsPortForwardStream(ws);
}

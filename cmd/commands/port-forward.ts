// `skiff port-forward POD|TYPE/NAME [LOCAL:]REMOTE…`: listens on 127.0.0.1 and
// carries each accepted connection to the pod's port over its own
// pods/portforward stream (the v4 WebSocket protocol, one TCP connection per
// socket), as kubectl does. ":REMOTE" picks a free local port. Runs until
// Ctrl-C (or signal, for tests).
import net from "node:net";
import { pipeline } from "node:stream";
import { openPortForward } from "../../pkg/client/streams.js";
import { connect, ExitError, type GlobalOptions } from "../context.js";
import { resolvePodTarget, servicePortToPodPort } from "./pod-target.js";

export interface PortForwardOptions {
  target: string;
  ports: string[];
  address?: string;
  globals: GlobalOptions;
  /** Stops forwarding; the CLI wires it to SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

export interface PortMapping {
  /** 0: let the system choose. */
  local: number;
  remote: number;
}

function portNumber(s: string, spec: string, allowZero: boolean): number {
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!(n >= (allowZero ? 0 : 1) && n <= 65535)) throw new ExitError(1, `error: invalid port in "${spec}": ${s || "(empty)"} is not a port number 1-65535`);
  return n;
}

/** "8080" → 8080:8080, "18080:8080", ":8080" → random:8080. */
export function parsePortMapping(spec: string): PortMapping {
  const parts = spec.split(":");
  if (parts.length > 2) throw new ExitError(1, `error: invalid port format "${spec}": use [LOCAL:]REMOTE`);
  if (parts.length === 1) {
    const p = portNumber(parts[0], spec, false);
    return { local: p, remote: p };
  }
  return { local: parts[0] === "" ? 0 : portNumber(parts[0], spec, true), remote: portNumber(parts[1], spec, false) };
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

export async function runPortForward(o: PortForwardOptions): Promise<void> {
  if (o.ports.length === 0) throw new ExitError(1, "error: at least 1 PORT is required for port-forward");
  const mappings = o.ports.map(parsePortMapping);
  const address = o.address ?? "127.0.0.1";
  const s = connect(o.globals);
  const servers: net.Server[] = [];
  const open = new Set<net.Socket>();
  try {
    const target = await resolvePodTarget(s.client, s.namespace, o.target, "port-forward");
    const podName = target.name;
    const phase = (target.pod.status as { phase?: string } | undefined)?.phase;
    if (phase !== "Running") throw new ExitError(1, `error: unable to forward port because pod is not running. Current status=${phase ?? "Unknown"}`);
    for (const m of mappings) {
      const remote = servicePortToPodPort(target, m.remote);
      const server = net.createServer((local) => {
        open.add(local);
        local.on("close", () => open.delete(local));
        process.stdout.write(`Handling connection for ${m.local || (server.address() as net.AddressInfo).port}\n`);
        openPortForward(s.conn, s.namespace, podName, remote).then(
          (tunnel) => pipeline(local, tunnel, local, () => undefined),
          (e: unknown) => {
            process.stderr.write(`E: an error occurred forwarding ${(server.address() as net.AddressInfo).port} -> ${remote}: ${e instanceof Error ? e.message : String(e)}\n`);
            local.destroy();
          },
        );
      });
      servers.push(server);
      let port: number;
      try {
        port = await listen(server, m.local, address);
      } catch (e) {
        throw new ExitError(1, `error: unable to listen on port ${m.local}: ${e instanceof Error ? e.message : String(e)}`);
      }
      process.stdout.write(`Forwarding from ${address}:${port} -> ${remote}\n`);
    }
    await new Promise<void>((resolve) => {
      if (o.signal?.aborted) return resolve();
      o.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    for (const server of servers) server.close();
    for (const sock of open) sock.destroy();
    s.client.close();
  }
}

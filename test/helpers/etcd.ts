// A throwaway etcd for tests: Debian's etcd-server binary (/usr/bin/etcd) on
// free loopback ports with a temporary data dir, removed again by stop().
// When the binary is missing, tests skip loudly (`apt-get install -y etcd-server`).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ETCD_BIN = process.env.SKIFF_TEST_ETCD ?? "/usr/bin/etcd";

export function etcdAvailable(): boolean {
  const ok = existsSync(ETCD_BIN);
  if (!ok) console.warn(`\n*** ${ETCD_BIN} is missing: etcd tests are SKIPPED (install it with: apt-get install -y etcd-server) ***\n`);
  return ok;
}

export interface TestEtcd {
  /** host:port of the client URL. */
  endpoint: string;
  /** etcd://host:port, for openStore and --store. */
  spec: string;
  stop(): Promise<void>;
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function healthy(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`http://${endpoint}/health`, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(res.statusCode === 200 && body.includes("true")));
    });
    req.on("error", () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

/** Start etcd and wait until it answers /health (up to 30 s). */
export async function startEtcd(): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-etcd-"));
  const clientPort = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const proc: ChildProcess = spawn(
    ETCD_BIN,
    [
      "--name", "test",
      "--data-dir", join(dir, "data"),
      "--listen-client-urls", client,
      "--advertise-client-urls", client,
      "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer,
      "--initial-cluster", `test=${peer}`,
      "--logger", "zap",
      "--log-level", "warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const endpoint = `127.0.0.1:${clientPort}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (!(await healthy(endpoint))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`etcd did not start on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, spec: `etcd://${endpoint}`, stop };
}

// Two hosts on one machine: network namespaces joined by a veth pair, made by
// this test and removed again. The control plane runs in one namespace bound to
// its veth address; an agent in the other joins across the link (CA discovery
// by hash, node token) and runs the pods scheduled to it. All traffic stays on
// addresses that exist only inside these two namespaces.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../pkg/api/types.js";
import { caCertHash } from "../pkg/apiserver/pki.js";
import { createToken } from "../pkg/auth/token-admin.js";
import { statePaths } from "../pkg/cluster/paths.js";
import { CLI, SkiffProcess, cliBuilt, eventually, nodeReady } from "./helpers/skiff-process.js";

const tag = `${process.pid % 10000}${Math.floor(Math.random() * 90 + 10)}`;
const NS1 = `skiff-${tag}-cp`;
const NS2 = `skiff-${tag}-node`;
const VETH1 = `sk${tag}a`;
const VETH2 = `sk${tag}b`;
const octet = 100 + (process.pid % 100);
const CP_IP = `10.${octet}.${Math.floor(Math.random() * 250) + 1}.1`;
const NODE_IP = CP_IP.replace(/\.1$/, ".2");

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Make both namespaces and the link; false (after cleaning up) when this machine does not allow it. */
function makeHosts(): boolean {
  try {
    ip("netns", "add", NS1);
    ip("netns", "add", NS2);
    ip("link", "add", VETH1, "type", "veth", "peer", "name", VETH2);
    ip("link", "set", VETH1, "netns", NS1);
    ip("link", "set", VETH2, "netns", NS2);
    for (const [ns, dev, addr] of [[NS1, VETH1, CP_IP], [NS2, VETH2, NODE_IP]] as const) {
      ip("-n", ns, "addr", "add", `${addr}/24`, "dev", dev);
      ip("-n", ns, "link", "set", dev, "up");
      ip("-n", ns, "link", "set", "lo", "up");
    }
    return true;
  } catch (e) {
    console.warn(`\n*** cannot create network namespaces (${(e as Error).message.trim()}): the multi-host test is SKIPPED (it needs root and ip netns) ***\n`);
    removeHosts();
    return false;
  }
}

function removeHosts(): void {
  // Deleting a namespace deletes the veth end inside it, and with it the pair.
  for (const ns of [NS1, NS2]) {
    try {
      ip("netns", "del", ns);
    } catch {
      // not there (never made, or already gone)
    }
  }
}

/** One CLI command inside a namespace. */
function skiffIn(ns: string, home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, CLI, ...args], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function getJson(home: string, args: string[]): Promise<KubeObject> {
  const r = await skiffIn(NS1, home, ["get", ...args, "-o", "json"]);
  if (r.code !== 0) throw new Error(`skiff get ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as KubeObject;
}

const canRun = process.platform === "linux" && process.getuid?.() === 0 && cliBuilt();
if (!canRun) console.warn("\n*** the multi-host (ip netns) test needs Linux, root and a built CLI: SKIPPED ***\n");

describe.skipIf(!canRun)("an agent on another host (network namespace) joins across a veth link", () => {
  let made = false;
  let home: string;
  let cp: SkiffProcess | undefined;
  let agent: SkiffProcess | undefined;

  beforeAll(async () => {
    made = makeHosts();
    home = mkdtempSync(join(tmpdir(), "skiff-netns-"));
    if (!made) return;
    cp = new SkiffProcess("control-plane", ["control-plane", "--host", CP_IP, "--port", "0", "--tls-san", CP_IP, "--node-grace-period", "10s"], { SKIFF_HOME: home }, ["ip", "netns", "exec", NS1]);
    const url = (await cp.waitFor(/API server:\s+(https:\/\/\S+)/, 90_000))[1]!;
    expect(url).toMatch(new RegExp(`^https://${CP_IP.replace(/\./g, "\\.")}:\\d+$`));
    const paths = statePaths(home);
    const token = (await createToken(paths.tokens, undefined, { node: "remote-1" })).token;
    const hash = caCertHash(readFileSync(paths.caCert, "utf8"));
    agent = new SkiffProcess(
      "agent",
      ["agent", "--server", url, "--token", token, "--ca-cert-hash", hash, "--name", "remote-1", "--runtime", "fake", "--node-ip", NODE_IP, "--heartbeat", "1s"],
      { SKIFF_HOME: join(home, "remote-host") },
      ["ip", "netns", "exec", NS2],
    );
    await agent.waitFor(/joined/, 60_000);
  }, 180_000);

  afterAll(async () => {
    await agent?.kill();
    await cp?.kill();
    removeHosts();
    if (home) rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it("registers the remote node, which heartbeats across the link", async (ctx) => {
    if (!made) return ctx.skip();
    const node = await eventually("node remote-1 Ready", async () => {
      const n = await getJson(home, ["node", "remote-1"]);
      return nodeReady(n) === "True" ? n : undefined;
    }, 60_000, 500);
    expect(node.metadata.labels?.["kubernetes.io/hostname"]).toBe("remote-1");
    const renewTime = async () => ((await getJson(home, ["lease", "remote-1", "-n", "kube-node-lease"])).spec as { renewTime?: string }).renewTime;
    const first = await renewTime();
    expect(first).toBeTruthy();
    await eventually("the lease to be renewed again", async () => (await renewTime()) !== first, 30_000, 500);
  });

  it("runs the pods scheduled to it there", async (ctx) => {
    if (!made) return ctx.skip();
    const manifest = join(home, "web.yaml");
    writeFileSync(
      manifest,
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: {name: web, namespace: default}",
        "spec:",
        "  replicas: 3",
        "  selector: {matchLabels: {app: web}}",
        "  template:",
        "    metadata: {labels: {app: web}}",
        "    spec:",
        "      nodeSelector: {kubernetes.io/hostname: remote-1}",
        "      containers: [{name: web, image: example/web:1}]",
        "",
      ].join("\n"),
    );
    const applied = await skiffIn(NS1, home, ["apply", "-f", manifest]);
    expect(applied.code, applied.stderr).toBe(0);
    const pods = await eventually("3 running pods on remote-1", async () => {
      const list = (await getJson(home, ["pods", "-l", "app=web"])) as unknown as { items: KubeObject[] };
      const running = list.items.filter((p) => (p.status as { phase?: string }).phase === "Running");
      return running.length === 3 ? running : undefined;
    }, 90_000, 500);
    for (const p of pods) {
      expect((p.spec as { nodeName?: string }).nodeName).toBe("remote-1");
      expect((p.status as { hostIP?: string }).hostIP).toBe(NODE_IP);
    }
  });
});

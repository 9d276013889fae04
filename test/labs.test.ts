// Every lab in manifests/ applied as-is, the way manifests/README.md tells a
// student to, reaching the state the lab text promises. The fake runtime runs
// all of them (crash-loop and OOM are only accepted there: fake containers do
// not crash or allocate); Docker runs the ones that need real processes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dockerOrWarn } from "./helpers/docker.js";

const CLI = fileURLToPath(new URL("../dist/cmd/skiff.js", import.meta.url));
const lab = (p: string) => fileURLToPath(new URL(`../manifests/${p}`, import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(home: string) {
  return (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.stdin.end();
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body.trim()));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

interface PodView {
  name: string;
  node: string;
  phase: string;
  restarts: number;
  waiting?: string;
  lastTerminated?: { reason?: string; exitCode?: number };
  env?: string;
}

async function pods(skiff: ReturnType<typeof cli>, selector: string): Promise<PodView[]> {
  const r = await skiff(["get", "pods", "-l", selector, "-o", "json"]);
  if (r.code !== 0) throw new Error(r.stderr);
  type P = {
    metadata: { name: string; deletionTimestamp?: string };
    spec: { nodeName?: string; containers: Array<{ env?: Array<{ value?: string }> }> };
    status?: { phase?: string; containerStatuses?: Array<{ restartCount: number; state?: { waiting?: { reason?: string } }; lastState?: { terminated?: { reason?: string; exitCode?: number } } }> };
  };
  return (JSON.parse(r.stdout).items as P[])
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      node: p.spec.nodeName ?? "",
      phase: p.status?.phase ?? "",
      restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0,
      waiting: p.status?.containerStatuses?.[0]?.state?.waiting?.reason,
      lastTerminated: p.status?.containerStatuses?.[0]?.lastState?.terminated,
      env: p.spec.containers[0].env?.[0]?.value,
    }));
}

describe("labs on the fake runtime", () => {
  let home: string;
  let skiff: ReturnType<typeof cli>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-labs-fake-"));
    skiff = cli(home);
  });
  afterAll(async () => {
    await skiff(["down"]);
    rmSync(home, { recursive: true, force: true });
  }, 120_000);

  it("01-web: `skiff up -f` starts three nodes, applies, waits; the node port answers from every replica", async () => {
    const up = await skiff(["up", "--detach", "--runtime", "fake", "--fake-http", "--nodes", "3", "--port", "0", "-f", lab("01-web/")]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain("deployment.apps/web created");
    expect(up.stderr).toContain("deployment.apps/web ready (3/3 available)");
    const web = await pods(skiff, "app=web");
    expect(web.map((p) => p.phase)).toEqual(["Running", "Running", "Running"]);
    expect(new Set(web.map((p) => p.node)).size).toBeGreaterThanOrEqual(2);
    const port = parseInt((await skiff(["get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}"])).stdout, 10);
    expect(port).toBeGreaterThanOrEqual(30000);
    // The fake runtime answers with the pod's name; round-robin reaches every replica.
    const seen = await until("every replica to answer on the node port", async () => {
      const s = new Set<string>();
      for (let i = 0; i < 12; i++) s.add(await httpGet(port));
      return s.size === 3 ? s : undefined;
    });
    expect([...seen].sort()).toEqual(web.map((p) => p.name).sort());
  }, 180_000);

  it("02-rolling-update: v2 rolls out, history shows both causes, undo brings v1 back", async () => {
    expect((await skiff(["apply", "-f", lab("02-rolling-update/v1.yaml"), "--wait", "--timeout", "2m"])).code).toBe(0);
    expect((await skiff(["apply", "-f", lab("02-rolling-update/v2.yaml")])).stdout).toContain("deployment.apps/rollout-demo configured");
    const status = await skiff(["rollout", "status", "deploy/rollout-demo", "--timeout", "2m"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('deployment "rollout-demo" successfully rolled out');
    expect((await pods(skiff, "app=rollout-demo")).map((p) => p.env)).toEqual(["v2", "v2", "v2", "v2"]);
    const history = (await skiff(["rollout", "history", "deploy/rollout-demo"])).stdout;
    expect(history).toMatch(/1\s+first version \(VERSION=v1\)/);
    expect(history).toMatch(/2\s+serve version 2 \(VERSION=v2\)/);
    expect((await skiff(["rollout", "undo", "deploy/rollout-demo"])).stdout).toContain("rolled back");
    expect((await skiff(["rollout", "status", "deploy/rollout-demo", "--timeout", "2m"])).code).toBe(0);
    const back = await until("four v1 pods", async () => {
      const p = await pods(skiff, "app=rollout-demo");
      return p.length === 4 && p.every((x) => x.env === "v1" && x.phase === "Running") ? p : undefined;
    });
    expect(back).toHaveLength(4);
    expect((await skiff(["rollout", "history", "deploy/rollout-demo"])).stdout).toMatch(/3\s+first version \(VERSION=v1\)/);
  }, 300_000);

  it("03-crash-loop and 04-oom: accepted and scheduled (the crashing is checked on Docker)", async () => {
    console.warn("\n*** labs 03-crash-loop / 04-oom on the fake runtime: only checking the manifests are accepted and scheduled; CrashLoopBackOff and OOMKilled need Docker (see 'labs on Docker') ***\n");
    const r = await skiff(["apply", "-f", lab("03-crash-loop/"), "-f", lab("04-oom/")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("pod/crasher created");
    expect(r.stdout).toContain("pod/memory-hog created");
    await until("both pods on a node", async () => (await pods(skiff, "app in (crasher,memory-hog)")).filter((p) => p.node).length === 2);
    await skiff(["delete", "pod", "crasher", "memory-hog", "--grace-period", "0"]);
  }, 120_000);

  it("05-node-failure: cordon keeps new pods off a node; drain moves its pods to the others", async () => {
    expect((await skiff(["apply", "-f", lab("05-node-failure/"), "--wait", "--timeout", "2m"])).code).toBe(0);
    const before = await pods(skiff, "app=spread");
    expect(before).toHaveLength(6);
    expect(new Set(before.map((p) => p.node)).size).toBe(3);
    expect((await skiff(["cordon", "node-2"])).stdout).toBe("node/node-2 cordoned\n");
    expect((await skiff(["get", "nodes", "node-2"])).stdout).toContain("Ready,SchedulingDisabled");
    expect((await skiff(["scale", "deploy", "spread", "--replicas=8"])).code).toBe(0);
    const scaled = await until("eight pods on nodes", async () => {
      const p = await pods(skiff, "app=spread");
      return p.length === 8 && p.every((x) => x.node) ? p : undefined;
    });
    const fresh = scaled.filter((p) => !before.some((b) => b.name === p.name));
    expect(fresh).toHaveLength(2);
    expect(fresh.every((p) => p.node !== "node-2")).toBe(true);
    const drain = await skiff(["drain", "node-2", "--ignore-daemonsets", "--timeout", "2m"]);
    expect(drain.code, drain.stderr).toBe(0);
    expect(drain.stdout).toContain("node/node-2 drained");
    const after = await until("eight running pods, none on node-2", async () => {
      const p = await pods(skiff, "app=spread");
      return p.length === 8 && p.every((x) => x.phase === "Running" && x.node !== "node-2" && x.node !== "") ? p : undefined;
    });
    expect(new Set(after.map((p) => p.node))).toEqual(new Set(["node-1", "node-3"]));
    expect((await skiff(["uncordon", "node-2"])).stdout).toBe("node/node-2 uncordoned\n");
    await skiff(["delete", "-f", lab("05-node-failure/")]);
  }, 240_000);

  it("06-autoscaling: the HPA is accepted and points at the deployment", async () => {
    const r = await skiff(["apply", "-f", lab("06-autoscaling/"), "--wait", "--timeout", "2m"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("horizontalpodautoscaler.autoscaling/cpu-burner created");
    const hpa = await skiff(["get", "hpa", "cpu-burner"]);
    expect(hpa.stdout).toMatch(/cpu-burner\s+Deployment\/cpu-burner\s+\S+.*\s+1\s+4\s+/);
    // With an HPA controller running, the HPA gets a status; without one, acceptance is all we can check.
    const seen = await until("an HPA status", async () => (await skiff(["get", "hpa", "cpu-burner", "-o", "jsonpath={.status.currentReplicas}"])).stdout || "absent", 15_000);
    if (seen === "absent") console.warn("\n*** lab 06-autoscaling: no HPA controller answered; only checked that the HPA is accepted ***\n");
    else expect(parseInt(seen, 10)).toBeGreaterThanOrEqual(1);
    await skiff(["delete", "-f", lab("06-autoscaling/")]);
  }, 180_000);

  it("08-persistent-storage: every claim is bound to a volume of the default class", async () => {
    const r = await skiff(["apply", "-f", lab("08-persistent-storage/"), "--wait", "--timeout", "2m"]);
    expect(r.code, r.stderr).toBe(0);
    const claims = await until("three bound claims", async () => {
      const out = (await skiff(["get", "pvc", "-n", "lab08", "--no-headers"])).stdout.trim().split("\n");
      return out.length === 3 && out.every((l) => /\sBound\s+pvc-\S+\s+\S+\s+RWO\s+standard\s/.test(l)) ? out : undefined;
    });
    expect(claims.map((l) => l.split(/\s+/)[0]).sort()).toEqual(["db-data", "journal-data-journal-0", "journal-data-journal-1"]);
    await skiff(["delete", "-f", lab("08-persistent-storage/")]);
  }, 180_000);
});

const docker = await dockerOrWarn("the Docker parts of the labs (03-crash-loop, 04-oom, 01-web with real httpd)");
await docker?.close();

describe.skipIf(!docker)("labs on Docker", () => {
  let home: string;
  let skiff: ReturnType<typeof cli>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-labs-docker-"));
    skiff = cli(home);
    const up = await skiff(["up", "--detach", "--runtime", "docker", "--nodes", "1", "--port", "0"]);
    if (up.code !== 0) throw new Error(`skiff up failed: ${up.stderr}`);
  }, 180_000);
  afterAll(async () => {
    await skiff(["down"]); // removes the containers it started
    rmSync(home, { recursive: true, force: true });
  }, 180_000);

  it("01-web: busybox httpd serves the page that names its pod; skiff exec reads it", async () => {
    expect((await skiff(["apply", "-f", lab("01-web/"), "--wait", "--timeout", "3m"])).code).toBe(0);
    const port = parseInt((await skiff(["get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}"])).stdout, 10);
    const body = await until("the node port to answer", () => httpGet(port));
    expect(body).toMatch(/^hello from web-[a-z0-9]+-[a-z0-9]{5}$/);
    // skiff exec on real containers: the page each pod wrote, and the command's exit code.
    const [first] = await pods(skiff, "app=web");
    const page = await skiff(["exec", first.name, "--", "cat", "/www/index.html"]);
    expect(page).toMatchObject({ code: 0, stdout: `hello from ${first.name}\n` });
    const failing = await skiff(["exec", first.name, "--", "sh", "-c", "echo oops >&2; exit 4"]);
    expect(failing.code).toBe(4);
    expect(failing.stderr).toContain("oops");
    await skiff(["delete", "-f", lab("01-web/")]);
  }, 240_000);

  it("07-multi-tier: the frontend reaches its backend by Service name through cluster DNS", async () => {
    expect((await skiff(["apply", "-f", lab("07-multi-tier/"), "--wait", "--timeout", "3m"])).code).toBe(0);
    const port = parseInt((await skiff(["get", "svc", "frontend", "-n", "lab07", "-o", "jsonpath={.spec.ports[0].nodePort}"])).stdout, 10);
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const req = http.get({ host: "127.0.0.1", port, path, agent: false, timeout: 10_000 }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve(body.trim()));
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
      });
    // The answer names the backend pod that served it: "frontend got: backend backend-<rs>-<id>".
    const seen = new Set<string>();
    await until("answers from both backend pods through http://backend/", async () => {
      const m = /^frontend got: backend (backend-[a-z0-9]+-[a-z0-9]{5})$/.exec(await get("/cgi-bin/app"));
      if (m) seen.add(m[1]);
      return seen.size >= 2;
    });
    await skiff(["delete", "-f", lab("07-multi-tier/")]);
  }, 240_000);

  it("08-persistent-storage: the replacement db pod reads the count its predecessor wrote; journal-1 finds its claim again", async () => {
    expect((await skiff(["apply", "-f", lab("08-persistent-storage/"), "--wait", "--timeout", "3m"])).code).toBe(0);
    const logsOf = async (pod: string) => (await skiff(["logs", pod, "-n", "lab08"])).stdout.trim();
    const dbPod = async () => {
      const r = await skiff(["get", "pods", "-n", "lab08", "-l", "app=db", "-o", "json"]);
      const items = (JSON.parse(r.stdout).items as Array<{ metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } }>).filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running");
      return items.length === 1 ? items[0].metadata.name : undefined;
    };
    const first = await until("the db pod", dbPod);
    await until("boot 1", async () => (await logsOf(first)) === "boot 1");
    expect((await skiff(["delete", "pod", first, "-n", "lab08"])).code).toBe(0);
    const second = await until("a new db pod", async () => {
      const p = await dbPod();
      return p && p !== first ? p : undefined;
    });
    await until("boot 2", async () => (await logsOf(second)) === "boot 2");
    expect((await skiff(["scale", "sts", "journal", "-n", "lab08", "--replicas=1"])).code).toBe(0);
    await until("journal-1 gone", async () => (await skiff(["get", "pod", "journal-1", "-n", "lab08"])).code !== 0);
    expect((await skiff(["scale", "sts", "journal", "-n", "lab08", "--replicas=2"])).code).toBe(0);
    await until("journal-1 started twice", async () => (await logsOf("journal-1")) === "journal-1 started\njournal-1 started");
    await skiff(["delete", "-f", lab("08-persistent-storage/")]);
  }, 240_000);

  it("03-crash-loop: restarts with back-off; logs --previous and describe say why", async () => {
    expect((await skiff(["apply", "-f", lab("03-crash-loop/")])).code).toBe(0);
    await until(
      "CrashLoopBackOff after two restarts",
      async () => {
        const [p] = await pods(skiff, "app=crasher");
        return p && p.restarts >= 2 && p.waiting === "CrashLoopBackOff";
      },
      150_000,
    );
    expect((await skiff(["get", "pod", "crasher"])).stdout).toMatch(/crasher\s+0\/1\s+CrashLoopBackOff\s+[2-9]/);
    const prev = await skiff(["logs", "crasher", "--previous"]);
    expect(prev.stdout).toContain("starting up");
    expect(prev.stdout).toContain("fatal: cannot read /etc/app/config.yaml");
    const described = (await skiff(["describe", "pod", "crasher"])).stdout;
    expect(described).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+Error\n\s+Exit Code:\s+1/);
    expect(described).toContain("Back-off restarting failed container app");
    await skiff(["delete", "pod", "crasher", "--grace-period", "0"]);
  }, 240_000);

  it("04-oom: the memory limit kills the hog: OOMKilled, exit 137", async () => {
    expect((await skiff(["apply", "-f", lab("04-oom/")])).code).toBe(0);
    const p = await until(
      "an OOMKilled last state",
      async () => {
        const [x] = await pods(skiff, "app=memory-hog");
        return x?.lastTerminated?.reason === "OOMKilled" ? x : undefined;
      },
      150_000,
    );
    expect(p.lastTerminated?.exitCode).toBe(137);
    const described = (await skiff(["describe", "pod", "memory-hog"])).stdout;
    expect(described).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137/);
    expect(described).toMatch(/Limits:\n\s+cpu:\s+200m\n\s+memory:\s+32Mi/);
    await skiff(["delete", "pod", "memory-hog", "--grace-period", "0"]);
  }, 240_000);
});

// Real kubectl (/usr/bin/kubectl) against a running skiff API server: apply,
// get, scale, three-way re-apply, watch and delete, with no flags a user would
// not pass to a real cluster (no --validate=false, no --insecure-skip-tls-verify).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) {
  console.warn(`\n*** SKIPPING real-kubectl tests: ${KUBECTL} not found (set KUBECTL=/path/to/kubectl) ***\n`);
}
const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));

describe.skipIf(!haveKubectl)("real kubectl against skiff", () => {
  let cp: ControlPlane;
  let dir: string;

  async function kubectl(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir }, timeout: 30_000 });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")} failed: ${err.stderr || err.message}`);
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-kubectl-"));
    cp = await startControlPlane({ stateDir: dir, store: "sqlite", port: 0 });
  });

  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies a multi-document manifest with validation on", async () => {
    const out = await kubectl("apply", "-f", fixture("app.yaml"));
    expect(out).toContain("configmap/web-config created");
    expect(out).toContain("deployment.apps/web created");
    expect(out).toContain("service/web created");
    expect(out).toContain("pod/solo created");
  });

  it("gets several kinds at once with server-side columns", async () => {
    const out = await kubectl("get", "pods,deploy,svc");
    expect(out).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    expect(out).toMatch(/pod\/solo\s+0\/1\s+Pending\s+0/);
    expect(out).toMatch(/NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    expect(out).toMatch(/deployment\.apps\/web\s+0\/2\s+0\s+0/);
    expect(out).toMatch(/service\/web\s+ClusterIP/);
  });

  it("prints one object as YAML with defaults filled in", async () => {
    const out = await kubectl("get", "deploy", "web", "-o", "yaml");
    expect(out).toContain("kind: Deployment");
    expect(out).toContain("replicas: 2");
    expect(out).toContain("maxSurge: 25%");
    expect(out).toContain("imagePullPolicy: Always");
    expect(out).toMatch(/uid: [0-9a-f-]{36}/);
  });

  it("scales through the scale subresource", async () => {
    expect(await kubectl("scale", "deploy", "web", "--replicas=5")).toContain("deployment.apps/web scaled");
    expect(await kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")).toBe("5");
  });

  it("re-applies an edited manifest with a three-way merge", async () => {
    await kubectl("annotate", "deploy", "web", "lab.skiff.dev/owner=team-a");
    const out = await kubectl("apply", "-f", fixture("app-v2.yaml"));
    expect(out).toContain("deployment.apps/web configured");
    expect(out).toContain("service/web unchanged");
    const dep = JSON.parse(await kubectl("get", "deploy", "web", "-o", "json"));
    expect(dep.spec.template.spec.containers[0].image).toBe("skiff/busybox:1.36");
    // The label dropped from the manifest is removed...
    expect(dep.metadata.labels).toEqual({ app: "web" });
    // ...an annotation set by someone else survives...
    expect(dep.metadata.annotations["lab.skiff.dev/owner"]).toBe("team-a");
    // ...and replicas go back to the manifest's value, as on a real cluster.
    expect(dep.spec.replicas).toBe(2);
    expect(dep.metadata.generation).toBeGreaterThanOrEqual(3);
  });

  it("rejects an unknown field under strict validation and applies nothing", async () => {
    const bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: b\n";
    const child = spawn(KUBECTL, ["apply", "-f", "-"], { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdin.end(bad);
    const code = await new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
    expect(code).not.toBe(0);
    expect(stderr).toContain('unknown field "datta"');
    await expect(kubectl("get", "configmap", "typo")).rejects.toThrow(/NotFound/);
  });

  it("sees events with get -w", async () => {
    const child = spawn(KUBECTL, ["get", "pods", "-w"], { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      await waitFor(() => out.includes("solo"), 10_000);
      await kubectl("run", "watched", "--image=skiff/busybox:latest", "--restart=Never", "--", "sleep", "60");
      await waitFor(() => /watched\s+0\/1\s+Pending/.test(out), 10_000);
    } finally {
      child.kill();
    }
    expect(out).toMatch(/watched\s+0\/1\s+Pending/);
  });

  it("deletes everything in the manifest and waits for it", async () => {
    const out = await kubectl("delete", "-f", fixture("app-v2.yaml"));
    expect(out).toContain('deployment.apps "web" deleted');
    expect(out).toContain('pod "solo" deleted');
    expect(await kubectl("get", "deploy,svc,cm", "-o", "name")).not.toMatch(/web/);
  });

  it("refuses a kubeconfig without the token", async () => {
    const { stdout: view } = await run(KUBECTL, ["config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}"], {
      env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir },
    });
    expect(view).toBe(cp.url);
    await expect(
      run(KUBECTL, ["get", "pods", "--token=not-the-token"], { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir } }),
    ).rejects.toThrow(/Unauthorized|must be logged in/);
  });
});

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

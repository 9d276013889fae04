// The skiff CLI as a user runs it: `skiff up` in its own process, then apply,
// get, delete; bad input exits non-zero, names file and line, and changes
// nothing; a killed control plane comes back with everything it acknowledged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../dist/cmd/skiff.js", import.meta.url));
const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("skiff CLI", () => {
  let home: string;
  let up: ChildProcess | undefined;

  function skiff(args: string[], input?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.stdin.end(input ?? "");
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  async function startUp(): Promise<string> {
    up = spawn(process.execPath, [CLI, "up", "--port", "0", "--runtime", "fake", "--nodes", "2"], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" } });
    let out = "";
    up.stderr!.on("data", (d) => (out += d));
    return new Promise((resolve, reject) => {
      up!.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("Press Ctrl-C")) resolve(out);
      });
      up!.on("exit", (code) => reject(new Error(`skiff up exited ${code}: ${out}`)));
    });
  }

  function killUp(signal: NodeJS.Signals): Promise<void> {
    const p = up!;
    up = undefined;
    return new Promise((resolve) => {
      p.removeAllListeners("exit");
      p.once("exit", () => resolve());
      p.kill(signal);
    });
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-cli-"));
  });
  afterAll(async () => {
    if (up) await killUp("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  it("says how to start a cluster when none runs", async () => {
    const r = await skiff(["get", "pods"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("skiff up");
  });

  it("starts with `skiff up` and prints the API URL and kubeconfig line", async () => {
    const out = await startUp();
    expect(out).toMatch(/API server:\s+https:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain(`export KUBECONFIG=${join(home, "kubeconfig")}`);
  });

  it("applies a manifest, then reports unchanged on the second apply", async () => {
    const first = await skiff(["apply", "-f", fixture("app.yaml")]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("deployment.apps/web created");
    const second = await skiff(["apply", "-f", fixture("app.yaml")]);
    expect(second.stdout).toContain("deployment.apps/web unchanged");
    expect(second.stdout).toContain("configmap/web-config unchanged");
  });

  it("gets tables, yaml, json, names and selections", async () => {
    const table = await skiff(["get", "deploy,svc"]);
    expect(table.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    expect(table.stdout).toMatch(/deployment\.apps\/web\s+[0-2]\/2/);
    const json = JSON.parse((await skiff(["get", "deploy", "web", "-o", "json"])).stdout);
    expect(json.spec.replicas).toBe(2);
    const yaml = (await skiff(["get", "cm", "web-config", "-o", "yaml"])).stdout;
    expect(yaml).toMatch(/^apiVersion: v1\ndata:\n  greeting: hello\nkind: ConfigMap/);
    expect((await skiff(["get", "pods", "-o", "name", "-l", "app=solo"])).stdout).toBe("pod/solo\n");
    const none = await skiff(["get", "pods", "-l", "app=nothing"]);
    expect(none.stderr).toContain("No resources found in default namespace.");
    const missing = await skiff(["get", "deploy", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('deployments.apps "nope" not found');
  });

  it("refuses a batch with one bad document: names file and line, applies nothing", async () => {
    const file = join(home, "bad.yaml");
    writeFileSync(
      file,
      [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: good-one",
        "data: {a: b}",
        "---",
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        "  name: broken",
        "spec:",
        "  replicas: -1",
        "  selector: {matchLabels: {app: x}}",
        "  template:",
        "    metadata: {labels: {app: x}}",
        "    spec:",
        "      containers:",
        "      - name: c",
        "        image: busybox",
        "        resources: {limits: {memory: 12Q}}",
        "",
      ].join("\n"),
    );
    const r = await skiff(["apply", "-f", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:12: Deployment "broken": spec.replicas: Invalid value: -1`);
    expect(r.stderr).toMatch(new RegExp(`${file}:20: .*resources\\.limits\\.memory.*12Q`));
    expect(r.stderr).toContain("nothing was applied");
    expect((await skiff(["get", "cm", "good-one"])).code).toBe(1);
  });

  it("reports YAML syntax errors with the line, from stdin too", async () => {
    const r = await skiff(["apply", "-f", "-"], "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: [\n");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/<stdin>:\d+:/);
  });

  it("deletes by file and by selector", async () => {
    const r = await skiff(["delete", "-f", fixture("app.yaml")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps "web" deleted');
    expect(r.stdout).toContain('pod "solo" deleted');
    const again = await skiff(["delete", "deploy", "web"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("NotFound");
  });

  it("keeps every acknowledged object across a kill -9 of the control plane", async () => {
    const docs = Array.from({ length: 30 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-${i}\ndata:\n  i: "${i}"\n`).join("---\n");
    const applied = await skiff(["apply", "-f", "-"], docs);
    expect(applied.code).toBe(0);
    const before = (await skiff(["get", "cm", "-o", "json"])).stdout;
    await killUp("SIGKILL");
    await startUp();
    const after = (await skiff(["get", "cm", "-o", "json"])).stdout;
    const names = (s: string) => (JSON.parse(s).items as Array<{ metadata: { name: string; resourceVersion: string } }>).map((i) => `${i.metadata.name}@${i.metadata.resourceVersion}`);
    expect(names(after)).toEqual(names(before));
    expect(names(after).filter((n) => n.startsWith("keep-"))).toHaveLength(30);
  });
});

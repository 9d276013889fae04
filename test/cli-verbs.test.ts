// The issue-6 verbs as a user types them, against `skiff up --detach` on the
// fake runtime: status/down, apply --wait, jsonpath and custom columns,
// label/annotate, edit with $EDITOR, explain, config, completion, exec.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const CLI = fileURLToPath(new URL("../dist/cmd/skiff.js", import.meta.url));
const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/${f}`, import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("skiff verbs (issue 6)", () => {
  let home: string;

  function skiff(args: string[], env: Record<string, string> = {}, input = ""): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1", ...env } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.stdin.end(input);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  function script(name: string, body: string): string {
    const path = join(home, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-verbs-"));
  }, 60_000);

  afterAll(async () => {
    await skiff(["down"]);
    rmSync(home, { recursive: true, force: true });
  }, 120_000);

  it("status says nothing runs; up --detach starts in the background and returns", async () => {
    const none = await skiff(["status"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("skiff is not running");
    const up = await skiff(["up", "--detach", "--runtime", "fake", "--nodes", "2", "--port", "0"]);
    expect(up.stderr).toBe("");
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/skiff is up\n\s+API server:\s+https:\/\/127\.0\.0\.1:\d+/);
    expect(up.stdout).toContain("Stop it with `skiff down`");
    const pid = parseInt(readFileSync(join(home, "skiff.pid"), "utf8"), 10);
    expect(up.stdout).toContain(`(pid ${pid})`);
    const st = await skiff(["status"]);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain(`skiff is running (pid ${pid})`);
    expect(st.stdout).toMatch(/\(healthy\)/);
    expect(st.stdout).toMatch(/nodes:\s+2 \(\d Ready\)/);
    const again = await skiff(["up", "--detach", "--runtime", "fake", "--port", "0"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`already running`);
  }, 120_000);

  it("apply --wait waits until the workloads are ready", async () => {
    const r = await skiff(["apply", "-f", fixture("app.yaml"), "--wait", "--timeout", "2m"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("deployment.apps/web created");
    expect(r.stderr).toContain("deployment.apps/web ready (2/2 available)");
    expect(r.stderr).toContain("pod/solo ready (Running)");
    expect(r.stderr).toContain("all 2 workloads are ready");
    // Right after --wait returns, every pod is running: no polling needed.
    const pods = await skiff(["get", "pods", "-o", "jsonpath={.items[*].status.phase}"]);
    expect(pods.stdout.split(" ")).toEqual(["Running", "Running", "Running"]);
  }, 180_000);

  it("apply --wait times out with exit 1 naming what is not ready", async () => {
    const stuck = [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: stuck}",
      "spec:",
      "  replicas: 1",
      "  selector: {matchLabels: {app: stuck}}",
      "  template:",
      "    metadata: {labels: {app: stuck}}",
      "    spec:",
      "      nodeSelector: {disk: none-such}",
      "      containers: [{name: c, image: skiff/busybox:latest}]",
    ].join("\n");
    const r = await skiff(["apply", "-f", "-", "--wait", "--timeout", "3s"], {}, stuck);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("timed out after 3s waiting for:");
    expect(r.stderr).toContain("deployment.apps/stuck: 0/1 available");
    await skiff(["delete", "deploy", "stuck"]);
  }, 60_000);

  it("prints jsonpath templates and custom columns", async () => {
    const names = await skiff(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.labels.app}"]);
    expect(names.stdout).toBe("web web");
    const range = await skiff(["get", "deploy", "-o", 'jsonpath={range .items[*]}{.metadata.name}={.spec.replicas}{"\\n"}{end}']);
    expect(range.stdout).toBe("web=2\n");
    const one = await skiff(["get", "pod", "solo", "-o", "jsonpath={.spec.containers[0].name}"]);
    expect(one.stdout).toBe("main");
    writeFileSync(join(home, "tpl.txt"), "{.metadata.name}");
    expect((await skiff(["get", "pod", "solo", "-o", `jsonpath-file=${join(home, "tpl.txt")}`])).stdout).toBe("solo");
    const cols = await skiff(["get", "svc", "web", "-o", "custom-columns=NAME:.metadata.name,PORT:.spec.ports[*].port,NOPE:.spec.nothing"]);
    expect(cols.stdout).toBe("NAME   PORT   NOPE\nweb    80     <none>\n");
    const bad = await skiff(["get", "pods", "-o", "jsonpath={.items[*"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("error parsing jsonpath");
  }, 60_000);

  it("labels and annotates like kubectl, refusing to overwrite without --overwrite", async () => {
    expect((await skiff(["label", "pods", "solo", "tier=a"])).stdout).toBe("pod/solo labeled\n");
    const clash = await skiff(["label", "pod/solo", "tier=b"]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain("'tier' already has a value (a), and --overwrite is false");
    expect((await skiff(["label", "pod/solo", "tier=b", "--overwrite"])).stdout).toBe("pod/solo labeled\n");
    expect((await skiff(["get", "pods", "-l", "tier=b", "-o", "name"])).stdout).toBe("pod/solo\n");
    expect((await skiff(["label", "pods", "-l", "app=web", "lab=one"])).stdout.split("\n").filter(Boolean)).toHaveLength(2);
    expect((await skiff(["label", "pods", "solo", "tier-"])).stdout).toBe("pod/solo unlabeled\n");
    expect((await skiff(["annotate", "deploy", "web", "owner=team a"])).stdout).toBe("deployment.apps/web annotated\n");
    expect((await skiff(["get", "deploy", "web", "-o", "jsonpath={.metadata.annotations.owner}"])).stdout).toBe("team a");
    const missing = await skiff(["label", "pods", "nope", "a=b"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('pods "nope" not found');
  }, 60_000);

  it("edits with $EDITOR: saves, cancels when unchanged, re-opens with the error", async () => {
    const grow = script("grow.sh", `sed -i 's/^  replicas: 2$/  replicas: 3/' "$1"`);
    const saved = await skiff(["edit", "deploy", "web"], { EDITOR: grow });
    expect(saved.stdout).toBe("deployment.apps/web edited\n");
    expect((await skiff(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])).stdout).toBe("3");
    const noop = await skiff(["edit", "deploy/web"], { EDITOR: script("noop.sh", "true") });
    expect(noop.stdout).toBe("Edit cancelled, no changes made.\n");
    expect(noop.code).toBe(0);
    // Round one breaks the object; round two sees the error as comments and fixes it.
    const seen = join(home, "second-round.yaml");
    const fix = script(
      "fix.sh",
      `if grep -q 'was not valid' "$1"; then cp "$1" "${seen}"; sed -i 's/^  replicas: -1$/  replicas: 2/' "$1"; else sed -i 's/^  replicas: 3$/  replicas: -1/' "$1"; fi`,
    );
    const retried = await skiff(["edit", "deploy", "web"], { KUBE_EDITOR: fix, EDITOR: "false" });
    expect(retried.stdout).toBe("deployment.apps/web edited\n");
    const second = readFileSync(seen, "utf8");
    expect(second).toContain("# Please edit the object below.");
    expect(second).toContain('# deployments.apps "web" was not valid:');
    expect(second).toMatch(/# \* spec\.replicas: Invalid value: -1/);
    expect((await skiff(["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"])).stdout).toBe("2");
  }, 90_000);

  it("explains resources and fields without a cluster", async () => {
    const r = await skiff(["explain", "deploy.spec.replicas"], { SKIFF_HOME: join(home, "nowhere") });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1\n\nFIELD: replicas <integer>/);
    const bad = await skiff(["explain", "deploy.spec.nope"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('field "nope" does not exist');
  }, 30_000);

  it("views the kubeconfig redacted, and sets the current namespace", async () => {
    const view = await skiff(["config", "view"]);
    expect(view.stdout).toContain("token: REDACTED");
    expect(view.stdout).toContain("certificate-authority-data: DATA+OMITTED");
    const raw = parse((await skiff(["config", "view", "--raw", "--minify"])).stdout);
    expect(raw.users[0].user.token).toMatch(/^[\w-]{20,}$/);
    expect((await skiff(["config", "current-context"])).stdout).toBe("skiff\n");
    expect((await skiff(["create", "-f", "-"], {}, "apiVersion: v1\nkind: Namespace\nmetadata: {name: lab}\n")).code).toBe(0);
    expect((await skiff(["config", "set-context", "--current", "--namespace=lab"])).stdout).toBe('Context "skiff" modified.\n');
    const none = await skiff(["get", "pods"]);
    expect(none.stderr).toContain("No resources found in lab namespace.");
    await skiff(["config", "set-context", "--current", "--namespace=default"]);
    expect((await skiff(["get", "pod", "solo", "-o", "name"])).stdout).toBe("pod/solo\n");
  }, 60_000);

  it("prints a bash completion script that completes names from the cluster", async () => {
    const r = await skiff(["completion", "bash"]);
    expect(r.stdout).toContain("complete -o default -F _skiff skiff");
    const file = join(home, "completion.bash");
    writeFileSync(file, r.stdout);
    const bin = join(home, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "skiff"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, "skiff"), 0o755);
    const out = await new Promise<string>((resolve) => {
      const c = spawn("/bin/bash", ["-c", `source "${file}"; COMP_WORDS=(skiff get pods so); COMP_CWORD=3; _skiff; echo "\${COMPREPLY[*]}"`], {
        env: { ...process.env, SKIFF_HOME: home, PATH: `${bin}:${process.env.PATH}` },
      });
      let s = "";
      c.stdout.on("data", (d) => (s += d));
      c.on("close", () => resolve(s));
    });
    expect(out.trim()).toBe("solo");
  }, 60_000);

  it("execs a command in a pod; the exit code is the command's", async () => {
    const ok = await skiff(["exec", "solo", "--", "echo", "hello", "lab"]);
    expect(ok).toMatchObject({ code: 0, stdout: "hello lab\n" });
    const fail = await skiff(["exec", "pod/solo", "-c", "main", "--", "sh", "-c", "exit 3"]);
    expect(fail.code).toBe(3);
    expect(fail.stderr).toContain("command terminated with exit code 3");
    // -t without a terminal falls back to plain streams, as kubectl does
    const it_ = await skiff(["exec", "-it", "solo", "--", "true"]);
    expect(it_.code).toBe(0);
    expect(it_.stderr).toContain("Unable to use a TTY");
    const wrong = await skiff(["exec", "solo", "-c", "nope", "--", "true"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("container nope is not valid for pod solo");
    expect((await skiff(["exec", "--help"])).stdout).toContain("-i sends stdin");
  }, 60_000);

  it("down stops the background skiff and clears its pid file", async () => {
    const pid = parseInt(readFileSync(join(home, "skiff.pid"), "utf8"), 10);
    const r = await skiff(["down"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`skiff stopped (pid ${pid}); its containers were removed`);
    expect(existsSync(join(home, "skiff.pid"))).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(readFileSync(join(home, "skiff.log"), "utf8")).toContain("stopping skiff and removing its containers");
    expect((await skiff(["status"])).code).toBe(1);
    expect((await skiff(["down"])).stdout).toContain("skiff is not running");
  }, 120_000);
});

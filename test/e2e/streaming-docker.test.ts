// Issue 18 acceptance on Docker with real kubectl, tmux and the official
// Python client: exec exit codes, exec -i of 1 MiB, cp of 5 MiB both ways,
// port-forward to pod and svc under concurrent load, run -i --rm, attach,
// an interactive shell typed into tmux, and a container killed under a stream.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { runCp } from "../../cmd/commands/cp.js";
import { runPortForward } from "../../cmd/commands/port-forward.js";
import { until } from "../helpers/lab-cluster.js";

const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const PYTHON = "/usr/bin/python3";
const TMUX = "/usr/bin/tmux";
const dockerUp = await new DockerRuntime().ping();
const ready = dockerUp && existsSync(KUBECTL);
if (!ready) console.warn("\n*** SKIPPING streaming-on-Docker tests: needs a Docker engine and /usr/bin/kubectl ***\n");
const havePython = existsSync(PYTHON);
const haveTmux = existsSync(TMUX);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: httpd
    image: skiff/busybox:latest
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir -p /www && echo -n hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: skiff/busybox:latest
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.3; done"]
`;

describe.skipIf(!ready)("exec, attach, cp and port-forward on Docker (real kubectl)", () => {
  let dir: string;
  let cluster: Cluster;
  let env: NodeJS.ProcessEnv;

  function kubectl(args: string[], input?: Buffer | string, timeoutMs = 90_000): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(KUBECTL, args, { env, timeout: timeoutMs, maxBuffer: 64 << 20, encoding: "buffer" }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0, stdout: stdout.toString("latin1"), stderr: stderr.toString() });
      });
      child.stdin!.end(input ?? "");
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-stream-docker-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 1, runtime: "docker", proxy: false, dashboard: false, onError: () => undefined });
    env = { ...process.env, KUBECONFIG: join(dir, "kubeconfig"), HOME: dir };
    writeFileSync(join(dir, "app.yaml"), MANIFEST);
    const applied = await kubectl(["apply", "-f", join(dir, "app.yaml")]);
    expect(applied.stderr).toBe("");
    const waited = await kubectl(["wait", "--for=condition=Ready", "pod/web", "pod/ticker", "--timeout=120s"], undefined, 130_000);
    expect(waited.code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("exec propagates exit code 3 and separates stdout from stderr", async () => {
    const r = await kubectl(["exec", "web", "--", "sh", "-c", "cat /www/index.html; echo oops >&2; exit 3"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("hello-from-web");
    expect(r.stderr).toContain("oops");
    expect(r.stderr).toContain("command terminated with exit code 3");
  });

  it("exec -i carries 1 MiB of stdin and back byte for byte", async () => {
    const data = randomBytes(1 << 20);
    const r = await kubectl(["exec", "-i", "web", "--", "cat"], data);
    expect(r.code).toBe(0);
    expect(Buffer.from(r.stdout, "latin1").equals(data)).toBe(true);
  });

  it("cp copies a 5 MiB file into the pod and back with identical checksums", async () => {
    const data = randomBytes(5 << 20);
    const src = join(dir, "big.bin");
    const back = join(dir, "back.bin");
    writeFileSync(src, data);
    expect((await kubectl(["cp", src, "web:/tmp/big.bin"])).code).toBe(0);
    const inPod = await kubectl(["exec", "web", "--", "sha256sum", "/tmp/big.bin"]);
    const sum = createHash("sha256").update(data).digest("hex");
    expect(inPod.stdout.split(/\s+/)[0]).toBe(sum);
    expect((await kubectl(["cp", "web:/tmp/big.bin", back])).code).toBe(0);
    expect(createHash("sha256").update(readFileSync(back)).digest("hex")).toBe(sum);
  });

  it("skiff cp copies a directory into the pod and a file back (container tar, identical bytes)", async () => {
    const globals = { kubeconfig: join(dir, "kubeconfig") };
    const data = randomBytes(2 << 20);
    const src = join(dir, "tree");
    mkdirSync(join(src, "deep"), { recursive: true });
    writeFileSync(join(src, "deep", "blob.bin"), data);
    await runCp({ src, dest: "web:/tmp", globals });
    const sum = createHash("sha256").update(data).digest("hex");
    expect((await kubectl(["exec", "web", "--", "sha256sum", "/tmp/tree/deep/blob.bin"])).stdout.split(/\s+/)[0]).toBe(sum);
    const back = join(dir, "skiff-back.bin");
    await runCp({ src: "web:/tmp/tree/deep/blob.bin", dest: back, globals });
    expect(createHash("sha256").update(readFileSync(back)).digest("hex")).toBe(sum);
  });

  it("skiff port-forward svc/web: the Service port reaches the pod's targetPort", async () => {
    const stop = new AbortController();
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((c) => ((out += String(c)), true));
    const running = runPortForward({ target: "svc/web", ports: [":80"], globals: { kubeconfig: join(dir, "kubeconfig") }, signal: stop.signal });
    try {
      const port = await until("skiff port-forward to listen", async () => Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1]), 30_000);
      const get = () =>
        new Promise<string>((resolve, reject) => {
          http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
            let b = "";
            res.on("data", (c) => (b += c));
            res.on("end", () => resolve(b));
          }).on("error", reject);
        });
      expect(await Promise.all(Array.from({ length: 5 }, get))).toEqual(Array(5).fill("hello-from-web"));
    } finally {
      stop.abort();
      await running;
      spy.mockRestore();
    }
  });

  for (const target of ["pod/web", "svc/web"]) {
    it(`port-forward ${target}: 100 HTTP requests over 10 concurrent connections`, async () => {
      const remote = target === "svc/web" ? "80" : "8080";
      const child = spawn(KUBECTL, ["port-forward", target, `:${remote}`], { env });
      try {
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        const port = await until("port-forward to listen", async () => Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]), 30_000);
        // 10 keep-alive connections, 10 requests each
        const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
        const get = () =>
          new Promise<string>((resolve, reject) => {
            http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
              let b = "";
              res.on("data", (c) => (b += c));
              res.on("end", () => resolve(b));
            }).on("error", reject);
          });
        const bodies = await Promise.all(Array.from({ length: 10 }, async () => {
          const mine: string[] = [];
          for (let i = 0; i < 10; i++) mine.push(await get());
          return mine;
        }));
        agent.destroy();
        expect(bodies.flat()).toEqual(Array(100).fill("hello-from-web"));
      } finally {
        child.kill();
      }
    });
  }

  it("run -i --rm attaches stdin, prints the output and deletes the pod", async () => {
    const r = await kubectl(["run", "once", "-i", "--rm", "--image=skiff/busybox:latest", "--image-pull-policy=IfNotPresent", "--restart=Never", "--", "sh", "-c", "read line; echo got $line"], "hello-attach\n", 120_000);
    expect(r.stdout).toContain("got hello-attach");
    expect(r.code).toBe(0);
    const gone = await kubectl(["get", "pod", "once"]);
    expect(gone.stderr).toMatch(/NotFound|not found/);
  });

  it("attach streams a running container's new output", async () => {
    const child = spawn(KUBECTL, ["attach", "ticker"], { env });
    try {
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      await until("two ticks through attach", async () => (out.match(/tick \d+/g) ?? []).length >= 2, 30_000);
    } finally {
      child.kill();
    }
  });

  it("a container killed under an exec ends the stream with its exit status, not a hang", async () => {
    const started = Date.now();
    const pending = kubectl(["exec", "ticker", "--", "sleep", "1000"]);
    const pod = JSON.parse((await kubectl(["get", "pod", "ticker", "-o", "json"])).stdout) as { status: { containerStatuses: Array<{ containerID: string }> } };
    const id = pod.status.containerStatuses[0].containerID.replace("docker://", "");
    await new Promise((r) => setTimeout(r, 1000)); // let the exec start before the kill
    await new DockerRuntime().docker.getContainer(id).kill();
    const r = await pending;
    expect(r.code).toBe(137);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it.skipIf(!haveTmux)("exec -it sh typed into tmux: prompt, arithmetic, resize, Ctrl-D", async () => {
    const session = `skiff-stream-${process.pid}`;
    const tmux = (...args: string[]) =>
      new Promise<string>((resolve) => execFile(TMUX, ["-L", session, ...args], { env }, (_e, out) => resolve(String(out))));
    await tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", `${KUBECTL} exec -it web -- sh; echo EXITED-$?; sleep 30`);
    try {
      await until("the shell prompt", async () => /#\s*$/m.test(await tmux("capture-pane", "-p", "-t", session)), 30_000);
      await tmux("send-keys", "-t", session, "echo $((6*7))", "Enter");
      await until("42 in the pane", async () => /^42\s*$/m.test(await tmux("capture-pane", "-p", "-t", session)), 20_000);
      await tmux("send-keys", "-t", session, "stty size", "Enter");
      await until("the first size", async () => /^30 100\s*$/m.test(await tmux("capture-pane", "-p", "-t", session)), 20_000);
      await tmux("resize-window", "-t", session, "-x", "120", "-y", "40");
      // kubectl learns the new size from SIGWINCH and sends it on the resize
      // channel asynchronously; a command typed at once can still see the old
      // size, so retype it (as a person would) until the new size shows.
      await until(
        "the new size",
        async () => {
          await tmux("send-keys", "-t", session, "clear; stty size", "Enter");
          await new Promise((r) => setTimeout(r, 700));
          return /^40 120\s*$/m.test(await tmux("capture-pane", "-p", "-t", session));
        },
        30_000,
      );
      await tmux("send-keys", "-t", session, "C-d");
      await until("the shell to end", async () => /EXITED-0/.test(await tmux("capture-pane", "-p", "-t", session)), 20_000);
    } finally {
      await tmux("kill-server");
    }
  });

  it.skipIf(!havePython)("the official Python client: stream() exec and portforward()", async () => {
    const script = `
import sys
from kubernetes import client, config
from kubernetes.stream import stream, portforward
config.load_kube_config()
api = client.CoreV1Api()
out = stream(api.connect_get_namespaced_pod_exec, "web", "default", command=["sh", "-c", "echo py-$((6*7))"], stderr=True, stdin=False, stdout=True, tty=False)
print("EXEC", out.strip())
pf = portforward(api.connect_get_namespaced_pod_portforward, "web", "default", ports="8080")
sock = pf.socket(8080)
sock.setblocking(True)
sock.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
data = b""
while True:
    chunk = sock.recv(4096)
    if not chunk:
        break
    data += chunk
sock.close()
print("PF", data.split(b"\\r\\n\\r\\n", 1)[1].decode())
`;
    const r = await new Promise<Run>((resolve) =>
      execFile(PYTHON, ["-c", script], { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout: String(stdout), stderr: String(stderr) })),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("EXEC py-42");
    expect(r.stdout).toContain("PF hello-from-web");
  });
});

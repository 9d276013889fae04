// exec, attach and port-forward framing against a fake-runtime cluster (no
// Docker): the WebSocket channel protocol v5/v4 byte by byte with `ws`, real
// kubectl over WebSocket and over its SPDY fallback, skiff's own CLI, RBAC
// (verb create) and the audit log.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { WebSocket } from "ws";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { createToken } from "../pkg/auth/token-admin.js";
import { RestClient, resourcePath } from "../pkg/client/rest.js";
import { openAttach, openExec, openPortForward } from "../pkg/client/streams.js";
import { runAttach } from "../cmd/commands/attach.js";
import { extractInto, packLocal } from "../cmd/commands/cp-tar.js";
import { parsePortMapping, runPortForward } from "../cmd/commands/port-forward.js";
import tar from "tar-stream";
import { startLabCluster, until, type LabCluster } from "./helpers/lab-cluster.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);

interface Frames {
  channels: Map<number, Buffer>;
  closeCode: number;
  protocol: string;
}

describe("streaming protocols on the fake runtime", () => {
  let lab: LabCluster;
  let admin: RestClient;
  let viewToken: string;
  let home: string;

  const conn = (token?: string) => ({ server: lab.cluster.controlPlane.url, caPem: lab.cluster.controlPlane.caPem, token: token ?? lab.cluster.controlPlane.token, namespace: "default", contextName: "t" });

  /** Opens a channel-protocol socket, sends the given frames, collects everything until the server closes. */
  function channelSession(path: string, protocols: string[], send: Buffer[] = [], token?: string): Promise<Frames> {
    const url = lab.cluster.controlPlane.url.replace(/^https/, "wss") + path;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { ca: lab.cluster.controlPlane.caPem, headers: { Authorization: `Bearer ${token ?? lab.cluster.controlPlane.token}` } });
      const channels = new Map<number, Buffer>();
      ws.on("open", () => {
        for (const f of send) ws.send(f);
      });
      ws.on("message", (d: Buffer) => channels.set(d[0], Buffer.concat([channels.get(d[0]) ?? Buffer.alloc(0), d.subarray(1)])));
      ws.on("close", (code) => resolve({ channels, closeCode: code, protocol: ws.protocol }));
      ws.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.on("error", reject);
    });
  }

  const text = (f: Frames, ch: number) => f.channels.get(ch)?.toString() ?? "";

  async function kubectl(args: string[], input?: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(KUBECTL, args, { env: { ...process.env, KUBECONFIG: join(lab.dir, "kubeconfig"), HOME: home, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-stream-home-"));
    lab = await startLabCluster({ nodes: 1, fakeHttp: true });
    admin = new RestClient(conn());
    await admin.request("POST", resourcePath(R.configmaps, "default"), { body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "site" }, data: { "index.html": "hello from a configMap\n" } } });
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "box", namespace: "default", labels: { app: "box" } },
      spec: {
        containers: [{ name: "main", image: "skiff/busybox:latest", command: ["sleep", "3600"], stdin: true, ports: [{ containerPort: 8080 }], volumeMounts: [{ name: "site", mountPath: "/www" }] }],
        volumes: [{ name: "site", configMap: { name: "site" } }],
      },
    };
    await admin.request("POST", resourcePath(R.pods, "default"), { body: pod });
    await until("box running", async () => ((await admin.request<KubeObject>("GET", resourcePath(R.pods, "default", "box"))).status as { phase?: string })?.phase === "Running");
    viewToken = (await createToken(lab.cluster.controlPlane.paths.tokens, admin, { user: "vera", role: "view", namespace: "default" })).token;
  }, 60_000);

  afterAll(async () => {
    admin?.close();
    await lab?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("v5: stdout on channel 1, exit code as a NonZeroExitCode Status on channel 3", async () => {
    const ok = await channelSession("/api/v1/namespaces/default/pods/box/exec?command=echo&command=hi&stdout=true&stderr=true", ["v5.channel.k8s.io"]);
    expect(ok.protocol).toBe("v5.channel.k8s.io");
    expect(text(ok, 1)).toBe("hi\n");
    expect(JSON.parse(text(ok, 3))).toEqual({ metadata: {}, status: "Success" });
    const fail = await channelSession("/api/v1/namespaces/default/pods/box/exec?command=sh&command=-c&command=exit%203&stdout=true", ["v5.channel.k8s.io", "v4.channel.k8s.io"]);
    expect(JSON.parse(text(fail, 3))).toMatchObject({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "3" }] } });
    const missing = await channelSession("/api/v1/namespaces/default/pods/box/exec?command=nope&stdout=true&stderr=true", ["v4.channel.k8s.io"]);
    expect(missing.protocol).toBe("v4.channel.k8s.io");
    expect(text(missing, 2)).toContain("nope: not found");
    expect(JSON.parse(text(missing, 3)).details.causes[0].message).toBe("127");
  });

  it("v5: stdin on channel 0 and its end as the close signal [255, 0]; files of the pod's volumes", async () => {
    const f = await channelSession("/api/v1/namespaces/default/pods/box/exec?command=cat&stdin=true&stdout=true", ["v5.channel.k8s.io"], [
      Buffer.from("\x00first "),
      Buffer.from('\x04{"Width":100,"Height":30}'),
      Buffer.from("\x00second"),
      Buffer.of(255, 0),
    ]);
    expect(text(f, 1)).toBe("first second");
    expect(JSON.parse(text(f, 3)).status).toBe("Success");
    const file = await channelSession("/api/v1/namespaces/default/pods/box/exec?command=cat&command=/www/index.html&stdout=true", ["v5.channel.k8s.io"]);
    expect(text(file, 1)).toBe("hello from a configMap\n");
  });

  it("refuses a missing command, a missing pod and an unknown container with a Status before switching", async () => {
    await expect(channelSession("/api/v1/namespaces/default/pods/box/exec?stdout=true", ["v5.channel.k8s.io"])).rejects.toThrow("HTTP 400");
    await expect(channelSession("/api/v1/namespaces/default/pods/ghost/exec?command=ls&stdout=true", ["v5.channel.k8s.io"])).rejects.toThrow("HTTP 404");
    await expect(channelSession("/api/v1/namespaces/default/pods/box/exec?command=ls&stdout=true&container=nope", ["v5.channel.k8s.io"])).rejects.toThrow("HTTP 400");
  });

  it("a view token gets 403 (exec is verb create on pods/exec); the audit log records the 101", async () => {
    await expect(channelSession("/api/v1/namespaces/default/pods/box/exec?command=ls&stdout=true", ["v5.channel.k8s.io"], [], viewToken)).rejects.toThrow("HTTP 403");
    await expect(openExec(conn(viewToken), "default", "box", { command: ["ls"], stdin: false, stdout: true, stderr: true, tty: false })).rejects.toThrow(/cannot create resource "pods\/exec"/);
    const audit = (await import("node:fs")).readFileSync(join(lab.dir, "audit.log"), "utf8");
    expect(audit).toMatch(/"verb":"create".*"subresource":"exec".*"code":101|"code":101.*"subresource":"exec"/);
    expect(audit).toMatch(/"user":"vera".*"subresource":"exec".*"code":403|"code":403.*"user":"vera"/);
  });

  it("port-forward (v4 WebSocket, one connection per socket) reaches the fake pod's echo server", async () => {
    const sock = await openPortForward(conn(), "default", "box", 8080);
    sock.write("GET / HTTP/1.0\r\n\r\n");
    const chunks: Buffer[] = [];
    for await (const c of sock) chunks.push(c as Buffer);
    const reply = Buffer.concat(chunks).toString();
    expect(reply).toMatch(/^HTTP\/1\.[01] 200/);
    expect(reply).toContain("box");
  });

  it("skiff exec: output, stdin, exit code over the same protocol", async () => {
    const ok = await lab.skiff("exec", "box", "--", "echo", "hello", "lab");
    expect(ok).toMatchObject({ code: 0, stdout: "hello lab\n" });
    const fail = await lab.skiff("exec", "pod/box", "--", "sh", "-c", "exit 3");
    expect(fail.code).toBe(3);
    expect(fail.stderr).toContain("command terminated with exit code 3");
    await admin.request("POST", resourcePath(R.services, "default"), { body: { apiVersion: "v1", kind: "Service", metadata: { name: "box" }, spec: { selector: { app: "box" }, ports: [{ port: 80, targetPort: 8080 }] } } });
    expect(await lab.skiff("exec", "svc/box", "--", "echo", "via", "service")).toMatchObject({ code: 0, stdout: "via service\n" });
    const ghost = await lab.skiff("exec", "ghost", "--", "true");
    expect(ghost).toMatchObject({ code: 1 });
    expect(ghost.stderr).toContain('pods "ghost" not found');
    const wrong = await lab.skiff("exec", "box", "-c", "nope", "--", "true");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("container nope is not valid for pod box");
  });

  /** Captures what a long-running CLI verb writes to stdout while it runs. */
  function captureStdout(): { text: () => string; restore: () => void } {
    let out = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((c) => ((out += String(c)), true));
    return { text: () => out, restore: () => spy.mockRestore() };
  }

  const httpGet = (port: number) =>
    new Promise<string>((resolve, reject) => {
      http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
        let b = "";
        res.on("data", (c) => (b += c));
        res.on("end", () => resolve(b));
      }).on("error", reject);
    });

  it("skiff port-forward: [LOCAL:]REMOTE parsing; pod/NAME and svc/NAME (service port → targetPort) until stopped", async () => {
    expect(parsePortMapping("8080")).toEqual({ local: 8080, remote: 8080 });
    expect(parsePortMapping(":8080")).toEqual({ local: 0, remote: 8080 });
    expect(parsePortMapping("18080:80")).toEqual({ local: 18080, remote: 80 });
    expect(() => parsePortMapping("x:80")).toThrow(/invalid port/);
    expect(() => parsePortMapping("70000")).toThrow(/invalid port/);
    const globals = { kubeconfig: join(lab.dir, "kubeconfig") };
    for (const [target, remote] of [["pod/box", "8080"], ["svc/box", "80"]]) {
      const stop = new AbortController();
      const out = captureStdout();
      const running = runPortForward({ target, ports: [`:${remote}`], globals, signal: stop.signal });
      try {
        const port = await until("forwarding", async () => Number(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out.text())?.[1]), 10_000);
        expect(await Promise.all([httpGet(port), httpGet(port), httpGet(port)])).toEqual(["box", "box", "box"]);
        stop.abort();
        await running;
        await expect(httpGet(port)).rejects.toThrow(/ECONNREFUSED/);
      } finally {
        stop.abort();
        out.restore();
      }
    }
    const noPort = await lab.skiff("port-forward", "svc/box", "9999");
    expect(noPort.code).toBe(1);
    expect(noPort.stderr).toContain("service has no port 9999");
  });

  it("skiff attach: prints the container's output from now on; Ctrl-C (the signal) detaches with exit 0", async () => {
    const stop = new AbortController();
    const out = captureStdout();
    const attached = runAttach({ pod: "box", globals: { kubeconfig: join(lab.dir, "kubeconfig") }, signal: stop.signal });
    try {
      // The fake container's process echoes its stdin lines as output: feed it through a second attach.
      const writer = await openAttach(conn(), "default", "box", { stdin: true, stdout: true, stderr: false, tty: false });
      writer.stdout?.resume();
      await until("the attached CLI prints the line", async () => {
        writer.stdin!.write("hello through attach\n");
        return out.text().includes("hello through attach\n");
      }, 10_000);
      writer.close();
      stop.abort();
      await attached;
    } finally {
      stop.abort();
      out.restore();
    }
    const ghost = await lab.skiff("attach", "ghost");
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/not found/);
  });

  it("skiff cp: tar packing and unpacking round trip; a pod's entries outside the path are refused; a container without tar fails cleanly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-cp-"));
    try {
      mkdirSync(join(dir, "src", "sub"), { recursive: true });
      writeFileSync(join(dir, "src", "a.txt"), "alpha");
      writeFileSync(join(dir, "src", "sub", "b.bin"), Buffer.alloc(70_000, 7));
      // as `tar cf - /data/src` in the container would name the entries
      expect(await extractInto(packLocal(join(dir, "src"), "data/src"), "/data/src/", join(dir, "out"))).toBe(2);
      expect(readFileSync(join(dir, "out", "a.txt"), "utf8")).toBe("alpha");
      expect(readFileSync(join(dir, "out", "sub", "b.bin")).equals(Buffer.alloc(70_000, 7))).toBe(true);
      expect(await extractInto(packLocal(join(dir, "src", "a.txt"), "tmp/a.txt"), "/tmp/a.txt", join(dir, "one.txt"))).toBe(1);
      expect(readFileSync(join(dir, "one.txt"), "utf8")).toBe("alpha");

      const evil = tar.pack();
      evil.entry({ name: "tmp/x/../../escaped.txt" }, "gotcha");
      evil.finalize();
      await expect(extractInto(evil, "/tmp/x", join(dir, "evil"))).rejects.toThrow(/outside/);
      expect(existsSync(join(dir, "escaped.txt"))).toBe(false);

      const noTar = await lab.skiff("cp", "box:/www/index.html", join(dir, "copied.html"));
      expect(noTar.code).toBe(1);
      expect(noTar.stderr).toMatch(/copying box:\/www\/index.html: command terminated with exit code 127/);
      expect(existsSync(join(dir, "copied.html"))).toBe(false);
      const both = await lab.skiff("cp", "box:/a", "box:/b");
      expect(both.stderr).toContain("one of src or dest must be a local file specification");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.skipIf(!haveKubectl)("real kubectl", () => {
    it("exec over WebSocket and over the SPDY fallback: output, stderr, stdin, exit code", { timeout: 120_000 }, async () => {
      for (const env of [{}, { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: "false" }] as Array<Record<string, string>>) {
        const r = await kubectl(["exec", "box", "--", "sh", "-c", "echo out; exit 3"], undefined, env);
        expect(r).toMatchObject({ code: 3, stdout: "out\n" });
        expect(r.stderr).toContain("command terminated with exit code 3");
        const cat = await kubectl(["exec", "-i", "box", "--", "cat"], "piped input\n", env);
        expect(cat).toMatchObject({ code: 0, stdout: "piped input\n" });
        const file = await kubectl(["exec", "box", "--", "cat", "/www/index.html"], undefined, env);
        expect(file.stdout).toBe("hello from a configMap\n");
      }
    });

    it("port-forward over SPDY-in-WebSocket and plain SPDY", { timeout: 120_000 }, async () => {
      for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" }]) {
        const child = execFile(KUBECTL, ["port-forward", "pod/box", ":8080"], { env: { ...process.env, KUBECONFIG: join(lab.dir, "kubeconfig"), HOME: home, ...env } });
        try {
          let out = "";
          child.stdout!.on("data", (d) => (out += d));
          const port = await until("forwarding", async () => Number(/127\.0\.0\.1:(\d+)/.exec(out)?.[1]), 30_000);
          const body = await new Promise<string>((resolve, reject) => {
            http.get({ host: "127.0.0.1", port, path: "/" }, (res) => {
              let b = "";
              res.on("data", (c) => (b += c));
              res.on("end", () => resolve(b));
            }).on("error", reject);
          });
          expect(body).toBe("box");
        } finally {
          child.kill();
        }
      }
    });
  });
});

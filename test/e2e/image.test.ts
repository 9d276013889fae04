// The skiff image, end to end: build it from the Dockerfile (the legacy
// builder, from the base image made on this machine), start it with the host's
// Docker socket mounted, wait for the HEALTHCHECK, read the kubeconfig out of
// the container, apply a manifest from the host with the skiff CLI, and see the
// pods running as containers on the host's engine.
//
// The image runs as uid 65534 and the socket is root:docker 0660, so the
// container is started with --group-add <the socket's gid> (what the README
// tells users); a second case checks that without it `skiff up --runtime
// docker` stops with a message naming that flag.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import Dockerode from "dockerode";
import { parse } from "yaml";
import { R } from "../../pkg/api/kinds.js";
import { HttpClient } from "../../pkg/client/http-client.js";
import { loadKubeconfig } from "../../pkg/client/kubeconfig.js";
import { LABELS, SANDBOX_CONTAINER } from "../../pkg/runtime/runtime.js";
import { TEST_RUN_LABEL, dockerOrWarn, newRunId } from "../helpers/docker.js";

// testcontainers reads these when it is first imported: its reaper image cannot
// be pulled here, and the mapped ports are on this host's loopback.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "localhost";
const { GenericContainer, Wait } = await import("testcontainers");
type Started = Awaited<ReturnType<InstanceType<typeof GenericContainer>["start"]>>;

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "dist/cmd/skiff.js");
const BASE_IMAGE = "skiff/node:20";
const SOCKET = "/var/run/docker.sock";
const API_PORT = 6443;
/** An extra certificate name, as a user would pass for the address clients use. */
const TLS_SAN = "skiff-e2e.invalid";
/** What the Dockerfile copies; the build context is exactly these (the legacy builder sends all of it). */
const CONTEXT = ["Dockerfile", "package.json", "package-lock.json", "tsconfig.json", "node_modules", "cmd", "pkg", "bench", "manifests"];

const runtime = await dockerOrWarn("the skiff image tests");
await runtime?.close();
const docker = new Dockerode();
const runId = newRunId();
const imageTag = `skiff-e2e/image:${runId}`;

/** testcontainers has no option for HostConfig.GroupAdd; its builder keeps hostConfig protected for this. */
class SkiffContainer extends GenericContainer {
  withAddedGroups(...groups: string[]): this {
    this.hostConfig.GroupAdd = [...(this.hostConfig.GroupAdd ?? []), ...groups];
    return this;
  }
}

async function ensureBaseImage(): Promise<void> {
  if (await docker.getImage(BASE_IMAGE).inspect().then(() => true, () => false)) return;
  // Made from the host's Node (no registry is reachable); idempotent.
  await run("bash", [join(ROOT, "scripts/docker-up.sh"), "--node-image"], { timeout: 300_000 });
}

/**
 * `docker build -t tag .` with the legacy builder: a tar of the context,
 * streamed; fails with the builder's own error. Returns the build stage's
 * image (untagged, kept by the engine as cache) so it can be removed too.
 */
async function buildImage(tag: string): Promise<string | undefined> {
  const tar = spawn("tar", ["-c", "-C", ROOT, ...CONTEXT], { stdio: ["ignore", "pipe", "pipe"] });
  let tarErr = "";
  tar.stderr.on("data", (d) => (tarErr += d));
  const stream = await docker.buildImage(tar.stdout, { t: tag, buildargs: { BASE: BASE_IMAGE }, rm: true, forcerm: true });
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: Array<{ error?: string; stream?: string }>) => {
        const failed = err?.message ?? out.find((o) => o.error)?.error;
        if (failed) reject(new Error(`docker build failed: ${failed}\n${log.slice(-30).join("")}${tarErr}`));
        else resolve();
      },
      (ev: { stream?: string }) => ev.stream && log.push(ev.stream),
    );
  });
  // The step before the second FROM printed the build stage's image: " ---> 0123456789ab".
  let stageImage: string | undefined;
  let froms = 0;
  for (const line of log.join("").split("\n")) {
    if (/^Step \d+\/\d+ : FROM /i.test(line) && ++froms === 2) break;
    stageImage = /^ ---> ([0-9a-f]{12})$/.exec(line.trimEnd())?.[1] ?? stageImage;
  }
  return froms === 2 ? stageImage : undefined;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function exec(c: Started, cmd: string[]): Promise<string> {
  const r = await c.exec(cmd);
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}: ${r.output}`);
  return r.stdout;
}

/** The certificate the server presents is valid for `servername` (CA pinned). */
function tlsHandshake(port: number, servername: string, ca: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: "127.0.0.1", port, servername, ca }, () => {
      s.end();
      resolve();
    });
    s.on("error", reject);
  });
}

const DEPLOYMENT = (ns: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: sleeper, namespace: ${ns} }
spec:
  replicas: 2
  selector: { matchLabels: { app: sleeper } }
  template:
    metadata: { labels: { app: sleeper } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - { name: main, image: skiff/busybox:latest, imagePullPolicy: IfNotPresent, command: [sleep, "3600"] }
`;

describe.skipIf(!runtime)("the skiff image", () => {
  let dir: string;
  let built = false;
  let buildStage: string | undefined;
  const started: Started[] = [];
  const clusterIds: string[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-image-e2e-"));
    await ensureBaseImage();
    buildStage = await buildImage(imageTag);
    built = true;
  }, 900_000);

  afterAll(async () => {
    for (const c of started) await c.stop({ timeout: 2_000 }).catch(() => undefined);
    // …and any skiff container a failed start left behind
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${TEST_RUN_LABEL}=${runId}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
    // Pods the skiff in the container started run on this engine, outside it.
    for (const id of clusterIds) {
      const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.cluster}=${id}`] } });
      await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    }
    if (built) await docker.getImage(imageTag).remove({ force: true }).catch(() => undefined);
    // The build stage is cache the legacy builder keeps untagged; unused by anything else once the image is gone.
    if (buildStage) await docker.getImage(buildStage).remove().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it("builds as a non-root image with a HEALTHCHECK", async () => {
    const info = await docker.getImage(imageTag).inspect();
    expect(info.Config.User).toBe("65534:65534");
    expect(info.Config.Healthcheck?.Test?.join(" ")).toContain("dist/cmd/healthcheck.js");
    expect(info.Config.Entrypoint).toEqual(["node", "dist/cmd/skiff.js"]);
  });

  it("serves the API, takes a manifest from outside and runs its pods on the host engine", async () => {
    const socketGid = String(statSync(SOCKET).gid);
    const container = await new SkiffContainer(imageTag)
      .withBindMounts([{ source: SOCKET, target: SOCKET }])
      .withAddedGroups(socketGid)
      .withExposedPorts(API_PORT)
      .withLabels({ [TEST_RUN_LABEL]: runId })
      .withCommand(["up", "--host", "0.0.0.0", "--runtime", "docker", "--tls-san", TLS_SAN])
      .withLogConsumer((s) => s.on("data", (d: Buffer | string) => logs.push(String(d))))
      .withWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(180_000)
      .start();
    started.push(container);
    const clusterId = (await exec(container, ["cat", "/var/lib/skiff/cluster-id"])).trim();
    clusterIds.push(clusterId);
    expect(clusterId).toMatch(/^[0-9a-f]{16}$/);

    // The kubeconfig inside names a dialable address (not 0.0.0.0); from here the port is the mapped one.
    const inside = parse(await exec(container, ["cat", "/var/lib/skiff/kubeconfig"])) as { clusters: Array<{ cluster: { server: string } }> };
    expect(inside.clusters[0].cluster.server).toBe(`https://127.0.0.1:${API_PORT}`);
    const port = container.getMappedPort(API_PORT);
    const server = `https://${container.getHost()}:${port}`;
    const kubeconfig = join(dir, "kubeconfig");
    inside.clusters[0].cluster.server = server;
    writeFileSync(kubeconfig, JSON.stringify(inside));
    const conn = loadKubeconfig(kubeconfig);

    // The certificate is verified, for the loopback names and for --tls-san.
    await tlsHandshake(port, "localhost", conn.caPem!);
    await tlsHandshake(port, TLS_SAN, conn.caPem!);
    await expect(tlsHandshake(port, "not-in-the-cert.invalid", conn.caPem!)).rejects.toThrow(/altnames|Hostname/i);

    const client = new HttpClient(conn);
    try {
      const ns = `img-${runId}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
      await client.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      const manifest = join(dir, "sleeper.yaml");
      writeFileSync(manifest, DEPLOYMENT(ns));
      const applied = await run(process.execPath, [CLI, "apply", "-f", manifest, "--kubeconfig", kubeconfig], { timeout: 60_000 });
      expect(applied.stdout).toContain("deployment.apps/sleeper");

      await until("2 pods Running", async () => {
        const pods = (await client.list(R.pods, ns, { labelSelector: "app=sleeper" })).items;
        const running = pods.filter((p) => (p.status as { phase?: string } | undefined)?.phase === "Running");
        return running.length === 2 ? running : undefined;
      });
      // …as containers of this engine, labelled by the skiff inside the container.
      const onHost = await docker.listContainers({ filters: { label: [`${LABELS.podNamespace}=${ns}`, `${LABELS.cluster}=${clusterId}`] } });
      // Each pod: its app container plus the sandbox that owns its network namespace.
      const apps = onHost.filter((c) => c.Labels[LABELS.container] !== SANDBOX_CONTAINER);
      expect(apps).toHaveLength(2);
      expect(onHost.filter((c) => c.Labels[LABELS.container] === SANDBOX_CONTAINER)).toHaveLength(2);
      for (const c of apps) {
        expect(c.Image).toBe("skiff/busybox:latest");
        expect(c.State).toBe("running");
      }

      // Deleting through the API removes them from the host engine too.
      await client.delete(R.deployments, ns, "sleeper", { propagationPolicy: "Background" });
      await until("the pods' containers removed", async () => {
        const left = await docker.listContainers({ all: true, filters: { label: [`${LABELS.podNamespace}=${ns}`, `${LABELS.cluster}=${clusterId}`] } });
        return left.length === 0 ? true : undefined;
      });
    } catch (e) {
      console.error(`skiff container log:\n${logs.join("")}`);
      throw e;
    } finally {
      client.close();
    }
  }, 300_000);

  it("without the socket's group, `up --runtime docker` says which flag is missing", async () => {
    const c = await docker.createContainer({
      Image: imageTag,
      Cmd: ["up", "--runtime", "docker", "--store", "memory"],
      Labels: { [TEST_RUN_LABEL]: runId },
      HostConfig: { Binds: [`${SOCKET}:${SOCKET}`] },
    });
    try {
      await c.start();
      const exit = (await c.wait()) as { StatusCode: number };
      const out = (await c.logs({ stdout: true, stderr: true })).toString("utf8");
      expect(exit.StatusCode).not.toBe(0);
      expect(out).toMatch(/permission denied on \/var\/run\/docker\.sock/);
      expect(out).toContain(`--group-add ${statSync(SOCKET).gid}`);
    } finally {
      await c.remove({ force: true, v: true }).catch(() => undefined); // and the anonymous /var/lib/skiff volume
    }
  }, 120_000);
});

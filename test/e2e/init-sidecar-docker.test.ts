// Init containers and native sidecars on real Docker containers (one cluster):
// an init container writes a file into an emptyDir that the app container then
// reads; a sidecar (initContainers[].restartPolicy: Always) started after a
// regular init container tails the app's log file through a shared emptyDir,
// so `kubectl logs POD -c SIDECAR` shows the app's lines while the pod is 2/2.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import { podReady, type PodLike as PrintedPod } from "../../pkg/api/printers/pod.js";
import type { KubeObject } from "../../pkg/api/types.js";
import type { JobLike } from "../../pkg/controllers/job.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { BUSYBOX, dockerOrWarn } from "../helpers/docker.js";
import { eventually } from "../helpers/eventually.js";

const docker = await dockerOrWarn("init container and sidecar tests on Docker");
await docker?.close();

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const NS = "default";
const PODS = ["init-writes", "sidecar-tails"];
const JOB = "sidecar-job";

interface Pod extends KubeObject {
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string }>;
    initContainerStatuses?: Array<{ name: string; ready?: boolean; started?: boolean; state?: { running?: object; terminated?: { exitCode?: number } } }>;
  };
}

const container = (name: string, script: string, mountPath: string, extra: Record<string, unknown> = {}) => ({
  name,
  image: BUSYBOX,
  imagePullPolicy: "IfNotPresent",
  command: ["sh", "-c", script],
  volumeMounts: [{ name: "shared", mountPath }],
  ...extra,
});

describe.skipIf(!docker)("init containers and sidecars on Docker", () => {
  let dir: string;
  let cluster: Cluster;

  const kubectl = async (...args: string[]) =>
    (await run(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cluster.controlPlane.paths.kubeconfig, HOME: dir }, timeout: 20_000 })).stdout;
  const ready = (name: string) =>
    eventually(`${name} Ready`, async () => {
      const p = await cluster.client.get<Pod>(R.pods, NS, name);
      return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? p : undefined;
    }, { timeoutMs: 40_000, everyMs: 200 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-sidecar-docker-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 1, runtime: "docker", proxy: false, dns: false, onError: () => undefined });
  }, 60_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    const engine = new Docker();
    for (const c of await engine.listContainers({ all: true, filters: { label: ["skiff.pod-namespace=default"] } })) {
      const pod = c.Labels["skiff.pod-name"] ?? "";
      if (PODS.includes(pod) || pod.startsWith(`${JOB}-`)) await engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("an init container's file in an emptyDir is there for the app container", async () => {
    await cluster.client.create(R.pods, NS, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "init-writes" },
      spec: {
        terminationGracePeriodSeconds: 0,
        initContainers: [container("write", "echo written-by-init > /work-dir/index.html", "/work-dir")],
        containers: [container("app", "cat /usr/share/web/index.html; exec sleep 3600", "/usr/share/web")],
        volumes: [{ name: "shared", emptyDir: {} }],
      },
    });
    const pod = await ready("init-writes");
    expect(pod.status?.initContainerStatuses?.[0].state?.terminated?.exitCode).toBe(0);
    const log = await eventually("app log", async () => (await kubectl("logs", "init-writes", "-c", "app")).includes("written-by-init") && "ok", { timeoutMs: 10_000 });
    expect(log).toBe("ok");
  }, 60_000);

  it("a sidecar tails the app's log file through a shared volume: kubectl logs of the sidecar shows the app's lines", async () => {
    await cluster.client.create(R.pods, NS, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "sidecar-tails" },
      spec: {
        terminationGracePeriodSeconds: 0,
        initContainers: [
          container("prepare", "touch /var/log/app/app.log", "/var/log/app"),
          container("shipper", "exec tail -F /var/log/app/app.log", "/var/log/app", { restartPolicy: "Always" }),
        ],
        containers: [container("app", 'i=0; while true; i=$((i+1)); do echo "app line $i" >> /var/log/app/app.log; sleep 0.2; done', "/var/log/app")],
        volumes: [{ name: "shared", emptyDir: {} }],
      },
    });
    const pod = await ready("sidecar-tails");
    expect(podReady(pod as PrintedPod)).toBe("2/2");
    expect(pod.status?.phase).toBe("Running");
    expect(pod.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.exitCode ?? (s.state?.running ? "running" : "?")])).toEqual([
      ["prepare", 0],
      ["shipper", "running"],
    ]);
    const lines = await eventually("sidecar log has app lines", async () => {
      const out = await kubectl("logs", "sidecar-tails", "-c", "shipper");
      return /app line 3/.test(out) ? out : undefined;
    }, { timeoutMs: 15_000, everyMs: 250 });
    expect(lines).toMatch(/^app line 1$/m);
    const table = await kubectl("get", "pod", "sidecar-tails");
    expect(table).toMatch(/^sidecar-tails\s+2\/2\s+Running\s+0\s+/m);
  }, 60_000);

  it("a Job with a sidecar completes: the sidecar is stopped once the main container exited 0", async () => {
    await cluster.client.create(R.jobs, NS, {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: JOB },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: "Never",
            // tail as PID 1 ignores SIGTERM, as in the documentation's example: the grace period bounds the stop.
            terminationGracePeriodSeconds: 1,
            initContainers: [container("logshipper", "exec tail -F /opt/logs.txt", "/opt", { restartPolicy: "Always" })],
            containers: [container("myjob", 'echo "logging" > /opt/logs.txt; sleep 1', "/opt")],
            volumes: [{ name: "shared", emptyDir: {} }],
          },
        },
      },
    });
    const job = await eventually("sidecar job Complete", async () => {
      const j = await cluster.client.get<JobLike>(R.jobs, NS, JOB);
      return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") ? j : undefined;
    }, { timeoutMs: 40_000, everyMs: 250 });
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
    const [pod] = (await cluster.client.list<Pod>(R.pods, NS, { labelSelector: `batch.kubernetes.io/job-name=${JOB}` })).items;
    expect(pod.status?.phase).toBe("Succeeded");
    expect(pod.status?.initContainerStatuses?.[0].state?.terminated).toBeDefined();
    expect(await kubectl("logs", pod.metadata.name!, "-c", "logshipper")).toContain("logging");
  }, 60_000);
});

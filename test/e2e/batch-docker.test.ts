// Kubernetes' documentation Job example (content/en/examples/controllers/job.yaml)
// on real Docker containers, retagged to the local busybox image: the pod
// computes (prints 3.14159), exits 0, and the Job completes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import type { JobLike } from "../../pkg/controllers/job.js";
import { waitForObject } from "../../pkg/describe/wait.js";
import { LABELS } from "../../pkg/runtime/runtime.js";
import { dockerOrWarn } from "../helpers/docker.js";

const docker = await dockerOrWarn("Job on Docker tests");
await docker?.close();

/** job.yaml from the Kubernetes documentation, with perl:5.34.0 → skiff/busybox. */
const PI_JOB: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "pi" },
  spec: {
    template: {
      spec: {
        containers: [{ name: "pi", image: "skiff/busybox:latest", command: ["sh", "-c", "echo 3.14159; exit 0"] }],
        restartPolicy: "Never",
      },
    },
    backoffLimit: 4,
  },
};

describe.skipIf(!docker)("the documentation's pi Job on Docker", () => {
  let dir: string;
  let cluster: Cluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-job-docker-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 1, runtime: "docker", proxy: false, onError: () => undefined });
  }, 60_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    const engine = new Docker();
    for (const c of await engine.listContainers({ all: true, filters: { label: ["skiff.pod-namespace=default"] } })) {
      if ((c.Labels["skiff.pod-name"] ?? "").startsWith("pi-")) await engine.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("completes, with the pod's output in its log", async () => {
    await cluster.client.create(R.jobs, "default", PI_JOB);
    const done = await waitForObject(cluster.client, R.jobs, "default", "pi", { kind: "condition", type: "Complete", value: "True" }, { timeoutMs: 120_000 });
    const job = await cluster.client.get<JobLike>(R.jobs, "default", "pi");
    expect(done, JSON.stringify(job.status)).toBe(true);
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
    const [pod] = (await cluster.client.list(R.pods, "default", { labelSelector: "batch.kubernetes.io/job-name=pi" })).items;
    expect((pod.status as { phase?: string }).phase).toBe("Succeeded");
    const terminated = (pod.status as { containerStatuses?: Array<{ state?: { terminated?: { exitCode?: number; reason?: string } } }> }).containerStatuses?.[0]?.state?.terminated;
    expect(terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const [container] = await cluster.runtime!.list({ [LABELS.podName]: pod.metadata.name!, [LABELS.container]: "pi" });
    let log = "";
    for await (const line of cluster.runtime!.logs(container.id)) log += line;
    expect(log).toContain("3.14159");
  }, 150_000);
});

// The Kubernetes documentation's workload examples on a fake-runtime cluster,
// checked against the end state Kubernetes reaches: the init-containers pod,
// the sidecar Deployment and Job, the `pi` Job, an Indexed Job, a successPolicy Job, and each
// podFailurePolicy action (FailJob, Ignore, Count, FailIndex). The fake
// runtime's stage table is shortened (init 100 ms, Job containers 300 ms) so
// the whole file runs in a few seconds; exit codes come from the pods'
// fake.skiff.dev annotations, as a user of `skiff up --runtime fake` would set them.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../cmd/skiff.js";
import { parse } from "yaml";
import { R } from "../../pkg/api/kinds.js";
import { podReady, podStatusReason, type PodLike as PrintedPod } from "../../pkg/api/printers/pod.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import type { JobLike } from "../../pkg/controllers/job.js";
import { FakeRuntime } from "../../pkg/runtime/fake.js";
import { eventually } from "../helpers/eventually.js";

const NS = "default";

interface Pod extends KubeObject {
  spec: { hostname?: string; containers: Array<{ name: string; env?: Array<{ name: string }> }>; initContainers?: Array<{ name: string; restartPolicy?: string }> };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    initContainerStatuses?: Array<{ name: string; ready?: boolean; started?: boolean; restartCount?: number; state?: { running?: object; terminated?: { exitCode?: number; reason?: string } } }>;
    containerStatuses?: Array<{ name: string; ready?: boolean; restartCount?: number; state?: { running?: object; terminated?: { exitCode?: number; reason?: string } } }>;
  };
}

let dir: string;
let cluster: Cluster;

const create = (yaml: string) => {
  const obj = parse(yaml) as KubeObject;
  const resource = obj.kind === "Job" ? R.jobs : obj.kind === "Deployment" ? R.deployments : R.pods;
  return cluster.client.create(resource, NS, obj);
};
const getJob = (name: string) => cluster.client.get<JobLike>(R.jobs, NS, name);
const podsOf = async (selector: string) => (await cluster.client.list<Pod>(R.pods, NS, { labelSelector: selector })).items;
const cond = (job: JobLike, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === "True");
const finished = (name: string) => eventually(`job ${name} finished`, async () => {
  const j = await getJob(name);
  return cond(j, "Complete") || cond(j, "Failed") ? j : undefined;
}, { timeoutMs: 20_000 });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiff-docs-"));
  const runtime = new FakeRuntime({
    stages: [
      { name: "init", match: { containerType: "init" }, durationMs: 100, exitCode: 0 },
      { name: "job", match: { containerType: "app", ownerKind: "Job" }, durationMs: 300, exitCode: 0 },
    ],
  });
  cluster = await startCluster({
    stateDir: dir,
    store: "memory",
    port: 0,
    nodes: 1,
    runtime: "fake",
    containerRuntime: runtime,
    proxy: false,
    dns: false,
    batch: { jobBackoffBaseMs: 100 },
    onError: () => undefined,
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close({ removeContainers: true });
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("init containers and sidecars (fake runtime)", () => {
  it("pods/init-containers: both init containers complete in order, then the app runs", async () => {
    await create(`
apiVersion: v1
kind: Pod
metadata: {name: myapp-pod, labels: {app.kubernetes.io/name: MyApp}}
spec:
  containers:
  - {name: myapp-container, image: busybox:1.28, command: ['sh', '-c', 'echo The app is running! && sleep 3600']}
  initContainers:
  - {name: init-myservice, image: busybox:1.28, command: ['sh', '-c', "until nslookup myservice; do echo waiting for myservice; sleep 2; done"]}
  - {name: init-mydb, image: busybox:1.28, command: ['sh', '-c', "until nslookup mydb; do echo waiting for mydb; sleep 2; done"]}
`);
    const pod = await eventually("myapp-pod Running", async () => {
      const p = await cluster.client.get<Pod>(R.pods, NS, "myapp-pod");
      return p.status?.phase === "Running" ? p : undefined;
    });
    expect(pod.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason, s.restartCount])).toEqual([
      ["init-myservice", "Completed", 0],
      ["init-mydb", "Completed", 0],
    ]);
    expect(podStatusReason(pod as PrintedPod)).toBe("Running");
    expect(podReady(pod as PrintedPod)).toBe("1/1");
  }, 30_000);

  it("application/deployment-sidecar: the sidecar runs beside the app and counts for READY 2/2", async () => {
    await create(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: myapp, labels: {app: myapp}}
spec:
  replicas: 1
  selector: {matchLabels: {app: myapp}}
  template:
    metadata: {labels: {app: myapp}}
    spec:
      containers:
      - name: myapp
        image: alpine:latest
        command: ['sh', '-c', 'while true; do echo "logging" >> /opt/logs.txt; sleep 1; done']
        volumeMounts: [{name: data, mountPath: /opt}]
      initContainers:
      - name: logshipper
        image: alpine:latest
        restartPolicy: Always
        command: ['sh', '-c', 'tail -F /opt/logs.txt']
        volumeMounts: [{name: data, mountPath: /opt}]
      volumes: [{name: data, emptyDir: {}}]
`);
    const pod = await eventually("myapp ready", async () => {
      const [p] = await podsOf("app=myapp");
      return p && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ? p : undefined;
    });
    expect(pod.status?.initContainerStatuses?.[0]).toMatchObject({ name: "logshipper", ready: true, started: true, restartCount: 0, state: { running: {} } });
    expect(podReady(pod as PrintedPod)).toBe("2/2");
    expect(podStatusReason(pod as PrintedPod)).toBe("Running");
    const deploy = await eventually("myapp available", async () => {
      const d = await cluster.client.get<KubeObject & { status?: { availableReplicas?: number } }>(R.deployments, NS, "myapp");
      return d.status?.availableReplicas === 1 ? d : undefined;
    });
    expect(deploy.status?.availableReplicas).toBe(1);
  }, 30_000);

  it("application/job/job-sidecar: the Job completes and its sidecar is stopped after the main container", async () => {
    await create(`
apiVersion: batch/v1
kind: Job
metadata: {name: myjob}
spec:
  template:
    spec:
      containers:
      - name: myjob
        image: alpine:latest
        command: ['sh', '-c', 'echo "logging" > /opt/logs.txt']
        volumeMounts: [{name: data, mountPath: /opt}]
      initContainers:
      - name: logshipper
        image: alpine:latest
        restartPolicy: Always
        command: ['sh', '-c', 'tail -F /opt/logs.txt']
        volumeMounts: [{name: data, mountPath: /opt}]
      restartPolicy: Never
      volumes: [{name: data, emptyDir: {}}]
`);
    const job = await finished("myjob");
    expect(cond(job, "Complete")).toBeDefined();
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
    const [pod] = await podsOf("job-name=myjob");
    expect(pod.status?.phase).toBe("Succeeded");
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(pod.status?.initContainerStatuses?.[0].state?.terminated).toBeDefined();
    expect(podStatusReason(pod as PrintedPod)).toBe("Completed");
  }, 30_000);
});

describe("Jobs (fake runtime)", () => {
  it("controllers/job (pi): Complete, 1/1", async () => {
    await create(`
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      containers:
      - {name: pi, image: perl:5.34.0, command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]}
      restartPolicy: Never
  backoffLimit: 4
`);
    const job = await finished("pi");
    expect((job.status?.conditions ?? []).filter((c) => c.status === "True").map((c) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0, active: 0 });
  }, 30_000);

  it("an Indexed Job: one pod per index with its env and hostname, completedIndexes 0-4", async () => {
    await create(`
apiVersion: batch/v1
kind: Job
metadata: {name: indexed-job}
spec:
  completions: 5
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: worker, image: docker.io/library/busybox, command: [sh, -c, 'echo $JOB_COMPLETION_INDEX']}
`);
    const job = await finished("indexed-job");
    expect(cond(job, "Complete")).toBeDefined();
    expect(job.status).toMatchObject({ completedIndexes: "0-4", succeeded: 5, failed: 0 });
    const pods = await podsOf("job-name=indexed-job");
    expect(pods.map((p) => p.metadata.labels?.["batch.kubernetes.io/job-completion-index"]).sort()).toEqual(["0", "1", "2", "3", "4"]);
    const two = pods.find((p) => p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"] === "2")!;
    expect(two.metadata.name).toMatch(/^indexed-job-2-/);
    expect(two.spec.hostname).toBe("indexed-job-2");
    expect(two.spec.containers[0].env?.map((e) => e.name)).toEqual(["JOB_COMPLETION_INDEX"]);
  }, 30_000);
});

describe("successPolicy (fake runtime)", () => {
  it("job-success-policy: the Job is Complete with reason SuccessPolicy once a listed index succeeded", async () => {
    await create(`
apiVersion: batch/v1
kind: Job
metadata: {name: job-success}
spec:
  parallelism: 10
  completions: 10
  completionMode: Indexed
  successPolicy:
    rules:
    - {succeededIndexes: "0,2-3", succeededCount: 1}
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: python
        command: [python3, -c, "import os, sys; sys.exit(0 if os.environ.get('JOB_COMPLETION_INDEX') == '2' else 1)"]
`);
    const job = await finished("job-success");
    expect(cond(job, "SuccessCriteriaMet")).toMatchObject({ reason: "SuccessPolicy", message: "Matched rules at index 0" });
    expect(cond(job, "Complete")).toMatchObject({ reason: "SuccessPolicy", message: "Matched rules at index 0" });
    expect(job.status?.active).toBe(0);
    const completed = new Set((job.status?.completedIndexes ?? "").split(/[,-]/).filter(Boolean).map(Number));
    expect([0, 2, 3].some((i) => completed.has(i))).toBe(true);
  }, 30_000);
});

describe("podFailurePolicy (fake runtime)", () => {
  const failurePolicyJob = (name: string, exitCode: number, extra = "") => `
apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
  completions: 12
  parallelism: 3
  backoffLimit: 6
  template:
    metadata: {annotations: {fake.skiff.dev/exit-code: "${exitCode}"}}
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: docker.io/library/bash:5, command: ["bash"], args: ["-c", "echo 'Hello world!' && sleep 5 && exit 42"]}
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes: {containerName: main, operator: In, values: [42]}
    - action: Ignore
      onPodConditions: [{type: DisruptionTarget}]
${extra}`;

  it("FailJob (job-pod-failure-policy-example): exit 42 fails the Job at once with reason PodFailurePolicy", async () => {
    await create(failurePolicyJob("pfp-failjob", 42));
    const job = await finished("pfp-failjob");
    expect(cond(job, "Failed")).toMatchObject({ reason: "PodFailurePolicy", message: expect.stringMatching(/^Container main for pod default\/pfp-failjob-\S+ failed with exit code 42 matching FailJob rule at index 0$/) });
    expect(cond(job, "FailureTarget")).toBeDefined();
    expect(job.status?.succeeded).toBe(0);
    expect(job.status?.active).toBe(0);
  }, 30_000);

  it("Count: other exit codes count toward backoffLimit (BackoffLimitExceeded)", async () => {
    await create(failurePolicyJob("pfp-count", 1, "    - action: Count\n      onExitCodes: {operator: In, values: [1]}").replace("backoffLimit: 6", "backoffLimit: 1"));
    const job = await finished("pfp-count");
    expect(cond(job, "Failed")).toMatchObject({ reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    expect(job.status?.failed).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("Ignore: a pod failed with DisruptionTarget (as the kubelet's eviction writes it) is replaced and not counted", async () => {
    await create(failurePolicyJob("pfp-ignore", 0).replace("completions: 12\n  parallelism: 3", "completions: 1\n  parallelism: 1").replace('fake.skiff.dev/exit-code: "0"', "fake.skiff.dev/never-exit: \"true\""));
    const [victim] = await eventually("a running pfp-ignore pod", async () => {
      const pods = await podsOf("job-name=pfp-ignore");
      return pods.length === 1 && pods[0].status?.phase === "Running" ? pods : undefined;
    });
    const evicted = structuredClone(victim);
    evicted.status = {
      ...victim.status,
      phase: "Failed",
      conditions: [...(victim.status?.conditions ?? []), { type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet" }],
    };
    await cluster.client.updateStatus(R.pods, evicted);
    const replaced = await eventually("a replacement pod", async () => {
      const pods = await podsOf("job-name=pfp-ignore");
      return pods.find((p) => p.metadata.name !== victim.metadata.name && p.status?.phase === "Running");
    });
    expect(replaced).toBeDefined();
    const job = await getJob("pfp-ignore");
    expect(job.status?.failed).toBe(0);
    expect(cond(job, "Failed")).toBeUndefined();
    await cluster.client.delete(R.jobs, NS, "pfp-ignore", { propagationPolicy: "Background" });
  }, 30_000);

  it("FailIndex with backoffLimitPerIndex: each failing index fails without retries, then the Job (FailedIndexes)", async () => {
    await create(`
apiVersion: batch/v1
kind: Job
metadata: {name: job-backoff-limit-per-index-failindex}
spec:
  completions: 4
  parallelism: 2
  completionMode: Indexed
  backoffLimitPerIndex: 1
  template:
    metadata: {annotations: {fake.skiff.dev/exit-code: "42"}}
    spec:
      restartPolicy: Never
      containers:
      - {name: main, image: docker.io/library/python:3, command: [python3, -c, "import os, sys; sys.exit(42)"]}
  podFailurePolicy:
    rules:
    - action: FailIndex
      onExitCodes: {containerName: main, operator: In, values: [42]}
`);
    const job = await finished("job-backoff-limit-per-index-failindex");
    expect(cond(job, "Failed")).toMatchObject({ reason: "FailedIndexes", message: "Job has failed indexes" });
    expect(job.status).toMatchObject({ failedIndexes: "0-3", failed: 4, succeeded: 0 });
    expect(await podsOf("job-name=job-backoff-limit-per-index-failindex")).toHaveLength(4);
  }, 30_000);
});

describe("skiff up --fake-stages", () => {
  it("refuses a bad stage table before starting anything, naming the file and the field", async () => {
    const file = join(dir, "stages.yaml");
    writeFileSync(file, "stages:\n- name: slow-jobs\n  match: {containerType: app, ownerKind: Job}\n  duration: forever\n");
    let stderr = "";
    const err = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
    try {
      const code = await main(["node", "skiff", "up", "--runtime", "fake", "--store", "memory", "--state-dir", join(dir, "up"), "--fake-stages", file]);
      expect(code).toBe(1);
    } finally {
      err.mockRestore();
    }
    expect(stderr).toContain(`error: --fake-stages ${file}: stages[0].duration: Invalid value: "forever": must be a duration such as "500ms", "2s" or "1m30s"`);
  });
});

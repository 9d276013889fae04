// The workload commands as a user runs them, each a child process of the built
// CLI: scale, rollout status|history|undo|pause|resume|restart, describe,
// events, cordon/uncordon/drain.
//
// The first suite runs them against a bare control plane (API server and store,
// no controllers, no agents), so the test can play the controllers and agents
// itself: it writes deployment status and ReplicaSets through the API to drive
// every `rollout status` message, and removes pods the way a node agent would.
// The second suite checks the same commands against a whole `skiff up` cluster.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";
import { HttpClient } from "../pkg/client/http-client.js";
import { loadKubeconfig } from "../pkg/client/kubeconfig.js";

const CLI = fileURLToPath(new URL("../dist/cmd/skiff.js", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        resources: {requests: {cpu: 250m, memory: 128Mi}, limits: {memory: 256Mi}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache}
spec:
  replicas: 2
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: redis, image: redis:7}]}
---
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {node-role.kubernetes.io/worker: ""}}
spec: {taints: [{key: dedicated, value: lab, effect: NoSchedule}]}
status: {capacity: {cpu: "4", memory: 8Gi, pods: "110"}, allocatable: {cpu: "2", memory: 4Gi, pods: "110"}}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
`;

function cli(home: () => string) {
  function start(args: string[]): { child: ChildProcess; result: Promise<Run>; stdout: () => string } {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, SKIFF_HOME: home(), NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.stdin!.end("");
    const result = new Promise<Run>((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })));
    return { child, result, stdout: () => stdout };
  }
  return { start, skiff: (...args: string[]) => start(args).result };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("skiff workload commands against a bare control plane", () => {
  let home: string;
  let cp: ControlPlane | undefined;
  let api: HttpClient;
  const { start, skiff } = cli(() => home);

  async function setDeployStatus(status: Record<string, unknown>, observed = true): Promise<void> {
    const d = await api.get(R.deployments, "default", "web");
    await api.updateStatus(R.deployments, { ...d, status: { ...(observed ? { observedGeneration: d.metadata.generation } : {}), ...status } });
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-cli-wl-"));
    // Writes $SKIFF_HOME/kubeconfig, which the CLI children read.
    cp = await startControlPlane({ stateDir: home, store: "memory", port: 0 });
    api = new HttpClient(loadKubeconfig(join(home, "kubeconfig")));
    writeFileSync(join(home, "app.yaml"), MANIFEST);
    const applied = await skiff("apply", "-f", join(home, "app.yaml"));
    expect(applied.stderr).toBe("");
    // Node status is a subresource: the test is the node agent reporting capacity.
    for (const n of ["n1", "n2"]) {
      const node = await api.get(R.nodes, undefined, n);
      await api.updateStatus(R.nodes, { ...node, status: { capacity: { cpu: "4", memory: "8Gi", pods: "110" }, allocatable: { cpu: "2", memory: "4Gi", pods: "110" }, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "ready" }] } });
    }
  }, 30_000);

  afterAll(async () => {
    api?.close();
    await cp?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("scales deployments and replica sets through the scale subresource", async () => {
    const r = await skiff("scale", "deploy/web", "--replicas=5");
    expect(r).toMatchObject({ code: 0, stdout: "deployment.apps/web scaled\n" });
    expect(((await api.get(R.deployments, "default", "web")).spec as { replicas: number }).replicas).toBe(5);
    expect(await skiff("scale", "rs", "cache", "--replicas", "0")).toMatchObject({ code: 0, stdout: "replicaset.apps/cache scaled\n" });
    expect(((await api.get(R.replicasets, "default", "cache")).spec as { replicas: number }).replicas).toBe(0);

    const wrong = await skiff("scale", "deploy/web", "--replicas=2", "--current-replicas=3");
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Expected replicas to be 3, was 5");
    expect(await skiff("scale", "deploy/web", "--replicas=3", "--current-replicas=5")).toMatchObject({ code: 0 });

    const pod = await skiff("scale", "pod/x", "--replicas=1");
    expect(pod.code).toBe(1);
    expect(pod.stderr).toContain("cannot be scaled");
    const missing = await skiff("scale", "deploy/nope", "--replicas=1");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('deployments.apps "nope" not found');
    expect((await skiff("scale", "deploy/web")).stderr).toContain("--replicas=COUNT flag is required");
  });

  it("rollout status prints every kubectl message once and exits 0 when rolled out", async () => {
    // A template change bumps generation; until status.observedGeneration catches up the change is unobserved.
    await api.patch(R.deployments, "default", "web", "merge", { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.26", resources: { requests: { cpu: "250m", memory: "128Mi" }, limits: { memory: "256Mi" } } }] } } } });
    await setDeployStatus({ observedGeneration: 1 }, false);
    const watch = start(["rollout", "status", "deploy/web"]);
    await until(() => watch.stdout().includes("observed"));
    await setDeployStatus({ replicas: 4, updatedReplicas: 1, availableReplicas: 3 });
    await until(() => watch.stdout().includes("new replicas"));
    await setDeployStatus({ replicas: 4, updatedReplicas: 1, availableReplicas: 3 }); // unchanged: printed once
    await setDeployStatus({ replicas: 4, updatedReplicas: 3, availableReplicas: 3 });
    await until(() => watch.stdout().includes("pending termination"));
    await setDeployStatus({ replicas: 3, updatedReplicas: 3, availableReplicas: 2 });
    await until(() => watch.stdout().includes("are available"));
    await setDeployStatus({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 });
    const r = await watch.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "Waiting for deployment spec update to be observed...",
        'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
        'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
        'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
        'deployment "web" successfully rolled out',
        "",
      ].join("\n"),
    );
    expect(await skiff("rollout", "status", "deployment", "web", "--watch=false")).toMatchObject({ code: 0, stdout: 'deployment "web" successfully rolled out\n' });
  }, 20_000);

  it("rollout status fails on an exceeded progress deadline, a timeout, and a missing deployment", async () => {
    await setDeployStatus({ replicas: 3, updatedReplicas: 1, availableReplicas: 3 });
    const timeout = await skiff("rollout", "status", "deploy/web", "--timeout=500ms");
    expect(timeout.code).toBe(1);
    expect(timeout.stdout).toContain("1 out of 3 new replicas have been updated");
    expect(timeout.stderr).toContain("timed out waiting for the condition");

    const watch = start(["rollout", "status", "deploy/web"]);
    await until(() => watch.stdout().includes("new replicas"));
    await setDeployStatus({ replicas: 3, updatedReplicas: 1, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] });
    const r = await watch.result;
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: deployment "web" exceeded its progress deadline\n');

    const missing = await skiff("rollout", "status", "deploy/nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('deployments.apps "nope" not found');
    await setDeployStatus({ replicas: 3, updatedReplicas: 3, availableReplicas: 3, conditions: [] });
  }, 20_000);

  it("rollout history lists revisions and undo restores the previous template", async () => {
    const d = await api.get(R.deployments, "default", "web");
    const rs = (rev: number, image: string, cause?: string): KubeObject => ({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `web-r${rev}`,
        labels: { app: "web", "pod-template-hash": `r${rev}` },
        annotations: { "deployment.kubernetes.io/revision": String(rev), ...(cause ? { "kubernetes.io/change-cause": cause } : {}) },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: d.metadata.uid!, controller: true }],
      },
      spec: { replicas: 0, selector: { matchLabels: { app: "web", "pod-template-hash": `r${rev}` } }, template: { metadata: { labels: { app: "web", "pod-template-hash": `r${rev}` } }, spec: { containers: [{ name: "web", image }] } } },
    });
    await api.create(R.replicasets, "default", rs(1, "nginx:1.25", "initial"));
    await api.create(R.replicasets, "default", rs(2, "nginx:1.26"));

    const history = await skiff("rollout", "history", "deploy/web");
    expect(history).toMatchObject({ code: 0, stdout: "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         initial\n2         <none>\n\n" });
    const one = await skiff("rollout", "history", "deploy/web", "--revision=1");
    expect(one.stdout).toMatch(/^deployment\.apps\/web with revision #1\nPod Template:\n/);
    expect(one.stdout).toContain("Image:\tnginx:1.25");
    expect((await skiff("rollout", "history", "deploy/web", "--revision=9")).stderr).toContain("unable to find the specified revision");

    expect(await skiff("rollout", "undo", "deploy/web")).toMatchObject({ code: 0, stdout: "deployment.apps/web rolled back\n" });
    const after = (await api.get(R.deployments, "default", "web")).spec as { template: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ image: string }> } } };
    expect(after.template.spec.containers[0].image).toBe("nginx:1.25");
    expect(after.template.metadata.labels).toEqual({ app: "web" });
    expect((await skiff("rollout", "undo", "deploy/web", "--to-revision=1")).stdout).toBe("deployment.apps/web skipped rollback (current template already matches revision 1)\n");
    const bad = await skiff("rollout", "undo", "deploy/web", "--to-revision=9");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("unable to find specified revision 9 in history");
  });

  it("rollout pause, resume and restart patch the deployment", async () => {
    expect(await skiff("rollout", "pause", "deploy/web")).toMatchObject({ code: 0, stdout: "deployment.apps/web paused\n" });
    expect(((await api.get(R.deployments, "default", "web")).spec as { paused?: boolean }).paused).toBe(true);
    const again = await skiff("rollout", "pause", "deploy/web");
    expect(again).toMatchObject({ code: 1, stderr: 'error: deployments.apps "web" is already paused\n' });
    expect((await skiff("rollout", "undo", "deploy/web")).stderr).toContain("resume it first");
    expect((await skiff("rollout", "restart", "deploy/web")).stderr).toContain("can't restart paused deployment");
    expect(await skiff("rollout", "resume", "deploy/web")).toMatchObject({ code: 0, stdout: "deployment.apps/web resumed\n" });
    expect(await skiff("rollout", "resume", "deploy/web")).toMatchObject({ code: 1, stderr: 'error: deployments.apps "web" is not paused\n' });
    expect(await skiff("rollout", "restart", "deploy/web")).toMatchObject({ code: 0, stdout: "deployment.apps/web restarted\n" });
    const t = (await api.get(R.deployments, "default", "web")).spec as { template: { metadata: { annotations?: Record<string, string> } } };
    expect(t.template.metadata.annotations?.["kubectl.kubernetes.io/restartedAt"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
  });

  it("describes deployments, pods and nodes with their events", async () => {
    const d = await api.get(R.deployments, "default", "web");
    await api.create(R.events, "default", {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web.1" },
      involvedObject: { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "default", uid: d.metadata.uid },
      reason: "ScalingReplicaSet",
      message: "Scaled up replica set web-r1 to 3",
      type: "Normal",
      count: 1,
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      source: { component: "deployment-controller" },
    });
    const out = await skiff("describe", "deploy", "web");
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Name:\s+web\nNamespace:\s+default\n/);
    expect(out.stdout).toMatch(/Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable\n/);
    expect(out.stdout).toMatch(/RollingUpdateStrategy:\s+25% max unavailable, 25% max surge\n/);
    // After `rollout restart` no ReplicaSet has the current template yet: both are old.
    expect(out.stdout).toMatch(/OldReplicaSets:\s+web-r1 \(0\/0 replicas created\), web-r2 \(0\/0 replicas created\)\nNewReplicaSet:\s+<none>\n/);
    expect(out.stdout).toMatch(/Events:\n  Type\s+Reason\s+Age\s+From\s+Message\n.*\n  Normal\s+ScalingReplicaSet\s+\d+s\s+deployment-controller\s+Scaled up replica set web-r1 to 3\n$/);

    await api.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "solo", labels: { app: "solo" } }, spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "500m", memory: "1Gi" } } }] } });
    const pod = await skiff("describe", "pod/solo");
    expect(pod.stdout).toMatch(/Node:\s+n1\/\n/);
    expect(pod.stdout).toMatch(/QoS Class:\s+Burstable\n/);
    expect(pod.stdout).toMatch(/Events:\s+<none>\n$/);

    const node = await skiff("describe", "node", "n1");
    expect(node.stdout).toMatch(/Roles:\s+worker\n/);
    expect(node.stdout).toMatch(/Taints:\s+dedicated=lab:NoSchedule\n/);
    expect(node.stdout).toMatch(/default\s+solo\s+500m \(25%\)\s+0 \(0%\)\s+1Gi \(25%\)\s+0 \(0%\)/);
    expect(node.stdout).toMatch(/  cpu\s+500m \(25%\)\s+0 \(0%\)\n  memory\s+1Gi \(25%\)\s+0 \(0%\)\n/);

    const both = await skiff("describe", "nodes");
    expect(both.stdout.match(/^Name:/gm)).toHaveLength(2);
    expect(both.stdout).toContain("\n\n\nName:");
    const missing = await skiff("describe", "pod", "zzz");
    expect(missing).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): pods "zzz" not found\n' });
  });

  it("lists events like kubectl events, oldest first, for one object or all namespaces", async () => {
    // Ages of 10 min and more print as whole minutes (kubectl's HumanDuration), so a slow CLI start
    // on a loaded machine cannot turn "12m" into "12m2s" as it could for ages under ten minutes.
    const at = (s: number) => new Date(Date.now() - s * 1000).toISOString();
    await api.create(R.events, "default", { apiVersion: "v1", kind: "Event", metadata: { name: "solo.1" }, involvedObject: { apiVersion: "v1", kind: "Pod", name: "solo", namespace: "default" }, reason: "BackOff", message: "Back-off restarting failed container", type: "Warning", count: 3, firstTimestamp: at(1230), lastTimestamp: at(750) });
    const all = await skiff("events");
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^12m \(x3 over 20m\)\s+Warning\s+BackOff\s+Pod\/solo\s+Back-off restarting failed container$/);
    expect(lines[2]).toMatch(/Normal\s+ScalingReplicaSet\s+Deployment\/web/);
    const forPod = await skiff("events", "--for", "pod/solo");
    expect(forPod.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect((await skiff("events", "-A")).stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+LAST SEEN/);
    expect((await skiff("events", "-n", "kube-system")).stderr).toBe("No events found in kube-system namespace.\n");
  });

  it("cordons and uncordons, also as `skiff nodes …`", async () => {
    expect(await skiff("cordon", "n2")).toMatchObject({ code: 0, stdout: "node/n2 cordoned\n" });
    expect(await skiff("nodes", "cordon", "n2")).toMatchObject({ code: 0, stdout: "node/n2 already cordoned\n" });
    expect(((await api.get(R.nodes, undefined, "n2")).spec as { unschedulable?: boolean }).unschedulable).toBe(true);
    expect(await skiff("uncordon", "n2")).toMatchObject({ code: 0, stdout: "node/n2 uncordoned\n" });
    expect(((await api.get(R.nodes, undefined, "n2")).spec as { unschedulable?: boolean }).unschedulable).toBeUndefined();
    expect(await skiff("nodes", "uncordon", "n2")).toMatchObject({ code: 0, stdout: "node/n2 already uncordoned\n" });
    expect((await skiff("cordon", "nope")).stderr).toContain('nodes "nope" not found');
  });

  it("drain refuses unmanaged pods without --force, then evicts everything and waits", async () => {
    const cache = await api.get(R.replicasets, "default", "cache");
    await api.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "cache-1", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "cache", uid: cache.metadata.uid!, controller: true }] },
      spec: { nodeName: "n1", containers: [{ name: "redis", image: "redis:7" }] },
    });
    // A timeout keeps a wrong outcome (pods deleted gracefully, waiting for an agent) from hanging the test.
    const refused = await skiff("drain", "n1", "--timeout=10s");
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("node/n1 cordoned\n");
    expect(refused.stderr).toContain('error: unable to drain node "n1" due to error: cannot delete Pods that declare no controller (use --force to override): default/solo, continuing command...');
    expect(refused.stderr).toContain("There are pending nodes to be drained:\n n1\n");
    expect((await api.list(R.pods, "default", { fieldSelector: "spec.nodeName=n1" })).items).toHaveLength(2);

    const r = await skiff("nodes", "drain", "n1", "--force", "--grace-period=0");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("Warning: deleting Pods that declare no controller: default/solo\n");
    const out = r.stdout.split("\n").filter(Boolean);
    expect(out[0]).toBe("node/n1 already cordoned");
    expect(out.slice(1, 3).sort()).toEqual(["evicting pod default/cache-1", "evicting pod default/solo"]);
    expect(out.slice(3, 5).sort()).toEqual(["pod/cache-1 evicted", "pod/solo evicted"]);
    expect(out[5]).toBe("node/n1 drained");
    expect((await api.list(R.pods, "default", { fieldSelector: "spec.nodeName=n1" })).items).toHaveLength(0);
  });

  it("drain waits for gracefully deleted pods until their node's agent removes them, or times out", async () => {
    const owner = (await api.get(R.replicasets, "default", "cache")).metadata.uid!;
    const mk = (name: string) =>
      api.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "cache", uid: owner, controller: true }] }, spec: { nodeName: "n2", containers: [{ name: "c", image: "redis:7" }] } });
    await mk("slow-1");
    const drain = start(["drain", "n2"]);
    await until(() => drain.stdout().includes("evicting pod default/slow-1"));
    await new Promise((r) => setTimeout(r, 300));
    expect(drain.stdout()).not.toContain("drained");
    // The pod is terminating (graceful delete); act as the agent that finally removes it.
    const p = await api.get(R.pods, "default", "slow-1");
    expect(p.metadata.deletionTimestamp).toBeTruthy();
    await api.delete(R.pods, "default", "slow-1", { gracePeriodSeconds: 0 });
    const r = await drain.result;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("node/n2 cordoned\nevicting pod default/slow-1\npod/slow-1 evicted\nnode/n2 drained\n");

    await mk("stuck-1");
    const timedOut = await skiff("drain", "n2", "--timeout=1s");
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain("drain did not complete within 1s");
    expect(timedOut.stderr).toContain("pod/stuck-1");
  }, 20_000);
});

describe("skiff workload commands against a whole `skiff up` cluster (fake runtime)", () => {
  let home: string;
  let up: ChildProcess | undefined;
  const { skiff } = cli(() => home);

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-cli-wl-up-"));
    up = spawn(process.execPath, [CLI, "up", "--port", "0", "--store", "memory", "--runtime", "fake", "--nodes", "2"], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" } });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      up!.stdout!.on("data", (d) => {
        out += d;
        if (out.includes("Press Ctrl-C")) resolve();
      });
      up!.stderr!.on("data", (d) => (out += d));
      up!.on("exit", (code) => reject(new Error(`skiff up exited ${code}: ${out}`)));
    });
    writeFileSync(join(home, "web.yaml"), MANIFEST.split("---")[0]);
    expect((await skiff("apply", "-f", join(home, "web.yaml"))).code).toBe(0);
  }, 30_000);

  afterAll(async () => {
    if (up) {
      const p = up;
      await new Promise<void>((resolve) => {
        p.removeAllListeners("exit");
        p.once("exit", () => resolve());
        p.kill("SIGKILL");
      });
    }
    rmSync(home, { recursive: true, force: true });
  });

  it("follows real rollouts to the end: create, scale, restart, undo", async () => {
    const first = await skiff("rollout", "status", "deploy/web", "--timeout=60s");
    expect(first.stderr).toBe("");
    expect(first.stdout.trimEnd().split("\n").at(-1)).toBe('deployment "web" successfully rolled out');

    expect((await skiff("scale", "deploy/web", "--replicas=5")).stdout).toBe("deployment.apps/web scaled\n");
    expect((await skiff("rollout", "status", "deploy/web", "--timeout=60s")).code).toBe(0);
    const described = await skiff("describe", "deploy/web");
    expect(described.stdout).toMatch(/Replicas:\s+5 desired \| 5 updated \| 5 total \| 5 available \| 0 unavailable\n/);
    expect(described.stdout).toMatch(/ScalingReplicaSet/);
    expect((await skiff("events", "--for", "deploy/web")).stdout).toMatch(/Normal\s+ScalingReplicaSet\s+Deployment\/web/);

    expect((await skiff("rollout", "restart", "deploy/web")).code).toBe(0);
    expect((await skiff("rollout", "status", "deploy/web", "--timeout=60s")).code).toBe(0);
    expect((await skiff("rollout", "history", "deploy/web")).stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    expect((await skiff("rollout", "undo", "deploy/web")).stdout).toBe("deployment.apps/web rolled back\n");
    expect((await skiff("rollout", "status", "deploy/web", "--timeout=60s")).code).toBe(0);
    const json = JSON.parse((await skiff("get", "deploy", "web", "-o", "json")).stdout) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    expect(json.spec.template.metadata.annotations?.["kubectl.kubernetes.io/restartedAt"]).toBeUndefined();
  }, 120_000);

  it("drains a node: its pods are replaced on the other one", async () => {
    const r = await skiff("drain", "node-1", "--timeout=60s");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^node\/node-1 cordoned\n/);
    expect(r.stdout).toMatch(/node\/node-1 drained\n$/);
    expect((await skiff("rollout", "status", "deploy/web", "--timeout=60s")).code).toBe(0);
    const pods = JSON.parse((await skiff("get", "pods", "-o", "json")).stdout) as { items: Array<{ spec: { nodeName?: string } }> };
    expect(pods.items.length).toBeGreaterThan(0);
    expect(pods.items.every((p) => p.spec.nodeName === "node-2")).toBe(true);
    expect((await skiff("describe", "node", "node-1")).stdout).toMatch(/Unschedulable:\s+true\n[\s\S]*Non-terminated Pods:\s+\(0 in total\)/);
    expect((await skiff("uncordon", "node-1")).stdout).toBe("node/node-1 uncordoned\n");
  }, 120_000);
});

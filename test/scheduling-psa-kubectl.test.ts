// Issue 25/23 acceptance, as a user would see it with real kubectl against a
// 3-node fake-runtime cluster: topology spread over a zone label, required
// anti-affinity (one replica per node, the fourth Pending), an extended
// resource advertised through nodes/status, a scheduling gate removed by
// `kubectl patch`, a pod for a scheduler that does not exist, and Pod Security
// Admission levels set by namespace labels (enforced, warned).
import { execFile } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLabCluster, until, type LabCluster } from "./helpers/lab-cluster.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING scheduling kubectl tests: ${KUBECTL} not found ***\n`);

interface PodJson {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status: { phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

describe.skipIf(!haveKubectl)("scheduling and pod security with real kubectl", () => {
  let lab: LabCluster;

  async function kubectl(...args: string[]): Promise<string> {
    return (await kubectlBoth(...args)).stdout;
  }

  async function kubectlBoth(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    try {
      return await run(KUBECTL, args, { env: { ...process.env, KUBECONFIG: join(lab.dir, "kubeconfig"), HOME: lab.dir }, timeout: 30_000 });
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")} failed: ${err.stderr || err.message}`);
    }
  }

  async function apply(name: string, yaml: string): Promise<string> {
    return (await applyBoth(name, yaml)).stdout;
  }

  async function applyBoth(name: string, yaml: string): Promise<{ stdout: string; stderr: string }> {
    const file = join(lab.dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    return kubectlBoth("apply", "-f", file);
  }

  async function pods(selector: string): Promise<PodJson[]> {
    return (JSON.parse(await kubectl("get", "pods", "-l", selector, "-o", "json")) as { items: PodJson[] }).items;
  }

  async function pod(name: string): Promise<PodJson> {
    return JSON.parse(await kubectl("get", "pod", name, "-o", "json")) as PodJson;
  }

  const scheduledCondition = (p: PodJson) => p.status.conditions?.find((c) => c.type === "PodScheduled");

  beforeAll(async () => {
    lab = await startLabCluster();
    await until("3 nodes", async () => (await kubectl("get", "nodes", "-o", "name")).trim().split("\n").length === 3);
    // Two zones over three nodes, labelled as a user would.
    await kubectl("label", "node", "node-1", "topology.kubernetes.io/zone=zone-a");
    await kubectl("label", "node", "node-2", "topology.kubernetes.io/zone=zone-a");
    await kubectl("label", "node", "node-3", "topology.kubernetes.io/zone=zone-b");
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  it("spreads replicas over a zone label within maxSkew 1, and keeps a pod whose key no node has Pending", async () => {
    await apply(
      "spread",
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: spread
spec:
  replicas: 4
  selector:
    matchLabels: {app: spread}
  template:
    metadata:
      labels: {app: spread}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: topology.kubernetes.io/zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels: {app: spread}
      containers:
      - name: pause
        image: registry.k8s.io/pause:3.9
---
apiVersion: v1
kind: Pod
metadata:
  name: no-rack
  labels: {app: no-rack}
spec:
  topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: example.com/rack
    whenUnsatisfiable: DoNotSchedule
    labelSelector:
      matchLabels: {app: no-rack}
  containers:
  - name: pause
    image: registry.k8s.io/pause:3.9
`,
    );
    const placed = await until("4 spread pods bound", async () => {
      const list = await pods("app=spread");
      return list.length === 4 && list.every((p) => p.spec.nodeName) && list;
    });
    const zoneOf: Record<string, string> = { "node-1": "zone-a", "node-2": "zone-a", "node-3": "zone-b" };
    const perZone = { "zone-a": 0, "zone-b": 0 } as Record<string, number>;
    for (const p of placed) perZone[zoneOf[p.spec.nodeName!]]++;
    expect(perZone).toEqual({ "zone-a": 2, "zone-b": 2 });

    const cond = await until("no-rack unschedulable", async () => scheduledCondition(await pod("no-rack"))?.message);
    expect(cond).toBe("0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints (missing required label).");
    expect((await pod("no-rack")).spec.nodeName).toBeUndefined();
  }, 90_000);

  it("spreads anti-affinity replicas one per node and leaves the fourth Pending with kube-scheduler's message", async () => {
    await apply(
      "anti",
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: anti
spec:
  replicas: 4
  selector:
    matchLabels: {app: anti}
  template:
    metadata:
      labels: {app: anti}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchExpressions:
              - {key: app, operator: In, values: [anti]}
            topologyKey: kubernetes.io/hostname
      containers:
      - name: pause
        image: registry.k8s.io/pause:3.9
`,
    );
    const list = await until("3 bound and 1 unschedulable", async () => {
      const l = await pods("app=anti");
      const bound = l.filter((p) => p.spec.nodeName);
      const waiting = l.filter((p) => !p.spec.nodeName && scheduledCondition(p)?.reason === "Unschedulable");
      return l.length === 4 && bound.length === 3 && waiting.length === 1 && l;
    });
    expect(new Set(list.filter((p) => p.spec.nodeName).map((p) => p.spec.nodeName))).toEqual(new Set(["node-1", "node-2", "node-3"]));
    const pending = list.find((p) => !p.spec.nodeName)!;
    expect(scheduledCondition(pending)?.message).toBe("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
    expect(await kubectl("get", "pod", pending.metadata.name, "--no-headers")).toMatch(/\s0\/1\s+Pending\s/);
    const events = await kubectl("get", "events", "--field-selector", `involvedObject.name=${pending.metadata.name}`);
    expect(events).toContain("FailedScheduling");
  }, 90_000);

  it("keeps a dongle pod Pending until a node advertises 4 dongles through nodes/status", async () => {
    await apply(
      "dongle",
      `apiVersion: v1
kind: Pod
metadata:
  name: extended-resource-demo
spec:
  containers:
  - name: extended-resource-demo-ctr
    image: nginx
    resources:
      requests:
        example.com/dongle: 3
      limits:
        example.com/dongle: 3
`,
    );
    const msg = await until("dongle pod unschedulable", async () => scheduledCondition(await pod("extended-resource-demo"))?.message);
    expect(msg).toBe("0/3 nodes are available: 3 Insufficient example.com/dongle.");
    // The documentation's step: add the resource to the node's capacity through the status subresource.
    await kubectl("patch", "node", "node-2", "--subresource=status", "--type=json", "-p", '[{"op":"add","path":"/status/capacity/example.com~1dongle","value":"4"}]');
    expect(await kubectl("get", "node", "node-2", "-o", "jsonpath={.status.capacity.example\\.com/dongle}")).toBe("4");
    const bound = await until("dongle pod bound", async () => (await pod("extended-resource-demo")).spec.nodeName);
    expect(bound).toBe("node-2");
    // A second pod asking for 2 more does not fit in the 1 left.
    await apply(
      "dongle-2",
      `apiVersion: v1
kind: Pod
metadata:
  name: extended-resource-demo-2
spec:
  containers:
  - name: c
    image: nginx
    resources:
      requests: {example.com/dongle: 2}
      limits: {example.com/dongle: 2}
`,
    );
    expect(await until("second dongle pod unschedulable", async () => scheduledCondition(await pod("extended-resource-demo-2"))?.message)).toBe(
      "0/3 nodes are available: 3 Insufficient example.com/dongle.",
    );
  }, 90_000);

  it("holds a gated pod as SchedulingGated until kubectl patch removes the gate", async () => {
    await apply(
      "gated",
      `apiVersion: v1
kind: Pod
metadata:
  name: test-pod
spec:
  schedulingGates:
  - name: example.com/foo
  - name: example.com/bar
  containers:
  - name: pause
    image: registry.k8s.io/pause:3.6
`,
    );
    await until("SchedulingGated", async () => scheduledCondition(await pod("test-pod"))?.reason === "SchedulingGated");
    expect(await kubectl("get", "pod", "test-pod", "--no-headers")).toMatch(/\s0\/1\s+SchedulingGated\s/);
    expect(scheduledCondition(await pod("test-pod"))?.message).toBe("Scheduling is blocked due to non-empty scheduling gates");
    // Adding a gate is refused, as on Kubernetes.
    await expect(kubectl("patch", "pod", "test-pod", "--type=json", "-p", '[{"op":"add","path":"/spec/schedulingGates/-","value":{"name":"example.com/baz"}}]')).rejects.toThrow(
      /only deletion is allowed, but found new scheduling gate 'example.com\/baz'/,
    );
    await kubectl("patch", "pod", "test-pod", "--type=json", "-p", '[{"op":"remove","path":"/spec/schedulingGates"}]');
    await until("gated pod bound", async () => (await pod("test-pod")).spec.nodeName);
  }, 90_000);

  it("leaves a pod for a scheduler that does not exist Pending, with no condition and no event", async () => {
    await apply(
      "other",
      `apiVersion: v1
kind: Pod
metadata:
  name: other-scheduler
spec:
  schedulerName: other
  containers:
  - name: pause
    image: registry.k8s.io/pause:3.9
---
apiVersion: v1
kind: Pod
metadata:
  name: default-scheduler-pod
spec:
  containers:
  - name: pause
    image: registry.k8s.io/pause:3.9
`,
    );
    // A pod created after it is scheduled: the scheduler has looked at both.
    await until("default pod bound", async () => (await pod("default-scheduler-pod")).spec.nodeName);
    const p = await pod("other-scheduler");
    expect(p.spec.nodeName).toBeUndefined();
    expect(p.status.phase).toBe("Pending");
    expect(p.status.conditions ?? []).toEqual([]);
    expect(await kubectl("get", "events", "--field-selector", "involvedObject.name=other-scheduler", "-o", "name")).toBe("");
  }, 60_000);

  const hostNetworkPod = (name: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  hostNetwork: true
  containers:
  - name: nginx
    image: nginx
`;

  it("refuses a hostNetwork pod under the default baseline level with Kubernetes' message and the label that allows it", async () => {
    const err = await applyBoth("host-net", hostNetworkPod("host-net")).then(
      () => "",
      (e: Error) => e.message,
    );
    expect(err).toContain(
      'Error from server (Forbidden): error when creating "' + join(lab.dir, "host-net.yaml") + '": pods "host-net" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true).',
    );
    expect(err).toContain("kubectl label --overwrite namespace default pod-security.kubernetes.io/enforce=privileged");
  }, 30_000);

  it("follows namespace labels: enforce=privileged admits the pod, warn=restricted prints kubectl's Warning", async () => {
    await apply("ns", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n");
    await kubectl("label", "namespace", "lab", "pod-security.kubernetes.io/enforce=privileged", "pod-security.kubernetes.io/warn=restricted");
    const out = await applyBoth("host-net-lab", hostNetworkPod("host-net").replace("  name: host-net", "  name: host-net\n  namespace: lab"));
    expect(out.stdout).toContain("pod/host-net created");
    expect(out.stderr).toContain('Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false)');
    expect(out.stderr).toContain("host namespaces (hostNetwork=true)");
    // enforce=restricted refuses even a plain pod, naming the restricted checks.
    await kubectl("label", "--overwrite", "namespace", "lab", "pod-security.kubernetes.io/enforce=restricted");
    const err = await applyBoth("plain", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\n  namespace: lab\nspec:\n  containers:\n  - name: nginx\n    image: nginx\n").then(
      () => "",
      (e: Error) => e.message,
    );
    expect(err).toContain('pods "plain" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false');
    expect(err).toContain("pod-security.kubernetes.io/enforce=baseline");
  }, 30_000);

  it("warns about a Deployment whose template violates the level, and its ReplicaSet's pods are refused", async () => {
    const out = await applyBoth(
      "host-pid",
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: host-pid
spec:
  replicas: 1
  selector:
    matchLabels: {app: host-pid}
  template:
    metadata:
      labels: {app: host-pid}
    spec:
      hostPID: true
      containers:
      - name: nginx
        image: nginx
`,
    );
    expect(out.stdout).toContain("deployment.apps/host-pid created");
    expect(out.stderr).toContain('Warning: would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)');
    const events = await until("FailedCreate on the ReplicaSet", async () => {
      const e = await kubectl("get", "events", "--field-selector", "reason=FailedCreate", "-o", "jsonpath={.items[*].message}");
      return e.includes("violates PodSecurity") && e;
    });
    expect(events).toContain('violates PodSecurity "baseline:latest": host namespaces (hostPID=true)');
    expect(await pods("app=host-pid")).toEqual([]);
  }, 60_000);
});

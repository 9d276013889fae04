// Issue 25, the validation and storage-form half, as a user sees it with real
// kubectl 1.32 against a fake-runtime cluster: files kubectl can only validate
// with /openapi/v2 (a `kind: List`, a kind the server lacks), objects read back
// in Kubernetes' canonical form, wrong JSON types refused with a field path.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { haveKubectl, kubectlFor, type Kubectl } from "./helpers/kubectl.js";
import { startLabCluster, type LabCluster } from "./helpers/lab-cluster.js";
import { eventually } from "./helpers/eventually.js";

if (!haveKubectl) console.warn("\n*** SKIPPING documentation kubectl tests: kubectl not found ***\n");

describe.skipIf(!haveKubectl)("documentation manifests with real kubectl", () => {
  let lab: LabCluster;
  let k: Kubectl;

  beforeAll(async () => {
    lab = await startLabCluster({ nodes: 1, podGcQuarantineMs: 1_000 });
    k = kubectlFor(lab.dir);
  });
  afterAll(async () => {
    await lab?.close();
  });

  it("applies a `kind: List` file item by item (kubectl validates it with /openapi/v2)", async () => {
    const r = await k.apply(
      "list",
      `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed}
  data: {x: "1"}
- apiVersion: v1
  kind: Service
  metadata: {name: listed}
  spec:
    selector: {app: listed}
    ports: [{port: 80}]
`,
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("configmap/listed created");
    expect(r.stdout).toContain("service/listed created");
  });

  it("validates a List's items on the client with the v2 schema: unknown fields and wrong types, nothing applied", async () => {
    const r = await k.apply(
      "bad-list",
      `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: never}
  datta: {x: "1"}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: never}
  spec:
    replicas: "two"
    selector: {matchLabels: {app: never}}
    template:
      metadata: {labels: {app: never}}
      spec: {containers: [{name: c, image: skiff/busybox:latest}]}
`,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "datta" in io.k8s.api.core.v1.ConfigMap');
    expect(r.stderr).toContain('invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer"');
    expect((await k.run(["get", "configmap", "never"])).code).not.toBe(0);
  });

  it("applies the kinds it knows from a file that also holds an unknown kind, and names the missing one", async () => {
    const r = await k.apply(
      "unknown-kind",
      `apiVersion: v1
kind: ConfigMap
metadata: {name: beside-widget}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
`,
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain("configmap/beside-widget created");
    expect(r.stderr).toContain('no matches for kind "Widget" in version "example.com/v1"');
  });

  it("serves /openapi/v2 as JSON too, each kind tagged with its group-version-kind", async () => {
    const doc = JSON.parse(await k.ok("get", "--raw", "/openapi/v2")) as { swagger: string; definitions: Record<string, Record<string, unknown>> };
    expect(doc.swagger).toBe("2.0");
    expect(doc.definitions["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", kind: "Deployment", version: "v1" }]);
    expect(JSON.stringify(doc)).not.toContain("#/components/schemas/");
  });

  it("reads \`cpu: 0.5\` back as 500m: quantities are stored in canonical form", async () => {
    const r = await k.apply(
      "half-cpu",
      `apiVersion: v1
kind: Pod
metadata: {name: half-cpu}
spec:
  containers:
  - name: c
    image: skiff/busybox:latest
    resources:
      requests: {cpu: 0.5, memory: 1024Mi}
      limits: {cpu: 2000m, memory: 1Gi}
`,
    );
    expect(r.stderr).toBe("");
    const resources = JSON.parse(await k.ok("get", "pod", "half-cpu", "-o", "jsonpath={.spec.containers[0].resources}")) as unknown;
    expect(resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "1Gi" } });
  });

  it("refuses an array where an object belongs, naming the field, and stores nothing", async () => {
    const r = await k.apply(
      "affinity-array",
      `apiVersion: v1
kind: Pod
metadata: {name: affinity-array}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - nodeSelectorTerms:
        - matchExpressions: [{key: zone, operator: Exists}]
  containers: [{name: c, image: skiff/busybox:latest}]
`,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal array into Go struct field NodeAffinity.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution of type v1.NodeSelector',
    );
    expect((await k.run(["get", "pod", "affinity-array"])).stderr).toContain("NotFound");
    // and a patch that would make it so is refused the same way
    await k.ok("patch", "pod", "half-cpu", "--type=merge", "-p", '{"metadata":{"labels":{"a":"b"}}}');
    const patched = await k.run(["patch", "pod", "half-cpu", "--type=merge", "-p", '{"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[]}}}}']);
    expect(patched.stderr).toContain("cannot unmarshal array into Go struct field NodeAffinity");
  });

  it("has the kubernetes Service in default, pointing at the API server", async () => {
    const svc = await k.json<{ spec: { clusterIP: string; ports: Array<{ name: string; port: number }> }; metadata: { labels: Record<string, string> } }>("get", "service", "kubernetes");
    expect(svc.spec.ports).toEqual([expect.objectContaining({ name: "https", port: 443 })]);
    expect(svc.metadata.labels).toEqual({ component: "apiserver", provider: "kubernetes" });
    const ep = await k.json<{ subsets: Array<{ addresses: Array<{ ip: string }>; ports: Array<{ port: number }> }> }>("get", "endpoints", "kubernetes");
    expect(`https://${ep.subsets[0].addresses[0].ip}:${ep.subsets[0].ports[0].port}`).toBe(lab.cluster.controlPlane.url);
  });

  it("collects a pod bound to a node that does not exist, even one left Terminating by a delete", async () => {
    const r = await k.apply(
      "ghost-pod",
      `apiVersion: v1
kind: Pod
metadata: {name: on-ghost}
spec:
  nodeName: ghost-node
  containers: [{name: c, image: skiff/busybox:latest}]
`,
    );
    expect(r.stderr).toBe("");
    await k.ok("delete", "pod", "on-ghost", "--wait=false");
    await eventually("the pod GC to remove it", async () => (await k.run(["get", "pod", "on-ghost"])).stderr.includes("NotFound"), { timeoutMs: 20_000 });
  });
});

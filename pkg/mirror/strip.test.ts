import { describe, expect, test } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { droppedFields } from "./schema.js";
import { MIRRORED_BY_LABEL, NamespaceScope, SOURCE_UID_ANNOTATION, skipReason } from "./scope.js";
import { stripForTarget } from "./strip.js";

const meta = { uid: "u-1", resourceVersion: "42", generation: 3, creationTimestamp: "2025-01-01T00:00:00Z", managedFields: [{ manager: "kubectl" }] };

describe("stripForTarget", () => {
  test("keeps what the user wrote, drops what skiff's server and controllers filled in", () => {
    const dep: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        ...meta,
        name: "web",
        namespace: "demo",
        labels: { app: "web" },
        annotations: { "deployment.kubernetes.io/revision": "4", "kubectl.kubernetes.io/last-applied-configuration": "{}", "skiff.dev/replica-claim": "x", keep: "me" },
        finalizers: ["example.com/hold"],
      },
      spec: { replicas: 2, template: { metadata: { creationTimestamp: null, labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
      status: { readyReplicas: 2 },
    };
    const { object, notes } = stripForTarget(R.deployments, dep);
    expect(object).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "demo", labels: { app: "web", [MIRRORED_BY_LABEL]: "skiff" }, annotations: { keep: "me", [SOURCE_UID_ANNOTATION]: "u-1" } },
      spec: { replicas: 2, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    expect(notes).toEqual([
      "annotation skiff.dev/replica-claim not kept: it only means something to skiff",
      "finalizers not kept (example.com/hold): nothing in the target would remove them",
    ]);
    // The input is not changed.
    expect(dep.metadata.uid).toBe("u-1");
    expect(dep.status).toBeDefined();
  });

  test("services lose skiff's allocations; a headless service stays headless", () => {
    const svc = (clusterIP: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { ...meta, name: "s", namespace: "d" },
      spec: { type: "NodePort", clusterIP, clusterIPs: [clusterIP], ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", ports: [{ port: 80, nodePort: 30080 }] },
    });
    const out = stripForTarget(R.services, svc("127.96.0.7"));
    expect(out.object.spec).toEqual({ type: "NodePort", ipFamilyPolicy: "SingleStack", ports: [{ port: 80 }] });
    expect(out.notes[0]).toMatch(/^nodePort 30080 of port 80 not kept/);
    expect((stripForTarget(R.services, svc("None")).object.spec as { clusterIP: string }).clusterIP).toBe("None");
  });

  test("jobs lose the selector generated from skiff's uid, unless the user chose it", () => {
    const job = (manualSelector?: boolean): KubeObject => ({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { ...meta, name: "j", namespace: "d" },
      spec: {
        manualSelector,
        selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u-1" } },
        template: { metadata: { labels: { app: "j", "batch.kubernetes.io/controller-uid": "u-1", "controller-uid": "u-1", "job-name": "j", "batch.kubernetes.io/job-name": "j" } }, spec: { containers: [] } },
      },
    });
    const generated = stripForTarget(R.jobs, job()).object.spec as Record<string, { metadata?: { labels: object } }>;
    expect(generated.selector).toBeUndefined();
    expect(generated.template.metadata?.labels).toEqual({ app: "j" });
    expect((stripForTarget(R.jobs, job(true)).object.spec as { selector?: object }).selector).toBeDefined();
  });

  test("pods are not sent to skiff's node; namespaces lose the server's finalizer", () => {
    const pod = stripForTarget(R.pods, { apiVersion: "v1", kind: "Pod", metadata: { ...meta, name: "p", namespace: "d" }, spec: { nodeName: "node-1", containers: [] } });
    expect(pod.object.spec).toEqual({ containers: [] });
    expect(pod.notes).toEqual(["spec.nodeName node-1 not kept: it names a skiff node; the target's scheduler picks one"]);
    const ns = stripForTarget(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { ...meta, name: "d", finalizers: ["kubernetes"] }, spec: { finalizers: ["kubernetes"] } });
    expect(ns.object).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "d", labels: { [MIRRORED_BY_LABEL]: "skiff" }, annotations: { [SOURCE_UID_ANNOTATION]: "u-1" } } });
    expect(ns.notes).toEqual([]);
  });
});

describe("droppedFields: what Kubernetes' types do not have", () => {
  test("names fields client-node would leave out, and nothing else", () => {
    const obj: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x", labels: { "any.key/works": "1" } },
      spec: { replicas: 1, skiffOnly: true, strategy: { rollingUpdate: { maxSurge: "25%" } }, template: { spec: { containers: [{ name: "c", image: "i", gpuShare: 2, resources: { limits: { memory: "1Gi" } } }] } } },
    };
    expect(droppedFields(obj)).toEqual(["spec.skiffOnly", "spec.template.spec.containers[0].gpuShare"]);
  });
});

describe("what is mirrored", () => {
  const none = () => undefined;
  test("controller-made, owned, built-in and skiff's own objects are left out", () => {
    const owned: KubeObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "1", controller: true }] } };
    expect(skipReason(R.pods, owned, none)).toMatch(/^made by replicaset\/rs/);
    expect(skipReason(R.pods, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "d" } }, none)).toBeUndefined();
    expect(skipReason(R.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "d", labels: { "skiff.dev/scheduling-decisions": "true" } } }, none)).toMatch(/bookkeeping/);
    expect(skipReason(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } }, none)).toBeDefined();
    const svc = (selector?: object): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "d" }, spec: { selector } });
    const ep: KubeObject = { apiVersion: "v1", kind: "Endpoints", metadata: { name: "s", namespace: "d" } };
    expect(skipReason(R.endpoints, ep, () => svc({ app: "x" }))).toMatch(/selector/);
    expect(skipReason(R.endpoints, ep, () => svc())).toBeUndefined();
  });

  test("scope: -n namespaces, else everything but the system namespaces", () => {
    const all = new NamespaceScope();
    expect(all.includesNamespace("default")).toBe(true);
    expect(all.includesNamespace("kube-system")).toBe(false);
    const two = new NamespaceScope(["a", "b"]);
    expect(two.single).toBeUndefined();
    expect(two.includes(R.namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } })).toBe(true);
    expect(two.includes(R.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "c" } })).toBe(false);
    expect(new NamespaceScope(["a"]).single).toBe("a");
  });
});

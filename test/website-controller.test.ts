// The example controller (examples/website-controller), written with
// @kubernetes/client-node, reconciles its custom kind against a skiff cluster:
// a Website gets a Deployment and a Service it owns and a status; deleting the
// Website lets the garbage collector remove both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { RESOURCES } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { startCluster, type Cluster } from "../pkg/cluster/cluster.js";
import { startWebsiteController, GROUP, PLURAL, VERSION, type RunningController, type Website } from "../examples/website-controller/controller.js";
import { until } from "./helpers/lab-cluster.js";

const example = (f: string) => fileURLToPath(new URL(`../examples/website-controller/${f}`, import.meta.url));

describe("example Website controller against skiff", () => {
  let dir: string;
  let cluster: Cluster;
  let controller: RunningController | undefined;
  let kc: KubeConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-website-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 1, runtime: "fake", proxy: false, dashboard: false, onError: () => undefined });
    kc = new KubeConfig();
    kc.loadFromFile(join(dir, "kubeconfig"));
  });

  afterAll(async () => {
    await controller?.stop();
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("reconciles a Website into an owned Deployment and Service, and GC removes them with it", async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    // As a user would `kubectl apply -f website-crd.yaml` (client-node's typed serializer would drop
    // schema keys such as "default", which its model spells "_default").
    await cluster.client.create(RESOURCES.find((r) => r.kind === "CustomResourceDefinition")!, undefined, parse(readFileSync(example("website-crd.yaml"), "utf8")) as KubeObject);
    await until("the Website CRD established", async () => {
      const crd = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
      return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    });
    controller = await startWebsiteController({ kubeconfig: join(dir, "kubeconfig"), resyncMs: 500, log: () => undefined });

    const body = parse(readFileSync(example("website.yaml"), "utf8")) as Website;
    const created = (await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: "default", plural: PLURAL, body })) as Website;
    expect(created.spec.port).toBe(8080); // defaulted from the CRD's schema

    const deployment = await until("the owned Deployment", () => apps.readNamespacedDeployment({ name: "hello", namespace: "default" }).catch(() => undefined), 30_000);
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: "Website", name: "hello", uid: created.metadata.uid, controller: true })]);
    const service = await until("the owned Service", () => core.readNamespacedService({ name: "hello", namespace: "default" }).catch(() => undefined), 30_000);
    expect(service.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "Website", uid: created.metadata.uid });

    const status = await until("the Website's status", async () => {
      const w = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: "default", plural: PLURAL, name: "hello" })) as Website;
      return w.status?.availableReplicas === 2 ? w.status : undefined;
    }, 60_000);
    expect(status).toEqual({ observedGeneration: 1, availableReplicas: 2, service: "hello.default.svc" });

    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: "default", plural: PLURAL, name: "hello", body: { propagationPolicy: "Background" } });
    await until("the Deployment garbage-collected", async () => (await apps.readNamespacedDeployment({ name: "hello", namespace: "default" }).then(() => false, () => true)), 30_000);
    await until("the Service garbage-collected", async () => (await core.readNamespacedService({ name: "hello", namespace: "default" }).then(() => false, () => true)), 30_000);
  });
});

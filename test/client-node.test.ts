// @kubernetes/client-node (the JavaScript client) against skiff (issue #17):
// create, watch (ADDED, MODIFIED, DELETED), patch and delete a ConfigMap and a
// Deployment, and a 409 that reads as Kubernetes' Status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from "@kubernetes/client-node";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";

describe("@kubernetes/client-node against skiff", () => {
  let cp: ControlPlane;
  let dir: string;
  let kc: KubeConfig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-client-node-"));
    cp = await startControlPlane({ stateDir: dir, store: "memory", port: 0 });
    kc = new KubeConfig();
    kc.loadFromFile(cp.paths.kubeconfig);
  });
  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Watch one object by name from a resourceVersion until DELETED; resolves with the event types. */
  async function watchUntilDeleted(path: string, name: string, resourceVersion: string, act: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => (resolveDone = r));
    const req = await new Watch(kc).watch(path, { resourceVersion, fieldSelector: `metadata.name=${name}` }, (type) => {
      seen.push(type);
      if (type === "DELETED") resolveDone();
    }, () => resolveDone());
    await act();
    const timeout = setTimeout(resolveDone, 20_000);
    await done;
    clearTimeout(timeout);
    req.abort();
    return seen;
  }

  it("creates, watches, patches and deletes a ConfigMap", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const rv = (await core.listNamespacedConfigMap({ namespace: "default" })).metadata!.resourceVersion!;
    const events = await watchUntilDeleted("/api/v1/namespaces/default/configmaps", "js-cm", rv, async () => {
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "js-cm" }, data: { a: "1" } } });
      const patched = await core.patchNamespacedConfigMap({ name: "js-cm", namespace: "default", body: { data: { a: "2" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
      expect(patched.data).toEqual({ a: "2" });
      await core.deleteNamespacedConfigMap({ name: "js-cm", namespace: "default" });
    });
    expect(events).toEqual(["ADDED", "MODIFIED", "DELETED"]);
  });

  it("creates, watches, scales by patch and deletes a Deployment", async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const rv = (await apps.listNamespacedDeployment({ namespace: "default" })).metadata!.resourceVersion!;
    const labels = { app: "js" };
    const events = await watchUntilDeleted("/apis/apps/v1/namespaces/default/deployments", "js-deploy", rv, async () => {
      await apps.createNamespacedDeployment({
        namespace: "default",
        body: { metadata: { name: "js-deploy" }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "skiff/busybox:latest" }] } } } },
      });
      const patched = await apps.patchNamespacedDeployment({ name: "js-deploy", namespace: "default", body: { spec: { replicas: 3 } } }, setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch));
      expect(patched.spec?.replicas).toBe(3);
      await apps.deleteNamespacedDeployment({ name: "js-deploy", namespace: "default" });
    });
    expect(events).toEqual(["ADDED", "MODIFIED", "DELETED"]);
  });

  it("reads a 409 as Kubernetes' Status", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "js-dup" } } });
    const err = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "js-dup" } } }).then(() => undefined, (e: unknown) => e as { code?: number; body?: string });
    expect(err?.code).toBe(409);
    expect(JSON.parse(String(err?.body))).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'configmaps "js-dup" already exists', reason: "AlreadyExists", details: { name: "js-dup", kind: "configmaps" }, code: 409 });
  });
});

// A claim's data and binding survive restarting the cluster on the same state
// dir (skiff up after skiff down): the sqlite store keeps the claim and volume,
// the state dir keeps the directory, and the pod made again mounts it.
// Fake runtime, one node.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { R } from "../pkg/api/kinds.js";
import type { PersistentVolume, PersistentVolumeClaim } from "../pkg/api/storage.js";
import { startCluster, type Cluster } from "../pkg/cluster/cluster.js";
import { eventually } from "./helpers/eventually.js";

const dir = mkdtempSync(join(tmpdir(), "skiff-storage-restart-"));
const start = () => startCluster({ stateDir: dir, store: "sqlite", port: 0, nodes: 1, runtime: "fake", proxy: false, dashboard: false, dns: false, onError: () => undefined });
let cluster: Cluster | undefined;
afterAll(async () => {
  await cluster?.close({ removeContainers: true });
  rmSync(dir, { recursive: true, force: true });
});

describe("storage across a restart", () => {
  it("keeps the claim bound to the same volume and directory", async () => {
    cluster = await start();
    const c = cluster.client;
    await eventually("standard class", () => c.get(R.storageclasses, undefined, "standard").catch(() => undefined));
    await c.create(R.persistentvolumeclaims, "default", { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Mi" } } } });
    await c.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "app" }, spec: { containers: [{ name: "c", image: "skiff/busybox", volumeMounts: [{ name: "d", mountPath: "/d" }] }], volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }] } });
    const bound = await eventually("bound", async () => {
      const claim = await c.get<PersistentVolumeClaim>(R.persistentvolumeclaims, "default", "data");
      return claim.status?.phase === "Bound" ? claim : undefined;
    });
    const path = (await c.get<PersistentVolume>(R.persistentvolumes, undefined, bound.spec!.volumeName!)).spec!.hostPath!.path!;
    await eventually("pod running", async () => (await c.get(R.pods, "default", "app")).status !== undefined && ((await c.get(R.pods, "default", "app")).status as { phase?: string }).phase === "Running");
    writeFileSync(join(path, "row"), "42");
    await cluster.close({ removeContainers: true });

    cluster = await start();
    const again = await eventually("claim after restart", () => cluster!.client.get<PersistentVolumeClaim>(R.persistentvolumeclaims, "default", "data").catch(() => undefined));
    expect(again.spec?.volumeName).toBe(bound.spec?.volumeName);
    expect(again.status?.phase).toBe("Bound");
    const pv = await eventually("volume Bound", async () => {
      const v = await cluster!.client.get<PersistentVolume>(R.persistentvolumes, undefined, bound.spec!.volumeName!);
      return v.status?.phase === "Bound" ? v : undefined;
    });
    expect(pv.spec?.hostPath?.path).toBe(path);
    expect(existsSync(path) && readFileSync(join(path, "row"), "utf8")).toBe("42");
    await eventually("pod running again", async () => ((await cluster!.client.get(R.pods, "default", "app")).status as { phase?: string }).phase === "Running");
  }, 60_000);
});

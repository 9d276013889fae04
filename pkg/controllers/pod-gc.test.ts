import { describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { FakeClock } from "../util/clock.js";
import { createNode, newCluster, RecordingClient, SnapshotLister } from "../../test/helpers/controllers.js";
import { NODE_QUARANTINE_MS, PodGarbageCollector, TERMINATED_KEY } from "./pod-gc.js";

const pod = (name: string, nodeName?: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "skiff/busybox:latest" }] },
});

async function setUp(threshold?: number) {
  const { client: inner } = await newCluster();
  const client = new RecordingClient(inner);
  const pods = new SnapshotLister(inner, R.pods);
  const nodes = new SnapshotLister(inner, R.nodes);
  const clock = new FakeClock();
  const gc = new PodGarbageCollector({ client, pods, nodes, clock, terminatedPodThreshold: threshold });
  const refresh = async () => {
    await pods.refresh();
    await nodes.refresh();
  };
  return { inner, client, pods, nodes, clock, gc, refresh };
}

describe("PodGarbageCollector", () => {
  it("collects a pod bound to a node that does not exist after the quarantine: Failed with DisruptionTarget, then force-deleted", async () => {
    const t = await setUp();
    await createNode(t.inner, "node-1");
    await t.inner.create(R.pods, "default", pod("kept", "node-1"));
    await t.inner.create(R.pods, "default", pod("orphan", "ghost"));
    await t.refresh();
    expect(t.gc.podChanged(t.pods.get("default", "kept")!)).toEqual([]);
    expect(t.gc.podChanged(t.pods.get("default", "orphan")!)).toEqual(["default/orphan"]);

    expect(await t.gc.reconcile("default/orphan")).toEqual({ requeueAfterMs: NODE_QUARANTINE_MS });
    expect(t.client.writes).toEqual([]);
    await t.clock.advance(NODE_QUARANTINE_MS);
    await t.refresh();
    expect(await t.gc.reconcile("default/orphan")).toEqual({});
    const status = t.client.writes.find((w) => w.verb === "updateStatus")?.obj?.status as { phase: string; conditions: Array<{ type: string; reason: string; message: string }> };
    expect(status.phase).toBe("Failed");
    expect(status.conditions).toContainEqual(expect.objectContaining({ type: "DisruptionTarget", reason: "DeletionByPodGC", message: "PodGC: node no longer exists" }));
    await expect(t.inner.get(R.pods, "default", "orphan")).rejects.toThrow(/not found/);
    await expect(t.inner.get(R.pods, "default", "kept")).resolves.toBeTruthy();
  });

  it("collects a pod left Terminating on a node that does not exist", async () => {
    const t = await setUp();
    await t.inner.create(R.pods, "default", pod("stuck", "ghost"));
    await t.inner.delete(R.pods, "default", "stuck");
    await t.refresh();
    expect(t.pods.get("default", "stuck")?.metadata.deletionTimestamp).toBeTruthy();
    await t.gc.reconcile("default/stuck");
    await t.clock.advance(NODE_QUARANTINE_MS);
    await t.gc.reconcile("default/stuck");
    await expect(t.inner.get(R.pods, "default", "stuck")).rejects.toThrow(/not found/);
  });

  it("leaves the pods alone when the node comes back within the quarantine", async () => {
    const t = await setUp();
    await t.inner.create(R.pods, "default", pod("p", "late"));
    await t.refresh();
    await t.gc.reconcile("default/p");
    await createNode(t.inner, "late");
    await t.clock.advance(NODE_QUARANTINE_MS);
    await t.gc.reconcile("default/p"); // the cache still misses the node: the API's word counts
    await t.refresh();
    await t.gc.reconcile("default/p");
    expect(t.client.writes).toEqual([]);
  });

  it("deletes the oldest finished pods beyond the threshold", async () => {
    const t = await setUp(2);
    for (const name of ["a", "b", "c", "d"]) {
      const created = await t.inner.create(R.pods, "default", pod(name));
      await t.inner.updateStatus(R.pods, { ...created, status: { phase: name === "d" ? "Running" : "Succeeded" } });
      await t.clock.advance(1000);
    }
    await t.refresh();
    expect(t.gc.podChanged(t.pods.get("default", "a")!)).toEqual([TERMINATED_KEY]);
    await t.gc.reconcile(TERMINATED_KEY);
    const left = (await t.inner.list(R.pods, "default")).items.map((p) => p.metadata.name).sort();
    expect(left).toHaveLength(3);
    expect(left).toContain("d");
  });
});

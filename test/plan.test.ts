// skiff apply --plan predicts what the real apply then does, on a fake-runtime
// cluster: a scale-up (same pods on the same nodes), an image change (every pod
// replaced, spread the same way) and a scale to 0 (every pod deleted); a pod
// that fits nowhere is predicted Pending with its reasons; nothing is written.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { R } from "../pkg/api/kinds.js";
import { Registry } from "../pkg/apiserver/registry.js";
import { startControlPlane } from "../pkg/cluster/control-plane.js";
import { InProcessClient } from "../pkg/client/in-process.js";
import type { Plan } from "../pkg/plan/plan.js";
import { makeNode } from "../pkg/scheduler/fixtures.js";
import { appPods, closeDir, deployment, isReady, startLabCluster, until, type LabCluster } from "./helpers/lab-cluster.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { main } from "../cmd/skiff.js";
import { vi } from "vitest";

let lab: LabCluster;

function manifest(name: string, replicas: number, image = "skiff/busybox:latest"): string {
  const file = join(lab.dir, `${name}-${replicas}-${image.replace(/\W/g, "_")}.yaml`);
  writeFileSync(file, stringify(deployment(name, replicas, { image, cpu: "100m", memory: "128Mi" })));
  return file;
}

async function plan(file: string): Promise<{ code: number; plan: Plan; text: string }> {
  const json = await lab.skiff("apply", "--plan", "-o", "json", "-f", file);
  expect(json.stderr).toBe("");
  const text = await lab.skiff("apply", "--plan", "-f", file);
  expect(text.code).toBe(json.code);
  return { code: json.code, plan: JSON.parse(json.stdout) as Plan, text: text.stdout };
}

/** Wait until the deployment's pods are exactly n, all Ready, on the given image, nothing terminating. */
async function settled(name: string, n: number, image = "skiff/busybox:latest"): Promise<Awaited<ReturnType<typeof appPods>>> {
  return until(`${n} settled ${name} pods`, async () => {
    const all = (await lab.cluster.client.list(R.pods, "default", { labelSelector: `app=${name}` })).items;
    const live = await appPods(lab.cluster, name);
    const images = live.map((p) => (p.spec as { containers: Array<{ image: string }> }).containers[0].image);
    return all.length === n && live.length === n && live.every(isReady) && images.every((i) => i === image) ? live : undefined;
  }, 90_000);
}

function perNode(nodes: Array<string | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of nodes) if (n) out[n] = (out[n] ?? 0) + 1;
  return out;
}

beforeAll(async () => {
  lab = await startLabCluster({ nodes: 3, nodeCapacity: { cpu: "4", memory: "8Gi", pods: 110 } });
  const first = await lab.skiff("apply", "-f", manifest("web", 3));
  expect(first.code).toBe(0);
  await settled("web", 3);
}, 120_000);

afterAll(async () => {
  await lab?.close();
}, 60_000);

describe("skiff apply --plan", () => {
  it("says nothing would change for what is already applied (exit 0)", async () => {
    const r = await plan(manifest("web", 3));
    expect(r.code).toBe(0);
    expect(r.plan.changes).toBe(false);
    expect(r.plan.objects[0]).toMatchObject({ ref: "deployment.apps/web", action: "unchanged", diff: "" });
    expect(r.text).toContain("No changes");
  }, 60_000);

  it("predicts a scale-up exactly: how many pods and on which nodes; writes nothing", async () => {
    const before = await appPods(lab.cluster, "web");
    const dep = await lab.cluster.client.get(R.deployments, "default", "web");
    const r = await plan(manifest("web", 6));
    expect(r.code).toBe(2);
    const w = r.plan.objects[0].workload!;
    expect(r.plan.objects[0].action).toBe("update");
    expect(r.plan.objects[0].diff).toContain("-  replicas: 3\n+  replicas: 6");
    expect(w.summary).toBe("scale 3 → 6");
    expect(w.create).toHaveLength(3);
    expect(w.delete).toHaveLength(0);
    expect(r.plan.exactPlacement).toBe(true);
    expect(r.text).toMatch(/\+ web-\S+<new-1> → node-\d/);
    expect(r.text).toContain("Plan: 0 to create, 1 to change, 0 unchanged. Pods: 3 to create, 0 to delete (0 replaced).");

    // Nothing was written by the plan.
    expect((await lab.cluster.client.get(R.deployments, "default", "web")).metadata.resourceVersion).toBe(dep.metadata.resourceVersion);
    expect((await appPods(lab.cluster, "web")).map((p) => p.metadata.uid).sort()).toEqual(before.map((p) => p.metadata.uid).sort());

    expect((await lab.skiff("apply", "-f", manifest("web", 6))).code).toBe(0);
    const after = await settled("web", 6);
    const old = new Set(before.map((p) => p.metadata.uid));
    const added = after.filter((p) => !old.has(p.metadata.uid)).map((p) => p.spec?.nodeName);
    expect(added.sort()).toEqual(w.create.map((p) => p.node).sort());
  }, 120_000);

  it("predicts an image change: every pod replaced, spread the same way", async () => {
    const image = "skiff/busybox:v2";
    const r = await plan(manifest("web", 6, image));
    expect(r.code).toBe(2);
    const w = r.plan.objects[0].workload!;
    expect(w.summary).toMatch(/^rolling update: 6 pods replaced \(maxSurge 2, maxUnavailable 1\)$/);
    expect(w.create).toHaveLength(6);
    expect(w.delete).toHaveLength(6);
    expect(w.create.every((p) => p.node)).toBe(true);
    expect(r.plan.objects[0].diff).toMatch(/^-\s+image: skiff\/busybox:latest\n\+\s+image: skiff\/busybox:v2$/m);

    expect((await lab.skiff("apply", "-f", manifest("web", 6, image))).code).toBe(0);
    const after = await settled("web", 6, image);
    expect(perNode(after.map((p) => p.spec?.nodeName))).toEqual(perNode(w.create.map((p) => p.node)));
  }, 120_000);

  it("predicts a scale to 0: every pod deleted, none created", async () => {
    const image = "skiff/busybox:v2";
    const live = await appPods(lab.cluster, "web");
    const r = await plan(manifest("web", 0, image));
    expect(r.code).toBe(2);
    const w = r.plan.objects[0].workload!;
    expect(w.summary).toBe("scale 6 → 0");
    expect(w.create).toHaveLength(0);
    expect(w.delete.map((d) => d.pod).sort()).toEqual(live.map((p) => String(p.metadata.name)).sort());
    expect((await lab.skiff("apply", "-f", manifest("web", 0, image))).code).toBe(0);
    await settled("web", 0, image);
  }, 120_000);

  it("predicts pods that would stay Pending, and why", async () => {
    const file = join(lab.dir, "huge.yaml");
    writeFileSync(file, stringify([deployment("huge", 2, { memory: "12Gi" })].map((d) => d)[0]));
    const r = await plan(file);
    expect(r.code).toBe(2);
    const w = r.plan.objects[0].workload!;
    expect(r.plan.objects[0].action).toBe("create");
    expect(w.summary).toBe("new: 2 pods");
    expect(w.create.every((p) => !p.node)).toBe(true);
    expect(w.create[0].pending?.message).toBe("0/3 nodes are available: 3 Insufficient memory.");
    expect(r.text).toContain("! 2 pods would stay Pending: 0/3 nodes are available: 3 Insufficient memory.");
    expect(r.text).toMatch(/NodeResourcesFit\s+3 \(node-1, node-2, node-3\)\s+Insufficient memory: requested 12Gi, [\d.]+Gi(-[\d.]+Gi)? free of 8Gi/);
    await expect(lab.cluster.client.get(R.deployments, "default", "huge")).rejects.toThrow(/not found/);
  }, 60_000);

  it("rejects a bad manifest with exit code 1", async () => {
    const file = join(lab.dir, "bad.yaml");
    writeFileSync(file, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad\nspec:\n  replicas: -1\n  selector: {matchLabels: {app: bad}}\n  template:\n    metadata: {labels: {app: bad}}\n    spec:\n      containers: [{name: a, image: x}]\n");
    const r = await lab.skiff("apply", "--plan", "-f", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bad.yaml");
  });
});

describe("skiff apply --plan on a quiet control plane", () => {
  it("leaves the store's revision exactly where it was", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-plan-rv-"));
    const cp = await startControlPlane({ stateDir: dir, store: "memory", port: 0, dashboard: false });
    try {
      const client = new InProcessClient(cp.registry as Registry);
      for (const n of ["node-1", "node-2"]) await client.create(R.nodes, undefined, makeNode(n));
      await client.create(R.deployments, "default", deployment("web", 2));
      const file = join(dir, "web.yaml");
      writeFileSync(file, stringify(deployment("web", 4, { image: "skiff/busybox:v3" })) + "---\n" + stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "fresh" } }) + "---\n" + stringify({ ...deployment("api", 1), metadata: { name: "api", namespace: "fresh" } }));
      const rv = await cp.store.currentResourceVersion();
      let stdout = "";
      const out = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
      const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      let code: number;
      try {
        code = await main(["node", "skiff", "--kubeconfig", join(dir, "kubeconfig"), "apply", "--plan", "-f", file]);
      } finally {
        out.mockRestore();
        err.mockRestore();
      }
      expect(code).toBe(2);
      expect(stdout).toContain("namespace/fresh: will be created");
      expect(stdout).toContain("deployment.apps/api: will be created (new: 1 pod)");
      expect(await cp.store.currentResourceVersion()).toBe(rv);
    } finally {
      await cp.close();
      closeDir(dir);
    }
  }, 60_000);
});

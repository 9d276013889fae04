// kill -9 of the all-in-one `skiff up` in the middle of work, then a restart
// on the same state dir: every write the API acknowledged is still there (same
// uid), a rolling update that was cut short finishes, and — on Docker — there
// is never more than one container per pod and no container outlives its pod.
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import type { HttpClient } from "../../pkg/client/http-client.js";
import { DockerRuntime } from "../../pkg/runtime/docker.js";
import { LABELS, SANDBOX_CONTAINER } from "../../pkg/runtime/runtime.js";
import { dockerOrWarn } from "../helpers/docker.js";
import { clientFor, kill9, killAll, startUp, waitFor, type Up } from "./cli-helpers.js";
import { recordResult } from "./helpers.js";

const homes: string[] = [];
function newHome(): string {
  const d = mkdtempSync(join(tmpdir(), "skiff-crash-"));
  homes.push(d);
  return join(d, "home");
}

afterAll(() => {
  killAll();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** Object i of the batch: a mix of kinds, as a real apply would send. */
function objectFor(i: number): { info: (typeof R)[keyof typeof R]; obj: KubeObject } {
  const name = `obj-${i}`;
  switch (i % 4) {
    case 0:
      return { info: R.configmaps, obj: { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { i: String(i), pad: "x".repeat(2000) } } as KubeObject };
    case 1:
      return { info: R.secrets, obj: { apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: { i: String(i) } } as KubeObject };
    case 2:
      return { info: R.services, obj: { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } } as KubeObject };
    default:
      return {
        info: R.deployments,
        obj: {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name },
          spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "skiff/busybox:latest", command: ["sleep", "3600"] }] } } },
        } as KubeObject,
      };
  }
}

/**
 * Create 200 objects, 4 at a time, and SIGKILL skiff after `killAfter` of them
 * were acknowledged. Returns name → uid of every acknowledged create.
 */
async function applyAndKill(up: Up, client: HttpClient, killAfter: number): Promise<Map<string, { uid: string; kind: string }>> {
  const acked = new Map<string, { uid: string; kind: string }>();
  let next = 0;
  let killed: Promise<void> | undefined;
  const worker = async () => {
    while (next < 200) {
      const { info, obj } = objectFor(next++);
      try {
        const created = await client.create(info, "default", obj);
        acked.set(`${info.plural}/${obj.metadata.name}`, { uid: created.metadata.uid!, kind: info.plural });
        if (acked.size >= killAfter && !killed) killed = kill9(up);
      } catch {
        // Not acknowledged (the server is gone): may or may not exist afterwards.
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await (killed ?? kill9(up));
  return acked;
}

async function checkAcknowledged(client: HttpClient, acked: Map<string, { uid: string; kind: string }>): Promise<number> {
  let lost = 0;
  for (const [key, want] of acked) {
    const [plural, name] = key.split("/");
    const info = Object.values(R).find((r) => r.plural === plural)!;
    try {
      const got = await client.get(info, "default", name);
      if (got.metadata.uid !== want.uid) lost++;
    } catch {
      lost++;
    }
  }
  return lost;
}

function deployment(name: string, image: string, replicas: number): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: { metadata: { labels: { app: name } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image, command: ["sleep", "3600"], env: [{ name: "V", value: "1" }] }] } },
    },
  } as KubeObject;
}

/** Done = what `kubectl rollout status` waits for, plus exactly `replicas` live pods all of the newest template. */
async function rolloutDone(client: HttpClient, name: string, replicas: number, env: string): Promise<boolean> {
  const d = (await client.get(R.deployments, "default", name)) as Obj;
  const st = (d.status ?? {}) as { observedGeneration?: number; updatedReplicas?: number; replicas?: number; availableReplicas?: number };
  if (st.observedGeneration !== d.metadata.generation || st.updatedReplicas !== replicas || st.replicas !== replicas || st.availableReplicas !== replicas) return false;
  const pods = (await client.list(R.pods, "default", { labelSelector: `app=${name}` })).items as Obj[];
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  if (live.length !== replicas || pods.length !== replicas) return false;
  return live.every((p) => {
    const c = (p.spec as { containers: Array<{ env?: Array<{ value: string }> }> }).containers[0];
    return c.env?.[0]?.value === env && (p.status as { phase?: string })?.phase === "Running";
  });
}

async function midRollout(client: HttpClient, name: string): Promise<boolean> {
  const rs = (await client.list(R.replicasets, "default", { labelSelector: `app=${name}` })).items as Obj[];
  if (rs.length < 2) return false;
  // Both the old and the new ReplicaSet still have pods: the update is half done.
  return rs.every((r) => ((r.status as { replicas?: number })?.replicas ?? 0) > 0);
}

async function setEnv(client: HttpClient, name: string, value: string): Promise<void> {
  await client.patch(R.deployments, "default", name, "strategic", {
    spec: { template: { spec: { containers: [{ name: "c", env: [{ name: "V", value }] }] } } },
  } as never);
}

/** Containers of this cluster, by pod uid; fails the test on a duplicate. */
async function containersByPod(rt: DockerRuntime, clusterId: string): Promise<Map<string, number>> {
  const all = await rt.list({ [LABELS.cluster]: clusterId });
  const counts = new Map<string, number>();
  for (const c of all) {
    if (c.state !== "running" && c.state !== "created") continue;
    const key = `${c.labels[LABELS.podUid]}/${c.labels[LABELS.container]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

for (const runtime of ["fake", "docker"] as const) {
  describe(`kill -9 of skiff up (${runtime} runtime)`, () => {
    let docker: DockerRuntime | undefined;
    let skip = false;

    it("keeps every acknowledged object of a 200-object apply cut short by SIGKILL", async (ctx) => {
      if (runtime === "docker") {
        docker = await dockerOrWarn("kill -9 faults on Docker");
        if (!docker) {
          skip = true;
          return ctx.skip();
        }
      }
      const home = newHome();
      const args = ["--runtime", runtime, "--nodes", "2"];
      const up = await startUp(home, args);
      let client = clientFor(home);
      const acked = await applyAndKill(up, client, 90);
      client.rest.close();
      expect(acked.size).toBeGreaterThanOrEqual(90);

      const again = await startUp(home, args);
      client = clientFor(home);
      const lost = await checkAcknowledged(client, acked);
      recordResult({ kind: "fault", fault: `kill -9 during a 200-object apply (${runtime})`, acknowledged: acked.size, lost });
      expect(lost, "acknowledged objects lost").toBe(0);
      // The deployments that made it in get their pods after the restart.
      const deps = [...acked.keys()].filter((k) => k.startsWith("deployments/")).map((k) => k.split("/")[1]);
      await waitFor("acknowledged deployments to be available", async () => {
        for (const name of deps) {
          const d = (await client.get(R.deployments, "default", name)) as Obj;
          if ((d.status as { availableReplicas?: number })?.availableReplicas !== 1) return false;
        }
        return true;
      }, 180_000);
      if (docker) {
        const clusterId = readFileSync(join(home, "cluster-id"), "utf8").trim();
        const counts = await containersByPod(docker, clusterId);
        expect([...counts.values()].every((n) => n === 1), JSON.stringify([...counts])).toBe(true);
      }
      // Clean up: delete everything so Docker containers go too.
      await cleanUp(client, home, again);
    }, 400_000);

    it("finishes a rolling update cut short by SIGKILL, with exactly one container per pod", async (ctx) => {
      if (skip) return ctx.skip();
      const home = newHome();
      const args = ["--runtime", runtime, "--nodes", "2"];
      const replicas = runtime === "docker" ? 4 : 6;
      const up = await startUp(home, args);
      let client = clientFor(home);
      await client.create(R.deployments, "default", deployment("roll", "skiff/busybox:latest", replicas));
      await waitFor("first rollout", () => rolloutDone(client, "roll", replicas, "1"), 180_000);
      await setEnv(client, "roll", "2");
      await waitFor("the rollout to be half done", () => midRollout(client, "roll"), 120_000, 20);
      await kill9(up);
      client.rest.close();

      const again = await startUp(home, args);
      client = clientFor(home);
      let maxPerPod = 0;
      const clusterId = readFileSync(join(home, "cluster-id"), "utf8").trim();
      await waitFor(
        "the interrupted rollout to finish",
        async () => {
          if (docker) {
            const counts = await containersByPod(docker, clusterId);
            maxPerPod = Math.max(maxPerPod, ...counts.values(), 0);
          }
          return rolloutDone(client, "roll", replicas, "2");
        },
        240_000,
        500,
      );
      if (docker) {
        expect(maxPerPod, "containers per pod").toBeLessThanOrEqual(1);
        // Settled: every container belongs to a live pod.
        await waitFor("no orphan containers", async () => {
          const uids = new Set(((await client.list(R.pods, "default")).items as Obj[]).map((p) => p.metadata.uid));
          const all = (await docker!.list({ [LABELS.cluster]: clusterId })).filter((c) => c.state === "running");
          // every live pod runs one app container plus its sandbox (pause) container; a
          // sandbox whose pod is gone is an orphan like any other container
          const sandboxes = all.filter((c) => c.labels[LABELS.container] === SANDBOX_CONTAINER);
          const apps = all.filter((c) => c.labels[LABELS.container] !== SANDBOX_CONTAINER);
          const sandboxPods = new Set(sandboxes.map((c) => c.labels[LABELS.podUid]));
          return (
            all.every((c) => uids.has(c.labels[LABELS.podUid])) &&
            apps.length === replicas &&
            sandboxes.length === replicas &&
            apps.every((c) => sandboxPods.has(c.labels[LABELS.podUid]))
          );
        }, 120_000);
      }
      recordResult({ kind: "fault", fault: `kill -9 during a rolling update (${runtime})`, finished: true, maxContainersPerPod: docker ? maxPerPod : undefined, lost: 0 });
      await cleanUp(client, home, again);
    }, 600_000);
  });
}

/** Delete the workloads, wait for Docker containers to go, stop skiff. */
async function cleanUp(client: HttpClient, home: string, up: Up): Promise<void> {
  try {
    for (const d of (await client.list(R.deployments, "default")).items) await client.delete(R.deployments, "default", d.metadata.name!).catch(() => undefined);
    await waitFor("pods to go", async () => (await client.list(R.pods, "default")).items.length === 0, 120_000).catch(() => undefined);
  } finally {
    client.rest.close();
    up.proc.kill("SIGTERM");
    await up.exited;
    // Containers that somehow survived (a failed test): remove them by cluster label.
    const rt = new DockerRuntime();
    if (await rt.ping()) {
      const id = readFileSync(join(home, "cluster-id"), "utf8").trim();
      for (const c of await rt.list({ [LABELS.cluster]: id })) await rt.remove(c.id).catch(() => undefined);
    }
    await rt.close();
  }
}

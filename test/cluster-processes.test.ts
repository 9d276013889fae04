// A highly available cluster made of separate processes, as on several
// machines: one etcd, three `skiff control-plane` members over it and three
// `skiff agent --runtime fake` nodes that joined with node tokens and use all
// three API servers. The leader is killed with SIGKILL in the middle of a
// 50-replica rollout, then an agent is killed and restarted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { isApiError } from "../pkg/api/errors.js";
import { caCertHash } from "../pkg/apiserver/pki.js";
import { createToken } from "../pkg/auth/token-admin.js";
import { readTokenFile } from "../pkg/auth/token-file.js";
import { statePaths } from "../pkg/cluster/paths.js";
import { HttpClient } from "../pkg/client/http-client.js";
import { FailoverClient } from "../pkg/client/failover-client.js";
import { SharedInformer } from "../pkg/client/informer.js";
import { CONTROLLER_MANAGER_LEASE } from "../pkg/cluster/ha-control-plane.js";
import { etcdAvailable, startEtcd, type TestEtcd } from "./helpers/etcd.js";
import { SkiffProcess, cliBuilt, eventually, leaseHolder, nodeReady } from "./helpers/skiff-process.js";

const ready = etcdAvailable() && cliBuilt();
const NODES = ["fake-1", "fake-2", "fake-3"];
const REPLICAS = 50;
const MAX_SURGE = 5;

describe.skipIf(!ready)("a cluster of separate processes over etcd", () => {
  let etcd: TestEtcd | undefined;
  let home: string;
  const cps = new Map<string, SkiffProcess>();
  const urls = new Map<string, string>();
  const agents = new Map<string, SkiffProcess>();
  const nodeTokens = new Map<string, string>();
  let caPem: string;
  let admin: FailoverClient;
  const env = () => ({ SKIFF_HOME: home });

  function startControlPlane(id: string): SkiffProcess {
    const p = new SkiffProcess(id, ["control-plane", "--store", etcd!.spec, "--port", "0", "--identity", id, "--node-grace-period", "6s", "--pod-eviction-timeout", "3s"], env());
    cps.set(id, p);
    return p;
  }

  function startAgent(node: string): SkiffProcess {
    const servers = [...urls.values()].join(",");
    const p = new SkiffProcess(
      node,
      ["agent", "--server", servers, "--token", nodeTokens.get(node)!, "--ca-cert-hash", caCertHash(caPem), "--name", node, "--runtime", "fake", "--heartbeat", "1s"],
      env(),
    );
    agents.set(node, p);
    return p;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-ha-"));
    etcd = await startEtcd();
    // The first member makes the CA and tokens in the shared state dir; the others reuse them.
    for (const id of ["cp-1", "cp-2", "cp-3"]) {
      const p = startControlPlane(id);
      urls.set(id, (await p.waitFor(/API server:\s+(https:\/\/\S+)/, 90_000))[1]!);
    }
    const paths = statePaths(home);
    caPem = readFileSync(paths.caCert, "utf8");
    const adminToken = Object.entries(readTokenFile(paths.tokens)).find(([, r]) => r.user === "admin")![0];
    admin = new FailoverClient([...urls.values()].map((server) => new HttpClient({ server, caPem, token: adminToken, namespace: "default", contextName: "test" })));
    for (const node of NODES) nodeTokens.set(node, (await createToken(paths.tokens, undefined, { node })).token);
    for (const node of NODES) await startAgent(node).waitFor(/joined/, 60_000);
    await eventually("three Ready nodes", async () => {
      const nodes = (await admin.list(R.nodes, undefined)).items;
      return nodes.length === 3 && nodes.every((n) => nodeReady(n) === "True");
    });
  }, 240_000);

  afterAll(async () => {
    admin?.close();
    await SkiffProcess.killAll();
    await etcd?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it("prints a join command with the CA hash, and every member serves the API", async () => {
    expect(cps.get("cp-1")!.output).toContain(`--ca-cert-hash ${caCertHash(caPem)}`);
    for (const [id, url] of urls) {
      const c = new HttpClient({ server: url, caPem, token: Object.entries(readTokenFile(statePaths(home).tokens)).find(([, r]) => r.user === "admin")![0], namespace: "default", contextName: id });
      try {
        expect((await c.list(R.nodes, undefined)).items.map((n) => n.metadata.name).sort()).toEqual(NODES);
      } finally {
        c.close();
      }
    }
    // Exactly one member leads the controllers.
    expect(["cp-1", "cp-2", "cp-3"]).toContain(await leaseHolder(admin, CONTROLLER_MANAGER_LEASE));
  });

  it("refuses a node token what its node does not need (403)", async () => {
    const pod = (name: string, node: string, cm: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
      spec: { nodeName: node, containers: [{ name: "c", image: "example/app:v1", envFrom: [{ configMapRef: { name: cm } }] }] },
    });
    const cm = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { k: name } }) as KubeObject;
    await admin.create(R.configmaps, "default", cm("for-fake-1"));
    await admin.create(R.configmaps, "default", cm("for-fake-2"));
    await admin.create(R.secrets, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "s2", namespace: "default" }, stringData: { a: "b" } } as KubeObject);
    await admin.create(R.pods, "default", pod("uses-cm-1", "fake-1", "for-fake-1"));
    await admin.create(R.pods, "default", pod("uses-cm-2", "fake-2", "for-fake-2"));
    const asNode = new HttpClient({ server: urls.get("cp-2")!, caPem, token: nodeTokens.get("fake-1")!, namespace: "default", contextName: "fake-1" });
    const forbidden = async (p: Promise<unknown>) => {
      const e = await p.then(() => undefined, (err: unknown) => err);
      expect(isApiError(e, "Forbidden"), `expected 403, got ${String(e)}`).toBe(true);
    };
    try {
      expect(((await asNode.get(R.configmaps, "default", "for-fake-1")) as { data?: Record<string, string> }).data?.k).toBe("for-fake-1");
      await forbidden(asNode.get(R.configmaps, "default", "for-fake-2"));
      await forbidden(asNode.get(R.secrets, "default", "s2"));
      await forbidden(asNode.list(R.configmaps, "default"));
      await forbidden(
        asNode.create(R.deployments, "default", {
          apiVersion: "apps/v1",
          kind: "Deployment",
          metadata: { name: "evil" },
          spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "x" }] } } },
        }),
      );
      await forbidden(asNode.patch(R.nodes, undefined, "fake-2", "merge", { metadata: { labels: { owned: "yes" } } }));
      // Its own node is fine.
      await asNode.patch(R.nodes, undefined, "fake-1", "merge", { metadata: { labels: { checked: "yes" } } });
    } finally {
      asNode.close();
      for (const n of ["uses-cm-1", "uses-cm-2"]) await admin.delete(R.pods, "default", n, { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  });

  it("finishes a 50-replica rollout when the leading control plane is killed in the middle, without duplicating or losing a pod", async () => {
    const deployment = (image: string): KubeObject =>
      ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "roll", namespace: "default" },
        spec: {
          replicas: REPLICAS,
          minReadySeconds: 2,
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: 0 } },
          selector: { matchLabels: { app: "roll" } },
          template: { metadata: { labels: { app: "roll" } }, spec: { containers: [{ name: "app", image }] } },
        },
      }) as KubeObject;
    // Watch every pod of the deployment throughout: at no moment may more than replicas + maxSurge be alive.
    const pods = new SharedInformer(admin, R.pods, { onError: () => undefined });
    let mostAlive = 0;
    const count = () => {
      const alive = pods.lister.list().filter((p) => p.metadata.labels?.app === "roll" && !p.metadata.deletionTimestamp).length;
      mostAlive = Math.max(mostAlive, alive);
    };
    pods.addEventHandler({ add: count, update: count, delete: count });
    await pods.start();
    try {
      await admin.create(R.deployments, "default", deployment("example/app:v1"));
      const status = async () => ((await admin.get(R.deployments, "default", "roll")) as { status?: Record<string, number>; metadata: { generation?: number } }).status ?? {};
      await eventually("50 available replicas of v1", async () => (await status()).availableReplicas === REPLICAS, 120_000);

      await admin.patch(R.deployments, "default", "roll", "merge", { spec: { template: { spec: { containers: [{ name: "app", image: "example/app:v2" }] } } } });
      await eventually("the rollout under way", async () => {
        const s = await status();
        return (s.updatedReplicas ?? 0) >= MAX_SURGE && (s.updatedReplicas ?? 0) < REPLICAS - 10;
      }, 60_000, 100);

      const leader = await leaseHolder(admin, CONTROLLER_MANAGER_LEASE);
      expect(cps.has(leader)).toBe(true);
      const killedAt = Date.now();
      await cps.get(leader)!.kill("SIGKILL");
      const next = await eventually("another control plane to take the lease", async () => {
        const h = await leaseHolder(admin, CONTROLLER_MANAGER_LEASE);
        return h !== "" && h !== leader ? h : undefined;
      }, 60_000, 200);
      const takeoverSeconds = (Date.now() - killedAt) / 1000;
      console.log(`controller-manager lease: ${leader} killed, ${next} took over after ${takeoverSeconds.toFixed(1)} s`);
      // client-go timing (lease 15 s, candidates retry every 2 s): 10–19 s after a kill, plus slack for a loaded machine.
      expect(takeoverSeconds).toBeLessThan(25);
      expect(cps.get(next)!.output).toContain(`${CONTROLLER_MANAGER_LEASE}: this control plane (${next}) is the leader`);

      await eventually(
        "the rollout to finish",
        async () => {
          const d = (await admin.get(R.deployments, "default", "roll")) as { status?: Record<string, number>; metadata: { generation?: number } };
          const s = d.status ?? {};
          return s.observedGeneration === d.metadata.generation && s.updatedReplicas === REPLICAS && s.availableReplicas === REPLICAS && s.replicas === REPLICAS;
        },
        180_000,
        500,
      );
      const rsList = (await admin.list(R.replicasets, "default", { labelSelector: "app=roll" })).items;
      const current = rsList.find((rs) => JSON.stringify(rs.spec).includes("example/app:v2"))!;
      const old = rsList.find((rs) => rs !== current)!;
      expect((current.spec as { replicas: number }).replicas).toBe(REPLICAS);
      expect((old.spec as { replicas: number }).replicas).toBe(0);
      const live = await eventually("exactly the new pods left", async () => {
        const items = (await admin.list(R.pods, "default", { labelSelector: "app=roll" })).items;
        return items.length === REPLICAS ? items : undefined;
      }, 60_000);
      const perRs = new Map<string, number>();
      for (const p of live) {
        const owner = p.metadata.ownerReferences?.[0]?.name ?? "<none>";
        perRs.set(owner, (perRs.get(owner) ?? 0) + 1);
      }
      expect(Object.fromEntries(perRs)).toEqual({ [current.metadata.name!]: REPLICAS });
      expect(live.every((p) => (p.status as { phase?: string }).phase === "Running")).toBe(true);
      expect(new Set(live.map((p) => p.metadata.name)).size).toBe(REPLICAS);
      expect(mostAlive).toBeLessThanOrEqual(REPLICAS + MAX_SURGE);
    } finally {
      pods.stop();
    }
  }, 400_000);

  it("marks a killed agent's node NotReady and moves its pods; the restarted agent rejoins and is Ready", async () => {
    const onNode = async (node: string) => (await admin.list(R.pods, "default", { labelSelector: "app=roll", fieldSelector: `spec.nodeName=${node}` })).items;
    const victim = (await Promise.all(NODES.map(async (n) => [n, (await onNode(n)).length] as const))).sort((a, b) => b[1] - a[1])[0]![0];
    expect((await onNode(victim)).length).toBeGreaterThan(0);
    await agents.get(victim)!.kill("SIGKILL");

    await eventually(`node ${victim} NotReady`, async () => nodeReady(await admin.get(R.nodes, undefined, victim)) !== "True", 90_000, 500);
    await eventually(
      `${REPLICAS} running pods on the other nodes`,
      async () => {
        const items = (await admin.list(R.pods, "default", { labelSelector: "app=roll" })).items;
        const running = items.filter((p) => !p.metadata.deletionTimestamp && (p.spec as { nodeName?: string }).nodeName !== victim && (p.status as { phase?: string }).phase === "Running");
        return running.length === REPLICAS;
      },
      120_000,
      500,
    );

    await startAgent(victim).waitFor(/joined/, 60_000);
    await eventually(`node ${victim} Ready again`, async () => nodeReady(await admin.get(R.nodes, undefined, victim)) === "True", 90_000, 500);
    // The pods evicted while it was away are cleaned up by the agent, not left Terminating.
    await eventually(`no leftover pods on ${victim}`, async () => (await onNode(victim)).every((p) => !p.metadata.deletionTimestamp), 90_000, 500);
    const items = (await admin.list(R.pods, "default", { labelSelector: "app=roll" })).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(items).toHaveLength(REPLICAS);
  }, 400_000);
});

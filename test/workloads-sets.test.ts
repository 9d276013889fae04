// DaemonSets, StatefulSets and Secrets on a whole fake-runtime cluster
// (startCluster: API server, controllers, scheduler, two node agents): a
// DaemonSet follows a third node joining, a StatefulSet scales 3 → 5 → 2 in
// ordinal order (seen through a pod watch), and a Secret reaches a container as
// env and as a mounted file that follows the Secret's changes — while
// `skiff get secret` never prints a value.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject, WatchEvent } from "../pkg/api/types.js";
import { Agent } from "../pkg/agent/agent.js";
import { startCluster, type Cluster } from "../pkg/cluster/cluster.js";
import { LABELS } from "../pkg/runtime/runtime.js";

const CLI = fileURLToPath(new URL("../dist/cmd/skiff.js", import.meta.url));

interface PodView extends KubeObject {
  spec?: { nodeName?: string; containers?: unknown[] };
  status?: { phase?: string; conditions?: Array<{ type: string; status: string }> };
}

const ready = (p: PodView) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("DaemonSets, StatefulSets and Secrets on a fake-runtime cluster", () => {
  let dir: string;
  let cluster: Cluster;
  const extraAgents: Agent[] = [];
  const pods = async (selector: string) => (await cluster.client.list<PodView>(R.pods, "default", { labelSelector: selector })).items;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-sets-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 2, runtime: "fake", proxy: false, onError: () => undefined });
  }, 60_000);

  afterAll(async () => {
    for (const a of extraAgents) await a.stop().catch(() => undefined);
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("runs a DaemonSet pod on every node, and on a node that joins later", async () => {
    await cluster.client.create(R.daemonsets, "default", {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "node-agent" },
      spec: {
        selector: { matchLabels: { app: "node-agent" } },
        template: { metadata: { labels: { app: "node-agent" } }, spec: { containers: [{ name: "agent", image: "busybox:1.36", command: ["sleep", "3600"] }] } },
      },
    });
    const onNodes = async () => (await pods("app=node-agent")).filter(ready).map((p) => p.spec?.nodeName).sort();
    expect(await until("two daemon pods", async () => ((await onNodes()).length === 2 ? onNodes() : undefined))).toEqual(["node-1", "node-2"]);

    // A third node joins: an agent like the cluster's own, sharing its client and runtime.
    const agent = new Agent({
      client: cluster.client,
      runtime: cluster.runtime!,
      nodeName: "node-3",
      stateDir: join(dir, "agents", "node-3"),
      capacity: { cpu: "4", memory: "8Gi", pods: 110 },
      onError: () => undefined,
    });
    extraAgents.push(agent);
    await agent.start();
    expect(await until("three daemon pods", async () => ((await onNodes()).length === 3 ? onNodes() : undefined))).toEqual(["node-1", "node-2", "node-3"]);
    const ds = await until("DaemonSet status", async () => {
      const d = await cluster.client.get(R.daemonsets, "default", "node-agent");
      const s = d.status as Record<string, number>;
      return s.numberReady === 3 && s.desiredNumberScheduled === 3 ? s : undefined;
    });
    expect(ds).toMatchObject({ currentNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3, numberMisscheduled: 0 });

    // Deleting the DaemonSet takes its pods along (garbage collector, background propagation).
    await cluster.client.delete(R.daemonsets, "default", "node-agent", { propagationPolicy: "Background" });
    await until("daemon pods gone", async () => (await pods("app=node-agent")).length === 0);
  }, 90_000);

  it("scales a StatefulSet 3 → 5 → 2 in ordinal order", async () => {
    const added: string[] = [];
    const deleted: string[] = [];
    const watch = await cluster.client.watch(R.pods, "default", { labelSelector: "app=web" }, (ev: WatchEvent) => {
      if (ev.type === "ADDED") added.push(ev.object.metadata.name!);
      if (ev.type === "DELETED") deleted.push(ev.object.metadata.name!);
    });
    try {
      await cluster.client.create(R.statefulsets, "default", {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "web" },
        spec: {
          serviceName: "nginx",
          replicas: 3,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "nginx", image: "nginx:1.25", volumeMounts: [{ name: "www", mountPath: "/usr/share/nginx/html" }] }] },
          },
          volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
        },
      });
      const readyNames = async () => (await pods("app=web")).filter(ready).map((p) => p.metadata.name!).sort();
      const scaleTo = (n: number) => cluster.client.patch(R.statefulsets, "default", "web", "merge", { spec: { replicas: n } });
      await until("web-0..2 ready", async () => (await readyNames()).length === 3);
      expect(added).toEqual(["web-0", "web-1", "web-2"]);

      await scaleTo(5);
      await until("web-0..4 ready", async () => (await readyNames()).length === 5);
      expect(added).toEqual(["web-0", "web-1", "web-2", "web-3", "web-4"]);

      await scaleTo(2);
      await until("only web-0 and web-1 left", async () => (await pods("app=web")).length === 2);
      expect(deleted).toEqual(["web-4", "web-3", "web-2"]);
      expect(await readyNames()).toEqual(["web-0", "web-1"]);
      const status = await until("status caught up", async () => {
        const s = (await cluster.client.get(R.statefulsets, "default", "web")).status as Record<string, unknown>;
        return s.replicas === 2 && s.readyReplicas === 2 ? s : undefined;
      });
      expect(status.currentRevision).toBe(status.updateRevision);
      expect(status.currentRevision).toMatch(/^web-[a-z0-9]+$/);
      const web0 = (await pods("app=web")).find((p) => p.metadata.name === "web-0")!;
      expect(web0.metadata.labels).toMatchObject({ "statefulset.kubernetes.io/pod-name": "web-0", "apps.kubernetes.io/pod-index": "0" });
      // Its claim template became a real claim, bound to a local-path volume on web-0's node, kept after scale-down.
      const claims = (await cluster.client.list(R.persistentvolumeclaims, "default")).items.map((c) => c.metadata.name).sort();
      expect(claims).toEqual(["www-web-0", "www-web-1", "www-web-2", "www-web-3", "www-web-4"]);
      const claim = (await cluster.client.get(R.persistentvolumeclaims, "default", "www-web-0")) as KubeObject & { spec: { volumeName: string } };
      const pv = (await cluster.client.get(R.persistentvolumes, undefined, claim.spec.volumeName)) as KubeObject & { spec: { hostPath: { path: string } } };
      expect(pv.spec.hostPath.path.startsWith(join(dir, "volumes"))).toBe(true);
      expect(existsSync(pv.spec.hostPath.path)).toBe(true);
    } finally {
      watch.stop();
    }
  }, 120_000);

  describe("Secrets", () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");

    it("stores stringData base64-encoded in data and drops it", async () => {
      await cluster.client.create(R.secrets, "default", {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "db" },
        data: { user: b64("admin") },
        stringData: { password: "correct horse battery staple" },
      });
      const s = await cluster.client.get(R.secrets, "default", "db");
      expect(s.type).toBe("Opaque");
      expect(s.data).toEqual({ user: b64("admin"), password: b64("correct horse battery staple") });
      expect(s.stringData).toBeUndefined();
      await expect(
        cluster.client.create(R.secrets, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "bad" }, data: { k: "not base64!" } }),
      ).rejects.toThrow("illegal base64 data at input byte 3");
    });

    it.skipIf(!existsSync(CLI))("`skiff get secret` prints type and key count, never values", async () => {
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, "get", "secret", "db"], { env: { ...process.env, SKIFF_HOME: dir, NO_COLOR: "1" } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\n/);
      expect(out.stdout).toMatch(/db\s+Opaque\s+2\s+/);
      for (const secret of ["admin", "correct horse", b64("admin"), b64("correct horse battery staple")]) expect(out.stdout).not.toContain(secret);
    }, 30_000);

    it("reaches a container as env and as a file that follows changes to the Secret", async () => {
      await cluster.client.create(R.pods, "default", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "uses-secret" },
        spec: {
          containers: [
            {
              name: "app",
              image: "busybox:1.36",
              // The fake runtime logs command and args as the agent expanded them.
              command: ["echo"],
              args: ["user=$(DB_USER)", "pass=$(DB_password)"],
              env: [{ name: "DB_USER", valueFrom: { secretKeyRef: { name: "db", key: "user" } } }],
              envFrom: [{ secretRef: { name: "db" }, prefix: "DB_" }],
              volumeMounts: [{ name: "creds", mountPath: "/etc/creds", readOnly: true }],
            },
          ],
          volumes: [{ name: "creds", secret: { secretName: "db" } }],
        },
      });
      const pod = await until("pod running", async () => {
        const p = await cluster.client.get<PodView>(R.pods, "default", "uses-secret");
        return p.status?.phase === "Running" ? p : undefined;
      });
      const rt = cluster.runtime!;
      const [container] = (await rt.list({ [LABELS.podUid]: pod.metadata.uid! })).filter((c) => c.labels[LABELS.container] !== "POD"); // not the pod sandbox
      const lines: string[] = [];
      for await (const line of rt.logs(container.id)) lines.push(line);
      expect(lines.join("\n")).toContain("echo user=admin pass=correct horse battery staple");

      const file = join(dir, "agents", pod.spec!.nodeName!, "pods", pod.metadata.uid!, "volumes", "creds", "password");
      expect(await readFile(file, "utf8")).toBe("correct horse battery staple");
      await cluster.client.patch(R.secrets, "default", "db", "merge", { stringData: { password: "new pass" } });
      expect((await cluster.client.get(R.secrets, "default", "db")).data).toMatchObject({ password: b64("new pass") });
      // The agent rewrites secret files on its next sync of the pod (at the latest its 10 s relist).
      await until("mounted file updated", async () => (await readFile(file, "utf8")) === "new pass", 45_000);
    }, 90_000);

    it("keeps a pod waiting with CreateContainerConfigError while its Secret is missing", async () => {
      await cluster.client.create(R.pods, "default", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "needs-missing" },
        spec: { containers: [{ name: "app", image: "busybox:1.36", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] }] },
      });
      const waiting = await until("CreateContainerConfigError", async () => {
        const p = await cluster.client.get(R.pods, "default", "needs-missing");
        const w = (p.status as { containerStatuses?: Array<{ state?: { waiting?: { reason: string; message?: string } } }> }).containerStatuses?.[0]?.state?.waiting;
        return w?.reason === "CreateContainerConfigError" ? w : undefined;
      });
      expect(waiting.message).toBe('secret "nope" not found');
    }, 60_000);

    it("never puts secret values into Events", async () => {
      const events = (await cluster.client.list(R.events, "default")).items;
      const text = JSON.stringify(events);
      for (const secret of ["correct horse", "new pass", b64("correct horse battery staple"), b64("new pass")]) expect(text).not.toContain(secret);
    });
  });
});

// A fake-runtime cluster in this process plus the CLI run in-process against
// it, for the issue-13 tests (why, apply --plan, chaos, mixed clusters).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { main } from "../../cmd/skiff.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { startCluster, type Cluster, type ClusterOptions } from "../../pkg/cluster/cluster.js";

export interface LabCluster {
  dir: string;
  cluster: Cluster;
  /** Run the CLI in this process; returns exit code and output. */
  skiff(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

export async function startLabCluster(opts: Partial<ClusterOptions> = {}): Promise<LabCluster> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-lab-"));
  const cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 3, runtime: "fake", proxy: false, dashboard: false, onError: () => undefined, ...opts });
  return {
    dir,
    cluster,
    async skiff(...args) {
      let stdout = "";
      let stderr = "";
      const out = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
      const err = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
      try {
        const code = await main(["node", "skiff", "--kubeconfig", join(dir, "kubeconfig"), ...args]);
        return { code, stdout, stderr };
      } finally {
        out.mockRestore();
        err.mockRestore();
      }
    },
    async close() {
      await cluster.close({ removeContainers: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls fn (real time) until it returns something truthy; throws after ms. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null | 0>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function deployment(name: string, replicas: number, o: { image?: string; cpu?: string; memory?: string; nodeSelector?: Record<string, string>; maxSurge?: number | string; maxUnavailable?: number | string } = {}): KubeObject {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      ...(o.maxSurge !== undefined || o.maxUnavailable !== undefined
        ? { strategy: { type: "RollingUpdate", rollingUpdate: { ...(o.maxSurge !== undefined ? { maxSurge: o.maxSurge } : {}), ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}) } } }
        : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(o.nodeSelector ? { nodeSelector: o.nodeSelector } : {}),
          containers: [{ name: "app", image: o.image ?? "skiff/busybox:latest", command: ["sleep", "3600"], ...(Object.keys(requests).length ? { resources: { requests } } : {}) }],
        },
      },
    },
  };
}

type PodLike = KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string; conditions?: Array<{ type: string; status: string }> } };

/** Live (not terminating) pods with the label app=NAME. */
export async function appPods(cluster: Cluster, app: string): Promise<PodLike[]> {
  const list = await cluster.client.list<PodLike>(R.pods, "default", { labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp);
}

export const isReady = (p: PodLike) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;

export function nodeReady(n: KubeObject): string | undefined {
  return (n.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions?.find((c) => c.type === "Ready")?.status;
}

export function closeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

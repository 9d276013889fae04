// Secrets and ConfigMaps in a real container (skiff/busybox on Docker): a pod
// prints a file from its Secret volume and an env var from a ConfigMap, and
// both lines come back through the runtime's logs. Skips loudly without Docker.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import { startCluster, type Cluster } from "../../pkg/cluster/cluster.js";
import { LABELS } from "../../pkg/runtime/runtime.js";
import { BUSYBOX, dockerOrWarn } from "../helpers/docker.js";

const docker = await dockerOrWarn("test/e2e/secrets-docker.test.ts");
await docker?.close();

describe.skipIf(!docker)("Secrets and ConfigMaps on Docker", () => {
  let dir: string;
  let cluster: Cluster;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-secrets-docker-"));
    cluster = await startCluster({ stateDir: dir, store: "memory", port: 0, nodes: 1, runtime: "docker", proxy: false, onError: () => undefined });
  }, 60_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("a pod reads its Secret volume file and its ConfigMap env var", async () => {
    const client = cluster.client;
    await client.create(R.secrets, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, stringData: { password: "s3cr3t-from-volume" } });
    await client.create(R.configmaps, "default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { greeting: "hello-from-configmap" } });
    await client.create(R.pods, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "reader" },
      spec: {
        restartPolicy: "Never",
        containers: [
          {
            name: "app",
            image: BUSYBOX,
            imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", 'cat /etc/creds/password; echo; echo "$GREETING"'],
            env: [{ name: "GREETING", valueFrom: { configMapKeyRef: { name: "settings", key: "greeting" } } }],
            volumeMounts: [{ name: "creds", mountPath: "/etc/creds", readOnly: true }],
          },
        ],
        volumes: [{ name: "creds", secret: { secretName: "creds" } }],
      },
    });
    const end = Date.now() + 60_000;
    let pod = await client.get(R.pods, "default", "reader");
    while ((pod.status as { phase?: string }).phase !== "Succeeded") {
      if (Date.now() > end) throw new Error(`pod did not finish: ${JSON.stringify(pod.status)}`);
      await new Promise((r) => setTimeout(r, 250));
      pod = await client.get(R.pods, "default", "reader");
    }
    const rt = cluster.runtime!;
    const [container] = (await rt.list({ [LABELS.podUid]: pod.metadata.uid! })).filter((c) => c.labels[LABELS.container] !== "POD"); // not the pod sandbox
    const lines: string[] = [];
    for await (const line of rt.logs(container.id)) lines.push(line.trimEnd());
    expect(lines).toEqual(["s3cr3t-from-volume", "hello-from-configmap"]);
  }, 90_000);
});

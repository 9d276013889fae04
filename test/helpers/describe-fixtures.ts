// An in-process API (memory store + Registry) for the describe/rollout tests.
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { InProcessClient } from "../../pkg/client/in-process.js";
import { startTestCluster } from "./cluster.js";

export async function testClient(): Promise<InProcessClient> {
  return (await startTestCluster()).client;
}

export const template = (image: string) => ({
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image }] },
});

export function deployment(name = "web", image = "nginx:1.25", replicas = 3): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: { replicas, selector: { matchLabels: { app: "web" } }, template: template(image) },
  };
}

/** A ReplicaSet the deployment controller would have made for `revision`. */
export async function ownedReplicaSet(client: InProcessClient, deploy: KubeObject, revision: number, image: string, extra: Record<string, string> = {}): Promise<KubeObject> {
  const t = template(image);
  const hash = `h${revision}`;
  return client.create(R.replicasets, "default", {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${deploy.metadata.name}-${hash}`,
      namespace: "default",
      labels: { app: "web", "pod-template-hash": hash },
      annotations: { "deployment.kubernetes.io/revision": String(revision), ...extra },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: deploy.metadata.name!, uid: deploy.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web", "pod-template-hash": hash } },
      template: { ...t, metadata: { labels: { app: "web", "pod-template-hash": hash } } },
    },
  });
}

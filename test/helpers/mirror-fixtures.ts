// Fixtures for the mirror tests: a namespace of typical lab objects, seeded
// into a skiff cluster through its Client.
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import type { Client } from "../../pkg/client/client.js";

export function deploymentFixture(ns: string, name = "web", image = "nginx:1.27", replicas = 3): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: ns, labels: { app: name }, annotations: { "skiff.dev/lab-note": "skiff only", "team": "blue" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "web", image, ports: [{ containerPort: 80 }] }] } },
    },
  };
}

/** Writes, in an order that is not the dependency order, what a student might apply. */
export async function seedNamespace(client: Client, ns: string): Promise<Record<string, KubeObject>> {
  const namespace = await client.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const deployment = await client.create(R.deployments, ns, deploymentFixture(ns));
  const service = await client.create(R.services, ns, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: ns },
    spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: 80 }] },
  });
  const configmap = await client.create(R.configmaps, ns, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: ns }, data: { greeting: "hello" } });
  const secret = await client.create(R.secrets, ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "sec", namespace: ns }, type: "Opaque", data: { token: Buffer.from("s3cret").toString("base64") } });
  const cronjob = await client.create(R.cronjobs, ns, {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "tick", namespace: ns },
    spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "t", image: "busybox" }] } } } } },
  });
  return { namespace, deployment, service, configmap, secret, cronjob };
}

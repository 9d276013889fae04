// Integration: the ReplicationController and ServiceAccount controllers inside the
// whole controller manager, on an in-process cluster with a fake kubelet.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { InProcessClient } from "../client/in-process.js";
import { InformerFactory } from "../client/informer.js";
import type { Client } from "../client/client.js";
import type { Registry } from "../apiserver/registry.js";
import { startControllers, type RunningControllers } from "./manager.js";
import { createNode, fakeKubelet, newCluster, type FakeKubelet } from "../../test/helpers/controllers.js";
import { eventually } from "../../test/helpers/eventually.js";
import { controllerRef, isNotFound, type PodLike } from "./util.js";

let registry: Registry;
let client: Client;
let ctrl: RunningControllers;
let informers: InformerFactory;
let kubelet: FakeKubelet;

beforeAll(async () => {
  ({ registry } = await newCluster());
  client = new InProcessClient(registry);
  await createNode(client, "n1");
  kubelet = fakeKubelet(client, ["n1"]);
  informers = new InformerFactory(client);
  ctrl = await startControllers({ client, informers, workers: 2, onError: () => undefined });
});

afterAll(async () => {
  kubelet.stop();
  await ctrl.stop();
  informers.stopAll();
});

const rc = (name: string, replicas: number): KubeObject => ({
  apiVersion: "v1",
  kind: "ReplicationController",
  metadata: { name },
  spec: { replicas, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "skiff/busybox" }] } } },
});

async function podsOf(name: string): Promise<PodLike[]> {
  const pods = (await client.list<PodLike>(R.pods, "default", { labelSelector: `app=${name}` })).items;
  return pods.filter((p) => !p.metadata.deletionTimestamp);
}

describe("ReplicationController controller", () => {
  it("creates pods owned by the RC, reports status, follows the scale subresource and goes with its RC", async () => {
    const created = await client.create(R.replicationcontrollers, "default", rc("legacy", 3));
    // Defaulting copied the template's labels into the selector and the RC's own labels.
    expect(created.spec).toMatchObject({ selector: { app: "legacy" }, replicas: 3 });
    expect(created.metadata.labels).toEqual({ app: "legacy" });

    const pods = await eventually("3 pods", async () => {
      const p = await podsOf("legacy");
      return p.length === 3 ? p : undefined;
    }, { timeoutMs: 20_000 });
    for (const p of pods) {
      expect(controllerRef(p)).toMatchObject({ apiVersion: "v1", kind: "ReplicationController", name: "legacy", uid: created.metadata.uid });
      expect(p.metadata.name).toMatch(/^legacy-[a-z0-9]{5}$/);
    }
    await eventually("status 3/3 ready", async () => {
      const s = (await client.get(R.replicationcontrollers, "default", "legacy")).status as { replicas?: number; readyReplicas?: number } | undefined;
      return s?.replicas === 3 && s.readyReplicas === 3;
    }, { timeoutMs: 20_000 });

    await client.patch(R.replicationcontrollers, "default", "legacy", "merge", { spec: { replicas: 1 } }, { subresource: "scale" });
    await eventually("scaled to 1", async () => (await podsOf("legacy")).length === 1, { timeoutMs: 20_000 });

    await client.delete(R.replicationcontrollers, "default", "legacy", { propagationPolicy: "Background" });
    await eventually("pods collected with their RC", async () => (await podsOf("legacy")).length === 0, { timeoutMs: 20_000 });
  });

  it("leaves pods of ReplicaSets alone and adopts a matching orphan", async () => {
    await client.create(R.pods, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "stray", labels: { app: "adopter" } }, spec: { containers: [{ name: "c", image: "skiff/busybox" }] } });
    const owner = await client.create(R.replicationcontrollers, "default", rc("adopter", 2));
    const pods = await eventually("orphan adopted plus one new pod", async () => {
      const p = await podsOf("adopter");
      return p.length === 2 && p.every((x) => controllerRef(x)?.uid === owner.metadata.uid) ? p : undefined;
    }, { timeoutMs: 20_000 });
    expect(pods.map((p) => p.metadata.name)).toContain("stray");
  });
});

describe("ServiceAccount controller", () => {
  it("gives every namespace a default ServiceAccount and recreates it when deleted", async () => {
    await eventually("default SA in default", async () => (await client.get(R.serviceaccounts, "default", "default").catch(() => undefined)) !== undefined, { timeoutMs: 10_000 });
    await client.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-sa" } });
    const first = await eventually("default SA in team-sa", () => client.get(R.serviceaccounts, "team-sa", "default").catch(() => undefined), { timeoutMs: 10_000 });
    await client.delete(R.serviceaccounts, "team-sa", "default");
    const again = await eventually("default SA recreated", async () => {
      const sa = await client.get(R.serviceaccounts, "team-sa", "default").catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      return sa && sa.metadata.uid !== first.metadata.uid ? sa : undefined;
    }, { timeoutMs: 10_000 });
    expect(again.metadata.name).toBe("default");
  });
});

describe("EndpointSlice mirroring", () => {
  it("mirrors a selectorless Service's Endpoints into a labelled EndpointSlice and follows changes", async () => {
    await client.create(R.services, "default", { apiVersion: "v1", kind: "Service", metadata: { name: "ext" }, spec: { ports: [{ port: 80 }] } });
    await client.create(R.endpoints, "default", {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "ext" },
      subsets: [{ addresses: [{ ip: "10.1.0.1" }], notReadyAddresses: [{ ip: "10.1.0.2" }], ports: [{ name: "http", port: 8080 }] }],
    } as KubeObject);
    const slice = await eventually("mirrored slice", () => client.get(R.endpointslices, "default", "ext-0").catch(() => undefined), { timeoutMs: 10_000 });
    expect(slice.metadata.labels).toMatchObject({ "kubernetes.io/service-name": "ext" });
    expect(slice).toMatchObject({
      addressType: "IPv4",
      endpoints: [
        { addresses: ["10.1.0.1"], conditions: { ready: true } },
        { addresses: ["10.1.0.2"], conditions: { ready: false } },
      ],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    });
    await client.delete(R.endpoints, "default", "ext");
    await eventually("slice removed with its Endpoints", async () => (await client.list(R.endpointslices, "default", { labelSelector: "kubernetes.io/service-name=ext" })).items.length === 0, { timeoutMs: 10_000 });
  });
});

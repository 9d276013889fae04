import { beforeEach, describe, expect, it } from "vitest";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import type { Client } from "../client/client.js";
import { InProcessClient } from "../client/in-process.js";
import type { Lister } from "../client/lister.js";
import { openStore } from "../store/index.js";
import { desiredSubsets, EndpointsController, resolveTargetPort, type EndpointPod, type EndpointsLike, type ServiceLike } from "./endpoints.js";

/** A lister over a plain array, standing in for an informer cache. */
function listerOf<T extends KubeObject>(items: () => T[]): Lister<T> {
  return {
    get: (ns, name) => items().find((o) => o.metadata.namespace === ns && o.metadata.name === name),
    list: (ns) => items().filter((o) => ns === undefined || o.metadata.namespace === ns),
    byIndex: () => [],
  };
}

interface PodOpts {
  ip?: string;
  ready?: boolean;
  labels?: Record<string, string>;
  ports?: Array<{ name?: string; containerPort: number }>;
  deleting?: boolean;
  phase?: string;
  node?: string;
}

function pod(name: string, o: PodOpts = {}): EndpointPod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      labels: o.labels ?? { app: "web" },
      ...(o.deleting ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}),
    },
    spec: { nodeName: o.node ?? "node-1", containers: [{ name: "c", image: "i", ports: o.ports ?? [{ name: "http", containerPort: 8080 }] }] },
    status: {
      phase: o.phase ?? "Running",
      ...(o.ip === undefined ? {} : { podIP: o.ip }),
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

function service(spec: ServiceLike["spec"], name = "web"): ServiceLike {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "ns", uid: `svc-${name}` }, spec };
}

describe("desiredSubsets", () => {
  it("puts ready pods in addresses and unready ones with an IP in notReadyAddresses", () => {
    const svc = service({ selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] });
    const subsets = desiredSubsets(svc, [
      pod("b", { ip: "127.128.0.2" }),
      pod("a", { ip: "127.128.0.1" }),
      pod("c", { ip: "127.128.0.3", ready: false }),
      pod("pending", {}), // no IP yet: left out
      pod("going", { ip: "127.128.0.4", deleting: true }),
      pod("done", { ip: "127.128.0.5", phase: "Succeeded" }),
      pod("other", { ip: "127.128.0.6", labels: { app: "db" } }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: "127.128.0.1", nodeName: "node-1", targetRef: { kind: "Pod", namespace: "ns", name: "a", uid: "uid-a" } },
          { ip: "127.128.0.2", nodeName: "node-1", targetRef: { kind: "Pod", namespace: "ns", name: "b", uid: "uid-b" } },
        ],
        notReadyAddresses: [{ ip: "127.128.0.3", nodeName: "node-1", targetRef: { kind: "Pod", namespace: "ns", name: "c", uid: "uid-c" } }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("splits pods whose named port resolves to different numbers into separate subsets", () => {
    const svc = service({ selector: { app: "web" }, ports: [{ name: "web", port: 80, targetPort: "http" }] });
    const subsets = desiredSubsets(svc, [
      pod("a", { ip: "127.128.0.1", ports: [{ name: "http", containerPort: 8080 }] }),
      pod("b", { ip: "127.128.0.2", ports: [{ name: "http", containerPort: 9090 }] }),
      pod("c", { ip: "127.128.0.3", ports: [{ name: "http", containerPort: 8080 }] }),
      pod("d", { ip: "127.128.0.4", ports: [{ name: "other", containerPort: 1 }] }), // no such port: left out
    ]);
    expect(subsets.map((s) => ({ ips: s.addresses!.map((a) => a.ip), ports: s.ports }))).toEqual([
      { ips: ["127.128.0.1", "127.128.0.3"], ports: [{ name: "web", port: 8080, protocol: "TCP" }] },
      { ips: ["127.128.0.2"], ports: [{ name: "web", port: 9090, protocol: "TCP" }] },
    ]);
  });

  it("resolves numeric targetPorts and multiple service ports", () => {
    const svc = service({
      selector: { app: "web" },
      ports: [
        { name: "http", port: 80, targetPort: 8080, protocol: "TCP" },
        { name: "admin", port: 81, targetPort: "9000", protocol: "TCP" },
      ],
    });
    const [s] = desiredSubsets(svc, [pod("a", { ip: "127.128.0.1" })]);
    expect(s.ports).toEqual([
      { name: "admin", port: 9000, protocol: "TCP" },
      { name: "http", port: 8080, protocol: "TCP" },
    ]);
    expect(resolveTargetPort(pod("x"), { port: 80 })).toBe(80);
  });

  it("publishNotReadyAddresses lists unready pods as addresses", () => {
    const svc = service({ selector: { app: "web" }, publishNotReadyAddresses: true, ports: [{ port: 80, targetPort: 8080 }] });
    const [s] = desiredSubsets(svc, [pod("a", { ip: "127.128.0.1", ready: false })]);
    expect(s.addresses?.map((a) => a.ip)).toEqual(["127.128.0.1"]);
    expect(s.notReadyAddresses).toBeUndefined();
  });
});

describe("EndpointsController", () => {
  let client: Client;
  let pods: EndpointPod[];
  let services: ServiceLike[];
  let writes: string[];
  let ctrl: EndpointsController;

  beforeEach(async () => {
    const registry = new Registry(await openStore("memory"));
    await registry.bootstrap();
    const real = new InProcessClient(registry);
    await real.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } });
    writes = [];
    // Records every write the controller makes (sample-controller's action list).
    client = new Proxy(real, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== "function") return v;
        return (...args: unknown[]) => {
          if (["create", "update", "delete", "patch", "updateStatus"].includes(String(prop))) writes.push(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    pods = [pod("a", { ip: "127.128.0.1" }), pod("b", { ip: "127.128.0.2" })];
    services = [service({ selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] })];
    // The Endpoints lister reads the registry's current state (as a synced informer would).
    let endpoints: EndpointsLike[] = [];
    const refresh = async () => {
      endpoints = (await real.list<EndpointsLike>(R.endpoints, "ns")).items;
    };
    ctrl = new EndpointsController({ client, services: listerOf(() => services), pods: listerOf(() => pods), endpoints: listerOf(() => endpoints) });
    const reconcile = ctrl.reconcile.bind(ctrl);
    ctrl.reconcile = async (key: string) => {
      await refresh();
      return reconcile(key);
    };
  });

  const current = async () => (await client.get<EndpointsLike>(R.endpoints, "ns", "web")).subsets ?? [];

  it("creates Endpoints, then writes nothing while nothing changes", async () => {
    await ctrl.reconcile("ns/web");
    expect(writes).toEqual(["create"]);
    expect((await current())[0].addresses!.map((a) => a.ip)).toEqual(["127.128.0.1", "127.128.0.2"]);
    await ctrl.reconcile("ns/web");
    await ctrl.reconcile("ns/web");
    expect(writes).toEqual(["create"]);
  });

  it("updates when a pod turns unready", async () => {
    await ctrl.reconcile("ns/web");
    pods[1] = pod("b", { ip: "127.128.0.2", ready: false });
    await ctrl.reconcile("ns/web");
    expect(writes).toEqual(["create", "update"]);
    const [s] = await current();
    expect(s.addresses!.map((a) => a.ip)).toEqual(["127.128.0.1"]);
    expect(s.notReadyAddresses!.map((a) => a.ip)).toEqual(["127.128.0.2"]);
  });

  it("leaves Services without a selector (and their Endpoints) alone", async () => {
    services = [service({ ports: [{ port: 80 }] })];
    await ctrl.reconcile("ns/web");
    expect(writes).toEqual([]);
  });

  it("deletes the Endpoints when the Service is gone, and a missing Service is not an error", async () => {
    await ctrl.reconcile("ns/web");
    services = [];
    await ctrl.reconcile("ns/web");
    expect(writes).toEqual(["create", "delete"]);
    await expect(ctrl.reconcile("ns/web")).resolves.toEqual({});
  });

  it("podChanged enqueues Services selecting the old or the new labels, and skips irrelevant updates", () => {
    services.push(service({ selector: { app: "db" }, ports: [{ port: 5432 }] }, "db"));
    services.push(service({ ports: [{ port: 1 }] }, "manual"));
    const a = pods[0];
    expect(ctrl.podChanged(a)).toEqual(["ns/web"]);
    const relabelled = structuredClone(a);
    relabelled.metadata.labels = { app: "db" };
    expect(ctrl.podChanged(relabelled, a).sort()).toEqual(["ns/db", "ns/web"]);
    const churn = structuredClone(a);
    churn.metadata.resourceVersion = "999";
    expect(ctrl.podChanged(churn, a)).toEqual([]);
    const unready = pod("a", { ip: "127.128.0.1", ready: false });
    expect(ctrl.podChanged(unready, a)).toEqual(["ns/web"]);
  });
});

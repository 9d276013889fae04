import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { newContext, Registry } from "../apiserver/registry.js";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { admissionChain, LIMIT_RANGER_ANNOTATION } from "./index.js";
import { ResourceQuotaAdmission } from "./resource-quota.js";

let store: Store;
let registry: Registry;

beforeEach(async () => {
  store = await openStore("memory");
  registry = new Registry(store, { admission: admissionChain(store) });
  await registry.bootstrap();
});
afterEach(async () => {
  registry.close();
  await store.close();
});

function pod(name: string, resources?: { requests?: Record<string, string>; limits?: Record<string, string> }, ns = "default"): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns }, spec: { containers: [{ name: "web", image: "nginx", ...(resources ? { resources } : {}) }] } };
}

async function create(obj: KubeObject, ctx = newContext()): Promise<KubeObject> {
  const info = obj.kind === "Pod" ? R.pods : obj.kind === "Service" ? R.services : obj.kind === "ConfigMap" ? R.configmaps : R.deployments;
  return registry.create(info, obj.metadata.namespace ?? "default", obj, ctx);
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

async function quota(name: string, hard: Record<string, string>, ns = "default"): Promise<void> {
  await registry.create(R.resourcequotas, ns, { apiVersion: "v1", kind: "ResourceQuota", metadata: { name }, spec: { hard } }, newContext());
}

async function limitRange(spec: unknown): Promise<void> {
  await registry.create(R.limitranges, "default", { apiVersion: "v1", kind: "LimitRange", metadata: { name: "limits" }, spec }, newContext());
}

describe("LimitRanger", () => {
  it("fills container defaults (default → limits, defaultRequest → requests) and notes them", async () => {
    await limitRange({ limits: [{ type: "Container", default: { cpu: "500m", memory: "256Mi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } }] });
    const p = await create(pod("web"));
    const c = (p.spec as { containers: Array<{ resources: unknown }> }).containers[0];
    expect(c.resources).toEqual({ limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "128Mi" } });
    expect(p.metadata.annotations?.[LIMIT_RANGER_ANNOTATION]).toBe("LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web");
    expect((p.status as { qosClass: string }).qosClass).toBe("Burstable");
  });

  it("keeps what the container set, and the LimitRange's max doubles as its default limit", async () => {
    await limitRange({ limits: [{ type: "Container", max: { memory: "1Gi" } }] });
    const lr = await registry.get(R.limitranges, "default", "limits");
    expect((lr.spec as { limits: Array<Record<string, unknown>> }).limits[0]).toMatchObject({ default: { memory: "1Gi" }, defaultRequest: { memory: "1Gi" } });
    const p = await create(pod("web", { requests: { memory: "64Mi" } }));
    expect((p.spec as { containers: Array<{ resources: unknown }> }).containers[0].resources).toEqual({ requests: { memory: "64Mi" }, limits: { memory: "1Gi" } });
  });

  it("refuses a container over max or under min with Kubernetes' message", async () => {
    await limitRange({ limits: [{ type: "Container", max: { memory: "1Gi" }, min: { cpu: "50m" } }] });
    const e = await refusal(create(pod("big", { limits: { memory: "2Gi", cpu: "100m" } })));
    expect(e.httpStatus).toBe(403);
    expect(e.message).toBe('pods "big" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi');
    const small = await refusal(create(pod("small", { requests: { cpu: "10m" }, limits: { memory: "1Gi" } })));
    expect(small.message).toBe('pods "small" is forbidden: minimum cpu usage per Container is 50m, but request is 10m');
    expect(await store.get({ resource: "pods", namespace: "default", name: "big" })).toBeUndefined();
  });

  it("checks Pod totals and the limit/request ratio, listing several problems together", async () => {
    await limitRange({ limits: [{ type: "Pod", max: { cpu: "1" } }, { type: "Container", maxLimitRequestRatio: { cpu: "2" } }] });
    const p = pod("two", { requests: { cpu: "200m" }, limits: { cpu: "800m" } });
    (p.spec as { containers: unknown[] }).containers.push({ name: "side", image: "x", resources: { requests: { cpu: "300m" }, limits: { cpu: "300m" } } });
    const e = await refusal(create(p));
    expect(e.message).toBe('pods "two" is forbidden: [maximum cpu usage per Pod is 1, but limit is 1100m, cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000]');
  });

  it("leaves namespaces without a LimitRange alone", async () => {
    const p = await create(pod("plain"));
    expect((p.spec as { containers: Array<{ resources?: unknown }> }).containers[0].resources).toBeUndefined();
  });
});

describe("ResourceQuota admission", () => {
  it("refuses the pod over the quota with the quota's name and the numbers", async () => {
    await quota("compute", { pods: "10", "requests.cpu": "2" });
    for (const n of ["a", "b", "c"]) await create(pod(n, { requests: { cpu: "600m" } }));
    const e = await refusal(create(pod("web-abc", { requests: { cpu: "500m" } })));
    expect(e.httpStatus).toBe(403);
    expect(e.reason).toBe("Forbidden");
    expect(e.message).toBe('pods "web-abc" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=1800m, limited: requests.cpu=2');
    await create(pod("fits", { requests: { cpu: "200m" } }));
  });

  it("requires the requests and limits the quota constrains", async () => {
    await quota("compute", { "limits.cpu": "4", "requests.memory": "1Gi" });
    const e = await refusal(create(pod("web")));
    expect(e.message).toBe('pods "web" is forbidden: failed quota: compute: must specify limits.cpu for: web; requests.memory for: web');
  });

  it("counts pods, services and objects by kind, and frees room when they go", async () => {
    await quota("objects", { pods: "1", services: "1", "count/configmaps": "1" });
    await create(pod("one"));
    expect((await refusal(create(pod("two")))).message).toBe('pods "two" is forbidden: exceeded quota: objects, requested: pods=1, used: pods=1, limited: pods=1');
    await create({ apiVersion: "v1", kind: "Service", metadata: { name: "s1", namespace: "default" }, spec: { ports: [{ port: 80 }] } });
    expect((await refusal(create({ apiVersion: "v1", kind: "Service", metadata: { name: "s2", namespace: "default" }, spec: { ports: [{ port: 80 }] } }))).message).toContain(
      "exceeded quota: objects, requested: services=1, used: services=1, limited: services=1",
    );
    await create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c1", namespace: "default" } });
    expect((await refusal(create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c2", namespace: "default" } }))).message).toBe(
      'configmaps "c2" is forbidden: exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
    );
    // Finished pods no longer hold a "pods" slot.
    const one = await registry.get(R.pods, "default", "one");
    await registry.update(R.pods, "default", "one", { ...one, status: { phase: "Succeeded" } }, newContext(), "status");
    await create(pod("two"));
  });

  it("admits exactly the room left when creates race", async () => {
    await quota("compute", { pods: "5" });
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => create(pod(`p${i}`))));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    expect((await store.list("pods", { namespace: "default" })).items).toHaveLength(5);
  });

  it("does not charge dry runs or objects the registry rejects", async () => {
    const plugin = new ResourceQuotaAdmission(store);
    const reg = new Registry(store, { admission: [plugin] });
    await quota("compute", { pods: "1" });
    await reg.create(R.pods, "default", pod("dry"), newContext({ dryRun: true }));
    expect(plugin.pendingReservations("default")).toBe(0);
    const invalid = pod("bad");
    (invalid.spec as { containers: Array<{ image?: string }> }).containers[0].image = "";
    await expect(reg.create(R.pods, "default", invalid, newContext())).rejects.toMatchObject({ reason: "Invalid" });
    expect(plugin.pendingReservations("default")).toBe(0);
    await reg.create(R.pods, "default", pod("real"), newContext());
    expect(plugin.pendingReservations("default")).toBe(0); // stored, so counted from the store
    plugin.close();
    reg.close();
  });

  it("applies per namespace", async () => {
    await registry.create(R.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } }, newContext());
    await quota("tiny", { pods: "0" });
    await create(pod("elsewhere", undefined, "other"));
    await expect(create(pod("here"))).rejects.toMatchObject({ reason: "Forbidden" });
  });
});

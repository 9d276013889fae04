// Exact addresses below assume the default address block (no listeners are opened here).
process.env.SKIFF_ADDRESS_BLOCK = "0";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry, newContext } from "./registry.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { ApiError } from "../api/errors.js";

const svc = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});
type Spec = { clusterIP: string; ports: Array<{ nodePort?: number }> };
const specOf = (o: KubeObject) => o.spec as Spec;

describe("service address allocation", () => {
  let store: Store;
  let registry: Registry;
  beforeEach(async () => {
    store = await openStore("memory");
    registry = new Registry(store);
    await registry.bootstrap();
  });
  afterEach(async () => {
    registry.close();
    await store.close();
  });
  const create = (o: KubeObject) => registry.create(R.services, "default", o, newContext());

  it("gives concurrent creates distinct cluster IPs in 127.96.0.0/16 and node ports in range", async () => {
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => create(svc(`s${i}`, { type: "NodePort" }))));
    const ips = made.map((m) => specOf(m).clusterIP);
    const ports = made.map((m) => specOf(m).ports[0].nodePort!);
    expect(new Set(ips).size).toBe(40);
    expect(new Set(ports).size).toBe(40);
    for (const ip of ips) expect(ip).toMatch(/^127\.96\.\d+\.\d+$/);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
    for (const p of ports) expect(p).toBeLessThanOrEqual(32767);
  });

  it("refuses a taken or out-of-range address with a field error, and reuses released ones", async () => {
    const a = await create(svc("a", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    await expect(create(svc("b", { clusterIP: specOf(a).clusterIP }))).rejects.toThrow(/provided IP is already allocated/);
    await expect(create(svc("c", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }))).rejects.toThrow(/spec.ports\[0\].nodePort.*already allocated/);
    await expect(create(svc("d", { clusterIP: "10.0.0.1" }))).rejects.toThrow(/not in the valid range/);
    await expect(create(svc("e", { type: "NodePort", ports: [{ port: 80, nodePort: 80 }] }))).rejects.toBeInstanceOf(ApiError);
    await registry.delete(R.services, "default", "a", {}, newContext());
    const again = await create(svc("f", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }));
    expect(specOf(again).ports[0].nodePort).toBe(30080);
  });

  it("keeps the allocation on an update that leaves it empty; ClusterIP services get no node port", async () => {
    const a = await create(svc("a", { type: "NodePort" }));
    const put = structuredClone(a);
    delete (put.spec as { clusterIP?: string }).clusterIP;
    delete (put.spec as { clusterIPs?: string[] }).clusterIPs;
    delete specOf(put).ports[0].nodePort;
    const updated = await registry.update(R.services, "default", "a", put, newContext());
    expect(specOf(updated).clusterIP).toBe(specOf(a).clusterIP);
    expect(specOf(updated).ports[0].nodePort).toBe(specOf(a).ports[0].nodePort);
    const plain = await create(svc("plain"));
    expect(specOf(plain).ports[0].nodePort).toBeUndefined();
    const headless = await create(svc("headless", { clusterIP: "None" }));
    expect(specOf(headless).clusterIP).toBe("None");
  });

  it("survives a restart: allocations come from the stored services", async () => {
    const a = await create(svc("a"));
    const registry2 = new Registry(store);
    const b = await registry2.create(R.services, "default", svc("b"), newContext());
    expect(specOf(b).clusterIP).not.toBe(specOf(a).clusterIP);
    registry2.close();
  });

  it("defaults IP families like a single-stack (IPv4) Kubernetes and refuses IPv6 and dual stack", async () => {
    const plain = (await create(svc("fam"))).spec as { ipFamilies: string[]; ipFamilyPolicy: string };
    expect(plain).toMatchObject({ ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack" });
    const bare = (await create({ apiVersion: "v1", kind: "Service", metadata: { name: "bare" }, spec: { clusterIP: "None", ports: [{ port: 80 }] } })).spec;
    expect(bare).toMatchObject({ ipFamilies: ["IPv4"], ipFamilyPolicy: "RequireDualStack" });
    const external = (await create(svc("ext", { type: "ExternalName", externalName: "example.test" }))).spec as Record<string, unknown>;
    expect(external.ipFamilies).toBeUndefined();
    await expect(create(svc("v6", { ipFamilies: ["IPv6"] }))).rejects.toThrow('spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster');
    await expect(create(svc("dual", { ipFamilyPolicy: "RequireDualStack" }))).rejects.toThrow(
      'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    );
    const prefer = (await create(svc("prefer", { ipFamilyPolicy: "PreferDualStack" }))).spec;
    expect(prefer).toMatchObject({ ipFamilies: ["IPv4"], ipFamilyPolicy: "PreferDualStack" });
    // nothing stored for the refused ones, and their addresses went back
    await expect(registry.get(R.services, "default", "v6")).rejects.toBeInstanceOf(ApiError);
  });
});

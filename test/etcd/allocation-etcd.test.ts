// Two API servers' registries, each with its own EtcdStore over one etcd (as
// two `skiff control-plane` processes): concurrent creates never share a
// service IP, a node port or a pod CIDR.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdStore } from "../../pkg/store/etcd.js";
import { Registry, newContext } from "../../pkg/apiserver/registry.js";
import { R } from "../../pkg/api/kinds.js";
import type { KubeObject } from "../../pkg/api/types.js";
import { etcdAvailable, startEtcd, type TestEtcd } from "../helpers/etcd.js";

const available = etcdAvailable();

describe.skipIf(!available)("allocation over etcd", () => {
  let etcd: TestEtcd;
  const stores: EtcdStore[] = [];
  const registries: Registry[] = [];
  beforeAll(async () => {
    etcd = await startEtcd();
    for (let i = 0; i < 2; i++) {
      const s = await EtcdStore.open({ endpoints: [etcd.endpoint], prefix: "/alloc" });
      stores.push(s);
      const r = new Registry(s);
      await r.bootstrap();
      registries.push(r);
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of registries) r.close();
    for (const s of stores) await s.close();
    await etcd?.stop();
  });

  it("hands out distinct service IPs and node ports from two registries at once", async () => {
    const svc = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { type: "NodePort", selector: { app: name }, ports: [{ port: 80 }] } });
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => registries[i % 2]!.create(R.services, "default", svc(`s${i}`), newContext())));
    const specs = made.map((m) => m.spec as { clusterIP: string; ports: Array<{ nodePort: number }> });
    expect(new Set(specs.map((s) => s.clusterIP)).size).toBe(40);
    expect(new Set(specs.map((s) => s.ports[0]!.nodePort)).size).toBe(40);
    // Each registry sees all 40 through its own store.
    for (const r of registries) expect((await r.list(R.services, "default")).items).toHaveLength(40);
  }, 60_000);

  it("hands out distinct pod CIDRs to nodes registered through two registries at once", async () => {
    const made = await Promise.all(
      Array.from({ length: 20 }, (_, i) => registries[i % 2]!.create(R.nodes, undefined, { apiVersion: "v1", kind: "Node", metadata: { name: `n${i}` } }, newContext())),
    );
    expect(new Set(made.map((n) => (n.spec as { podCIDR: string }).podCIDR)).size).toBe(20);
  }, 60_000);
});

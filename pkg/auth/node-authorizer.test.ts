import { afterEach, describe, expect, it } from "vitest";
import type { AuthorizationAttributes } from "../apiserver/auth.js";
import { R } from "../api/kinds.js";
import { openStore } from "../store/index.js";
import { newContext, Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import type { KubeObject } from "../api/types.js";
import { InformerNodePodGraph, NodeAuthorizer, type NodePodGraph } from "./node-authorizer.js";
import { NodeRestriction } from "./node-restriction.js";
import { podReferences } from "./pod-references.js";

const n1 = { user: "system:node:n1", groups: ["system:nodes", "system:authenticated"] };
function attrs(verb: string, resource: string, o: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes {
  const [r, sub] = resource.split("/");
  return { ...n1, verb, isResourceRequest: true, apiGroup: "", resource: r, subresource: sub, path: "/x", ...o };
}

const graph: NodePodGraph = {
  async nodeOfPod(_ns, name) {
    return name === "mine" ? "n1" : name === "theirs" ? "n2" : undefined;
  },
  async nodeUses(node, ns, kind, name) {
    return node === "n1" && ns === "default" && name === `used-${kind}`;
  },
};

describe("NodeAuthorizer", () => {
  const authz = new NodeAuthorizer(graph);
  const table: Array<[string, AuthorizationAttributes, boolean]> = [
    ["watch all pods", attrs("watch", "pods"), true],
    ["read services", attrs("list", "services"), true],
    ["read endpoints", attrs("watch", "endpoints"), true],
    ["read nodes", attrs("get", "nodes", { name: "n2" }), true],
    ["register a node (name checked at admission)", attrs("create", "nodes"), true],
    ["update own node", attrs("update", "nodes", { name: "n1" }), true],
    ["update another node", attrs("update", "nodes", { name: "n2" }), false],
    ["own node status", attrs("patch", "nodes/status", { name: "n1" }), true],
    ["another node's status", attrs("update", "nodes/status", { name: "n2" }), false],
    ["delete a node", attrs("delete", "nodes", { name: "n1" }), false],
    ["status of its pod", attrs("update", "pods/status", { namespace: "default", name: "mine" }), true],
    ["status of another node's pod", attrs("update", "pods/status", { namespace: "default", name: "theirs" }), false],
    ["delete its pod", attrs("delete", "pods", { namespace: "default", name: "mine" }), true],
    ["delete another node's pod", attrs("delete", "pods", { namespace: "default", name: "theirs" }), false],
    ["create pods", attrs("create", "pods", { namespace: "default" }), false],
    ["bind pods", attrs("create", "pods/binding", { namespace: "default", name: "x" }), false],
    ["secret used by its pod", attrs("get", "secrets", { namespace: "default", name: "used-secrets" }), true],
    ["config map used by its pod", attrs("get", "configmaps", { namespace: "default", name: "used-configmaps" }), true],
    ["secret not used by its pods", attrs("get", "secrets", { namespace: "default", name: "other" }), false],
    ["list secrets", attrs("list", "secrets", { namespace: "default" }), false],
    ["create events", attrs("create", "events", { namespace: "default" }), true],
    ["create its lease", attrs("create", "leases", { apiGroup: "coordination.k8s.io", namespace: "kube-node-lease" }), true],
    ["renew its lease", attrs("update", "leases", { apiGroup: "coordination.k8s.io", namespace: "kube-node-lease", name: "n1" }), true],
    ["renew another node's lease", attrs("update", "leases", { apiGroup: "coordination.k8s.io", namespace: "kube-node-lease", name: "n2" }), false],
    ["leases elsewhere", attrs("create", "leases", { apiGroup: "coordination.k8s.io", namespace: "default" }), false],
    ["create deployments", attrs("create", "deployments", { apiGroup: "apps", namespace: "default" }), false],
  ];
  it.each(table)("%s", async (_n, a, want) => {
    expect((await authz.authorize(a)).allowed).toBe(want);
  });

  it("explains a refused relationship and ignores non-nodes", async () => {
    expect((await authz.authorize(attrs("get", "secrets", { namespace: "default", name: "other" }))).reason).toBe("no relationship found between node 'n1' and this object");
    expect(await authz.authorize(attrs("watch", "pods", { user: "system:node:n1", groups: ["system:authenticated"] }))).toEqual({ allowed: false });
    expect(await authz.authorize(attrs("watch", "pods", { user: "alice" }))).toEqual({ allowed: false });
  });
});

describe("pod references", () => {
  it("finds secrets and config maps in volumes, env, envFrom and pull secrets", () => {
    const pod = {
      metadata: { name: "p" },
      spec: {
        imagePullSecrets: [{ name: "pull" }],
        containers: [
          { name: "c", env: [{ name: "A", valueFrom: { secretKeyRef: { name: "s-env", key: "k" } } }, { name: "B", valueFrom: { configMapKeyRef: { name: "cm-env", key: "k" } } }], envFrom: [{ configMapRef: { name: "cm-from" } }] },
        ],
        initContainers: [{ name: "i", envFrom: [{ secretRef: { name: "s-init" } }] }],
        volumes: [{ name: "v", secret: { secretName: "s-vol" } }, { name: "w", configMap: { name: "cm-vol" } }, { name: "x", projected: { sources: [{ secret: { name: "s-proj" } }] } }],
      },
    } as unknown as KubeObject;
    expect(podReferences(pod).sort()).toEqual(
      ["configmaps/cm-env", "configmaps/cm-from", "configmaps/cm-vol", "secrets/pull", "secrets/s-env", "secrets/s-init", "secrets/s-proj", "secrets/s-vol"].sort(),
    );
  });
});

describe("InformerNodePodGraph", () => {
  let cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  it("follows pods as they are bound and removed, and finds a pod bound a moment ago", async () => {
    const store = await openStore("memory");
    const registry = new Registry(store);
    await registry.bootstrap();
    const client = new InProcessClient(registry);
    const g = new InformerNodePodGraph(client);
    await g.start();
    cleanup.push(() => g.stop(), () => registry.close(), () => store.close());
    const pod = (name: string, secret: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], volumes: [{ name: "s", secret: { secretName: secret } }] } });
    await client.create(R.pods, "default", pod("p1", "s1"));
    // Bound right now: the live check answers even before the cache has seen it.
    await client.bindPod("default", "p1", "n1");
    expect(await g.nodeUses("n1", "default", "secrets", "s1")).toBe(true);
    expect(await g.nodeOfPod("default", "p1")).toBe("n1");
    expect(await g.nodeUses("n2", "default", "secrets", "s1")).toBe(false);
    expect(await g.nodeUses("n1", "default", "secrets", "s2")).toBe(false);
    expect(await g.nodeUses("n1", "other", "secrets", "s1")).toBe(false);
    await client.delete(R.pods, "default", "p1", { gracePeriodSeconds: 0 });
    await waitFor(async () => !(await g.nodeUses("n1", "default", "secrets", "s1")));
  });
});

describe("NodeRestriction admission", () => {
  const plugin = new NodeRestriction();
  const ctx = newContext({ user: "system:node:n1", groups: ["system:nodes"] });
  const node = (name: string) => ({ apiVersion: "v1", kind: "Node", metadata: { name } }) as KubeObject;
  const pod = (nodeName: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { nodeName } }) as KubeObject;

  it("lets a node write its own Node and Lease and its pods' status", () => {
    expect(() => plugin.admit({ operation: "CREATE", info: R.nodes, object: node("n1"), ctx })).not.toThrow();
    expect(() => plugin.admit({ operation: "CREATE", info: R.leases, namespace: "kube-node-lease", object: node("n1"), ctx })).not.toThrow();
    expect(() => plugin.admit({ operation: "UPDATE", info: R.pods, subresource: "status", object: pod("n1"), oldObject: pod("n1"), ctx })).not.toThrow();
    expect(() => plugin.admit({ operation: "DELETE", info: R.pods, name: "p", oldObject: pod("n1"), ctx })).not.toThrow();
  });

  it("refuses another node's objects", () => {
    expect(() => plugin.admit({ operation: "CREATE", info: R.nodes, object: node("n2"), ctx })).toThrow(/node "n1" is not allowed to modify node "n2"/);
    expect(() => plugin.admit({ operation: "CREATE", info: R.leases, namespace: "kube-node-lease", object: node("n2"), ctx })).toThrow(/Forbidden|not allowed/);
    expect(() => plugin.admit({ operation: "UPDATE", info: R.pods, subresource: "status", object: pod("n2"), oldObject: pod("n2"), ctx })).toThrow(/bound to "n2"/);
    expect(() => plugin.admit({ operation: "UPDATE", info: R.pods, object: pod("n1"), oldObject: pod("n1"), ctx })).toThrow(/only update the status/);
    expect(() => plugin.admit({ operation: "CREATE", info: R.pods, object: pod("n1"), ctx })).toThrow(/mirror pods/);
  });

  it("leaves everyone else alone", () => {
    expect(() => plugin.admit({ operation: "CREATE", info: R.nodes, object: node("n2"), ctx: newContext({ user: "admin", groups: ["system:masters"] }) })).not.toThrow();
    expect(() => plugin.admit({ operation: "CREATE", info: R.nodes, object: node("n2"), ctx: newContext() })).not.toThrow();
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

// InterPodAffinity: required and preferred, affinity and anti-affinity,
// namespaces and namespaceSelector, and existing pods' anti-affinity against
// the incoming pod — with kube-scheduler's reasons.
import type { V1Affinity, V1PodAffinityTerm } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { buildSnapshot } from "../cache.js";
import { makeNode, makePod } from "../fixtures.js";
import type { KubeObject } from "../../api/types.js";
import { scheduleOne } from "../schedule-one.js";

const HOST = "kubernetes.io/hostname";
const nodes = () => [makeNode("n1", { labels: { zone: "a" } }), makeNode("n2", { labels: { zone: "a" } }), makeNode("n3", { labels: { zone: "b" } })];
const term = (app: string, topologyKey = HOST, extra: Partial<V1PodAffinityTerm> = {}): V1PodAffinityTerm => ({
  topologyKey,
  labelSelector: { matchLabels: { app } },
  ...extra,
});
const anti = (...terms: V1PodAffinityTerm[]): V1Affinity => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });
const near = (...terms: V1PodAffinityTerm[]): V1Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } });

describe("InterPodAffinity", () => {
  it("spreads replicas one per node with required anti-affinity and leaves the fourth Pending", () => {
    const snap = buildSnapshot(nodes());
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const pod = makePod(`web-${i}`, { labels: { app: "web" }, affinity: anti(term("web")) });
      const res = scheduleOne(pod, snap);
      if (res.node) {
        snap.assumePod(pod, res.node);
        placed.push(res.node);
      } else {
        expect(res.status.reasons[0]).toBe("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
      }
    }
    expect(placed.sort()).toEqual(["n1", "n2", "n3"]);
  });

  it("keeps a pod away from an existing pod whose anti-affinity matches it", () => {
    const guard = makePod("guard", { nodeName: "n1", labels: { app: "guard" }, affinity: anti(term("web", "zone")) });
    const snap = buildSnapshot(nodes(), [guard]);
    const res = scheduleOne(makePod("web", { labels: { app: "web" }, nodeSelector: { zone: "a" } }), snap);
    expect(res.status.reasons[0]).toBe(
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't satisfy existing pods anti-affinity rules.",
    );
  });

  it("puts a pod in the zone of the pods it needs, and lets the first of a group start anywhere", () => {
    const snap = buildSnapshot(nodes(), [makePod("cache", { nodeName: "n3", labels: { app: "cache" } })]);
    const res = scheduleOne(makePod("web", { labels: { app: "web" }, affinity: near(term("cache", "zone")) }), snap);
    expect(res.node).toBe("n3");
    expect(res.diagnosis.get("n1")?.reasons).toEqual(["node(s) didn't match pod affinity rules"]);
    // Nothing matches anywhere, but the pod matches its own term: it may start the group.
    const first = makePod("db-0", { labels: { app: "db" }, affinity: near(term("db", "zone")) });
    expect(scheduleOne(first, snap).node).toBeDefined();
    // …and one that does not match its own term may not.
    const lonely = makePod("x", { labels: { app: "x" }, affinity: near(term("db", "zone")) });
    expect(scheduleOne(lonely, snap).status.reasons[0]).toBe("0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
  });

  it("looks only in the term's namespaces: its own by default, a list, or a namespaceSelector", () => {
    const other = makePod("cache", { namespace: "team-b", nodeName: "n3", labels: { app: "cache" } });
    const namespaces: KubeObject[] = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-b", labels: { team: "b" } } },
    ];
    const snap = buildSnapshot(nodes(), [other], namespaces);
    const pod = (extra: Partial<V1PodAffinityTerm>) => makePod("web", { labels: { app: "web" }, affinity: near(term("cache", "zone", extra)) });
    expect(scheduleOne(pod({}), snap).node).toBeUndefined();
    expect(scheduleOne(pod({ namespaces: ["team-b"] }), snap).node).toBe("n3");
    expect(scheduleOne(pod({ namespaceSelector: { matchLabels: { team: "b" } } }), snap).node).toBe("n3");
    expect(scheduleOne(pod({ namespaceSelector: {} }), snap).node).toBe("n3");
    expect(scheduleOne(pod({ namespaceSelector: { matchLabels: { team: "c" } } }), snap).node).toBeUndefined();
  });

  it("scores preferred affinity and anti-affinity", () => {
    const snap = buildSnapshot(nodes(), [makePod("cache", { nodeName: "n2", labels: { app: "cache" } })]);
    const prefer: V1Affinity = { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term("cache") }] } };
    expect(scheduleOne(makePod("web", { affinity: prefer }), snap).node).toBe("n2");
    const avoid: V1Affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term("cache", "zone") }] } };
    expect(scheduleOne(makePod("web", { affinity: avoid }), snap).node).toBe("n3");
  });

  it("sees a change on a node at once (the per-node memo follows the node's pods)", () => {
    const snap = buildSnapshot(nodes());
    const pod = () => makePod(`w-${Math.random()}`, { labels: { app: "web" }, affinity: anti(term("web")) });
    const a = pod();
    snap.assumePod(a, "n1");
    expect(scheduleOne(pod(), snap).diagnosis.get("n1")).toBeDefined();
    snap.removePod(`default/${String(a.metadata.name)}`);
    expect(scheduleOne(pod(), snap).diagnosis.get("n1")).toBeUndefined();
  });
});

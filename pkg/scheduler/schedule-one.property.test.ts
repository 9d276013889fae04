// Property tests (issue 3 acceptance): whatever pods and nodes fast-check
// makes up, placing the pods one after another as the scheduler does never
// overcommits a node, every placed pod passes every filter on its node, every
// pod left over has a reason for every node, and the result is deterministic.
import type { V1Taint, V1Toleration } from "@kubernetes/client-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Quantity } from "../api/quantity.js";
import { SchedulerCache } from "./cache.js";
import { makeNode, makePod } from "./fixtures.js";
import { CycleState, type Node, type Pod } from "./framework.js";
import { defaultProfile } from "./profile.js";
import { scheduleOne } from "./schedule-one.js";

const TAINTS: V1Taint[] = [
  { key: "gpu", value: "true", effect: "NoSchedule" },
  { key: "maint", effect: "NoExecute" },
  { key: "spot", value: "yes", effect: "PreferNoSchedule" },
];
const TOLERATIONS: V1Toleration[] = [
  { key: "gpu", operator: "Equal", value: "true", effect: "NoSchedule" },
  { key: "maint", operator: "Exists" },
  { operator: "Exists" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoSchedule" },
];
const ZONES = ["z1", "z2", "z3"];

const nodeArb = fc.record({
  cpuMilli: fc.integer({ min: 0, max: 8000 }),
  memMi: fc.integer({ min: 0, max: 16384 }),
  pods: fc.integer({ min: 0, max: 12 }),
  zone: fc.constantFrom(...ZONES),
  ssd: fc.boolean(),
  taints: fc.subarray(TAINTS),
  unschedulable: fc.boolean(),
  ready: fc.constantFrom("True", "True", "True", "False", "Unknown") as fc.Arbitrary<"True" | "False" | "Unknown">,
});

const podArb = fc.record({
  cpuMilli: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: undefined }),
  memMi: fc.option(fc.integer({ min: 0, max: 8192 }), { nil: undefined }),
  zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
  ssd: fc.option(fc.constant("true"), { nil: undefined }),
  tolerations: fc.subarray(TOLERATIONS),
  hostPort: fc.option(fc.constantFrom(80, 443), { nil: undefined }),
  owner: fc.option(fc.constantFrom("rs1", "rs2"), { nil: undefined }),
  app: fc.constantFrom("a", "b"),
  /** Required anti-affinity against pods of the same app, per node or per zone. */
  anti: fc.option(fc.constantFrom("kubernetes.io/hostname", "zone"), { nil: undefined }),
});

type NodeIn = typeof nodeArb extends fc.Arbitrary<infer T> ? T : never;
type PodIn = typeof podArb extends fc.Arbitrary<infer T> ? T : never;

function toNode(n: NodeIn, i: number): Node {
  return makeNode(`node-${i}`, {
    cpu: `${n.cpuMilli}m`,
    memory: `${n.memMi}Mi`,
    pods: n.pods,
    labels: { zone: n.zone, ...(n.ssd ? { disk: "ssd" } : {}) },
    taints: n.taints,
    unschedulable: n.unschedulable,
    ready: n.ready,
  });
}

function toPod(p: PodIn, i: number): Pod {
  const selector: Record<string, string> = {};
  if (p.zone) selector.zone = p.zone;
  if (p.ssd) selector.disk = "ssd";
  return makePod(`pod-${i}`, {
    cpu: p.cpuMilli === undefined ? undefined : `${p.cpuMilli}m`,
    memory: p.memMi === undefined ? undefined : `${p.memMi}Mi`,
    nodeSelector: Object.keys(selector).length ? selector : undefined,
    tolerations: p.tolerations,
    hostPorts: p.hostPort ? [{ hostPort: p.hostPort }] : undefined,
    ownerUid: p.owner,
    labels: { app: p.app },
    affinity: p.anti
      ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: p.anti, labelSelector: { matchLabels: { app: p.app } } }] } }
      : undefined,
  });
}

interface Outcome {
  placements: Map<string, string>;
  failures: Map<string, { reasons: string[]; diagnosed: number; message: string }>;
  cache: SchedulerCache;
}

function placeAll(nodes: Node[], pods: Pod[], percentageOfNodesToScore?: number): Outcome {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.setNode(n);
  const placements = new Map<string, string>();
  const failures: Outcome["failures"] = new Map();
  let start = 0;
  for (const pod of pods) {
    const res = scheduleOne(pod, cache, { startIndex: start, percentageOfNodesToScore });
    start = (start + res.evaluatedNodes) % Math.max(1, nodes.length);
    if (res.node) {
      cache.assumePod(pod, res.node);
      placements.set(String(pod.metadata.name), res.node);
    } else {
      const reasons = [...res.diagnosis.values()].flatMap((s) => s.reasons);
      failures.set(String(pod.metadata.name), { reasons, diagnosed: res.diagnosis.size, message: res.status.reasons[0] });
      // Every node has a reason, and each one is a real rejection.
      for (const [, s] of res.diagnosis) {
        expect(s.code === "Unschedulable" || s.code === "UnschedulableAndUnresolvable").toBe(true);
        expect(s.reasons.length).toBeGreaterThan(0);
        expect(s.plugin).toBeTruthy();
      }
    }
  }
  return { placements, failures, cache };
}

const milli = (q: string | undefined) => (q === undefined ? 0 : Number(Quantity.parse(q).milliValue()));
const bytes = (q: string | undefined) => (q === undefined ? 0 : Number(Quantity.parse(q).value()));

function checkInvariants(nodes: Node[], pods: Pod[], out: Outcome): void {
  const podsByName = new Map(pods.map((p) => [String(p.metadata.name), p]));
  // 1. No node's allocatable is exceeded — recomputed from the pods, not from the cache's counters.
  for (const node of nodes) {
    const name = String(node.metadata.name);
    const here = [...out.placements].filter(([, n]) => n === name).map(([p]) => podsByName.get(p)!);
    const cpu = here.reduce((s, p) => s + milli(p.spec!.containers[0].resources?.requests?.cpu), 0);
    const mem = here.reduce((s, p) => s + bytes(p.spec!.containers[0].resources?.requests?.memory), 0);
    const alloc = node.status!.allocatable!;
    expect(cpu).toBeLessThanOrEqual(milli(alloc.cpu));
    expect(mem).toBeLessThanOrEqual(bytes(alloc.memory));
    expect(here.length).toBeLessThanOrEqual(Number(alloc.pods));
    // Independent checks of the rules themselves.
    for (const p of here) {
      for (const [k, v] of Object.entries(p.spec!.nodeSelector ?? {})) expect(node.metadata.labels![k]).toBe(v);
      const tol = p.spec!.tolerations ?? [];
      if (node.spec!.unschedulable) expect(tol.some((t) => t.operator === "Exists" && (!t.key || t.key === "node.kubernetes.io/unschedulable"))).toBe(true);
      const ready = node.status!.conditions!.find((c) => c.type === "Ready")!.status;
      const blanket = tol.some((t) => t.operator === "Exists" && !t.key);
      if (ready === "Unknown") expect(blanket).toBe(true);
      if (ready === "False") expect(blanket || tol.some((t) => t.key === "node.kubernetes.io/not-ready")).toBe(true);
    }
    const ports = here.flatMap((p) => p.spec!.containers[0].ports?.map((x) => x.hostPort) ?? []);
    expect(new Set(ports).size).toBe(ports.length);
  }
  // Required anti-affinity, checked by hand: no two pods of one app share a domain when either forbids it.
  const nodeLabels = new Map(nodes.map((n) => [String(n.metadata.name), n.metadata.labels ?? {}]));
  const placed = [...out.placements].map(([p, n]) => ({ pod: podsByName.get(p)!, labels: nodeLabels.get(n)! }));
  for (const a of placed) {
    const term = a.pod.spec!.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
    if (!term) continue;
    for (const b of placed) {
      if (a === b || b.pod.metadata.labels!.app !== a.pod.metadata.labels!.app) continue;
      expect(b.labels[term.topologyKey] === undefined || b.labels[term.topologyKey] !== a.labels[term.topologyKey]).toBe(true);
    }
  }
  // 2. Every placed pod passes every filter on its node (judged without itself).
  const profile = defaultProfile();
  for (const [podName, nodeName] of out.placements) {
    const pod = podsByName.get(podName)!;
    out.cache.removePod(`default/${podName}`);
    const st = CycleState.for(pod, out.cache);
    for (const pf of profile.preFilter) pf.preFilter(st, pod);
    for (const f of profile.filter) expect({ plugin: f.name, code: f.filter(st, pod, out.cache.get(nodeName)!).code }).toEqual({ plugin: f.name, code: "Success" });
    out.cache.assumePod(pod, nodeName);
  }
  // 3. Every pod left over has a reason for every node.
  for (const [, f] of out.failures) {
    expect(f.diagnosed).toBe(nodes.length);
    if (nodes.length > 0) expect(f.message.startsWith(`0/${nodes.length} nodes are available: `)).toBe(true);
  }
  expect(out.placements.size + out.failures.size).toBe(pods.length);
}

describe("scheduler properties", () => {
  it("never overcommits, places only where every filter passes, and explains every failure", () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 0, maxLength: 12 }), fc.array(podArb, { maxLength: 60 }), (nodeIns, podIns) => {
        const nodes = nodeIns.map(toNode);
        const pods = podIns.map(toPod);
        checkInvariants(nodes, pods, placeAll(nodes, pods));
      }),
      { numRuns: 200 },
    );
  });

  it("keeps the invariants when sampling a large cluster (> 100 nodes)", () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 101, maxLength: 160 }), fc.array(podArb, { maxLength: 80 }), fc.constantFrom(0, 10, 50), (nodeIns, podIns, pct) => {
        const nodes = nodeIns.map(toNode);
        const pods = podIns.map(toPod);
        checkInvariants(nodes, pods, placeAll(nodes, pods, pct));
      }),
      { numRuns: 25 },
    );
  });

  it("picks the node a naive reference scorer picks (skipping constant scores changes nothing)", () => {
    const profile = defaultProfile();
    fc.assert(
      fc.property(fc.array(nodeArb, { minLength: 1, maxLength: 10 }), fc.array(podArb, { maxLength: 30 }), (nodeIns, podIns) => {
        const nodes = nodeIns.map(toNode);
        const cache = new SchedulerCache();
        for (const n of nodes) cache.setNode(n);
        for (const pod of podIns.map(toPod)) {
          const res = scheduleOne(pod, cache);
          // Reference: every filter on every node, every score plugin normalised, no shortcuts.
          const st = CycleState.for(pod, cache);
          for (const pf of profile.preFilter) pf.preFilter(st, pod);
          const feasible = cache.nodes().filter((ni) => profile.filter.every((f) => f.filter(st, pod, ni).code === "Success"));
          let want: string | undefined;
          if (feasible.length > 0) {
            const totals = feasible.map(() => 0);
            for (const { plugin, weight } of profile.score) {
              plugin.preScore?.(st, pod);
              const scores = feasible.map((ni) => ({ name: ni.name, score: plugin.score(st, pod, ni) }));
              plugin.normalize?.(scores);
              scores.forEach((x, i) => (totals[i] += weight * x.score));
            }
            want = feasible[totals.indexOf(Math.max(...totals))].name;
          }
          expect(res.node).toBe(want);
          if (res.node) cache.assumePod(pod, res.node);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("keeps every replica set within its topology spread (DoNotSchedule) and explains every pod left over", () => {
    const spreadArb = fc.record({
      zones: fc.array(fc.constantFrom("z1", "z2", "z3", "none"), { minLength: 1, maxLength: 8 }),
      replicas: fc.integer({ min: 1, max: 20 }),
      maxSkew: fc.integer({ min: 1, max: 3 }),
      key: fc.constantFrom("zone", "kubernetes.io/hostname"),
      minDomains: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      antiPerNode: fc.boolean(),
    });
    fc.assert(
      fc.property(spreadArb, (c) => {
        const nodes = c.zones.map((z, i) => makeNode(`node-${i}`, { pods: 6, labels: z === "none" ? {} : { zone: z } }));
        const pods = Array.from({ length: c.replicas }, (_, i) =>
          makePod(`web-${i}`, {
            labels: { app: "web" },
            topologySpreadConstraints: [
              { maxSkew: c.maxSkew, topologyKey: c.key, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } }, minDomains: c.minDomains },
            ],
            affinity: c.antiPerNode
              ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } }] } }
              : undefined,
          }),
        );
        const out = placeAll(nodes, pods);
        // Count per domain, by hand, over the nodes that have the key.
        const domainOf = new Map(nodes.map((n) => [String(n.metadata.name), n.metadata.labels?.[c.key]]));
        const counts = new Map<string, number>();
        for (const d of domainOf.values()) if (d !== undefined) counts.set(d, 0);
        const perNode = new Map<string, number>();
        for (const [, n] of out.placements) {
          const d = domainOf.get(n);
          expect(d).toBeDefined(); // never on a node without the topology key
          counts.set(d!, counts.get(d!)! + 1);
          perNode.set(n, (perNode.get(n) ?? 0) + 1);
        }
        if (counts.size > 0) {
          const values = [...counts.values()];
          const min = counts.size < (c.minDomains ?? 1) ? 0 : Math.min(...values);
          expect(Math.max(...values) - min).toBeLessThanOrEqual(c.maxSkew);
        }
        if (c.antiPerNode) for (const v of perNode.values()) expect(v).toBe(1);
        for (const [, f] of out.failures) expect(f.diagnosed).toBe(nodes.length);
      }),
      { numRuns: 200 },
    );
  });

  it("is deterministic: the same cluster and pods give the same placements and messages", () => {
    fc.assert(
      fc.property(fc.array(nodeArb, { maxLength: 10 }), fc.array(podArb, { maxLength: 40 }), (nodeIns, podIns) => {
        const a = placeAll(nodeIns.map(toNode), podIns.map(toPod));
        const b = placeAll(nodeIns.map(toNode), podIns.map(toPod));
        expect([...b.placements]).toEqual([...a.placements]);
        expect([...b.failures].map(([k, f]) => [k, f.message])).toEqual([...a.failures].map(([k, f]) => [k, f.message]));
      }),
      { numRuns: 100 },
    );
  });
});

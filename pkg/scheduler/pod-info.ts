// What the scheduler needs to know about a pod, computed once per pod object:
// its resource requests (as Kubernetes' resource.PodRequests adds them up), the
// "non-zero" requests used only for scoring, its host ports and its owner.
import type { V1Container } from "@kubernetes/client-node";
import { Quantity } from "../api/quantity.js";
import { keyOf } from "../client/lister.js";
import { affinityInfoOf, type PodAffinityInfo } from "./affinity-terms.js";
import type { Pod } from "./framework.js";

/** cpu in millicores, memory in bytes. */
export interface Resources {
  milliCpu: number;
  memory: number;
}

export interface HostPort {
  protocol: string;
  /** "0.0.0.0" when the port binds every address. */
  ip: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  /** "namespace/name". */
  key: string;
  uid: string;
  /** What the pod asks for; a resource nobody requests counts 0 (for fit). */
  requests: Resources;
  /**
   * The same with Kubernetes' defaults for containers that request nothing
   * (100m cpu, 200Mi memory), so scoring does not pile best-effort pods onto
   * one node. Never used for fit.
   */
  nonZero: Resources;
  hostPorts: HostPort[];
  /** uid of the controlling ownerReference (the ReplicaSet…), for spreading. */
  ownerUid?: string;
  /** spec.priority, 0 when unset. */
  priority: number;
  /**
   * Requests of every resource other than cpu and memory (extended resources
   * such as example.com/dongle, hugepages, ephemeral-storage), as counts.
   * Empty for most pods, so NodeResourcesFit's fast path stays a few compares.
   */
  scalar: ReadonlyArray<readonly [string, number]>;
  /** Parsed pod (anti-)affinity terms; undefined when the pod has none. */
  affinity: PodAffinityInfo | undefined;
}

export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

const memo = new WeakMap<Pod, PodInfo>();

/** The PodInfo of a pod object, memoised: informer objects are immutable, so computing once is enough. */
export function podInfoOf(pod: Pod): PodInfo {
  let info = memo.get(pod);
  if (!info) {
    info = computePodInfo(pod);
    memo.set(pod, info);
  }
  return info;
}

function computePodInfo(pod: Pod): PodInfo {
  const spec = pod.spec;
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller === true);
  return {
    pod,
    key: keyOf(pod),
    uid: pod.metadata.uid ?? "",
    requests: podRequests(pod, false),
    nonZero: podRequests(pod, true),
    hostPorts: hostPortsOf(pod),
    ownerUid: owner?.uid,
    priority: typeof spec?.priority === "number" ? spec.priority : 0,
    scalar: scalarRequests(pod),
    affinity: affinityInfoOf(pod),
  };
}

/**
 * The other resources, added up as podRequests adds cpu and memory: app
 * containers and sidecars together, an init container alone (with the
 * sidecars started before it), the larger of the two, then overhead.
 */
export function scalarRequests(pod: Pod): Array<[string, number]> {
  const spec = pod.spec;
  const total = new Map<string, number>();
  const addTo = (m: Map<string, number>, req: Record<string, string> | undefined) => {
    for (const [k, v] of Object.entries(req ?? {})) if (k !== "cpu" && k !== "memory") m.set(k, (m.get(k) ?? 0) + bytes(v));
  };
  for (const c of spec?.containers ?? []) addTo(total, c.resources?.requests);
  const sidecars = new Map<string, number>();
  const initMax = new Map<string, number>();
  for (const c of spec?.initContainers ?? []) {
    const own = new Map<string, number>();
    addTo(own, c.resources?.requests);
    if (c.restartPolicy === "Always") {
      addTo(total, c.resources?.requests);
      addTo(sidecars, c.resources?.requests);
    }
    for (const [k, v] of own) {
      const need = c.restartPolicy === "Always" ? (sidecars.get(k) ?? 0) : v + (sidecars.get(k) ?? 0);
      initMax.set(k, Math.max(initMax.get(k) ?? 0, need));
    }
  }
  for (const [k, v] of initMax) total.set(k, Math.max(total.get(k) ?? 0, v));
  addTo(total, spec?.overhead);
  return [...total].filter(([, v]) => v > 0);
}

/**
 * resource.PodRequests: the containers run together, so their requests add
 * up; init containers run one at a time before them, so the pod needs the
 * larger of the two. Restartable init containers ("sidecars") keep running,
 * so they add to both. spec.overhead comes on top.
 */
export function podRequests(pod: Pod, nonZero: boolean): Resources {
  const spec = pod.spec;
  const total: Resources = { milliCpu: 0, memory: 0 };
  for (const c of spec?.containers ?? []) add(total, containerRequests(c, nonZero));
  const sidecars: Resources = { milliCpu: 0, memory: 0 };
  const initMax: Resources = { milliCpu: 0, memory: 0 };
  for (const c of spec?.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    let need: Resources;
    if (c.restartPolicy === "Always") {
      add(total, r);
      add(sidecars, r);
      need = { ...sidecars };
    } else {
      need = { milliCpu: r.milliCpu + sidecars.milliCpu, memory: r.memory + sidecars.memory };
    }
    initMax.milliCpu = Math.max(initMax.milliCpu, need.milliCpu);
    initMax.memory = Math.max(initMax.memory, need.memory);
  }
  total.milliCpu = Math.max(total.milliCpu, initMax.milliCpu);
  total.memory = Math.max(total.memory, initMax.memory);
  const overhead = spec?.overhead;
  if (overhead) add(total, { milliCpu: milliCpu(overhead.cpu), memory: bytes(overhead.memory) });
  return total;
}

function containerRequests(c: V1Container, nonZero: boolean): Resources {
  const req = c.resources?.requests;
  // GetNonzeroRequests: only an absent request gets the default; an explicit 0 stays 0.
  const cpu = req?.cpu;
  const mem = req?.memory;
  return {
    milliCpu: cpu === undefined ? (nonZero ? DEFAULT_MILLI_CPU_REQUEST : 0) : milliCpu(cpu),
    memory: mem === undefined ? (nonZero ? DEFAULT_MEMORY_REQUEST : 0) : bytes(mem),
  };
}

function add(a: Resources, b: Resources): void {
  a.milliCpu += b.milliCpu;
  a.memory += b.memory;
}

/**
 * Validation rejects bad quantities before a pod or node is stored, so a
 * parse failure here means a value the API never accepted; it counts as 0
 * rather than stopping the scheduler.
 */
export function milliCpu(q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return Number(Quantity.parse(String(q)).milliValue());
  } catch {
    return 0;
  }
}

export function bytes(q: string | number | undefined): number {
  if (q === undefined) return 0;
  try {
    return Number(Quantity.parse(String(q)).value());
  } catch {
    return 0;
  }
}

function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ protocol: p.protocol || "TCP", ip: p.hostIP || "0.0.0.0", port: p.hostPort });
    }
  }
  return out;
}

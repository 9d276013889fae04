// The scheduler's view of the cluster: every node with the pods bound (or
// assumed) to it. Assume-then-bind: as soon as a pod is placed, the cache
// counts it on its node, before the binding is written, so the next cycle
// already sees the capacity as taken; a failed bind forgets it again.
//
// JavaScript runs one cycle at a time, so the cache itself serves as the
// Snapshot: nothing can change it while scheduleOne runs.
import type { KubeObject } from "../api/types.js";
import type { Node, Pod, Snapshot } from "./framework.js";
import { NodeInfo } from "./node-info.js";
import { podInfoOf, type PodInfo } from "./pod-info.js";

interface PodState {
  node: string;
  info: PodInfo;
  /** Placed by this scheduler, binding not yet seen through the informer. */
  assumed: boolean;
}

/** Finished pods hold no resources. */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export class SchedulerCache implements Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  /** Nodes with a Node object, sorted by name; rebuilt lazily after nodes come or go. */
  private list: NodeInfo[] | undefined;
  private readonly nsLabels = new Map<string, Readonly<Record<string, string>>>();
  /** See Snapshot.namespaceGeneration. */
  namespaceGeneration = 0;
  /** See Snapshot.podsWithAffinityCount: over every NodeInfo, listed or not. */
  podsWithAffinityCount = 0;
  podsWithRequiredAntiAffinityCount = 0;
  /**
   * Per topology key asked for: controller uid → label value → its pods on the
   * listed nodes with that value, and the number of distinct values. Built on
   * first use, kept up to date as pods come and go, dropped when the node list
   * or a listed node's value for the key changes.
   */
  private readonly topo = new Map<string, { domains: number; byOwner: Map<string, Map<string, number>> }>();
  private readonly onPod = (ni: NodeInfo, p: PodInfo, sign: 1 | -1): void => {
    const a = p.affinity;
    if (a) {
      if (a.requiredAffinity.length + a.preferredAffinity.length + a.preferredAntiAffinity.length > 0) this.podsWithAffinityCount += sign;
      if (a.requiredAntiAffinity.length > 0) this.podsWithRequiredAntiAffinityCount += sign;
    }
    if (p.ownerUid === undefined || this.topo.size === 0 || !ni.node) return;
    for (const [key, idx] of this.topo) {
      const v = ni.labels[key];
      if (v === undefined) continue;
      let byValue = idx.byOwner.get(p.ownerUid);
      if (!byValue) idx.byOwner.set(p.ownerUid, (byValue = new Map()));
      const n = (byValue.get(v) ?? 0) + sign;
      if (n > 0) byValue.set(v, n);
      else byValue.delete(v);
      if (byValue.size === 0) idx.byOwner.delete(p.ownerUid);
    }
  };

  // --- Snapshot ---------------------------------------------------------------

  nodes(): readonly NodeInfo[] {
    if (!this.list) {
      this.list = [...this.infos.values()].filter((ni) => ni.node !== undefined);
      this.list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return this.list;
  }

  ownerDomainCounts(topologyKey: string, owner: string): { counts: ReadonlyMap<string, number>; domains: number } {
    let idx = this.topo.get(topologyKey);
    if (!idx) {
      idx = { domains: 0, byOwner: new Map() };
      const values = new Set<string>();
      for (const ni of this.nodes()) {
        const v = ni.labels[topologyKey];
        if (v === undefined) continue;
        values.add(v);
        for (const [o, n] of ni.ownerCounts) {
          let byValue = idx.byOwner.get(o);
          if (!byValue) idx.byOwner.set(o, (byValue = new Map()));
          byValue.set(v, (byValue.get(v) ?? 0) + n);
        }
      }
      idx.domains = values.size;
      this.topo.set(topologyKey, idx);
    }
    return { counts: idx.byOwner.get(owner) ?? EMPTY_COUNTS, domains: idx.domains };
  }

  get(name: string): NodeInfo | undefined {
    const ni = this.infos.get(name);
    return ni?.node ? ni : undefined;
  }

  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined {
    return this.nsLabels.get(namespace);
  }

  // --- namespaces (for InterPodAffinity's namespaceSelector) -----------------

  /** Returns whether the labels changed. Idempotent. */
  setNamespace(name: string, labels: Readonly<Record<string, string>> | undefined): boolean {
    const prev = this.nsLabels.get(name);
    const next = labels ?? {};
    if (prev && JSON.stringify(prev) === JSON.stringify(next)) return false;
    this.nsLabels.set(name, next);
    this.namespaceGeneration++;
    return true;
  }

  removeNamespace(name: string): void {
    if (this.nsLabels.delete(name)) this.namespaceGeneration++;
  }

  // --- nodes ------------------------------------------------------------------

  /** Add or replace a node; the pods already counted on it stay. Idempotent. */
  setNode(node: Node): void {
    const name = String(node.metadata.name);
    const ni = this.infos.get(name);
    if (ni) {
      if (!ni.node) this.nodesChanged();
      else {
        const labels = node.metadata.labels ?? {};
        for (const key of this.topo.keys()) {
          if (ni.labels[key] !== labels[key]) {
            this.topo.clear();
            break;
          }
        }
      }
      ni.setNode(node);
    } else {
      this.infos.set(name, this.newNodeInfo(name, node));
      this.nodesChanged();
    }
  }

  /**
   * The node leaves the snapshot; its pods stay counted under its name (they
   * are still bound there) until they are deleted, so a node that comes back
   * is not seen as empty.
   */
  removeNode(name: string): void {
    const ni = this.infos.get(name);
    if (!ni) return;
    this.nodesChanged();
    if (ni.pods.size === 0) this.infos.delete(name);
    else ni.node = undefined;
  }

  // --- pods -------------------------------------------------------------------

  /**
   * A bound pod seen through the informer (add or update). Confirms an
   * assumption, moves the pod if it was bound elsewhere than assumed, and
   * drops it when it has finished. Idempotent.
   */
  setPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    const info = podInfoOf(pod);
    if (!nodeName || isTerminal(pod)) {
      this.removePod(info.key);
      return;
    }
    const prev = this.podStates.get(info.key);
    if (prev && prev.node !== nodeName) this.detach(prev);
    this.nodeInfo(nodeName).addPod(info);
    this.podStates.set(info.key, { node: nodeName, info, assumed: false });
  }

  /** The pod is gone (deleted, or its binding is no longer wanted). Idempotent. */
  removePod(key: string): void {
    const prev = this.podStates.get(key);
    if (!prev) return;
    this.detach(prev);
    this.podStates.delete(key);
  }

  /** Count a pod on a node before its binding is written. */
  assumePod(pod: Pod, nodeName: string): void {
    const info = podInfoOf(pod);
    const prev = this.podStates.get(info.key);
    if (prev) this.detach(prev);
    this.nodeInfo(nodeName).addPod(info);
    this.podStates.set(info.key, { node: nodeName, info, assumed: true });
  }

  /**
   * The bind failed: undo the assumption. A no-op when the informer has
   * meanwhile reported the pod bound (by us or by someone else), because then
   * the cache already holds the truth.
   */
  forgetPod(key: string): void {
    const prev = this.podStates.get(key);
    if (prev?.assumed) this.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.podStates.get(key)?.assumed === true;
  }

  /** The node a pod is counted on, if any. */
  nodeOf(key: string): string | undefined {
    return this.podStates.get(key)?.node;
  }

  get podCount(): number {
    return this.podStates.size;
  }

  private nodeInfo(name: string): NodeInfo {
    let ni = this.infos.get(name);
    if (!ni) this.infos.set(name, (ni = this.newNodeInfo(name)));
    return ni;
  }

  private newNodeInfo(name: string, node?: Node): NodeInfo {
    const ni = new NodeInfo(name, node);
    ni.listener = this.onPod;
    return ni;
  }

  private nodesChanged(): void {
    this.list = undefined;
    this.topo.clear();
  }

  private detach(st: PodState): void {
    const ni = this.infos.get(st.node);
    if (!ni) return;
    ni.removePod(st.info.key);
    if (!ni.node && ni.pods.size === 0) this.infos.delete(st.node);
  }
}

const EMPTY_COUNTS: ReadonlyMap<string, number> = new Map();

/** A cache filled from plain lists: for tests, benchmarks and one-off scheduleOne calls. */
export function buildSnapshot(nodes: readonly Node[], pods: readonly Pod[] = [], namespaces: readonly KubeObject[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const ns of namespaces) cache.setNamespace(String(ns.metadata.name), ns.metadata.labels);
  for (const n of nodes) cache.setNode(n);
  for (const p of pods) if (p.spec?.nodeName) cache.setPod(p);
  return cache;
}

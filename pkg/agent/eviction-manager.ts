// The kubelet's eviction manager loop: every monitoring interval, sample the
// node's usage; reclaim node-level resources first (unused images when the
// filesystem is past the image GC threshold); then, while a hard threshold is
// crossed, report the pressure condition and evict one pod per interval, by
// Kubernetes' ranking. An evicted pod ends Failed / Evicted with the kubelet's
// message and its containers killed at once (hard thresholds have no grace).
import { R } from "../api/kinds.js";
import { isApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { LABELS, SANDBOX_CONTAINER, type ContainerRuntime } from "../runtime/runtime.js";
import type { Clock } from "../util/clock.js";
import { evictionMessage, pressureConditions, pressureOf, rankByPriority, rankForMemory, thresholdsMet, type Pressure, type Threshold } from "./eviction.js";
import type { ImageGc } from "./image-gc.js";
import type { ConditionOverrides } from "./node-status.js";
import { podMemory, type NodeUsage, type UsageSource } from "./node-usage.js";
import { terminatedState } from "./status.js";
import { rfc3339, type AgentPod, type PodStatusWire } from "./types.js";

export interface EvictionDeps {
  client: Client;
  runtime: ContainerRuntime;
  clock: Clock;
  nodeName: string;
  usage: UsageSource;
  thresholds: Threshold[];
  imageGc: ImageGc;
  podsOnNode(): AgentPod[];
  node(): KubeObject | undefined;
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  /** The pressure conditions changed: post node status now. */
  conditionsChanged(): Promise<void>;
}

/** Node events on entering and leaving each pressure, as the kubelet records them. */
const PRESSURE_EVENTS: Record<Pressure, { on: string; off: string; reclaim: string }> = {
  memory: { on: "NodeHasInsufficientMemory", off: "NodeHasSufficientMemory", reclaim: "memory" },
  disk: { on: "NodeHasDiskPressure", off: "NodeHasNoDiskPressure", reclaim: "ephemeral-storage" },
  pid: { on: "NodeHasInsufficientPID", off: "NodeHasSufficientPID", reclaim: "pids" },
};

export class EvictionManager {
  private pressures = new Set<Pressure>();
  private overrides: ConditionOverrides = {};
  private lastUsage: NodeUsage | undefined;

  constructor(private readonly d: EvictionDeps) {}

  /** Pressure conditions for the node status (empty: no pressure). */
  conditions(): ConditionOverrides {
    return this.overrides;
  }

  /** The last sample (for `skiff images` and tests). */
  get usage(): NodeUsage | undefined {
    return this.lastUsage;
  }

  /** One monitoring pass. Returns the pod evicted, if any. Safe to call again at once (level-triggered). */
  async synchronize(): Promise<AgentPod | undefined> {
    let usage = await this.d.usage.sample();
    if (this.d.imageGc.wanted(usage.nodefs) > 0) {
      const gc = await this.d.imageGc.collect(usage.nodefs);
      if (gc.removed.length > 0) usage = await this.d.usage.sample();
      else if (gc.freedBytes < gc.wantedBytes) this.nodeEvent("Warning", "FreeDiskSpaceFailed", `Failed to garbage collect required amount of images. Attempted to free ${gc.wantedBytes} bytes, but only found ${gc.freedBytes} bytes eligible to free.`);
    }
    this.lastUsage = usage;
    const met = thresholdsMet(this.d.thresholds, usage);
    await this.updateConditions(met);
    if (met.length === 0) return undefined;
    // Memory first: it is what takes the machine down fastest.
    const t = met.find((x) => x.signal === "memory.available") ?? met[0];
    const resource = PRESSURE_EVENTS[pressureOf(t.signal)].reclaim;
    this.nodeEvent("Warning", "EvictionThresholdMet", `Attempting to reclaim ${resource}`);
    const active = this.d.podsOnNode().filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
    let ranked: AgentPod[];
    if (t.signal === "memory.available") {
      usage.podMemory ??= await podMemory(this.d.runtime, this.d.nodeName);
      ranked = rankForMemory(active, usage.podMemory);
    } else ranked = rankByPriority(active);
    const victim = ranked[0];
    if (!victim) return undefined;
    await this.evict(victim, t, usage);
    return victim;
  }

  private nodeEvent(type: "Normal" | "Warning", reason: string, message: string): void {
    const node = this.d.node();
    if (node) this.d.event(node, type, reason, message);
  }

  private async updateConditions(met: Threshold[]): Promise<void> {
    const now = new Set(met.map((t) => pressureOf(t.signal)));
    const changed = now.size !== this.pressures.size || [...now].some((p) => !this.pressures.has(p));
    if (!changed) return;
    for (const p of now) if (!this.pressures.has(p)) this.nodeEvent("Normal", PRESSURE_EVENTS[p].on, `Node ${this.d.nodeName} status is now: ${PRESSURE_EVENTS[p].on}`);
    for (const p of this.pressures) if (!now.has(p)) this.nodeEvent("Normal", PRESSURE_EVENTS[p].off, `Node ${this.d.nodeName} status is now: ${PRESSURE_EVENTS[p].off}`);
    this.pressures = now;
    this.overrides = pressureConditions(met);
    await this.d.conditionsChanged();
  }

  private async evict(pod: AgentPod, t: Threshold, usage: NodeUsage): Promise<void> {
    const uid = String(pod.metadata.uid);
    const instances = (await this.d.runtime.list({ [LABELS.podUid]: uid, [LABELS.node]: this.d.nodeName })).filter((c) => c.state === "running");
    const perContainer = new Map<string, number>();
    for (const c of instances) {
      if (c.labels[LABELS.container] === SANDBOX_CONTAINER) continue;
      const s = await this.d.runtime.stats(c.id).catch(() => undefined);
      if (s) perContainer.set(c.labels[LABELS.container], s.memoryBytes);
    }
    const message = evictionMessage(t, usage, pod, perContainer);
    const now = rfc3339(this.d.clock.now());
    const status = structuredClone(pod.status ?? {}) as Partial<PodStatusWire>;
    status.phase = "Failed";
    status.reason = "Evicted";
    status.message = message;
    const conditions = (status.conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
    for (const c of conditions) {
      if (c.type !== "Ready" && c.type !== "ContainersReady") continue;
      if (c.status !== "False") c.lastTransitionTime = now;
      c.status = "False";
      c.reason = "PodFailed";
      delete c.message;
    }
    conditions.push({ type: "DisruptionTarget", status: "True", lastProbeTime: null, lastTransitionTime: now, reason: "TerminationByKubelet", message });
    status.conditions = conditions;
    if (!(await this.writeStatus(pod, status))) return;
    this.d.event(pod, "Warning", "Evicted", message);
    // The pod worker must see the final phase before its containers die, or it would restart them.
    await this.untilCached(uid);
    await Promise.all(instances.map((c) => this.d.runtime.stop(c.id, { timeoutMs: 0 }).catch(() => undefined)));
    // Show the containers as they ended (the worker writes nothing for a finished pod).
    const ended = new Map<string, Awaited<ReturnType<ContainerRuntime["inspect"]>>>();
    for (const c of instances) {
      const st = await this.d.runtime.inspect(c.id).catch(() => undefined);
      if (st && c.labels[LABELS.container] !== SANDBOX_CONTAINER) ended.set(c.labels[LABELS.container], st);
    }
    for (const cs of status.containerStatuses ?? []) {
      const st = ended.get(cs.name);
      if (!st || st.state !== "exited") continue;
      cs.state = { terminated: terminatedState(st, this.d.runtime.name) };
      cs.ready = false;
      cs.started = false;
    }
    await this.writeStatus(pod, status);
  }

  private async writeStatus(pod: AgentPod, status: Partial<PodStatusWire>): Promise<boolean> {
    try {
      await this.d.client.updateStatus(R.pods, { apiVersion: "v1", kind: "Pod", metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace }, status });
      return true;
    } catch (e) {
      if (isApiError(e, "NotFound")) return false;
      throw e;
    }
  }

  /** Waits (real time, at most ~2 s) until the informer cache shows the pod Failed. */
  private async untilCached(uid: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const p = this.d.podsOnNode().find((x) => String(x.metadata.uid) === uid);
      if (!p || p.status?.phase === "Failed") return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

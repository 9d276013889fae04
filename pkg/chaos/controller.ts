// Fault injection for labs and tests (`skiff chaos`). The controller runs next
// to the in-process node agents of `skiff up` and reaches them directly:
//
//   kill-node NODE          the agent stops heartbeating (Agent.pause) → NotReady, pods evicted
//   partition NODE          the agent's API calls fail with ConnectionError → NotReady
//   slow-node NODE LATENCY  the agent's API calls are delayed
//   kill-pod -l SEL         delete one matching pod now, and every period until stopped
//   oom POD                 the runtime OOM-kills the pod's container (one shot)
//
// Each action gets an id (chaos-1, chaos-2…) and is undone by stop(id). Both
// the injection and the undo are recorded as Events (ChaosInjected /
// ChaosStopped) on the node or pod they hit, so `skiff events` shows cause
// next to effect (NodeNotReady, TaintManagerEviction, OOMKilled…).
import { ApiError, errors } from "../api/errors.js";
import { R } from "../api/kinds.js";
import { LabelSelector } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { EventRecorder } from "../client/events.js";
import { LABELS, SANDBOX_CONTAINER, type ContainerRuntime } from "../runtime/runtime.js";
import type { FaultState } from "./faulty-client.js";

export const CHAOS_ACTIONS = ["kill-node", "partition", "slow-node", "kill-pod", "oom", "stop-runtime", "fill-disk", "memory-pressure"] as const;
/** Actions on one node, undone by stop. */
const NODE_ACTIONS: readonly ChaosActionName[] = ["kill-node", "partition", "slow-node", "stop-runtime", "fill-disk", "memory-pressure"];
/** What memory-pressure leaves free and fill-disk leaves of the filesystem: under the kubelet's default thresholds (100Mi, 10%). */
const PRESSURE_LEFT_BYTES = 50 * 1024 * 1024;
const DISK_LEFT_FRACTION = 0.05;
export type ChaosActionName = (typeof CHAOS_ACTIONS)[number];

export interface ChaosRequest {
  action: ChaosActionName;
  /** kill-node, partition, slow-node. */
  node?: string;
  /** oom: the pod. */
  pod?: string;
  /** oom: the container (default: the first running one). */
  container?: string;
  /** kill-pod, oom. Default "default". */
  namespace?: string;
  /** kill-pod: label selector. */
  selector?: string;
  /** kill-pod: repeat period; absent = once. */
  everyMs?: number;
  /** slow-node. */
  latencyMs?: number;
  /** memory-pressure, fill-disk: bytes of simulated usage; default: enough to cross the eviction threshold. */
  bytes?: number;
}

export interface ChaosAction extends ChaosRequest {
  id: string;
  /** "Node/node-2", "Pod/default/web-1", "pods app=web in default". */
  target: string;
  startedAt: string;
  /** active: in force until stopped; done: a one-shot that has happened; stopped: undone. */
  state: "active" | "done" | "stopped";
  stoppedAt?: string;
  /** What it did, newest last (the last 20). */
  effects: string[];
}

/** What chaos may touch: the in-process agents and their clients. */
export interface ChaosTargets {
  /** The agent of a node run by this process (kill-node; memory-pressure and fill-disk add simulated usage). */
  agent(node: string): ChaosAgent | undefined;
  /** The switch between a node agent and its container runtime (stop-runtime). */
  runtimeSwitch?(node: string): { setCut(cut: boolean): void } | undefined;
  /** The fault switches of a node agent's client (for partition and slow-node). */
  faults(node: string): FaultState | undefined;
  /** The runtime a node's containers run on (for oom). */
  runtime(node: string): ContainerRuntime | undefined;
}

/** What chaos may do to an in-process node agent. */
export interface ChaosAgent {
  pause(): void;
  resume(): Promise<void>;
  simulateLoad?(load: { memoryBytes?: number; diskBytes?: number }): void;
  measureUsage?(): Promise<{ memory: { available: number }; nodefs: { available: number; capacity: number } }>;
  /** One eviction-manager pass now, so pressure shows at once instead of within 10 s. */
  evictionPass?(): Promise<unknown>;
}

export interface ChaosControllerOptions {
  client: Client;
  targets: ChaosTargets;
  /** Events ChaosInjected/ChaosStopped; default: none. */
  recorder?: EventRecorder;
  onError?: (e: Error) => void;
}

const MAX_EFFECTS = 20;
/** Stopped and one-shot actions listed before they are forgotten. */
const MAX_FINISHED = 50;
const MIN_EVERY_MS = 100;

/** A runtime that can OOM-kill a container on demand (docker.ts, fake.ts). */
interface OomInjector {
  injectOom(id: string): Promise<string>;
}

export class ChaosController {
  private readonly actions = new Map<string, ChaosAction>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: ChaosControllerOptions) {}

  list(): ChaosAction[] {
    return [...this.actions.values()].map((a) => structuredClone(a));
  }

  get(id: string): ChaosAction {
    const a = this.actions.get(id);
    if (!a) throw errors.notFound("skiff.dev", "chaos", id);
    return structuredClone(a);
  }

  /** Validate and inject; the returned action says what was hit. Throws ApiError on bad requests. */
  async start(req: ChaosRequest): Promise<ChaosAction> {
    if (this.closed) throw new ApiError("ServiceUnavailable", "the cluster is shutting down");
    if (!CHAOS_ACTIONS.includes(req.action)) throw errors.badRequest(`unknown chaos action "${String(req.action)}": one of ${CHAOS_ACTIONS.join(", ")}`);
    switch (req.action) {
      case "kill-node":
      case "partition":
      case "slow-node":
      case "stop-runtime":
      case "fill-disk":
      case "memory-pressure":
        return this.startNodeFault(req);
      case "kill-pod":
        return this.startKillPod(req);
      case "oom":
        return this.oom(req);
    }
  }

  /** Undo one action (idempotent: stopping a stopped or one-shot action changes nothing). */
  async stop(id: string): Promise<ChaosAction> {
    const a = this.actions.get(id);
    if (!a) throw errors.notFound("skiff.dev", "chaos", id);
    if (a.state !== "active") return structuredClone(a);
    const timer = this.timers.get(id);
    if (timer) clearInterval(timer);
    this.timers.delete(id);
    let undo = "";
    if (a.node && NODE_ACTIONS.includes(a.action)) {
      undo = await this.undoNodeFault(a);
    } else if (a.action === "kill-pod") {
      undo = `stopped deleting pods matching ${a.selector} in ${a.namespace} (${a.effects.length} deleted)`;
    }
    a.state = "stopped";
    a.stoppedAt = now();
    this.effect(a, undo);
    await this.event(a, "ChaosStopped", `chaos ${a.id} (${a.action}) stopped: ${undo}`);
    this.forgetFinished();
    return structuredClone(a);
  }

  async stopAll(): Promise<ChaosAction[]> {
    const out: ChaosAction[] = [];
    for (const a of [...this.actions.values()]) if (a.state === "active") out.push(await this.stop(a.id));
    return out;
  }

  /** Undo everything and refuse new actions (cluster shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.stopAll().catch(() => undefined);
  }

  // --- node faults ----------------------------------------------------------------

  private async startNodeFault(req: ChaosRequest): Promise<ChaosAction> {
    const node = req.node;
    if (!node) throw errors.badRequest(`${req.action} needs a node`);
    await this.mustGet(R.nodes, undefined, node, "nodes");
    for (const a of this.actions.values()) {
      if (a.state === "active" && a.node === node && a.action === req.action) {
        throw new ApiError("AlreadyExists", `${a.action} ${node} is already active as ${a.id}: stop it first (skiff chaos stop ${a.id})`);
      }
    }
    let what: string;
    if (req.action === "stop-runtime" || req.action === "fill-disk" || req.action === "memory-pressure") {
      what = await this.startNodeResourceFault(req, node);
    } else if (req.action === "kill-node") {
      const agent = this.opts.targets.agent(node);
      if (!agent) throw this.notOurs(node);
      agent.pause();
      what = `${node}: heartbeats (Lease and node status) stopped; the node goes NotReady after the grace period and its pods are evicted`;
    } else {
      const faults = this.opts.targets.faults(node);
      if (!faults) throw this.notOurs(node);
      if (req.action === "partition") {
        faults.partitioned = true;
        what = `${node}: every API call of its agent now fails (connection refused)`;
      } else {
        const ms = req.latencyMs ?? 0;
        if (!Number.isFinite(ms) || ms <= 0 || ms > 60_000) throw errors.badRequest("slow-node needs a latency from 1ms to 60s (--latency 500ms)");
        faults.latencyMs = ms;
        what = `${node}: every API call of its agent is delayed by ${ms}ms`;
      }
    }
    const a = this.newAction(req, `Node/${node}`, "active");
    this.effect(a, what);
    await this.event(a, "ChaosInjected", `chaos ${a.id} (${a.action}): ${what}`);
    return structuredClone(a);
  }

  /** stop-runtime, fill-disk, memory-pressure: what the kubelet's health checks and eviction manager react to. */
  private async startNodeResourceFault(req: ChaosRequest, node: string): Promise<string> {
    if (req.action === "stop-runtime") {
      const sw = this.opts.targets.runtimeSwitch?.(node);
      if (!sw) throw this.notOurs(node);
      sw.setCut(true);
      return `${node}: its container runtime stops answering the agent (containers keep running); the node goes NotReady (container runtime is down) within 10 s and its pods not ready`;
    }
    const agent = this.opts.targets.agent(node);
    if (!agent?.simulateLoad || !agent.measureUsage) throw this.notOurs(node);
    if (req.bytes !== undefined && (!Number.isFinite(req.bytes) || req.bytes <= 0)) throw errors.badRequest(`${req.action}: the size must be a positive quantity (--size 2Gi)`);
    const usage = await agent.measureUsage();
    let what: string;
    if (req.action === "memory-pressure") {
      const bytes = req.bytes ?? Math.max(0, usage.memory.available - PRESSURE_LEFT_BYTES);
      agent.simulateLoad({ memoryBytes: bytes });
      what = `${node}: ${mib(bytes)} of simulated memory use (${mib(Math.max(0, usage.memory.available - bytes))} left); MemoryPressure, then pods evicted`;
    } else {
      const bytes = req.bytes ?? Math.max(0, usage.nodefs.available - Math.floor(DISK_LEFT_FRACTION * usage.nodefs.capacity));
      agent.simulateLoad({ diskBytes: bytes });
      what = `${node}: ${mib(bytes)} of simulated disk use (${mib(Math.max(0, usage.nodefs.available - bytes))} left); image GC, DiskPressure, then pods evicted`;
    }
    await agent.evictionPass?.();
    return what;
  }

  private async undoNodeFault(a: ChaosAction): Promise<string> {
    const node = a.node!;
    if (a.action === "stop-runtime") {
      this.opts.targets.runtimeSwitch?.(node)?.setCut(false);
      return `${node}: container runtime answering again`;
    }
    if (a.action === "memory-pressure" || a.action === "fill-disk") {
      const agent = this.opts.targets.agent(node);
      agent?.simulateLoad?.(a.action === "memory-pressure" ? { memoryBytes: 0 } : { diskBytes: 0 });
      await agent?.evictionPass?.();
      return `${node}: simulated ${a.action === "memory-pressure" ? "memory" : "disk"} use removed`;
    }
    if (a.action === "kill-node") {
      await this.opts.targets.agent(node)?.resume();
      return `${node}: heartbeats resumed`;
    }
    const faults = this.opts.targets.faults(node);
    if (a.action === "partition") {
      if (faults) faults.partitioned = false;
      return `${node}: API reachable again`;
    }
    if (faults) faults.latencyMs = 0;
    return `${node}: API calls no longer delayed`;
  }

  private notOurs(node: string): ApiError {
    return errors.badRequest(`node "${node}" is not run by this skiff process: chaos reaches only the agents of \`skiff up\``);
  }

  // --- pods -----------------------------------------------------------------------

  private async startKillPod(req: ChaosRequest): Promise<ChaosAction> {
    const ns = req.namespace || "default";
    if (!req.selector) throw errors.badRequest("kill-pod needs a label selector (-l app=web)");
    let selector: LabelSelector;
    try {
      selector = LabelSelector.parse(req.selector);
    } catch (e) {
      throw errors.badRequest(`invalid selector "${req.selector}": ${(e as Error).message}`);
    }
    if (selector.isEmpty()) throw errors.badRequest("kill-pod needs a non-empty selector: it would pick from every pod");
    if (req.everyMs !== undefined && (!Number.isFinite(req.everyMs) || req.everyMs < MIN_EVERY_MS)) {
      throw errors.badRequest(`--every must be at least ${MIN_EVERY_MS}ms`);
    }
    const repeating = req.everyMs !== undefined;
    const a = this.newAction({ ...req, namespace: ns, selector: selector.toString() }, `pods ${selector.toString()} in ${ns}`, repeating ? "active" : "done");
    await this.event(a, "ChaosInjected", `chaos ${a.id} (kill-pod): deleting one pod matching ${a.selector}${repeating ? ` every ${req.everyMs}ms until stopped` : ""}`, { kind: "Namespace", name: ns });
    await this.killOnePod(a);
    if (repeating) {
      const t = setInterval(() => {
        this.killOnePod(a).catch((e: unknown) => this.opts.onError?.(e instanceof Error ? e : new Error(String(e))));
      }, req.everyMs);
      t.unref();
      this.timers.set(a.id, t);
    } else this.forgetFinished();
    return structuredClone(a);
  }

  /** Deletes the oldest live matching pod, so repeated kills go round the replicas. */
  private async killOnePod(a: ChaosAction): Promise<void> {
    if (a.state !== "active" && a.state !== "done") return;
    const list = await this.opts.client.list(R.pods, a.namespace, { labelSelector: a.selector });
    const live = list.items.filter((p) => !p.metadata.deletionTimestamp && !["Succeeded", "Failed"].includes(String((p.status as { phase?: string } | undefined)?.phase)));
    if (live.length === 0) {
      this.effect(a, `no live pod matches ${a.selector}`);
      return;
    }
    live.sort((x, y) => String(x.metadata.creationTimestamp).localeCompare(String(y.metadata.creationTimestamp)) || String(x.metadata.name).localeCompare(String(y.metadata.name)));
    const victim = live[0];
    await this.event(a, "ChaosInjected", `chaos ${a.id} (kill-pod): deleting pod ${victim.metadata.name}`, podRef(victim));
    try {
      await this.opts.client.delete(R.pods, a.namespace, String(victim.metadata.name), { preconditions: { uid: victim.metadata.uid } });
      this.effect(a, `deleted ${a.namespace}/${victim.metadata.name}`);
    } catch (e) {
      if (e instanceof ApiError && (e.reason === "NotFound" || e.reason === "Conflict")) return;
      throw e;
    }
  }

  private async oom(req: ChaosRequest): Promise<ChaosAction> {
    const ns = req.namespace || "default";
    if (!req.pod) throw errors.badRequest("oom needs a pod");
    const pod = await this.mustGet(R.pods, ns, req.pod, "pods");
    const node = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
    if (!node) throw errors.badRequest(`pod ${req.pod} is not on a node yet`);
    const runtime = this.opts.targets.runtime(node);
    if (!runtime) throw this.notOurs(node);
    // Only app containers: the pod's sandbox (pause) container carries the same
    // pod-uid label, and OOM-killing it would take the pod's network down
    // instead of producing an app container's OOMKilled + restart.
    const running = (await runtime.list({ [LABELS.podUid]: String(pod.metadata.uid) })).filter(
      (c) =>
        c.state === "running" &&
        c.labels[LABELS.container] !== SANDBOX_CONTAINER &&
        (!req.container || c.labels[LABELS.container] === req.container),
    );
    if (running.length === 0) throw errors.badRequest(`pod ${req.pod} has no running container${req.container ? ` named ${req.container}` : ""} on ${node}`);
    const target = running[0];
    const injector = unwrap(runtime) as Partial<OomInjector>;
    if (typeof injector.injectOom !== "function") throw errors.badRequest(`the ${runtime.name} runtime cannot OOM-kill a container on demand`);
    const container = target.labels[LABELS.container];
    const a = this.newAction({ ...req, namespace: ns, container }, `Pod/${ns}/${req.pod}`, "done");
    const how = await injector.injectOom.call(injector, target.id);
    const what =
      how === "kernel"
        ? `container ${container}: memory limit squeezed until the kernel OOM killer fired (Docker reports OOMKilled)`
        : how === "simulated"
          ? `container ${container}: OOM-killed (fake runtime)`
          : `container ${container}: killed with SIGKILL (a real OOM could not be provoked in this image)`;
    this.effect(a, what);
    await this.event(a, "ChaosInjected", `chaos ${a.id} (oom): ${what}`, podRef(pod));
    this.forgetFinished();
    return structuredClone(a);
  }

  // --- bookkeeping ----------------------------------------------------------------

  private newAction(req: ChaosRequest, target: string, state: ChaosAction["state"]): ChaosAction {
    const a: ChaosAction = { ...req, id: `chaos-${this.nextId++}`, target, startedAt: now(), state, effects: [] };
    this.actions.set(a.id, a);
    return a;
  }

  private effect(a: ChaosAction, text: string): void {
    if (!text) return;
    a.effects.push(text);
    if (a.effects.length > MAX_EFFECTS) a.effects.splice(0, a.effects.length - MAX_EFFECTS);
  }

  private forgetFinished(): void {
    const finished = [...this.actions.values()].filter((a) => a.state !== "active");
    for (const a of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED))) this.actions.delete(a.id);
  }

  private async mustGet(info: typeof R.pods, ns: string | undefined, name: string, what: string): Promise<KubeObject> {
    try {
      return await this.opts.client.get(info, ns, name);
    } catch (e) {
      if (e instanceof ApiError && e.reason === "NotFound") throw errors.notFound("", what, name);
      throw e;
    }
  }

  /** An Event on the node or pod hit (default: the action's node). */
  private async event(a: ChaosAction, reason: "ChaosInjected" | "ChaosStopped", message: string, on?: InvolvedRef): Promise<void> {
    const rec = this.opts.recorder;
    if (!rec) return;
    let obj: KubeObject | undefined;
    if (on) obj = { apiVersion: on.apiVersion ?? "v1", kind: on.kind, metadata: { name: on.name, namespace: on.namespace, uid: on.uid } };
    else if (a.node) obj = { apiVersion: "v1", kind: "Node", metadata: { name: a.node, uid: a.node } };
    else if (a.action === "kill-pod") obj = { apiVersion: "v1", kind: "Namespace", metadata: { name: a.namespace } };
    else if (a.pod) obj = { apiVersion: "v1", kind: "Pod", metadata: { name: a.pod, namespace: a.namespace } };
    if (obj) rec.event(obj, reason === "ChaosInjected" ? "Warning" : "Normal", reason, message);
  }
}

interface InvolvedRef {
  apiVersion?: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

function podRef(p: KubeObject): InvolvedRef {
  return { kind: "Pod", name: String(p.metadata.name), namespace: p.metadata.namespace, uid: p.metadata.uid };
}

function unwrap(rt: ContainerRuntime): ContainerRuntime {
  let r = rt as ContainerRuntime & { unwrapped?: ContainerRuntime };
  while (r.unwrapped && r.unwrapped !== r) r = r.unwrapped as typeof r;
  return r;
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function mib(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))}Mi`;
}

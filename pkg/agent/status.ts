// Pod status from what the runtime shows: container states, phase (Kubernetes'
// getPhase rules with restartPolicy), conditions whose lastTransitionTime moves
// only when their status does, IPs, start time and QoS class. Pure functions,
// so the rules can be tested without a runtime.
import type { V1PodSpec } from "@kubernetes/client-node";
import { qosClass } from "../api/qos.js";
import type { ContainerStatus } from "../runtime/runtime.js";
import {
  rfc3339,
  type AgentPod,
  type ContainerStateTerminated,
  type ContainerStateWaiting,
  type ContainerStateWire,
  type ContainerStatusWire,
  type PodConditionWire,
  type PodPhase,
  type PodStatusWire,
} from "./types.js";

/** What the pod worker knows about one container of the spec. */
export interface ContainerView {
  name: string;
  /** The image the spec names. */
  image: string;
  imageID: string;
  /** "docker" or "fake": the containerID scheme. */
  runtimeName: string;
  /** The newest runtime instance (restart count `restartCount`). */
  current?: ContainerStatus;
  /** The instance before it, kept for lastState and `logs --previous`. */
  previous?: ContainerStatus;
  restartCount: number;
  /** Why it is not running right now (ErrImagePull, CrashLoopBackOff, PodInitializing…); wins over an exited instance. */
  waiting?: ContainerStateWaiting;
  /** Readiness probe passed (or none) — only counts while running. */
  ready: boolean;
  /** Startup probe passed (or none) — only counts while running. */
  started: boolean;
  /** Init containers are ready once they completed, like the kubelet reports them. */
  isInit?: boolean;
  /** A native sidecar (init container with restartPolicy Always): ready and started like an app container. */
  isSidecar?: boolean;
}

export function terminatedState(c: ContainerStatus, runtimeName: string): ContainerStateTerminated {
  const exitCode = c.exitCode ?? 0;
  let reason: string = c.reason ?? (c.oomKilled ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error");
  // The process never ran: the engine could not start it (bad command…).
  if (c.message && c.startedAt === undefined && !c.oomKilled) reason = "StartError";
  const t: ContainerStateTerminated = { exitCode, reason, containerID: `${runtimeName}://${c.id}` };
  if (c.message) t.message = c.message;
  t.startedAt = rfc3339(c.startedAt ?? c.createdAt);
  if (c.finishedAt !== undefined) t.finishedAt = rfc3339(c.finishedAt);
  return t;
}

export function containerStatusWire(v: ContainerView): ContainerStatusWire {
  const cur = v.current;
  let state: ContainerStateWire;
  let lastState: ContainerStateWire = {};
  const running = cur?.state === "running";
  if (running) {
    state = { running: { startedAt: rfc3339(cur.startedAt ?? cur.createdAt) } };
  } else if (cur?.state === "exited" && !v.waiting) {
    state = { terminated: terminatedState(cur, v.runtimeName) };
  } else {
    state = { waiting: v.waiting ?? { reason: "ContainerCreating" } };
    // A waiting container that ran before shows that run as its last state.
    if (cur?.state === "exited") lastState = { terminated: terminatedState(cur, v.runtimeName) };
  }
  if (!lastState.terminated && v.previous?.state === "exited") {
    lastState = { terminated: terminatedState(v.previous, v.runtimeName) };
  }
  const s: ContainerStatusWire = {
    name: v.name,
    image: v.image,
    imageID: v.imageID,
    ready: v.isInit && !v.isSidecar ? cur?.state === "exited" && cur.exitCode === 0 && !v.waiting : running && v.ready,
    started: running && v.started,
    restartCount: v.restartCount,
    state,
    lastState,
  };
  if (cur) s.containerID = `${v.runtimeName}://${cur.id}`;
  return s;
}

/**
 * Kubernetes' getPhase: what the containers' states mean for the pod. Native
 * sidecars count as running while they run, are pending until started, and
 * neither succeed nor fail when stopped: the phase follows the app containers.
 */
export function podPhase(spec: V1PodSpec, init: ContainerStatusWire[], app: ContainerStatusWire[]): PodPhase {
  const policy = spec.restartPolicy ?? "Always";
  const sidecars = new Set((spec.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name));
  let pendingInit = 0;
  let pendingSidecars = 0;
  let failedInit = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of init) {
    if (sidecars.has(s.name)) {
      if (s.state.running) {
        if (!s.started) pendingSidecars++;
        running++;
      } else if (!s.state.terminated && !s.lastState.terminated) {
        pendingSidecars++;
        waiting++;
      }
      continue;
    }
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  if (failedInit > 0 && policy === "Never") return "Failed";
  for (const s of app) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (pendingInit > 0 || pendingSidecars > 0 || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running"; // every container is restarting
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running"; // OnFailure: the failed ones are restarting
  }
  return "Pending";
}

// The QoS class lives in pkg/api (one copy for the API server, the agent and describe).
export { qosClass };

export interface PodStatusInput {
  pod: AgentPod;
  init: ContainerView[];
  app: ContainerView[];
  podIP?: string;
  hostIP: string;
  /** Epoch ms: for conditions that change now and for startTime. */
  now: number;
}

const OWN_CONDITIONS = new Set(["PodScheduled", "Initialized", "ContainersReady", "Ready"]);

export function computePodStatus(input: PodStatusInput): PodStatusWire {
  const { pod, now } = input;
  const old = pod.status ?? {};
  const oldConditions = (old.conditions ?? []) as PodConditionWire[];
  const initStatuses = input.init.map(containerStatusWire);
  const appStatuses = input.app.map(containerStatusWire);

  // A terminal phase is final, whatever the containers do afterwards.
  const oldPhase = old.phase;
  const phase: PodPhase = oldPhase === "Succeeded" || oldPhase === "Failed" ? oldPhase : podPhase(pod.spec, initStatuses, appStatuses);
  const terminal = phase === "Succeeded" || phase === "Failed";

  const cond = (type: string, ok: boolean, reason?: string, message?: string): PodConditionWire => {
    const status = ok ? "True" : "False";
    const prev = oldConditions.find((c) => c.type === type);
    const c: PodConditionWire = {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
    };
    if (reason) c.reason = reason;
    if (message) c.message = message;
    return c;
  };

  const sidecarNames = new Set(input.init.filter((v) => v.isSidecar).map((v) => v.name));
  // A sidecar counts as initialized once it has started; a regular init container once it exited 0.
  const incompleteInit = initStatuses.filter((s) => !(sidecarNames.has(s.name) ? s.started : s.state.terminated?.exitCode === 0)).map((s) => s.name);
  // Init containers that completed once are not rerun, even when their instances were cleaned up.
  const initialized = incompleteInit.length === 0 || appStatuses.some((s) => s.state.running || s.state.terminated || s.lastState.terminated);
  const unready = [...initStatuses.filter((s) => sidecarNames.has(s.name)), ...appStatuses].filter((s) => !s.ready).map((s) => s.name);
  const conditions: PodConditionWire[] = [];
  conditions.push(
    initialized ? cond("Initialized", true) : cond("Initialized", false, "ContainersNotInitialized", `containers with incomplete status: [${incompleteInit.join(" ")}]`),
  );
  let containersReady: PodConditionWire;
  if (terminal) containersReady = cond("ContainersReady", false, "PodCompleted");
  else if (unready.length > 0) containersReady = cond("ContainersReady", false, "ContainersNotReady", `containers with unready status: [${unready.join(" ")}]`);
  else containersReady = cond("ContainersReady", true);
  let ready: PodConditionWire;
  const gateProblem = readinessGateProblem(pod.spec, oldConditions);
  if (containersReady.status !== "True") ready = cond("Ready", false, containersReady.reason, containersReady.message);
  else if (gateProblem) ready = cond("Ready", false, "ReadinessGatesNotReady", gateProblem);
  else ready = cond("Ready", true);
  conditions.push(ready, containersReady);
  const scheduled = oldConditions.find((c) => c.type === "PodScheduled" && c.status === "True");
  conditions.push(scheduled ? { ...scheduled } : cond("PodScheduled", true));
  // Conditions others own (readiness gates, DisruptionTarget…) stay as they are.
  for (const c of oldConditions) if (!OWN_CONDITIONS.has(c.type)) conditions.push(c);

  const status: PodStatusWire = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old.startTime ?? rfc3339(now),
    qosClass: old.qosClass ?? qosClass(pod.spec),
    containerStatuses: appStatuses,
  };
  if (input.podIP) {
    status.podIP = input.podIP;
    status.podIPs = [{ ip: input.podIP }];
  }
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  return status;
}

function readinessGateProblem(spec: V1PodSpec, conditions: PodConditionWire[]): string | undefined {
  for (const g of spec.readinessGates ?? []) {
    const c = conditions.find((x) => x.type === g.conditionType);
    if (!c) return `corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`;
    if (c.status !== "True") return `the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`;
  }
  return undefined;
}

export { jsonEqual } from "../util/json-equal.js";

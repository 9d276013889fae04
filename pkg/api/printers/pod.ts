// Pod rows, following printPod in kubernetes pkg/printers/internalversion/printers.go:
// the STATUS column is not the phase but the most telling reason found in the
// pod's status, init containers and containers ("CrashLoopBackOff", "Init:1/2",
// "OOMKilled", "Terminating"…), which is what people read `kubectl get pods` for.
import { ageOf, timestampMs } from "../human-duration.js";
import { ageColumn, column, nameColumn, type KindPrinter, type TableRowCondition, type Timestamp } from "./table.js";

interface ContainerStateLike {
  waiting?: { reason?: string };
  running?: { startedAt?: Timestamp };
  terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: Timestamp };
}

export interface ContainerStatusLike {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerStateLike;
  lastState?: ContainerStateLike;
}

/** The parts of a Pod the printer reads; client-node's V1Pod is assignable to it. */
export interface PodLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp; deletionTimestamp?: Timestamp };
  spec?: {
    nodeName?: string;
    containers?: Array<{ name: string }>;
    initContainers?: Array<{ name: string; restartPolicy?: string }>;
    readinessGates?: Array<{ conditionType: string }>;
  };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    podIPs?: Array<{ ip?: string }>;
    nominatedNodeName?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    initContainerStatuses?: ContainerStatusLike[];
    containerStatuses?: ContainerStatusLike[];
  };
}

/** status.reason the node lifecycle controller sets on pods of an unreachable node. */
const NODE_UNREACHABLE_REASON = "NodeLost";

interface PodSummary {
  ready: number;
  total: number;
  reason: string;
  restarts: number;
  /** Epoch ms of the most recent container termination that led to a restart. */
  lastRestartMs: number | undefined;
}

/** A sidecar: an init container that keeps running (restartPolicy: Always). */
function isRestartableInit(c: { restartPolicy?: string } | undefined): boolean {
  return c?.restartPolicy === "Always";
}

function later(a: number | undefined, b: Timestamp | undefined): number | undefined {
  const ms = timestampMs(b);
  if (ms === undefined) return a;
  return a === undefined || a < ms ? ms : a;
}

function conditionTrue(pod: PodLike, type: string): boolean {
  const c = pod.status?.conditions?.find((cond) => cond.type === type);
  return c?.status === "True";
}

function terminatedReason(t: NonNullable<ContainerStateLike["terminated"]>, prefix: string): string {
  if (t.reason) return prefix + t.reason;
  if (t.signal) return `${prefix}Signal:${t.signal}`;
  return `${prefix}ExitCode:${t.exitCode ?? 0}`;
}

// One pass over the pod, in printPod's order; the order matters because later
// findings overwrite earlier ones (e.g. the first container's reason wins, since
// containers are walked from last to first).
function summarize(pod: PodLike): PodSummary {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  let total = (spec.containers ?? []).length;
  for (const c of spec.initContainers ?? []) if (isRestartableInit(c)) total++;

  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestartMs: number | undefined;
  let lastSidecarRestartMs: number | undefined;

  let reason = status.reason || status.phase || "";
  if (status.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const sidecar = isRestartableInit(initSpecs.get(cs.name));
    restarts += cs.restartCount ?? 0;
    lastRestartMs = later(lastRestartMs, cs.lastState?.terminated?.finishedAt);
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestartMs = later(lastSidecarRestartMs, cs.lastState?.terminated?.finishedAt);
    }
    const terminated = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (terminated) {
      reason = terminatedReason(terminated, "Init:");
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = "Init:" + waiting.reason;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, "Initialized")) {
    restarts = sidecarRestarts;
    lastRestartMs = lastSidecarRestartMs;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += cs.restartCount ?? 0;
      lastRestartMs = later(lastRestartMs, cs.lastState?.terminated?.finishedAt);
      const waiting = cs.state?.waiting;
      const terminated = cs.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated) {
        reason = terminatedReason(terminated, "");
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // One container finished but another still runs: the pod is not "Completed".
    if (reason === "Completed" && hasRunning) {
      reason = conditionTrue(pod, "Ready") ? "Running" : "NotReady";
    }
  }

  const deleting = timestampMs(pod.metadata?.deletionTimestamp) !== undefined;
  const terminal = status.phase === "Succeeded" || status.phase === "Failed";
  if (deleting && status.reason === NODE_UNREACHABLE_REASON) {
    reason = "Unknown";
  } else if (deleting && !terminal) {
    reason = "Terminating";
  }

  return { ready, total, reason, restarts, lastRestartMs };
}

/**
 * The STATUS kubectl shows for a pod ("Running", "CrashLoopBackOff", "Init:0/1",
 * "Terminating"…). `now` is accepted so call sites can pass the same arguments as to
 * podRestarts; the reason itself does not depend on time.
 */
export function podStatusReason(pod: PodLike, now?: Date): string {
  void now;
  return summarize(pod).reason;
}

/** The RESTARTS cell: "0", or "3 (2m10s ago)" once a container has restarted. */
export function podRestarts(pod: PodLike, now: Date): string {
  return restartsCell(summarize(pod), now);
}

function restartsCell({ restarts, lastRestartMs }: PodSummary, now: Date): string {
  if (restarts === 0 || lastRestartMs === undefined) return String(restarts);
  return `${restarts} (${ageOf(new Date(lastRestartMs), now)} ago)`;
}

/** The READY cell: ready containers (sidecars included) over all of them, "1/2". */
export function podReady(pod: PodLike): string {
  const { ready, total } = summarize(pod);
  return `${ready}/${total}`;
}

function readinessGates(pod: PodLike): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  let satisfied = 0;
  for (const gate of gates) {
    const cond = pod.status?.conditions?.find((c) => c.type === gate.conditionType);
    if (cond?.status === "True") satisfied++;
  }
  return `${satisfied}/${gates.length}`;
}

const SUCCEEDED: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Succeeded", message: "The pod has completed successfully." },
];
const FAILED: TableRowCondition[] = [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];

export const podPrinter: KindPrinter<PodLike> = {
  columns: [
    nameColumn(),
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    ageColumn(),
    column("IP", "string", "IP address allocated to the pod. Routable at least within the cluster.", { wide: true }),
    column("Node", "string", "NodeName is a request to schedule this pod onto a specific node.", { wide: true }),
    column("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node.", {
      wide: true,
    }),
    column("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", {
      wide: true,
    }),
  ],
  row(pod, now) {
    const s = summarize(pod);
    // podIPs is authoritative in Kubernetes; skiff's agent may only fill podIP.
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "<none>";
    const cells = [
      pod.metadata?.name ?? "",
      `${s.ready}/${s.total}`,
      s.reason,
      restartsCell(s, now),
      ageOf(pod.metadata?.creationTimestamp, now),
      ip,
      pod.spec?.nodeName || "<none>",
      pod.status?.nominatedNodeName || "<none>",
      readinessGates(pod),
    ];
    const phase = pod.status?.phase;
    const conditions = phase === "Succeeded" ? SUCCEEDED : phase === "Failed" ? FAILED : undefined;
    return conditions ? { cells, conditions } : { cells };
  },
};

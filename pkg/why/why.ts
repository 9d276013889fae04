// `skiff why pod NAME`: everything that decided a pod's fate, in one report.
//
// - placement: the scheduler's recorded decision (decision-store.ts, kept in
//   the scheduler's memory, so only the in-process /why route has it) — the
//   winner with its score table, and the rejected node classes with the
//   plugin and numbers;
// - for a pod still Pending, why it is pending *now*: the real scheduler
//   plugins run against a fresh snapshot read from the API (every node, every
//   bound pod), since the recorded decision may be stale;
// - controller history: which ReplicaSet (and Deployment) made it, and every
//   event about it, its ReplicaSet's create/delete of it, evictions, kills,
//   back-offs, chaos — oldest first.
//
// Reads only, through the Client interface. The API server's /why route runs
// it in-process with the scheduler's decisions; the CLI asks that route, and
// runs it itself over HTTPS only against a server without the route.
import type { CoreV1Event } from "../api/types.js";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { eventTimeMs } from "../describe/index.js";
import { buildSnapshot, isTerminal } from "../scheduler/cache.js";
import { compactDecision, formatBytes, formatMilliCpu, type Decision } from "../scheduler/decision.js";
import { podInfoOf } from "../scheduler/pod-info.js";
import type { DecisionLookup } from "../scheduler/decision-store.js";
import { newScoreTrace, type Node, type Pod } from "../scheduler/framework.js";
import { scheduleOne } from "../scheduler/schedule-one.js";

export interface OwnerLink {
  kind: string;
  name: string;
  uid?: string;
}

export interface HistoryEntry {
  /** Epoch ms (0 when the event has no time). */
  time: number;
  type: string;
  reason: string;
  /** "ReplicaSet/web-5d4f", "Pod/web-5d4f-abcde", "Node/node-2". */
  object: string;
  /** The component that reported it (kubelet, default-scheduler, replicaset-controller…). */
  source: string;
  message: string;
  count: number;
}

export interface WhyReport {
  kind: "PodExplanation";
  apiVersion: "skiff.dev/v1";
  namespace: string;
  pod: string;
  uid?: string;
  phase: string;
  node?: string;
  /** Set while the pod is being deleted. */
  deletionTimestamp?: string;
  /** The controller chain, nearest first (ReplicaSet, then Deployment). */
  owners: OwnerLink[];
  /** The decision the scheduler recorded for this pod, if still kept. */
  recorded?: Decision;
  /** A fresh run of the scheduler plugins (only for pods not bound to a node). */
  now?: Decision;
  /** Why a bound pod has no recorded decision, or why a pending pod was not re-run. */
  notes: string[];
  /** The pod's summed requests, as the scheduler's filters compare them. */
  requests: { cpu: string; memory: string };
  /** Container restarts and how the last instance ended. */
  containers: ContainerFate[];
  history: HistoryEntry[];
}

export interface ContainerFate {
  name: string;
  restarts: number;
  state: string;
  lastTermination?: string;
}

/**
 * Every fact about the pod's placement and history; throws NotFound when the pod does not exist.
 * `decisions`: the scheduler's records (absent when the scheduler runs elsewhere: no recorded decision).
 */
export async function explainPod(client: Client, namespace: string, name: string, decisions?: DecisionLookup): Promise<WhyReport> {
  const pod = await client.get<Pod>(R.pods, namespace, name);
  const report: WhyReport = {
    kind: "PodExplanation",
    apiVersion: "skiff.dev/v1",
    namespace,
    pod: name,
    uid: pod.metadata.uid,
    phase: String(pod.status?.phase ?? "Pending"),
    owners: [],
    notes: [],
    requests: requestsOf(pod),
    containers: containerFates(pod),
    history: [],
  };
  if (pod.spec?.nodeName) report.node = pod.spec.nodeName;
  if (pod.metadata.deletionTimestamp) report.deletionTimestamp = String(pod.metadata.deletionTimestamp);

  const owners = await ownerChain(client, pod);
  const recorded = decisions?.find(pod);
  report.owners = owners;
  if (recorded) report.recorded = recorded;

  if (!pod.spec?.nodeName && !isTerminal(pod) && !pod.metadata.deletionTimestamp) {
    report.now = await scheduleFresh(client, pod);
  } else if (!recorded) {
    report.notes.push(
      pod.spec?.nodeName
        ? "no scheduling decision is recorded for this pod: the scheduler keeps the last 20 per owner in memory (none from before its last restart), and records none for pods placed by name (spec.nodeName) or by another scheduler"
        : "no scheduling decision is recorded for this pod",
    );
  } else if (recorded.node && recorded.node !== pod.spec?.nodeName) {
    report.notes.push(`the recorded decision chose ${recorded.node}, but the pod is bound to ${pod.spec?.nodeName}: another binder placed it`);
  }
  report.history = await history(client, pod, owners);
  return report;
}

/** scheduleOne against nodes and bound pods read from the API now, every node looked at. */
export async function scheduleFresh(client: Client, pod: Pod): Promise<Decision> {
  const [nodes, pods] = await Promise.all([client.list<Node>(R.nodes, undefined), client.list<Pod>(R.pods, undefined)]);
  const snap = buildSnapshot(
    nodes.items,
    pods.items.filter((p) => p.spec?.nodeName && p.metadata.uid !== pod.metadata.uid),
  );
  const trace = newScoreTrace();
  const res = scheduleOne(pod, snap, { trace, percentageOfNodesToScore: 100 });
  return compactDecision(pod, res, trace, snap, { nowMs: Date.now() });
}

async function ownerChain(client: Client, pod: Pod): Promise<OwnerLink[]> {
  const out: OwnerLink[] = [];
  let obj: KubeObject = pod;
  for (let depth = 0; depth < 3; depth++) {
    const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
    if (!ref) break;
    out.push({ kind: ref.kind, name: ref.name, uid: ref.uid });
    const info = ref.kind === "ReplicaSet" ? R.replicasets : ref.kind === "Deployment" ? R.deployments : ref.kind === "StatefulSet" ? R.statefulsets : ref.kind === "DaemonSet" ? R.daemonsets : ref.kind === "Job" ? R.jobs : undefined;
    if (!info) break;
    try {
      obj = await client.get(info, pod.metadata.namespace, ref.name);
    } catch (e) {
      if (isApiError(e, "NotFound")) break;
      throw e;
    }
  }
  return out;
}

/**
 * Events about the pod, plus those of its owners that name it (SuccessfulCreate
 * "Created pod: NAME") or name the owner below it (ScalingReplicaSet "… replica
 * set web-5d4f …"), so the chain from `kubectl apply` to this pod reads top down.
 */
async function history(client: Client, pod: Pod, owners: OwnerLink[]): Promise<HistoryEntry[]> {
  const ns = pod.metadata.namespace;
  const name = String(pod.metadata.name);
  const forObject = async (objName: string) =>
    (await client.list<CoreV1Event & KubeObject>(R.events, ns, { fieldSelector: `involvedObject.name=${objName}` })).items;
  const lists = await Promise.all([forObject(name), ...owners.map((o) => forObject(o.name))]);
  const out: HistoryEntry[] = [];
  const mentions = (text: string, word: string) => new RegExp(`(^|[^A-Za-z0-9.-])${escapeRegExp(word)}($|[^A-Za-z0-9-])`).test(text);
  lists.forEach((events, i) => {
    for (const e of events) {
      const io = e.involvedObject ?? {};
      if (i === 0) {
        // Same name, an earlier pod (a StatefulSet's pods reuse names): keep only this one's.
        if (io.kind && io.kind !== "Pod") continue;
        if (io.uid && pod.metadata.uid && io.uid !== pod.metadata.uid) continue;
      } else {
        const owner = owners[i - 1];
        if (io.kind && io.kind !== owner.kind) continue;
        const below = i === 1 ? name : owners[i - 2].name;
        if (!mentions(e.message ?? "", below)) continue;
      }
      out.push({
        time: eventTimeMs(e),
        type: e.type ?? "",
        reason: e.reason ?? "",
        object: `${io.kind ?? (i === 0 ? "Pod" : owners[i - 1].kind)}/${io.name ?? ""}`,
        source: e.source?.component || e.reportingComponent || "",
        message: (e.message ?? "").trim(),
        count: e.count ?? e.series?.count ?? 1,
      });
    }
  });
  return out.sort((a, b) => a.time - b.time);
}

function requestsOf(pod: Pod): { cpu: string; memory: string } {
  const r = podInfoOf(pod).requests;
  return { cpu: formatMilliCpu(r.milliCpu), memory: formatBytes(r.memory) };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface ContainerStatusLike {
  name: string;
  restartCount?: number;
  state?: Record<string, { reason?: string; exitCode?: number } | undefined>;
  lastState?: { terminated?: { reason?: string; exitCode?: number; finishedAt?: string } };
}

function containerFates(pod: Pod): ContainerFate[] {
  const statuses = (pod.status?.containerStatuses ?? []) as ContainerStatusLike[];
  return statuses.map((s) => {
    const [state, detail] = Object.entries(s.state ?? {}).find(([, v]) => v !== undefined) ?? ["unknown", undefined];
    const f: ContainerFate = { name: s.name, restarts: s.restartCount ?? 0, state: detail?.reason ? `${state} (${detail.reason})` : state };
    const t = s.lastState?.terminated;
    if (t) f.lastTermination = `${t.reason ?? "Terminated"}, exit code ${t.exitCode ?? "?"}${t.finishedAt ? ` at ${t.finishedAt}` : ""}`;
    return f;
  });
}

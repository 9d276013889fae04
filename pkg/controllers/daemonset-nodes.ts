// Where a DaemonSet runs and what its pods look like (pkg/controller/daemon/util
// and NodeShouldRunDaemonPod): a node qualifies when the template's nodeSelector
// and required node affinity match it and its NoSchedule/NoExecute taints are
// tolerated — counting the tolerations every daemon pod gets automatically. A
// pod is pinned to its node by a required node affinity on metadata.name, so the
// default scheduler still binds it (and checks resources and ports) as in
// Kubernetes since 1.12.
import type { V1Affinity, V1NodeSelectorTerm } from "@kubernetes/client-node";
import type { KubeObject } from "../api/types.js";
import { matchesAnyTerm } from "../api/node-selector.js";
import { podFromTemplate } from "../api/pod-template.js";
import type { PodTemplate } from "./history.js";
import { tolerates } from "../api/tolerations.js";
import type { NodeLike, Taint } from "./node-lifecycle.js";
import { newControllerRef, type PodLike } from "./util.js";
import type { V1Toleration as Toleration } from "../api/types.js";

export const CONTROLLER_REVISION_HASH = "controller-revision-hash";
export const POD_TEMPLATE_GENERATION = "pod-template-generation";

/** Kubernetes' AddOrUpdateDaemonPodTolerations: node trouble never evicts or blocks a daemon pod. */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];
const NETWORK_UNAVAILABLE: Toleration = { key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" };

interface DaemonPodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
  [k: string]: unknown;
}

const sameToleration = (a: Toleration, b: Toleration) =>
  (a.key ?? "") === (b.key ?? "") && (a.operator ?? "Equal") === (b.operator ?? "Equal") && (a.value ?? "") === (b.value ?? "") && (a.effect ?? "") === (b.effect ?? "");

/** The template's tolerations plus the automatic ones (AddOrUpdateTolerationInPodSpec: no duplicates). */
export function daemonTolerations(spec: DaemonPodSpec | undefined): Toleration[] {
  const out = [...(spec?.tolerations ?? [])];
  const auto = spec?.hostNetwork ? [...DAEMON_TOLERATIONS, NETWORK_UNAVAILABLE] : DAEMON_TOLERATIONS;
  for (const t of auto) {
    const i = out.findIndex((x) => sameToleration(x, t));
    if (i >= 0) out[i] = { ...t };
    else out.push({ ...t });
  }
  return out;
}

export interface Placement {
  /** A new daemon pod belongs on this node. */
  shouldRun: boolean;
  /** A daemon pod already there may stay (only untolerated NoExecute taints evict). */
  shouldContinueRunning: boolean;
}

/** NodeShouldRunDaemonPod. */
export function placement(node: NodeLike, template: PodTemplate | undefined): Placement {
  const spec = template?.spec as DaemonPodSpec | undefined;
  const name = node.metadata.name ?? "";
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec?.nodeName && spec.nodeName !== name) return no;
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec?.nodeSelector ?? {})) if (labels[k] !== v) return no;
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !matchesAnyTerm(terms, { name, labels })) return no;
  const tolerations = daemonTolerations(spec);
  const untolerated = (effects: string[]) =>
    (node.spec?.taints ?? []).some((t: Taint) => effects.includes(t.effect) && !tolerations.some((tol) => tolerates(tol, t)));
  if (untolerated(["NoSchedule", "NoExecute"])) return { shouldRun: false, shouldContinueRunning: !untolerated(["NoExecute"]) };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the one required term names the node. */
export function pinToNode(affinity: V1Affinity | undefined, nodeName: string): V1Affinity {
  const term: V1NodeSelectorTerm = { matchFields: [{ key: "metadata.name", operator: "In", values: [nodeName] }] };
  const next: V1Affinity = structuredClone(affinity ?? {});
  next.nodeAffinity = { ...(next.nodeAffinity ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } };
  return next;
}

/** util.GetTargetNodeName: the node a daemon pod is on, or is pinned to while unscheduled. */
export function targetNode(pod: PodLike): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const affinity = (pod.spec as DaemonPodSpec | undefined)?.affinity;
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) {
      if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

export interface DaemonSetIdentity extends KubeObject {
  spec?: { template?: PodTemplate; [k: string]: unknown };
}

/** A new daemon pod for one node, labelled with the template's revision. */
export function daemonPod(ds: DaemonSetIdentity, nodeName: string, hash: string): KubeObject {
  const pod = podFromTemplate(ds.spec?.template, { namespace: ds.metadata.namespace, generateName: `${ds.metadata.name}-`, controllerRef: newControllerRef(ds) });
  // The revision labels win over the template's: they say which template made the pod.
  pod.metadata.labels = { ...pod.metadata.labels, [CONTROLLER_REVISION_HASH]: hash, [POD_TEMPLATE_GENERATION]: String(ds.metadata.generation ?? 1) };
  const spec = (pod.spec ?? {}) as DaemonPodSpec;
  spec.affinity = pinToNode(spec.affinity, nodeName);
  spec.tolerations = daemonTolerations(spec);
  pod.spec = spec;
  return pod;
}

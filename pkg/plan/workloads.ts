// What applying one object would do to pods, predicted with the controllers'
// own arithmetic (rolling.ts, active-pods.ts, history.ts) and placed with the
// scheduler's own code (simulate.ts):
//
// - Deployment: new → N pods; replicas changed → scale (victims chosen as the
//   ReplicaSet controller chooses them); template changed → a rolling
//   replacement step by step (maxSurge/maxUnavailable), or Recreate;
// - ReplicaSet: new → N pods; replicas changed → scale;
// - StatefulSet: new → N pods; scale at the highest ordinals; template
//   changed → each pod replaced, highest ordinal first;
// - DaemonSet: one pod per node that passes the filters;
// - Job: new → parallelism pods; Pod: new → itself.
//
// The model: a placed pod becomes available at once, a Pending one never; so a
// rollout stops where the real one would stall on Pending pods.
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import { LabelSelector } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { podsToDelete } from "../controllers/index.js";
import { equalIgnoreHash, type PodTemplate } from "../controllers/index.js";
import { maxSurge, maxUnavailable, newRsReplicas, scaleDownOld, type RollingParams, type RsCounts } from "../controllers/index.js";
import { controllerRef, isPodActive, isPodReady, type PodLike } from "../controllers/index.js";
import type { Pod } from "../scheduler/framework.js";
import { podFromTemplate, type PlanCluster, type Placement, type PodTemplateLike } from "./simulate.js";

export interface DeletedPod {
  pod: string;
  node?: string;
}

export interface WorkloadPlan {
  /** "deployment.apps/web". */
  ref: string;
  /** "scale 3 → 5", "rolling update: 3 pods replaced (maxSurge 1, maxUnavailable 0)", "new: 3 pods". */
  summary: string;
  /** Predicted new pods in the order the controllers would create them. */
  create: Placement[];
  delete: DeletedPod[];
  /** Pods replaced by new ones (rolling updates): counted in both create and delete. */
  replaced: number;
  /** create and delete interleaved in the order the controllers would take them (indexes into those lists). */
  steps: Array<{ op: "create" | "delete"; index: number }>;
  notes: string[];
}

interface WorkloadObject extends KubeObject {
  spec?: {
    replicas?: number;
    paused?: boolean;
    parallelism?: number;
    completions?: number;
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    strategy?: RollingParams["strategy"];
    updateStrategy?: { type?: string };
    template?: PodTemplateLike;
    [k: string]: unknown;
  };
}

export interface PlanContext {
  client: Client;
  cluster: PlanCluster;
  ref: string;
}

/** Pod changes for one applied object, or undefined for kinds that run no pods. */
export async function planWorkload(ctx: PlanContext, after: KubeObject, live: KubeObject | undefined): Promise<WorkloadPlan | undefined> {
  switch (after.kind) {
    case "Deployment":
      return planDeployment(ctx, after as WorkloadObject, live as WorkloadObject | undefined);
    case "ReplicaSet":
      return planReplicaSet(ctx, after as WorkloadObject, live as WorkloadObject | undefined);
    case "StatefulSet":
      return planStatefulSet(ctx, after as WorkloadObject, live as WorkloadObject | undefined);
    case "DaemonSet":
      return planDaemonSet(ctx, after as WorkloadObject, live as WorkloadObject | undefined);
    case "Job":
      return planJob(ctx, after as WorkloadObject, live as WorkloadObject | undefined);
    case "Pod":
      return planPod(ctx, after as Pod, live);
    default:
      return undefined;
  }
}

function emptyPlan(ref: string, summary: string): WorkloadPlan {
  return { ref, summary, create: [], delete: [], replaced: 0, steps: [], notes: [] };
}

/** The template's pods as admission would make them (LimitRange defaults…), via a server dry run. */
async function admittedTemplate(ctx: PlanContext, ns: string, template: PodTemplateLike | undefined, plan: WorkloadPlan): Promise<PodTemplateLike | undefined> {
  const probe = podFromTemplate(template, { namespace: ns, name: `skiff-plan-probe-${Date.now().toString(36)}`, uid: "" });
  delete probe.metadata.uid;
  delete probe.status;
  try {
    const admitted = await ctx.client.create<Pod>(R.pods, ns, probe, { dryRun: true });
    return { metadata: template?.metadata, spec: admitted.spec };
  } catch (e) {
    if (isApiError(e, "Forbidden")) plan.notes.push(`its pods would be rejected: ${(e as Error).message}`);
    // A namespace created by the same apply does not exist yet: use the template as written.
    return template;
  }
}

async function podsOf(ctx: PlanContext, obj: WorkloadObject): Promise<PodLike[]> {
  let selector: LabelSelector;
  try {
    selector = LabelSelector.fromObject(obj.spec?.selector as never);
  } catch {
    return [];
  }
  if (selector.isEmpty()) return [];
  const list = await ctx.client.list<PodLike>(R.pods, obj.metadata.namespace, { labelSelector: selector.toString() });
  return list.items.filter((p) => isPodActive(p));
}

function createPods(ctx: PlanContext, plan: WorkloadPlan, n: number, template: PodTemplateLike | undefined, ns: string, prefix: string, owner: { apiVersion: string; kind: string; name: string; uid: string } | undefined): Placement[] {
  const out: Placement[] = [];
  for (let i = 0; i < n; i++) {
    const { name, uid } = ctx.cluster.nextName(prefix);
    const placed = ctx.cluster.place(podFromTemplate(template, { namespace: ns, name, uid, owner }));
    addCreate(plan, placed);
    out.push(placed);
  }
  return out;
}

function addCreate(plan: WorkloadPlan, placed: Placement): void {
  plan.steps.push({ op: "create", index: plan.create.length });
  plan.create.push(placed);
}

function deletePods(ctx: PlanContext, plan: WorkloadPlan, victims: readonly PodLike[]): void {
  for (const v of victims) {
    ctx.cluster.remove(v);
    plan.steps.push({ op: "delete", index: plan.delete.length });
    plan.delete.push({ pod: String(v.metadata.name), node: v.spec?.nodeName });
  }
}

// --- Deployment ---------------------------------------------------------------------

interface SimRs {
  counts: RsCounts;
  /** Live pods still counted (old ReplicaSets); predicted ones are only counted. */
  pods: PodLike[];
}

async function planDeployment(ctx: PlanContext, after: WorkloadObject, live: WorkloadObject | undefined): Promise<WorkloadPlan> {
  const ns = String(after.metadata.namespace);
  const name = String(after.metadata.name);
  const replicas = after.spec?.replicas ?? 1;
  const d: RollingParams = { replicas, strategy: after.spec?.strategy };
  const plan = emptyPlan(ctx.ref, "");
  const template = await admittedTemplate(ctx, ns, after.spec?.template, plan);
  const rsOwner = (rsName: string, uid: string) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: rsName, uid });
  const newRsName = `${name}-<new>`;
  if (!live) {
    plan.summary = `new: ${replicas} pod${replicas === 1 ? "" : "s"}`;
    createPods(ctx, plan, replicas, template, ns, `${name}-`, rsOwner(newRsName, `plan-rs-${ns}-${name}`));
    return plan;
  }
  const rsList = (await ctx.client.list<WorkloadObject>(R.replicasets, ns)).items.filter((rs) => controllerRef(rs)?.uid === live.metadata.uid && !rs.metadata.deletionTimestamp);
  const pods = await podsOf(ctx, after);
  const podsByRs = new Map<string, PodLike[]>();
  for (const p of pods) {
    const uid = controllerRef(p)?.uid;
    if (!uid) continue;
    const list = podsByRs.get(uid) ?? [];
    list.push(p);
    podsByRs.set(uid, list);
  }
  const newRs = rsList.find((rs) => equalIgnoreHash(rs.spec?.template as PodTemplate, after.spec?.template as PodTemplate));
  const olds = rsList.filter((rs) => rs !== newRs && ((rs.spec?.replicas ?? 0) > 0 || (podsByRs.get(String(rs.metadata.uid))?.length ?? 0) > 0));
  if (after.spec?.paused) {
    plan.summary = "paused: no pods change until it is resumed";
    if (!newRs) plan.notes.push("the new template is rolled out on `skiff rollout resume`");
    return plan;
  }

  if (newRs && olds.length === 0) {
    // A plain scale of the one ReplicaSet.
    const mine = podsByRs.get(String(newRs.metadata.uid)) ?? [];
    const have = mine.length;
    plan.summary = have === replicas ? `${replicas} pod${replicas === 1 ? "" : "s"}, unchanged` : `scale ${have} → ${replicas}`;
    if (replicas > have) createPods(ctx, plan, replicas - have, template, ns, `${newRs.metadata.name}-`, rsOwner(String(newRs.metadata.name), String(newRs.metadata.uid)));
    else if (replicas < have) deletePods(ctx, plan, podsToDelete(mine, have - replicas));
    return plan;
  }

  const oldSims: SimRs[] = olds.map((rs) => {
    const mine = podsByRs.get(String(rs.metadata.uid)) ?? [];
    return {
      counts: { name: String(rs.metadata.name), spec: rs.spec?.replicas ?? 0, pods: mine.length, available: mine.filter(isPodReady).length, createdMs: Date.parse(String(rs.metadata.creationTimestamp)) || 0 },
      pods: [...mine],
    };
  });
  const newMine = newRs ? (podsByRs.get(String(newRs.metadata.uid)) ?? []) : [];
  const newSim: SimRs = {
    counts: { name: newRs ? String(newRs.metadata.name) : newRsName, spec: newRs?.spec?.replicas ?? 0, pods: newMine.length, available: newMine.filter(isPodReady).length, createdMs: Date.now() },
    pods: [...newMine],
  };
  const owner = newRs ? rsOwner(String(newRs.metadata.name), String(newRs.metadata.uid)) : rsOwner(newRsName, `plan-rs-${ns}-${name}`);
  const prefix = `${newSim.counts.name}-`;
  const oldPodCount = oldSims.reduce((n, s) => n + s.pods.length, 0);

  if (after.spec?.strategy?.type === "Recreate") {
    for (const s of oldSims) deletePods(ctx, plan, podsToDelete(s.pods, s.pods.length));
    const placed = createPods(ctx, plan, Math.max(0, replicas - newSim.pods.length), template, ns, prefix, owner);
    plan.replaced = Math.min(oldPodCount, placed.length);
    plan.summary = `recreate: ${oldPodCount} old pod${oldPodCount === 1 ? "" : "s"} deleted first, then ${placed.length} new`;
    return plan;
  }

  // RollingUpdate, step by step as the controller takes it.
  for (let step = 0; step < 100_000; step++) {
    let changed = false;
    const all = [...oldSims.map((s) => s.counts), newSim.counts];
    const target = newSim.counts.spec > replicas ? replicas : newRsReplicas(d, newSim.counts, all);
    if (target > newSim.counts.spec) {
      const placed = createPods(ctx, plan, target - newSim.counts.spec, template, ns, prefix, owner);
      newSim.counts.spec = target;
      newSim.counts.pods += placed.length;
      newSim.counts.available += placed.filter((p) => p.node).length;
      changed = true;
    }
    const active = oldSims.filter((s) => s.counts.spec > 0);
    const targets = scaleDownOld(d, newSim.counts, active.map((s) => s.counts));
    for (const s of active) {
      const t = targets.get(s.counts.name);
      if (t === undefined || t >= s.counts.spec) continue;
      s.counts.spec = t;
      const victims = podsToDelete(s.pods, Math.max(0, s.pods.length - t));
      deletePods(ctx, plan, victims);
      const gone = new Set(victims);
      const readyGone = victims.filter(isPodReady).length;
      s.pods = s.pods.filter((p) => !gone.has(p));
      s.counts.pods = s.pods.length;
      s.counts.available = Math.max(0, s.counts.available - readyGone);
      changed = true;
    }
    if (!changed) break;
  }
  plan.replaced = Math.min(plan.create.length, plan.delete.length);
  const left = oldSims.reduce((n, s) => n + s.pods.length, 0);
  plan.summary = `rolling update: ${plan.replaced} pod${plan.replaced === 1 ? "" : "s"} replaced (maxSurge ${maxSurge(d)}, maxUnavailable ${maxUnavailable(d)})${
    plan.create.length > plan.replaced ? `, ${plan.create.length - plan.replaced} added` : plan.delete.length > plan.replaced ? `, ${plan.delete.length - plan.replaced} removed` : ""
  }`;
  if (left > 0) plan.notes.push(`the rollout would stall with ${left} old pod${left === 1 ? "" : "s"} left: new pods stay Pending, so they never become available`);
  return plan;
}

// --- the others ---------------------------------------------------------------------

async function planReplicaSet(ctx: PlanContext, after: WorkloadObject, live: WorkloadObject | undefined): Promise<WorkloadPlan> {
  const ns = String(after.metadata.namespace);
  const name = String(after.metadata.name);
  const replicas = after.spec?.replicas ?? 1;
  const plan = emptyPlan(ctx.ref, "");
  const template = await admittedTemplate(ctx, ns, after.spec?.template, plan);
  const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name, uid: live?.metadata.uid ?? `plan-rs-${ns}-${name}` };
  const mine = live ? (await podsOf(ctx, after)).filter((p) => controllerRef(p)?.uid === live.metadata.uid) : [];
  plan.summary = !live ? `new: ${replicas} pods` : mine.length === replicas ? `${replicas} pods, unchanged` : `scale ${mine.length} → ${replicas}`;
  if (replicas > mine.length) createPods(ctx, plan, replicas - mine.length, template, ns, `${name}-`, owner);
  else if (replicas < mine.length) deletePods(ctx, plan, podsToDelete(mine, mine.length - replicas));
  if (live && !equalIgnoreHash(live.spec?.template as PodTemplate, after.spec?.template as PodTemplate)) {
    plan.notes.push("a ReplicaSet does not replace running pods when its template changes: only new pods get it");
  }
  return plan;
}

async function planStatefulSet(ctx: PlanContext, after: WorkloadObject, live: WorkloadObject | undefined): Promise<WorkloadPlan> {
  const ns = String(after.metadata.namespace);
  const name = String(after.metadata.name);
  const replicas = after.spec?.replicas ?? 1;
  const plan = emptyPlan(ctx.ref, "");
  const template = await admittedTemplate(ctx, ns, after.spec?.template, plan);
  const owner = { apiVersion: "apps/v1", kind: "StatefulSet", name, uid: live?.metadata.uid ?? `plan-sts-${ns}-${name}` };
  const ordinal = (p: KubeObject) => Number(/-(\d+)$/.exec(String(p.metadata.name))?.[1] ?? -1);
  const mine = live ? (await podsOf(ctx, after)).filter((p) => controllerRef(p)?.uid === live.metadata.uid).sort((a, b) => ordinal(a) - ordinal(b)) : [];
  const place = (i: number) => {
    const placed = ctx.cluster.place(podFromTemplate(template, { namespace: ns, name: `${name}-${i}`, uid: `plan-${ns}-${name}-${i}-${plan.create.length}`, owner }));
    addCreate(plan, placed);
  };
  // Scale down from the highest ordinal; scale up in order.
  const extra = mine.filter((p) => ordinal(p) >= replicas).reverse();
  deletePods(ctx, plan, extra);
  const kept = mine.filter((p) => ordinal(p) < replicas);
  const present = new Set(kept.map(ordinal));
  for (let i = 0; i < replicas; i++) if (!present.has(i)) place(i);
  const changed = live && !equalIgnoreHash(live.spec?.template as PodTemplate, after.spec?.template as PodTemplate);
  if (changed && (after.spec?.updateStrategy?.type ?? "RollingUpdate") === "RollingUpdate") {
    for (const p of [...kept].reverse()) {
      deletePods(ctx, plan, [p]);
      place(ordinal(p));
      plan.replaced++;
    }
  } else if (changed) plan.notes.push("updateStrategy OnDelete: pods get the new template only when you delete them");
  plan.summary = !live ? `new: ${replicas} pods (${name}-0…${name}-${replicas - 1}, in order)` : `${mine.length} → ${replicas} pods${plan.replaced ? `, ${plan.replaced} replaced one at a time, highest ordinal first` : ""}`;
  return plan;
}

async function planDaemonSet(ctx: PlanContext, after: WorkloadObject, live: WorkloadObject | undefined): Promise<WorkloadPlan> {
  const ns = String(after.metadata.namespace);
  const name = String(after.metadata.name);
  const plan = emptyPlan(ctx.ref, "");
  const template = await admittedTemplate(ctx, ns, after.spec?.template, plan);
  const owner = { apiVersion: "apps/v1", kind: "DaemonSet", name, uid: live?.metadata.uid ?? `plan-ds-${ns}-${name}` };
  const mine = live ? (await podsOf(ctx, after)).filter((p) => controllerRef(p)?.uid === live.metadata.uid) : [];
  const byNode = new Map(mine.map((p) => [p.spec?.nodeName, p]));
  const changed = live && !equalIgnoreHash(live.spec?.template as PodTemplate, after.spec?.template as PodTemplate);
  for (const ni of ctx.cluster.snap.nodes()) {
    const existing = byNode.get(ni.name);
    if (existing && !changed) continue;
    if (existing) {
      deletePods(ctx, plan, [existing]);
      plan.replaced++;
    }
    // One pod per node, pinned to it: it either fits there or the node is skipped.
    const t = structuredClone(template ?? {}) as PodTemplateLike & { spec?: Record<string, unknown> };
    t.spec = { ...(t.spec ?? {}), nodeName: ni.name };
    const pod = podFromTemplate(t, { namespace: ns, name: `${name}-<${ni.name}>`, uid: `plan-${ns}-${name}-${ni.name}`, owner });
    const placed = ctx.cluster.place(pod);
    if (placed.node) addCreate(plan, placed);
    else if (existing) addCreate(plan, placed);
  }
  plan.summary = `${plan.create.filter((p) => p.node).length} node${plan.create.length === 1 ? "" : "s"} get${changed ? " a replaced" : " a new"} pod`;
  return plan;
}

async function planJob(ctx: PlanContext, after: WorkloadObject, live: WorkloadObject | undefined): Promise<WorkloadPlan> {
  const ns = String(after.metadata.namespace);
  const name = String(after.metadata.name);
  if (live) return emptyPlan(ctx.ref, "an existing Job: its pods do not change");
  const plan = emptyPlan(ctx.ref, "");
  const template = await admittedTemplate(ctx, ns, after.spec?.template, plan);
  const parallelism = after.spec?.parallelism ?? 1;
  const completions = after.spec?.completions;
  const n = Math.max(0, completions !== undefined ? Math.min(parallelism, completions) : parallelism);
  plan.summary = `new: ${n} pod${n === 1 ? "" : "s"} at first${completions && completions > n ? ` (${completions} completions in all)` : ""}`;
  createPods(ctx, plan, n, template, ns, `${name}-`, { apiVersion: "batch/v1", kind: "Job", name, uid: `plan-job-${ns}-${name}` });
  return plan;
}

async function planPod(ctx: PlanContext, after: Pod, live: KubeObject | undefined): Promise<WorkloadPlan> {
  if (live) return emptyPlan(ctx.ref, "an existing pod: changed in place (image changes restart its container)");
  const plan = emptyPlan(ctx.ref, "new: 1 pod");
  const pod = structuredClone(after);
  pod.metadata.uid = `plan-pod-${pod.metadata.namespace}-${pod.metadata.name}`;
  addCreate(plan, ctx.cluster.place(pod));
  return plan;
}

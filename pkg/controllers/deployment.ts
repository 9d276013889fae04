// The Deployment controller: one ReplicaSet per pod template (named
// <deployment>-<pod-template-hash>), rolled from old to new by the RollingUpdate
// or Recreate strategy, with revision history, pausing and proportional scaling.
// Mirrors kubernetes pkg/controller/deployment (deployment_controller.go,
// sync.go, rolling.go, recreate.go, progress.go) closely enough that kubectl
// reads its annotations and conditions unchanged.
//
// Level-triggered: each reconcile re-reads the deployment, its ReplicaSets and
// their pods from the caches and takes the next step; every write carries a
// resourceVersion precondition, so a stale cache costs a Conflict and a retry,
// never a wrong step.
import { R } from "../api/kinds.js";
import { selectorOf, type LabelSelector } from "../api/selector.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { keyOf, splitKey } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import { getCondition, newCondition, Reasons, rolloutStatus, calculateStatus, setCondition, deploymentComplete } from "./deployment-status.js";
import {
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  POD_TEMPLATE_HASH,
  REVISION,
  equalIgnoreHash,
  maxRevision,
  replicaSetsToClean,
  revisionOf,
  setNewRsAnnotations,
  setReplicasAnnotations,
  templateHash,
  type DeploymentLike,
  type DeploymentStatus,
} from "./history.js";
import { BY_CONTROLLER_UID, ORPHANS_BY_NAMESPACE } from "./indexes.js";
import type { ReplicaSetLike } from "./replicaset.js";
import { maxSurge, newRsReplicas, proportionalScale, scaleDownOld, type RollingParams, type RsCounts } from "./rolling.js";
import type { Reconciler } from "./runner.js";
import {
  canonicalJson,
  clockOrReal,
  controllerRef,
  creationMs,
  isAlreadyExists,
  isConflict,
  isNotFound,
  isPodActive,
  isPodAvailable,
  isTerminating,
  newControllerRef,
  noEvents,
  type EventSink,
  type PodLike,
} from "./util.js";

export type { DeploymentLike } from "./history.js";

export interface DeploymentControllerOptions {
  client: Client;
  deployments: Lister<DeploymentLike>;
  /** Needs BY_CONTROLLER_UID and ORPHANS_BY_NAMESPACE (installOwnerIndexes). */
  replicaSets: Lister<ReplicaSetLike>;
  /** Needs BY_CONTROLLER_UID. */
  pods: Lister<PodLike>;
  clock?: Clock;
  events?: EventSink;
}

interface Ctx {
  d: DeploymentLike;
  rsList: ReplicaSetLike[];
  requeueAfterMs?: number;
}

const byCreation = (a: ReplicaSetLike, b: ReplicaSetLike) => creationMs(a) - creationMs(b) || String(a.metadata.name).localeCompare(String(b.metadata.name));
const specReplicas = (rs: ReplicaSetLike | undefined) => rs?.spec?.replicas ?? 0;

function params(d: DeploymentLike): RollingParams {
  return { replicas: d.spec?.replicas ?? 1, strategy: d.spec?.strategy };
}

export class DeploymentController implements Reconciler {
  readonly name = "deployment";
  private readonly clock: Clock;
  private readonly events: EventSink;

  constructor(private readonly opts: DeploymentControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.events = opts.events ?? noEvents;
  }

  /** Idempotent: take the next rollout step for one Deployment key. */
  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const { namespace, name } = splitKey(key);
    const cached = this.opts.deployments.get(namespace, name);
    if (!cached) return {};
    const d = structuredClone(cached);
    const selector = selectorOf(d);
    if (!selector) {
      this.events.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      return {};
    }
    const ctx: Ctx = { d, rsList: await this.claimReplicaSets(d, selector) };
    if (isTerminating(d)) {
      await this.syncStatusOnly(ctx);
      return {};
    }
    await this.checkPausedConditions(ctx);
    if (d.spec?.paused || this.isScalingEvent(ctx)) {
      await this.sync(ctx);
    } else if (d.spec?.strategy?.type === "Recreate") {
      await this.rolloutRecreate(ctx);
    } else {
      await this.rolloutRolling(ctx);
    }
    return ctx.requeueAfterMs === undefined ? {} : { requeueAfterMs: ctx.requeueAfterMs };
  }

  /** Deployment keys to enqueue when a ReplicaSet changes. */
  replicaSetChanged(rs: ReplicaSetLike, old?: ReplicaSetLike): string[] {
    const keys = new Set<string>();
    for (const r of [controllerRef(rs), old ? controllerRef(old) : undefined]) {
      if (r?.kind !== "Deployment") continue;
      const d = this.opts.deployments.get(rs.metadata.namespace, r.name);
      if (d && d.metadata.uid === r.uid) keys.add(keyOf(d));
    }
    if (!controllerRef(rs)) {
      for (const d of this.opts.deployments.list(rs.metadata.namespace)) {
        if (selectorOf(d)?.matches(rs.metadata.labels)) keys.add(keyOf(d));
      }
    }
    return [...keys];
  }

  /** Deployment key owning a pod's ReplicaSet, if any (pod events matter for availability and Recreate). */
  podChanged(pod: PodLike): string[] {
    const ref = controllerRef(pod);
    if (ref?.kind !== "ReplicaSet") return [];
    const rs = this.opts.replicaSets.get(pod.metadata.namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? this.replicaSetChanged(rs) : [];
  }

  // --- ReplicaSet ownership -------------------------------------------------

  private async claimReplicaSets(d: DeploymentLike, selector: LabelSelector): Promise<ReplicaSetLike[]> {
    const out: ReplicaSetLike[] = [];
    for (const rs of this.opts.replicaSets.byIndex(BY_CONTROLLER_UID, d.metadata.uid!)) {
      if (rs.metadata.namespace !== d.metadata.namespace) continue;
      if (selector.matches(rs.metadata.labels)) out.push(rs);
      else if (!isTerminating(rs)) await this.patchOwners(rs, (rs.metadata.ownerReferences ?? []).filter((r) => r.uid !== d.metadata.uid));
    }
    if (!isTerminating(d)) {
      for (const rs of this.opts.replicaSets.byIndex(ORPHANS_BY_NAMESPACE, d.metadata.namespace ?? "")) {
        if (isTerminating(rs) || !selector.matches(rs.metadata.labels)) continue;
        const adopted = await this.patchOwners(rs, [...(rs.metadata.ownerReferences ?? []), newControllerRef(d)]);
        if (adopted) out.push(adopted);
      }
    }
    return out.sort(byCreation);
  }

  private async patchOwners(rs: ReplicaSetLike, refs: NonNullable<ReplicaSetLike["metadata"]["ownerReferences"]>): Promise<ReplicaSetLike | undefined> {
    try {
      return await this.opts.client.patch<ReplicaSetLike>(R.replicasets, rs.metadata.namespace, rs.metadata.name!, "merge", {
        metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: rs.metadata.resourceVersion },
      });
    } catch (e) {
      if (isNotFound(e) || isConflict(e)) return undefined;
      throw e;
    }
  }

  // --- counts from the pod cache -------------------------------------------------

  private counts(d: DeploymentLike, rs: ReplicaSetLike): RsCounts {
    const now = this.clock.now();
    const minReady = d.spec?.minReadySeconds ?? 0;
    let pods = 0;
    let available = 0;
    for (const p of this.opts.pods.byIndex(BY_CONTROLLER_UID, rs.metadata.uid!)) {
      if (!isPodActive(p)) continue;
      pods++;
      if (isPodAvailable(p, minReady, now)) available++;
    }
    return { name: rs.metadata.name!, spec: specReplicas(rs), pods, available, createdMs: creationMs(rs) };
  }

  // --- new / old ReplicaSets ----------------------------------------------------

  private split(ctx: Ctx): { newRs?: ReplicaSetLike; old: ReplicaSetLike[] } {
    const newRs = ctx.rsList.find((rs) => equalIgnoreHash(rs.spec?.template, ctx.d.spec?.template));
    return { newRs, old: ctx.rsList.filter((rs) => rs !== newRs) };
  }

  /** getAllReplicaSetsAndSyncRevision: find (or create) the new ReplicaSet and record revisions. */
  private async syncRevision(ctx: Ctx, create: boolean): Promise<{ newRs?: ReplicaSetLike; old: ReplicaSetLike[] }> {
    const { newRs: existing, old } = this.split(ctx);
    const d = ctx.d;
    const newRevision = maxRevision(old) + 1;
    if (existing) {
      const copy = structuredClone(existing);
      const annotationsChanged = setNewRsAnnotations(d, copy, newRevision);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        copy.spec = { ...copy.spec, minReadySeconds: minReady };
        const updated = await this.opts.client.update<ReplicaSetLike>(R.replicasets, copy);
        this.replace(ctx, updated);
        return { newRs: updated, old };
      }
      let statusChanged = false;
      if (d.spec?.progressDeadlineSeconds !== undefined && !getCondition(d.status, "Progressing")) {
        d.status ??= {};
        setCondition(d.status, newCondition("Progressing", "True", Reasons.FoundNewReplicaSet, `Found new replica set "${existing.metadata.name}"`, this.clock.now()));
        statusChanged = true;
      }
      await this.setDeploymentRevision(ctx, existing.metadata.annotations?.[REVISION] ?? String(revisionOf(existing)), statusChanged);
      return { newRs: existing, old };
    }
    if (!create) return { old };

    const template = structuredClone(d.spec?.template ?? {});
    const hash = templateHash(d.spec?.template, d.status?.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: ReplicaSetLike = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const p = params(d);
    const replicas =
      d.spec?.strategy?.type === "Recreate"
        ? p.replicas
        : newRsReplicas(p, this.counts(d, rs), [...old.map((o) => this.counts(d, o)), { name: rs.metadata.name!, spec: 0, pods: 0, available: 0, createdMs: 0 }]);
    rs.spec!.replicas = replicas;
    setNewRsAnnotations(d, rs, newRevision);
    setReplicasAnnotations(rs, p.replicas, p.replicas + maxSurge(p));

    let created: ReplicaSetLike;
    let alreadyExisted = false;
    try {
      created = await this.opts.client.create<ReplicaSetLike>(R.replicasets, d.metadata.namespace, rs);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      alreadyExisted = true;
      const found = await this.opts.client.get<ReplicaSetLike>(R.replicasets, d.metadata.namespace, rs.metadata.name!);
      if (controllerRef(found)?.uid !== d.metadata.uid || !equalIgnoreHash(found.spec?.template, d.spec?.template)) {
        // A hash collision with someone else's ReplicaSet: bump collisionCount so the next hash differs.
        d.status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await this.writeStatus(ctx, d.status, true);
        throw new Error(`hash collision for ${rs.metadata.name}; collisionCount is now ${d.status.collisionCount}`);
      }
      created = found;
    }
    this.replace(ctx, created);
    if (!alreadyExisted && replicas > 0) {
      this.events.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    }
    let statusChanged = false;
    if (!alreadyExisted && d.spec?.progressDeadlineSeconds !== undefined) {
      d.status ??= {};
      setCondition(d.status, newCondition("Progressing", "True", Reasons.NewReplicaSetCreated, `Created new replica set "${created.metadata.name}"`, this.clock.now()));
      statusChanged = true;
    }
    await this.setDeploymentRevision(ctx, String(newRevision), statusChanged);
    return { newRs: created, old };
  }

  /** The deployment carries its current revision too (kubectl rollout status --revision reads it). */
  private async setDeploymentRevision(ctx: Ctx, revision: string, statusChanged: boolean): Promise<void> {
    const d = ctx.d;
    if (d.metadata.annotations?.[REVISION] !== revision) {
      const patched = await this.opts.client.patch<DeploymentLike>(R.deployments, d.metadata.namespace, d.metadata.name!, "merge", {
        metadata: { annotations: { [REVISION]: revision }, resourceVersion: d.metadata.resourceVersion },
      });
      d.metadata = structuredClone(patched.metadata);
    }
    if (statusChanged) await this.writeStatus(ctx, d.status!, true);
  }

  private replace(ctx: Ctx, rs: ReplicaSetLike): void {
    const i = ctx.rsList.findIndex((x) => x.metadata.uid === rs.metadata.uid);
    if (i >= 0) ctx.rsList[i] = rs;
    else ctx.rsList.push(rs);
  }

  private async scaleReplicaSet(ctx: Ctx, rs: ReplicaSetLike, newScale: number, op?: "up" | "down"): Promise<boolean> {
    const d = ctx.d;
    const p = params(d);
    const copy = structuredClone(rs);
    const sizeChanged = specReplicas(rs) !== newScale;
    const annChanged = setReplicasAnnotations(copy, p.replicas, p.replicas + maxSurge(p));
    if (!sizeChanged && !annChanged) return false;
    copy.spec = { ...copy.spec, replicas: newScale };
    const updated = await this.opts.client.update<ReplicaSetLike>(R.replicasets, copy);
    this.replace(ctx, updated);
    if (sizeChanged) {
      const how = op ?? (specReplicas(rs) < newScale ? "up" : "down");
      this.events.event(d, "Normal", "ScalingReplicaSet", `Scaled ${how} replica set ${rs.metadata.name} from ${specReplicas(rs)} to ${newScale}`);
    }
    return sizeChanged;
  }

  // --- strategies -------------------------------------------------------------

  private async rolloutRolling(ctx: Ctx): Promise<void> {
    let { newRs, old } = await this.syncRevision(ctx, true);
    const d = ctx.d;
    const p = params(d);
    // reconcileNewReplicaSet
    if (newRs && specReplicas(newRs) !== p.replicas) {
      const target =
        specReplicas(newRs) > p.replicas
          ? p.replicas
          : newRsReplicas(p, this.counts(d, newRs), ctx.rsList.map((rs) => this.counts(d, rs)));
      if (target !== specReplicas(newRs) && (await this.scaleReplicaSet(ctx, newRs, target))) {
        return this.syncRolloutStatus(ctx);
      }
    }
    newRs = this.current(ctx, newRs);
    old = old.map((o) => this.current(ctx, o)!);
    // reconcileOldReplicaSets
    if (newRs) {
      const activeOld = old.filter((rs) => specReplicas(rs) > 0);
      const targets = scaleDownOld(p, this.counts(d, newRs), activeOld.map((rs) => this.counts(d, rs)));
      let scaled = false;
      for (const rs of activeOld) {
        const t = targets.get(rs.metadata.name!);
        if (t !== undefined && (await this.scaleReplicaSet(ctx, rs, t))) scaled = true;
      }
      if (scaled) return this.syncRolloutStatus(ctx);
    }
    if (deploymentComplete(ctx.d, ctx.d.status)) await this.cleanup(ctx, old);
    return this.syncRolloutStatus(ctx);
  }

  private async rolloutRecreate(ctx: Ctx): Promise<void> {
    let { newRs, old } = await this.syncRevision(ctx, false);
    let scaled = false;
    for (const rs of old) if (specReplicas(rs) > 0 && (await this.scaleReplicaSet(ctx, rs, 0))) scaled = true;
    if (scaled) return this.syncRolloutStatus(ctx);
    if (this.oldPodsRunning(ctx, newRs)) return this.syncRolloutStatus(ctx);
    if (!newRs) ({ newRs, old } = await this.syncRevision(ctx, true));
    newRs = this.current(ctx, newRs);
    if (newRs && specReplicas(newRs) !== params(ctx.d).replicas) await this.scaleReplicaSet(ctx, newRs, params(ctx.d).replicas);
    if (deploymentComplete(ctx.d, ctx.d.status)) await this.cleanup(ctx, old);
    return this.syncRolloutStatus(ctx);
  }

  /** Recreate waits until no pod of an old ReplicaSet exists any more (terminating ones included). */
  private oldPodsRunning(ctx: Ctx, newRs: ReplicaSetLike | undefined): boolean {
    for (const rs of ctx.rsList) {
      if (newRs && rs.metadata.uid === newRs.metadata.uid) continue;
      if ((rs.status?.replicas ?? 0) > 0) return true;
      for (const p of this.opts.pods.byIndex(BY_CONTROLLER_UID, rs.metadata.uid!)) {
        const phase = p.status?.phase;
        if (phase !== "Succeeded" && phase !== "Failed") return true;
      }
    }
    return false;
  }

  private current(ctx: Ctx, rs: ReplicaSetLike | undefined): ReplicaSetLike | undefined {
    return rs && ctx.rsList.find((x) => x.metadata.uid === rs.metadata.uid);
  }

  /** Scaling or pausing: no rollout progress, sizes follow spec.replicas (sync.go sync()). */
  private async sync(ctx: Ctx): Promise<void> {
    const { newRs, old } = await this.syncRevision(ctx, false);
    await this.scale(ctx, newRs, old);
    if (ctx.d.spec?.paused) await this.cleanup(ctx, old.map((o) => this.current(ctx, o)!));
    await this.syncStatusOnly(ctx);
  }

  private isScalingEvent(ctx: Ctx): boolean {
    const replicas = params(ctx.d).replicas;
    return ctx.rsList.some((rs) => {
      if (specReplicas(rs) <= 0) return false;
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
      return desired !== undefined && Number(desired) !== replicas;
    });
  }

  private async scale(ctx: Ctx, newRs: ReplicaSetLike | undefined, old: ReplicaSetLike[]): Promise<void> {
    const d = ctx.d;
    const p = params(d);
    const all = [...(newRs ? [newRs] : []), ...old];
    const active = all.filter((rs) => specReplicas(rs) > 0);
    // FindActiveOrLatest: with at most one active ReplicaSet, it simply takes the full count.
    if (active.length <= 1) {
      const target = active[0] ?? newRs ?? [...old].sort(byCreation).at(-1);
      if (target && specReplicas(target) !== p.replicas) await this.scaleReplicaSet(ctx, target, p.replicas);
      return;
    }
    // IsSaturated: the new ReplicaSet runs everything, so the old ones go.
    if (
      newRs &&
      Number(newRs.metadata.annotations?.[DESIRED_REPLICAS]) === p.replicas &&
      specReplicas(newRs) === p.replicas &&
      (newRs.status?.availableReplicas ?? 0) === p.replicas
    ) {
      for (const rs of old) if (specReplicas(rs) > 0) await this.scaleReplicaSet(ctx, rs, 0);
      return;
    }
    if (d.spec?.strategy?.type === "Recreate") return;
    const sized = active.map((rs) => ({
      name: rs.metadata.name!,
      spec: specReplicas(rs),
      createdMs: creationMs(rs),
      maxReplicasAnnotation: rs.metadata.annotations?.[MAX_REPLICAS] !== undefined ? Number(rs.metadata.annotations[MAX_REPLICAS]) : undefined,
    }));
    const total = sized.reduce((s, r) => s + r.spec, 0);
    const allowed = p.replicas > 0 ? p.replicas + maxSurge(p) : 0;
    const op = allowed - total > 0 ? "up" : allowed - total < 0 ? "down" : undefined;
    const sizes = proportionalScale(p, sized, d.status?.replicas ?? 0);
    for (const rs of active) {
      const size = sizes.get(rs.metadata.name!)!;
      // Annotations (desired/max replicas) are refreshed even when the size stays.
      await this.scaleReplicaSet(ctx, rs, size, op);
    }
  }

  /** revisionHistoryLimit: delete the oldest fully scaled-down ReplicaSets beyond the limit. */
  private async cleanup(ctx: Ctx, old: ReplicaSetLike[]): Promise<void> {
    for (const rs of replicaSetsToClean(ctx.d, old)) {
      try {
        await this.opts.client.delete(R.replicasets, rs.metadata.namespace, rs.metadata.name!, {
          preconditions: { uid: rs.metadata.uid, resourceVersion: rs.metadata.resourceVersion },
        });
        ctx.rsList = ctx.rsList.filter((x) => x.metadata.uid !== rs.metadata.uid);
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  }

  // --- status -------------------------------------------------------------------

  private async syncRolloutStatus(ctx: Ctx): Promise<void> {
    const { newRs } = this.split(ctx);
    const { status, requeueAfterMs } = rolloutStatus(ctx.d, ctx.rsList, newRs, this.clock.now());
    ctx.requeueAfterMs = requeueAfterMs;
    await this.writeStatus(ctx, status);
  }

  private async syncStatusOnly(ctx: Ctx): Promise<void> {
    const { newRs } = this.split(ctx);
    await this.writeStatus(ctx, calculateStatus(ctx.d, ctx.rsList, newRs, this.clock.now()));
  }

  /** checkPausedConditions: Progressing Unknown with DeploymentPaused / DeploymentResumed. */
  private async checkPausedConditions(ctx: Ctx): Promise<void> {
    const d = ctx.d;
    if (d.spec?.progressDeadlineSeconds === undefined) return;
    const cond = getCondition(d.status, "Progressing");
    if (cond?.reason === Reasons.ProgressDeadlineExceeded) return;
    const pausedCond = cond?.reason === Reasons.DeploymentPaused;
    const status: DeploymentStatus = structuredClone(d.status ?? {});
    if (d.spec.paused && !pausedCond) {
      setCondition(status, newCondition("Progressing", "Unknown", Reasons.DeploymentPaused, "Deployment is paused", this.clock.now()));
    } else if (!d.spec.paused && pausedCond) {
      setCondition(status, newCondition("Progressing", "Unknown", Reasons.DeploymentResumed, "Deployment is resumed", this.clock.now()));
    } else return;
    await this.writeStatus(ctx, status, true);
  }

  private async writeStatus(ctx: Ctx, status: DeploymentStatus, force = false): Promise<void> {
    const d = ctx.d;
    if (!force && canonicalJson(d.status ?? {}) === canonicalJson(status)) return;
    const updated = await this.opts.client.updateStatus<DeploymentLike>(R.deployments, { ...d, status });
    // In place: callers hold references to ctx.d and must see the new resourceVersion.
    d.metadata = structuredClone(updated.metadata);
    d.status = structuredClone(updated.status ?? {});
  }
}

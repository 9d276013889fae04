// Revision history of a Deployment: pod-template hashes, revision annotations
// on its ReplicaSets, and rollback (what `kubectl rollout undo` does client-side,
// since apps/v1 has no rollback subresource).
import { R } from "../api/kinds.js";
import type { LabelSelectorObject } from "../api/selector.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { canonicalJson, controllerRef } from "./util.js";
import type { ReplicaSetLike } from "./replicaset.js";

export const POD_TEMPLATE_HASH = "pod-template-hash";
export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const CHANGE_CAUSE = "kubernetes.io/change-cause";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const ROLLBACK_TO = "deprecated.deployment.rollback.to";

/** Deployment annotations never copied onto ReplicaSets (deploymentutil.annotationsToSkip). */
export const ANNOTATIONS_TO_SKIP = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO]);
const MAX_REV_HISTORY_CHARS = 2000;

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: unknown;
}

export interface DeploymentLike extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: LabelSelectorObject;
    template?: PodTemplate;
    strategy?: { type?: string; rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    progressDeadlineSeconds?: number;
    paused?: boolean;
  };
  status?: DeploymentStatus;
}

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
  collisionCount?: number;
}

const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/** 32-bit FNV-1a over the UTF-8 bytes of s. */
function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * controller.ComputeHash: FNV-32a of the template (and collisionCount), the
 * decimal digits mapped onto a vowel-free alphabet (rand.SafeEncodeString), so
 * the result is stable across restarts and never spells words. Up to 10 chars.
 */
export function templateHash(template: PodTemplate | undefined, collisionCount?: number): string {
  const input = canonicalJson(template ?? {}) + (collisionCount !== undefined ? `#${collisionCount}` : "");
  return [...String(fnv32a(input))].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join("");
}

function withoutHash(t: PodTemplate | undefined): PodTemplate {
  const c = structuredClone(t ?? {});
  if (c.metadata?.labels) {
    delete c.metadata.labels[POD_TEMPLATE_HASH];
    if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
  }
  return c;
}

/** deploymentutil.EqualIgnoreHash. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return canonicalJson(withoutHash(a)) === canonicalJson(withoutHash(b));
}

export function revisionOf(obj: KubeObject): number {
  const v = obj.metadata.annotations?.[REVISION];
  const n = v === undefined ? 0 : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

export function maxRevision(rss: readonly KubeObject[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * SetNewReplicaSetAnnotations: copy the deployment's annotations (change-cause…),
 * raise the revision to newRevision if it is lower (a rollback keeps the old
 * numbers in revision-history). Mutates rs; returns whether anything changed.
 */
export function setNewRsAnnotations(d: DeploymentLike, rs: ReplicaSetLike, newRevision: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  const old = ann[REVISION];
  const oldRev = old === undefined ? 0 : Number(old);
  if (!Number.isInteger(oldRev)) return changed;
  if (oldRev < newRevision) {
    ann[REVISION] = String(newRevision);
    changed = true;
    if (old !== undefined) {
      const hist = ann[REVISION_HISTORY] ? ann[REVISION_HISTORY].split(",") : [];
      hist.push(old);
      while (hist.join(",").length > MAX_REV_HISTORY_CHARS) hist.shift();
      ann[REVISION_HISTORY] = hist.join(",");
    }
  }
  return changed;
}

/** SetReplicasAnnotations; returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSetLike, desired: number, max: number): boolean {
  const ann = (rs.metadata.annotations ??= {});
  let changed = false;
  if (ann[DESIRED_REPLICAS] !== String(desired)) {
    ann[DESIRED_REPLICAS] = String(desired);
    changed = true;
  }
  if (ann[MAX_REPLICAS] !== String(max)) {
    ann[MAX_REPLICAS] = String(max);
    changed = true;
  }
  return changed;
}

/** Old ReplicaSets revisionHistoryLimit allows deleting (cleanupDeployment), oldest revision first. */
export function replicaSetsToClean(d: DeploymentLike, old: readonly ReplicaSetLike[]): ReplicaSetLike[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined || limit === null) return [];
  const alive = old.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  return [...alive]
    .sort((a, b) => revisionOf(a) - revisionOf(b) || String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)))
    .slice(0, diff)
    .filter(
      (rs) =>
        (rs.status?.replicas ?? 0) === 0 &&
        (rs.spec?.replicas ?? 0) === 0 &&
        (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0),
    );
}

export interface RollbackResult {
  /** The revision whose template the deployment now has. */
  revision: number;
  /** Set when nothing was changed, with kubectl's explanation. */
  skipped?: string;
  deployment: DeploymentLike;
}

/**
 * `kubectl rollout undo [--to-revision=N]`: copy the ReplicaSet template of the
 * given revision (default: the one before the latest) back into the deployment.
 * The deployment controller then rolls forward to it, giving that ReplicaSet a
 * new revision number.
 */
export async function rollbackTo(client: Client, deploy: DeploymentLike, revision?: number): Promise<RollbackResult> {
  const ns = deploy.metadata.namespace;
  const name = deploy.metadata.name!;
  const d = await client.get<DeploymentLike>(R.deployments, ns, name);
  if (d.spec?.paused) {
    throw new Error("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
  }
  const rss = (await client.list<ReplicaSetLike>(R.replicasets, ns)).items.filter((rs) => controllerRef(rs)?.uid === d.metadata.uid);
  let target: ReplicaSetLike | undefined;
  if (revision && revision > 0) {
    target = rss.find((rs) => revisionOf(rs) === revision);
    if (!target) throw new Error(`unable to find specified revision ${revision} in history`);
  } else {
    const sorted = rss.filter((rs) => revisionOf(rs) > 0).sort((a, b) => revisionOf(b) - revisionOf(a));
    target = sorted[1];
    if (!target) throw new Error(`no rollout history found for deployment "${name}"`);
  }
  const rev = revisionOf(target);
  if (equalIgnoreHash(target.spec?.template, d.spec?.template)) {
    return { revision: rev, skipped: `skipped rollback (current template already matches revision ${rev})`, deployment: d };
  }
  const template = withoutHash(target.spec?.template);
  const annotations: Record<string, string> = {};
  for (const k of ANNOTATIONS_TO_SKIP) {
    const v = d.metadata.annotations?.[k];
    if (v !== undefined) annotations[k] = v;
  }
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  const patched = await client.patch<DeploymentLike>(R.deployments, ns, name, "json", [
    { op: "test", path: "/metadata/resourceVersion", value: d.metadata.resourceVersion },
    { op: "replace", path: "/spec/template", value: template },
    { op: "add", path: "/metadata/annotations", value: annotations },
  ]);
  return { revision: rev, deployment: patched };
}

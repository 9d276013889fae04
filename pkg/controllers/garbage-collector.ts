// The garbage collector: ownerReferences make a graph, and deleting an owner
// decides what happens to its dependents (kubernetes pkg/controller/garbagecollector):
// - Background: the owner goes at once; afterwards every dependent whose owners
//   are all gone is deleted.
// - Foreground: the owner stays (deletionTimestamp + finalizer "foregroundDeletion")
//   until its dependents are deleted; those with blockOwnerDeletion hold it back.
// - Orphan: the owner stays (finalizer "orphan") until its dependents have had
//   the ownerReference removed; then it goes and they live on.
//
// One key names one object ("<resource>|<namespace>/<name>"). A reconcile plays
// both roles: as an owner being deleted it handles its finalizers, as a
// dependent it checks that its owners still exist.
import { byKind, resourceKey, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject, V1OwnerReference } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import { keyOf, splitKey } from "../client/lister.js";
import { BY_OWNER_UID } from "./indexes.js";
import type { Reconciler } from "./runner.js";
import { isConflict, isNotFound, isTerminating, noEvents, type EventSink } from "./util.js";

export const FOREGROUND_FINALIZER = "foregroundDeletion";
export const ORPHAN_FINALIZER = "orphan";
/** Index of monitored objects by their own uid (owner existence checks). */
export const BY_UID = "uid";

export interface MonitoredResource {
  info: ResourceInfo;
  /** Needs the BY_OWNER_UID and BY_UID indexes. */
  lister: Lister<KubeObject>;
}

export interface GarbageCollectorOptions {
  client: Client;
  /** Kinds the collector watches as owners and dependents (pods, replicasets, deployments…). */
  resources: MonitoredResource[];
  events?: EventSink;
}

export function uidIndex(obj: KubeObject): string[] {
  return obj.metadata.uid ? [obj.metadata.uid] : [];
}

export function gcKey(info: ResourceInfo, obj: KubeObject): string {
  return `${resourceKey(info)}|${keyOf(obj)}`;
}

export class GarbageCollector implements Reconciler {
  readonly name = "garbage-collector";
  private readonly byResource = new Map<string, MonitoredResource>();
  private readonly monitored: MonitoredResource[] = [];

  constructor(private readonly opts: GarbageCollectorOptions) {
    for (const r of opts.resources) this.monitor(r);
  }

  /** Watch one more kind as owner and dependent (a CRD's kind, found at run time). Idempotent per kind. */
  monitor(r: MonitoredResource): void {
    if (this.byResource.has(resourceKey(r.info))) return;
    this.byResource.set(resourceKey(r.info), r);
    this.monitored.push(r);
  }

  /** Idempotent: settle one object's finalizers (as owner) and dangling references (as dependent). */
  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const bar = key.indexOf("|");
    const res = this.byResource.get(key.slice(0, bar));
    if (!res) return {};
    const { namespace, name } = splitKey(key.slice(bar + 1));
    const obj = res.lister.get(namespace, name);
    if (!obj) return {};
    if (isTerminating(obj)) {
      const fins = obj.metadata.finalizers ?? [];
      if (fins.includes(ORPHAN_FINALIZER)) await this.orphanDependents(res, obj);
      else if (fins.includes(FOREGROUND_FINALIZER)) await this.deleteDependentsFirst(res, obj);
    }
    await this.checkOwners(res, obj);
    return {};
  }

  // --- informer hooks (manager.ts) -----------------------------------------------

  /** Keys to enqueue when a monitored object changes. */
  objectChanged(info: ResourceInfo, obj: KubeObject, event: "add" | "update" | "delete"): string[] {
    const keys: string[] = [];
    if (event === "delete") {
      // Its dependents may now be orphaned (Background) …
      keys.push(...this.dependentsOf(obj.metadata.uid!).map((d) => gcKey(d.info, d.obj)));
      // … and an owner waiting in the foreground may now be free to go.
      for (const ref of obj.metadata.ownerReferences ?? []) {
        const owner = this.findCached(ref, obj.metadata.namespace);
        if (owner && isTerminating(owner.obj)) keys.push(gcKey(owner.info, owner.obj));
      }
      return keys;
    }
    const fins = obj.metadata.finalizers ?? [];
    const needsOwnerWork = isTerminating(obj) && (fins.includes(ORPHAN_FINALIZER) || fins.includes(FOREGROUND_FINALIZER));
    if (needsOwnerWork || (obj.metadata.ownerReferences ?? []).length > 0) keys.push(gcKey(info, obj));
    if (isTerminating(obj)) {
      // A dependent started terminating: its foreground owner may be waiting for that.
      for (const ref of obj.metadata.ownerReferences ?? []) {
        const owner = this.findCached(ref, obj.metadata.namespace);
        if (owner && isTerminating(owner.obj)) keys.push(gcKey(owner.info, owner.obj));
      }
    }
    return keys;
  }

  // --- internals ---------------------------------------------------------------

  private dependentsOf(uid: string): Array<{ info: ResourceInfo; obj: KubeObject }> {
    const out: Array<{ info: ResourceInfo; obj: KubeObject }> = [];
    for (const r of this.monitored) for (const obj of r.lister.byIndex(BY_OWNER_UID, uid)) out.push({ info: r.info, obj });
    return out;
  }

  private findCached(ref: V1OwnerReference, namespace: string | undefined): { info: ResourceInfo; obj: KubeObject } | undefined {
    const info = byKind(ref.apiVersion, ref.kind);
    if (!info) return undefined;
    const res = this.byResource.get(resourceKey(info));
    const obj = res?.lister.byIndex(BY_UID, ref.uid)[0];
    if (obj && (!info.namespaced || obj.metadata.namespace === namespace)) return { info, obj };
    return undefined;
  }

  /**
   * Does the owner still exist? The cache may lag behind a fresh owner, so an
   * owner missing there is confirmed with a live GET (uid must match) before
   * anyone's dependents are deleted on its account.
   */
  private async ownerExists(ref: V1OwnerReference, namespace: string | undefined): Promise<KubeObject | undefined | "unknown"> {
    const cached = this.findCached(ref, namespace);
    if (cached) return cached.obj;
    const info = byKind(ref.apiVersion, ref.kind);
    if (!info) return "unknown"; // a kind we do not serve: never collect on its account
    try {
      const live = await this.opts.client.get(info, info.namespaced ? namespace : undefined, ref.name);
      return live.metadata.uid === ref.uid ? live : undefined;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** attemptToDeleteItem: classify owners as solid, dangling or waiting (foreground), then act. */
  private async checkOwners(res: MonitoredResource, obj: KubeObject): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || isTerminating(obj)) return;
    const solid: V1OwnerReference[] = [];
    const gone: V1OwnerReference[] = [];
    let waiting = 0;
    for (const ref of refs) {
      const owner = await this.ownerExists(ref, obj.metadata.namespace);
      if (owner === undefined) gone.push(ref);
      else if (owner !== "unknown" && isTerminating(owner) && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) {
        waiting++;
        gone.push(ref);
      } else solid.push(ref);
    }
    if (solid.length > 0) {
      // Some owner lives on: drop references to the ones that are gone or going.
      if (gone.length > 0) await this.setOwnerReferences(res, obj, solid);
      return;
    }
    // No owner left: delete it; in the foreground when an owner waits on it and it has dependents of its own.
    const policy = waiting > 0 && this.dependentsOf(obj.metadata.uid!).length > 0 ? "Foreground" : "Background";
    await this.deleteObject(res, obj, policy);
  }

  private async orphanDependents(res: MonitoredResource, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const dep of this.dependentsOf(uid)) {
      const refs = (dep.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      await this.setOwnerReferences(this.byResource.get(resourceKey(dep.info))!, dep.obj, refs);
    }
    await this.removeFinalizer(res, owner, ORPHAN_FINALIZER);
  }

  private async deleteDependentsFirst(res: MonitoredResource, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid!;
    let blocked = false;
    for (const dep of this.dependentsOf(uid)) {
      const ref = (dep.obj.metadata.ownerReferences ?? []).find((r) => r.uid === uid);
      if (ref?.blockOwnerDeletion) blocked = true;
      if (!isTerminating(dep.obj)) {
        // Foreground only matters if the dependent has dependents of its own (attemptToDeleteItem).
        const policy = this.dependentsOf(dep.obj.metadata.uid!).length > 0 ? "Foreground" : "Background";
        await this.deleteObject(this.byResource.get(resourceKey(dep.info))!, dep.obj, policy);
      }
    }
    // Dependents still present (even terminating) with blockOwnerDeletion hold the owner back;
    // their deletion events bring the owner's key back here.
    if (!blocked) await this.removeFinalizer(res, owner, FOREGROUND_FINALIZER);
  }

  private async deleteObject(res: MonitoredResource, obj: KubeObject, policy: "Background" | "Foreground"): Promise<void> {
    try {
      await this.opts.client.delete(res.info, obj.metadata.namespace, obj.metadata.name!, {
        propagationPolicy: policy,
        preconditions: { uid: obj.metadata.uid },
      });
      (this.opts.events ?? noEvents).event(obj, "Normal", "GarbageCollected", `Deleted ${res.info.kind.toLowerCase()} ${obj.metadata.name}: its owner is gone`);
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async setOwnerReferences(res: MonitoredResource, obj: KubeObject, refs: V1OwnerReference[]): Promise<void> {
    try {
      await this.opts.client.patch(res.info, obj.metadata.namespace, obj.metadata.name!, "merge", {
        metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: obj.metadata.resourceVersion },
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e; // Conflict: retried with back-off against the fresher object
    }
  }

  private async removeFinalizer(res: MonitoredResource, obj: KubeObject, finalizer: string): Promise<void> {
    try {
      const fresh = await this.opts.client.get(res.info, obj.metadata.namespace, obj.metadata.name!);
      if (fresh.metadata.uid !== obj.metadata.uid || !(fresh.metadata.finalizers ?? []).includes(finalizer)) return;
      const next = structuredClone(fresh);
      next.metadata.finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      await this.opts.client.update(res.info, next);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }
}

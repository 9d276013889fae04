// Mirror mode: what a user runs in skiff, applied to a real cluster (kind, or
// any kubeconfig context) with server-side apply, once or continuously.
//
// Reading skiff goes through the Client (informers in watch mode), writing the
// target through a MirrorTarget (client-node). The mirror only ever deletes in
// the target what carries its label, and keeps a Namespace that still holds
// objects it did not create: deleting the namespace would take them with it.
import { apiVersionOf, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import { SharedInformer } from "../client/informer.js";
import {
  BUILT_IN_NAMESPACES,
  MIRRORED_BY_LABEL,
  MIRRORED_BY_VALUE,
  MIRRORED_SELECTOR,
  NamespaceScope,
  mirroredKinds,
  objectKey,
  rankOf,
  refOf,
  skipReason,
  type ServiceLookup,
} from "./scope.js";
import { stripForTarget } from "./strip.js";
import { asSent, droppedFields } from "./schema.js";
import { TargetError, type MirrorTarget } from "./target.js";

export type MirrorEventType =
  | "applied" // created or changed in the target
  | "unchanged" // already as skiff has it (watch mode: no request sent)
  | "deleted" // deleted in skiff, so deleted in the target
  | "pruned" // --prune: in the target with skiff's label, gone from skiff
  | "kept" // would have been deleted, but is not (only) skiff's
  | "skipped" // not mirrored (controller-made, a kind the target lacks…)
  | "note" // mirrored, but something was left out
  | "error";

export interface MirrorEvent {
  type: MirrorEventType;
  /** "deployment.apps/web -n demo" */
  ref: string;
  message?: string;
  /** A skip by design (made by a controller, built into every cluster): worth a count, not a line. */
  expected?: boolean;
}

export interface MirrorSummary {
  applied: number;
  unchanged: number;
  deleted: number;
  pruned: number;
  kept: number;
  skipped: number;
  notes: number;
  errors: number;
}

export interface MirrorOptions {
  /** skiff (HttpClient over $SKIFF_HOME/kubeconfig, or in-process in tests). */
  source: Client;
  target: MirrorTarget;
  /** Only these namespaces (-n); default every namespace but kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
  /** Delete what carries skiff's label in the target but is gone from skiff (once at start in watch mode). */
  prune?: boolean;
  /** Watch mode: changes arriving within this window are applied together, in dependency order. Default 50 ms. */
  coalesceMs?: number;
  /** Watch mode: a failed apply or delete is tried again after this long. Default 1 s. */
  retryMs?: number;
  onEvent?: (e: MirrorEvent) => void;
}

export interface MirrorWatch {
  /** Resolves when nothing is waiting to be applied (after the initial sync, when watch() resolved). */
  idle(): Promise<void>;
  summary(): MirrorSummary;
  /** Stop watching; waits for a batch in flight. Idempotent. */
  stop(): Promise<void>;
}

interface Pending {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string;
}

const emptySummary = (): MirrorSummary => ({ applied: 0, unchanged: 0, deleted: 0, pruned: 0, kept: 0, skipped: 0, notes: 0, errors: 0 });

export class Mirror {
  private readonly scope: NamespaceScope;
  private readonly kinds: ResourceInfo[];
  private readonly counts = emptySummary();
  /** objectKey → the JSON last applied, so a status-only change in skiff sends nothing. */
  private readonly lastApplied = new Map<string, string>();

  constructor(private readonly opts: MirrorOptions) {
    this.scope = new NamespaceScope(opts.namespaces);
    this.kinds = mirroredKinds();
  }

  /** List everything in scope, apply it in dependency order, then prune if asked. */
  async syncOnce(): Promise<MirrorSummary> {
    const present = new Set<string>();
    const services = new Map<string, KubeObject>();
    const lookupService: ServiceLookup = (ns, name) => services.get(`${ns}/${name}`);
    for (const info of this.kinds) {
      const items = (await this.opts.source.list(info, info.namespaced ? this.scope.single : undefined)).items;
      if (info.kind === "Service") for (const s of items) services.set(`${s.metadata.namespace}/${s.metadata.name}`, s);
      for (const obj of items) {
        if (!this.scope.includes(info, obj)) continue;
        const why = skipReason(info, obj, lookupService);
        if (why) {
          this.skip(info, obj, why);
          continue;
        }
        present.add(objectKey(info, obj.metadata.namespace, String(obj.metadata.name)));
        await this.applyOne(info, obj, true).catch((e: Error) => this.emit("error", refOf(info, obj.metadata.namespace, String(obj.metadata.name)), e.message));
      }
    }
    if (this.opts.prune) await this.prune(present);
    return this.summary();
  }

  /**
   * Keep applying changes until stop(): informers over skiff feed a coalescing
   * batch that applies in dependency order and deletes in reverse. Resolves once
   * the initial state has been applied (and pruned, with prune).
   */
  async watch(): Promise<MirrorWatch> {
    return new WatchLoop(this, this.opts, this.scope, this.kinds).start();
  }

  summary(): MirrorSummary {
    return { ...this.counts };
  }

  // ---- the operations both modes share -------------------------------------------

  /** Apply one object; `always` sends even when it matches what was applied last (a --once run trusts nothing). */
  async applyOne(info: ResourceInfo, obj: KubeObject, always: boolean): Promise<void> {
    const ref = refOf(info, obj.metadata.namespace, String(obj.metadata.name));
    const apiVersion = apiVersionOf(info);
    if (!(await this.opts.target.serves(apiVersion, info.kind))) {
      this.skip(info, obj, `the target does not serve ${apiVersion} ${info.kind}`, false);
      return;
    }
    const key = objectKey(info, obj.metadata.namespace, String(obj.metadata.name));
    const { object, notes } = stripForTarget(info, obj);
    const sent = asSent(object);
    for (const path of droppedFields(object, sent)) notes.push(`field ${path} is not part of Kubernetes' ${info.kind} and is not sent`);
    const json = JSON.stringify(sent);
    if (!always && this.lastApplied.get(key) === json) {
      this.counts.unchanged++;
      return;
    }
    await this.opts.target.apply(object);
    const firstOrChanged = this.lastApplied.get(key) !== json;
    this.lastApplied.set(key, json);
    this.emit("applied", ref);
    if (firstOrChanged) for (const n of notes) this.emit("note", ref, n);
  }

  /**
   * Delete in the target what skiff no longer has; only if it carries skiff's
   * label, and a Namespace only when nothing in it is someone else's.
   */
  async deleteOne(info: ResourceInfo, namespace: string | undefined, name: string, how: "deleted" | "pruned"): Promise<void> {
    const ref = refOf(info, namespace, name);
    const key = objectKey(info, namespace, name);
    this.lastApplied.delete(key);
    if (info.kind === "Namespace" && BUILT_IN_NAMESPACES.includes(name)) return;
    const apiVersion = apiVersionOf(info);
    if (!(await this.opts.target.serves(apiVersion, info.kind))) return;
    const live = await this.opts.target.get(apiVersion, info.kind, namespace, name);
    if (!live) return;
    if (live.metadata.labels?.[MIRRORED_BY_LABEL] !== MIRRORED_BY_VALUE) {
      this.emit("kept", ref, `not deleted in the target: it has no ${MIRRORED_SELECTOR} label, so skiff did not create it`);
      return;
    }
    if (info.kind === "Namespace") {
      const blockers = await this.foreignObjectsIn(name);
      if (blockers.length > 0) {
        this.emit("kept", ref, `not deleted in the target: it holds objects skiff did not create (${blockers.slice(0, 5).join(", ")}${blockers.length > 5 ? ", …" : ""})`);
        return;
      }
    }
    await this.opts.target.delete(apiVersion, info.kind, namespace, name);
    this.emit(how, ref);
  }

  /** Objects in a target namespace without skiff's label that deleting the namespace would take along. */
  private async foreignObjectsIn(namespace: string): Promise<string[]> {
    const out: string[] = [];
    const kinds = this.kinds.filter((k) => k.namespaced);
    const services = new Set<string>();
    for (const info of kinds) {
      if (!(await this.opts.target.serves(apiVersionOf(info), info.kind))) continue;
      const items = await this.opts.target.list(apiVersionOf(info), info.kind, namespace);
      for (const o of items) {
        const name = String(o.metadata.name);
        if (info.kind === "Service") services.add(name);
        if (o.metadata.labels?.[MIRRORED_BY_LABEL] === MIRRORED_BY_VALUE) continue;
        // Made by the target's controllers for something (ReplicaSets, pods…): goes with its owner.
        if ((o.metadata.ownerReferences ?? []).length > 0) continue;
        // What the target itself puts in every namespace or next to every service.
        if (info.kind === "ConfigMap" && name === "kube-root-ca.crt") continue;
        if (info.kind === "Endpoints" && services.has(name)) continue;
        out.push(refOf(info, undefined, name));
      }
    }
    return out;
  }

  /** --prune: delete what carries skiff's label in the target (within scope) but is not in `present`. */
  async prune(present: Set<string>): Promise<void> {
    for (const info of [...this.kinds].reverse()) {
      const apiVersion = apiVersionOf(info);
      if (!(await this.opts.target.serves(apiVersion, info.kind))) continue;
      const items = await this.opts.target.list(apiVersion, info.kind, info.namespaced ? this.scope.single : undefined, MIRRORED_SELECTOR);
      for (const o of items) {
        if (!this.scope.includes(info, o)) continue;
        // The selector already asked for the label; check again rather than trust a server that ignored it.
        if (o.metadata.labels?.[MIRRORED_BY_LABEL] !== MIRRORED_BY_VALUE) continue;
        const name = String(o.metadata.name);
        if (present.has(objectKey(info, o.metadata.namespace, name))) continue;
        await this.deleteOne(info, o.metadata.namespace, name, "pruned").catch((e: Error) => this.emit("error", refOf(info, o.metadata.namespace, name), e.message));
      }
    }
  }

  /** expected: left out by design (controller-made, built in), as opposed to something the target cannot take. */
  skip(info: ResourceInfo, obj: KubeObject, why: string, expected = true): void {
    this.emit("skipped", refOf(info, obj.metadata.namespace, String(obj.metadata.name)), why, expected);
  }

  emit(type: MirrorEventType, ref: string, message?: string, expected?: boolean): void {
    const field: Record<MirrorEventType, keyof MirrorSummary> = {
      applied: "applied",
      unchanged: "unchanged",
      deleted: "deleted",
      pruned: "pruned",
      kept: "kept",
      skipped: "skipped",
      note: "notes",
      error: "errors",
    };
    this.counts[field[type]]++;
    this.opts.onEvent?.({ type, ref, message, ...(expected ? { expected } : {}) });
  }
}

/** Watch mode: informers → a coalescing, ordered batch → the target. */
class WatchLoop {
  private readonly informers = new Map<string, SharedInformer>();
  private readonly dirty = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  private flushing: Promise<void> | undefined;
  private ready = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly coalesceMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly mirror: Mirror,
    private readonly opts: MirrorOptions,
    private readonly scope: NamespaceScope,
    private readonly kinds: ResourceInfo[],
  ) {
    this.coalesceMs = opts.coalesceMs ?? 50;
    this.retryMs = opts.retryMs ?? 1_000;
  }

  private readonly lookupService: ServiceLookup = (ns, name) => this.informers.get("Service")?.lister.get(ns, name);

  async start(): Promise<MirrorWatch> {
    for (const info of this.kinds) {
      const inf = new SharedInformer(this.opts.source, info, {
        namespace: info.namespaced ? this.scope.single : undefined,
        onError: (e) => this.mirror.emit("error", `${info.plural} (watching skiff)`, e.message),
      });
      this.informers.set(info.kind, inf);
      const mark = (obj: KubeObject) => {
        if (this.scope.includes(info, obj) && !skipReason(info, withoutDeletion(obj), this.lookupService)) this.mark(info, obj);
      };
      inf.addEventHandler({ add: mark, update: (_old, obj) => mark(obj), delete: mark });
    }
    // Dependency order here too, so the first batch finds every kind's objects.
    for (const inf of this.informers.values()) await inf.start();
    this.ready = true;
    await this.flushNow();
    if (this.opts.prune) await this.mirror.prune(this.present());
    this.schedule();
    return {
      idle: () => this.idle(),
      summary: () => this.mirror.summary(),
      stop: () => this.stop(),
    };
  }

  private present(): Set<string> {
    const out = new Set<string>();
    for (const info of this.kinds) {
      for (const obj of this.informers.get(info.kind)!.lister.list()) {
        if (this.scope.includes(info, obj) && !skipReason(info, withoutDeletion(obj), this.lookupService)) out.add(objectKey(info, obj.metadata.namespace, String(obj.metadata.name)));
      }
    }
    return out;
  }

  private mark(info: ResourceInfo, obj: KubeObject): void {
    const name = String(obj.metadata.name);
    this.dirty.set(objectKey(info, obj.metadata.namespace, name), { info, namespace: info.namespaced ? obj.metadata.namespace : undefined, name });
    this.schedule();
  }

  private schedule(): void {
    if (!this.ready || this.stopped || this.timer || this.flushing || this.dirty.size === 0) {
      if (this.dirty.size === 0 && !this.timer && !this.flushing) this.wakeIdle();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flushNow().then(() => this.schedule());
    }, this.coalesceMs);
  }

  private async flushNow(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.flush().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** One batch: every dirty key, applies in dependency order, then deletes in reverse. */
  private async flush(): Promise<void> {
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    const applies: Array<[Pending, KubeObject]> = [];
    const deletes: Pending[] = [];
    for (const p of batch) {
      const obj = this.informers.get(p.info.kind)?.lister.get(p.namespace, p.name);
      if (obj && !obj.metadata.deletionTimestamp && !skipReason(p.info, obj, this.lookupService)) applies.push([p, obj]);
      else if (!obj) deletes.push(p);
      // Being deleted in skiff (graceful): its delete event follows.
    }
    applies.sort((a, b) => rankOf(a[0].info) - rankOf(b[0].info));
    deletes.sort((a, b) => rankOf(b.info) - rankOf(a.info));
    for (const [p, obj] of applies) {
      if (this.stopped) return;
      await this.mirror.applyOne(p.info, obj, false).catch((e: Error) => this.fail(p, e));
    }
    for (const p of deletes) {
      if (this.stopped) return;
      await this.mirror.deleteOne(p.info, p.namespace, p.name, "deleted").catch((e: Error) => this.fail(p, e));
    }
  }

  private fail(p: Pending, e: Error): void {
    // The target refused the object itself (invalid, forbidden, an immutable field): trying again
    // cannot help; the next change in skiff tries again. Anything else (network, 404 of a namespace
    // not there yet, 409, 5xx) is retried.
    if (e instanceof TargetError && [400, 403, 422].includes(e.code)) {
      this.mirror.emit("error", refOf(p.info, p.namespace, p.name), `${e.message} (not retried until it changes in skiff)`);
      return;
    }
    this.mirror.emit("error", refOf(p.info, p.namespace, p.name), `${e.message} (retrying in ${this.retryMs} ms)`);
    const key = objectKey(p.info, p.namespace, p.name);
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      if (this.stopped || this.dirty.has(key)) return;
      this.dirty.set(key, p);
      this.schedule();
    }, this.retryMs);
    this.retryTimers.add(t);
  }

  private idle(): Promise<void> {
    if (this.dirty.size === 0 && !this.timer && !this.flushing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const inf of this.informers.values()) inf.stop();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    await this.flushing?.catch(() => undefined);
    this.wakeIdle();
  }
}

/** Whether a deleted (or terminating) object was one the mirror copies: judge it as it was. */
function withoutDeletion(obj: KubeObject): KubeObject {
  if (!obj.metadata.deletionTimestamp) return obj;
  return { ...obj, metadata: { ...obj.metadata, deletionTimestamp: undefined } };
}

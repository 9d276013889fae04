// The registry is the API server's business logic, independent of HTTP: what
// create/update/patch/delete mean for each kind (defaulting, validation, uid and
// generation, the status subresource, graceful deletion, finalizers, namespaces).
// The HTTP handlers and the in-process client both call it, so behaviour is the
// same whichever way a request arrives.
import { apiVersionOf, byKind, resourceKey, RESOURCES, storedResources, type ResourceInfo } from "../api/kinds.js";
import { ApiError, errors, FieldError } from "../api/errors.js";
import type { KubeList, KubeObject, WatchEvent } from "../api/types.js";
import { applyDefaults } from "../api/defaults.js";
import { qosClass } from "../api/qos.js";
import { validateObject } from "../api/validation.js";
import { findUnknownFields } from "../api/schema.js";
import { decodeJsonTypes } from "../api/json-types.js";
import { LabelSelector, FieldSelector } from "../api/selector.js";
import type { Store, Watch } from "../store/store.js";
import { applyPatch } from "./patch.js";
import { generateNameSuffix, jsonEqual, newUid, rfc3339, specPart } from "./object-meta.js";
import { checkPodUpdate } from "./pod-update.js";
import { fieldLabelsFor } from "./field-labels.js";
import { allocatePodCidr } from "./node-ipam.js";
import { allocateServiceAddressesFrom, serviceClaimValues, usedFromClaims } from "./service-alloc.js";
import { RangeAllocator } from "./range-allocation.js";
import { tooDeepMessage, valueTooDeep } from "../util/json-depth.js";
import { ensureBuiltinObjects } from "./builtin-objects.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** Per-request options and outputs (warnings travel back as HTTP Warning headers). */
export interface RequestContext {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  fieldManager?: string;
  /** Who is asking, for audit, events and admission; set by authentication. */
  user?: string;
  groups?: string[];
  warnings: string[];
  /** Added to the request's audit log line (ValidatingAdmissionPolicy's Audit action). */
  auditAnnotations?: Record<string, string>;
}

export function newContext(partial: Partial<RequestContext> = {}): RequestContext {
  return { warnings: [], ...partial };
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WatchQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

/** Namespaces that exist from the start, as in every Kubernetes cluster. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** Kinds whose status is owned by a controller or agent, not by the spec writer. */
function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.includes("status");
}

function ref(info: ResourceInfo, namespace: string | undefined, name: string) {
  return { resource: resourceKey(info), namespace: info.namespaced ? (namespace ?? "") : "", name };
}

/** What an admission plugin sees (Kubernetes' admission.Attributes). */
export interface AdmissionAttributes {
  operation: "CREATE" | "UPDATE" | "DELETE";
  info: ResourceInfo;
  namespace?: string;
  name?: string;
  /** The object to be stored (CREATE/UPDATE); plugins may change it (defaults from a LimitRange). */
  object?: KubeObject;
  oldObject?: KubeObject;
  subresource?: string;
  ctx: RequestContext;
}

/** Mutates or rejects writes before validation; rejections are ApiError (Forbidden, Invalid). */
export interface AdmissionPlugin {
  readonly name: string;
  admit(a: AdmissionAttributes): Promise<void> | void;
}

export interface RegistryOptions {
  /** Run in order on every create, update and delete (quota, limit ranges, policy). */
  admission?: AdmissionPlugin[];
  clock?: () => Date;
  /** How often a terminating namespace is swept for remaining content. */
  namespaceSweepMs?: number;
  /** Where Service cluster IPs come from (the cluster network's service range); default: the loopback block. */
  serviceCidr?: string;
}

export class Registry {
  private readonly clock: () => Date;
  private readonly sweepMs: number;
  private readonly admission: AdmissionPlugin[];
  private readonly sweeping = new Map<string, NodeJS.Timeout>();
  private closed = false;
  private allocationChain: Promise<unknown> = Promise.resolve();
  /** Service IPs and node ports, and node pod CIDRs: pools shared by every API server over the store. */
  private readonly servicePool: RangeAllocator;
  private readonly podCidrPool: RangeAllocator;
  private readonly serviceCidr: string | undefined;

  constructor(
    readonly store: Store,
    opts: RegistryOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.admission = opts.admission ?? [];
    this.sweepMs = opts.namespaceSweepMs ?? 500;
    this.serviceCidr = opts.serviceCidr;
    const seed = (kind: string, values: (o: KubeObject) => string[]) => async () => {
      const info = RESOURCES.find((r) => r.kind === kind)!;
      const items = (await this.store.list(resourceKey(info))).items;
      return items.flatMap((o) => values(o).map((v): [string, string] => [v, poolOwner(o)]));
    };
    this.servicePool = new RangeAllocator(store, "services", { clock: this.clock, seed: seed("Service", serviceClaimValues) });
    this.podCidrPool = new RangeAllocator(store, "podcidrs", { clock: this.clock, seed: seed("Node", podCidrValues) });
  }

  /** Create the system namespaces if missing; idempotent. */
  async bootstrap(): Promise<void> {
    const ns = RESOURCES.find((r) => r.kind === "Namespace")!;
    for (const name of SYSTEM_NAMESPACES) {
      if (!(await this.store.get(ref(ns, undefined, name)))) {
        await this.create(ns, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } }, newContext());
      }
    }
    await ensureBuiltinObjects({
      exists: async (info, name) => (await this.store.get(ref(info, undefined, name))) !== undefined,
      create: async (info, obj) => void (await this.store.create(ref(info, undefined, obj.metadata.name!), this.prepareBuiltin(info, obj))),
    });
    // Resume sweeping namespaces that were terminating when the process stopped.
    for (const item of (await this.store.list(resourceKey(ns))).items) {
      if (item.metadata.deletionTimestamp) this.scheduleNamespaceSweep(item.metadata.name!);
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.sweeping.values()) clearTimeout(t);
    this.sweeping.clear();
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.store.get(ref(info, namespace, name));
    if (!obj) throw errors.notFound(info.group, info.plural, name);
    return obj;
  }

  async list(info: ResourceInfo, namespace: string | undefined, q: ListQuery = {}): Promise<KubeList> {
    const match = this.matcher(info, q.labelSelector, q.fieldSelector);
    const res = await this.store.list(resourceKey(info), { namespace: info.namespaced ? namespace : undefined });
    let items = res.items.filter(match);
    let cont: string | undefined;
    let remaining: number | undefined;
    if (q.continue) {
      const after = decodeContinue(q.continue);
      items = items.filter((o) => compareKey(o, after) > 0);
    }
    if (q.limit && q.limit > 0 && items.length > q.limit) {
      remaining = items.length - q.limit;
      items = items.slice(0, q.limit);
      const last = items[items.length - 1];
      cont = encodeContinue(last.metadata.namespace ?? "", last.metadata.name ?? "");
    }
    const metadata: KubeList["metadata"] = { resourceVersion: res.resourceVersion };
    if (cont) {
      metadata.continue = cont;
      metadata.remainingItemCount = remaining;
    }
    return { apiVersion: apiVersionOf(info), kind: `${info.kind}List`, metadata, items };
  }

  async create(info: ResourceInfo, namespace: string | undefined, body: unknown, ctx: RequestContext): Promise<KubeObject> {
    return this.exclusiveFor(info, () => this.createUnlocked(info, namespace, body, ctx));
  }

  private async createUnlocked(info: ResourceInfo, namespace: string | undefined, body: unknown, ctx: RequestContext): Promise<KubeObject> {
    const obj = this.decodeBody(info, body, ctx);
    const meta = obj.metadata;
    if (info.namespaced) {
      const ns = meta.namespace ?? namespace ?? "default";
      if (namespace && meta.namespace && meta.namespace !== namespace) {
        throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      }
      meta.namespace = ns;
      await this.requireActiveNamespace(ns);
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateNameSuffix();
    applyDefaults(obj);
    this.prepareForCreate(info, obj);
    if (info.kind === "Node") await this.assignPodCidr(obj, ctx);
    if (info.kind === "Service") await this.allocateService(info, obj, undefined, ctx);
    try {
      await this.admit({ operation: "CREATE", info, namespace: meta.namespace, name: meta.name, object: obj, ctx });
      this.validate(info, obj);
      if (ctx.dryRun) return obj;
      return await this.store.create(ref(info, meta.namespace, meta.name!), obj);
    } catch (e) {
      // Nothing was stored: give back what was claimed for it.
      if (!ctx.dryRun) await this.releaseClaims(info, obj);
      throw e;
    }
  }

  /** PUT: replace the object (main resource or status subresource). */
  async update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    body: unknown,
    ctx: RequestContext,
    subresource?: "status",
  ): Promise<KubeObject> {
    const obj = this.decodeBody(info, body, ctx);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    if (info.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
    }
    const old = await this.get(info, namespace, name);
    return this.replace(info, old, obj, ctx, subresource, obj.metadata.resourceVersion);
  }

  /** PATCH with any supported content type; retried on write conflicts like GuaranteedUpdate. */
  async patch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    contentType: string,
    patchBody: unknown,
    ctx: RequestContext,
    subresource?: "status",
  ): Promise<KubeObject> {
    if (typeof patchBody === "object" && valueTooDeep(patchBody)) throw errors.badRequest(tooDeepMessage());
    for (let attempt = 0; ; attempt++) {
      let old: KubeObject | undefined;
      try {
        old = await this.get(info, namespace, name);
      } catch (e) {
        // Server-side apply creates what does not exist yet.
        if (contentType.startsWith("application/apply-patch") && e instanceof ApiError && e.reason === "NotFound" && !subresource) {
          const created = applyPatch(contentType, {}, patchBody, info.kind, { fieldManager: ctx.fieldManager }) as KubeObject;
          created.metadata = { ...(created.metadata ?? {}), name, namespace };
          return this.create(info, namespace, created, ctx);
        }
        throw e;
      }
      const patched = applyPatch(contentType, structuredClone(old), patchBody, info.kind, { fieldManager: ctx.fieldManager }) as KubeObject;
      // A patch may remove metadata (the server-owned fields come back from the stored object) but not make it a non-object.
      if (patched.metadata === undefined || patched.metadata === null) patched.metadata = {};
      else if (typeof patched.metadata !== "object" || Array.isArray(patched.metadata)) {
        throw errors.invalid(info.kind, name, [new FieldError("Invalid", "metadata", patched.metadata, "must be an object")], info.group);
      }
      this.decodeTypes(info, patched);
      // A resourceVersion inside the patch is a precondition; otherwise the patch
      // applies to whatever is current, so a conflict just means "try again".
      const precondition = patched.metadata?.resourceVersion !== old.metadata.resourceVersion ? patched.metadata?.resourceVersion : undefined;
      try {
        return await this.replace(info, old, patched, ctx, subresource, precondition ?? old.metadata.resourceVersion, precondition !== undefined);
      } catch (e) {
        if (e instanceof ApiError && e.reason === "Conflict" && precondition === undefined && attempt < 5) continue;
        throw e;
      }
    }
  }

  private replace(
    info: ResourceInfo,
    old: KubeObject,
    incoming: KubeObject,
    ctx: RequestContext,
    subresource: "status" | undefined,
    expectedRv: string | undefined,
    strictPrecondition = true,
  ): Promise<KubeObject> {
    return this.exclusiveFor(info, () => this.settleClaims(info, old, incoming, ctx, subresource, () => this.replaceUnlocked(info, old, incoming, ctx, subresource, expectedRv, strictPrecondition)));
  }

  private async replaceUnlocked(
    info: ResourceInfo,
    old: KubeObject,
    incoming: KubeObject,
    ctx: RequestContext,
    subresource: "status" | undefined,
    expectedRv: string | undefined,
    strictPrecondition = true,
  ): Promise<KubeObject> {
    let next: KubeObject;
    if (subresource === "status") {
      // Only status moves; everything else stays as stored.
      next = { ...structuredClone(old), status: incoming.status };
    } else {
      next = incoming;
      next.apiVersion = apiVersionOf(info);
      next.kind = info.kind;
      if (hasStatusSubresource(info) && old.status !== undefined) next.status = structuredClone(old.status);
      applyDefaults(next);
    }
    const meta = next.metadata;
    // Fields the server owns survive any update.
    meta.name = old.metadata.name;
    meta.namespace = old.metadata.namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.deletionTimestamp = old.metadata.deletionTimestamp;
    meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    if (!info.namespaced) delete meta.namespace;
    if (old.metadata.generation !== undefined) {
      const changed = subresource !== "status" && !jsonEqual(specPart(old), specPart(next));
      meta.generation = old.metadata.generation + (changed ? 1 : 0);
    }
    if (expectedRv && expectedRv !== old.metadata.resourceVersion && strictPrecondition) {
      throw errors.conflict(info.group, info.plural, meta.name!);
    }
    if (info.kind === "Pod" && subresource !== "status") checkPodUpdate(old, next);
    if (info.kind === "Service" && subresource !== "status") await this.allocateService(info, next, old, ctx);
    await this.admit({ operation: "UPDATE", info, namespace: meta.namespace, name: meta.name, object: next, oldObject: old, subresource, ctx });
    this.validate(info, next, old);
    meta.resourceVersion = old.metadata.resourceVersion;

    // Last finalizer removed from an object being deleted: now it goes.
    if (meta.deletionTimestamp && (meta.finalizers ?? []).length === 0 && this.canFinishDeletion(info, next)) {
      if (ctx.dryRun) return next;
      return this.store.delete(ref(info, meta.namespace, meta.name!), old.metadata.resourceVersion);
    }
    if (ctx.dryRun) return next;
    if (jsonEqual(old, next)) return old; // a no-op write does not bump resourceVersion
    return this.store.update(ref(info, meta.namespace, meta.name!), next, old.metadata.resourceVersion);
  }

  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions,
    ctx: RequestContext,
  ): Promise<{ object: KubeObject; finished: boolean }> {
    const old = await this.get(info, namespace, name);
    const meta = old.metadata;
    await this.admit({ operation: "DELETE", info, namespace, name, oldObject: old, ctx });
    if (opts.preconditions?.uid && opts.preconditions.uid !== meta.uid) {
      throw errors.conflict(info.group, info.plural, name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${meta.uid}`);
    }
    if (opts.preconditions?.resourceVersion && opts.preconditions.resourceVersion !== meta.resourceVersion) {
      throw errors.conflict(info.group, info.plural, name, `Precondition failed: ResourceVersion in precondition: ${opts.preconditions.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
    }
    const now = this.clock();
    const finalizers = new Set(meta.finalizers ?? []);
    if (opts.propagationPolicy === "Foreground") finalizers.add("foregroundDeletion");
    if (opts.propagationPolicy === "Orphan") finalizers.add("orphan");
    const grace = this.gracePeriod(info, old, opts);

    if (info.kind === "Namespace") return this.deleteNamespace(info, old, ctx);

    if (finalizers.size > 0 || grace > 0) {
      const next = structuredClone(old);
      const deadline = new Date(now.getTime() + grace * 1000);
      const currentDeadline = meta.deletionTimestamp ? Date.parse(meta.deletionTimestamp) : Infinity;
      if (deadline.getTime() < currentDeadline) {
        next.metadata.deletionTimestamp = rfc3339(deadline);
        next.metadata.deletionGracePeriodSeconds = grace;
      }
      next.metadata.finalizers = finalizers.size > 0 ? [...finalizers] : undefined;
      if (next.metadata.finalizers === undefined) delete next.metadata.finalizers;
      if (ctx.dryRun) return { object: next, finished: false };
      if (jsonEqual(old, next)) return { object: old, finished: false };
      const updated = await this.store.update(ref(info, namespace, name), next, meta.resourceVersion);
      return { object: updated, finished: false };
    }
    if (ctx.dryRun) return { object: old, finished: true };
    const deleted = await this.store.delete(ref(info, namespace, name), meta.resourceVersion);
    await this.releaseClaims(info, old);
    return { object: deleted, finished: true };
  }

  async deleteCollection(info: ResourceInfo, namespace: string | undefined, q: ListQuery, opts: DeleteOptions, ctx: RequestContext): Promise<KubeList> {
    const list = await this.list(info, namespace, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector });
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        items.push((await this.delete(info, item.metadata.namespace, item.metadata.name!, opts, ctx)).object);
      } catch (e) {
        if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
      }
    }
    return { ...list, items };
  }

  /**
   * Watch with Kubernetes semantics: no resourceVersion (or "0") first sends the
   * current state as ADDED events, then changes; a version resumes after it.
   */
  async watch(info: ResourceInfo, namespace: string | undefined, q: WatchQuery, handler: (ev: WatchEvent) => void): Promise<Watch> {
    const match = this.matcher(info, q.labelSelector, q.fieldSelector);
    const ns = info.namespaced ? namespace : undefined;
    const filtered = !!(q.labelSelector || q.fieldSelector);
    let from = q.resourceVersion;
    // With a selector, remember which objects the watcher sees, so an object
    // that stops matching is reported as DELETED and one that starts matching
    // as ADDED — what Kubernetes' watch cache does from each event's previous
    // object. Resuming from a version, the state then is known for objects not
    // written since (their current state) and for objects created since (none).
    // For one modified since, the store keeps no previous object: its first
    // change counts as a transition — ADDED if it matches, DELETED if not. Where
    // that guesses wrong, client-go copes: an ADDED for an object it has is an
    // update, a DELETED for one it never had is dropped.
    const visible = new Set<string>();
    const settled = new Set<string>();
    const keyOf = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const replay = !from || from === "0";
    if (replay || filtered) {
      const current = await this.store.list(resourceKey(info), { namespace: ns });
      for (const item of current.items) {
        const key = keyOf(item);
        if (!replay && Number(item.metadata.resourceVersion) > Number(from)) continue; // decided by its first event
        settled.add(key);
        if (!match(item)) continue;
        visible.add(key);
        if (replay) handler({ type: "ADDED", object: item });
      }
      if (replay) from = current.resourceVersion;
    }
    return this.store.watch(resourceKey(info), { namespace: ns, resourceVersion: from }, (ev) => {
      if (!filtered) return handler(ev);
      const key = keyOf(ev.object);
      if (!settled.has(key)) {
        settled.add(key);
        if (ev.type === "MODIFIED" ? !match(ev.object) : ev.type === "DELETED" && match(ev.object)) visible.add(key);
      }
      const matches = ev.type !== "DELETED" && match(ev.object);
      const wasVisible = visible.has(key);
      if (matches) {
        visible.add(key);
        handler({ type: wasVisible ? "MODIFIED" : "ADDED", object: ev.object });
      } else if (wasVisible) {
        visible.delete(key);
        handler({ type: "DELETED", object: ev.object });
      }
    });
  }

  /**
   * Bind a pod to a node (the pods/binding subresource). Only an unbound, live
   * pod can be bound; binding twice is a Conflict, which is what keeps two
   * schedulers from placing one pod on two nodes.
   */
  async bindPod(namespace: string, name: string, nodeName: string, uid?: string): Promise<KubeObject> {
    const info = RESOURCES.find((r) => r.kind === "Pod")!;
    for (let attempt = 0; ; attempt++) {
      const pod = await this.get(info, namespace, name);
      const spec = (pod.spec ?? {}) as { nodeName?: string };
      if (uid && pod.metadata.uid !== uid) throw errors.conflict("", "pods", name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata.uid}`);
      if (spec.nodeName) throw errors.conflict("", "pods", name, `pod ${name} is already assigned to node "${spec.nodeName}"`);
      if (pod.metadata.deletionTimestamp) throw errors.conflict("", "pods", name, `pod ${name} is being deleted, cannot be assigned to a host`);
      const next = structuredClone(pod);
      (next.spec as { nodeName?: string }).nodeName = nodeName;
      const status = (next.status ?? {}) as { conditions?: Array<Record<string, unknown>> };
      const conditions = (status.conditions ?? []).filter((c) => c.type !== "PodScheduled");
      conditions.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: rfc3339(this.clock()) });
      status.conditions = conditions;
      next.status = status;
      try {
        return await this.store.update(ref(info, namespace, name), next, pod.metadata.resourceVersion);
      } catch (e) {
        if (e instanceof ApiError && e.reason === "Conflict" && attempt < 5) continue;
        throw e;
      }
    }
  }

  // --- internals -----------------------------------------------------------

  private async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.admission) await p.admit(a);
  }

  private decodeBody(info: ResourceInfo, body: unknown, ctx: RequestContext): KubeObject {
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw errors.badRequest(`the body of the request was in an unknown format: expected a ${info.kind} object`);
    }
    // In-process callers skip the HTTP body parser's check; structuredClone would overflow.
    if (valueTooDeep(body)) throw errors.badRequest(tooDeepMessage());
    const obj = structuredClone(body) as KubeObject;
    const wantVersion = apiVersionOf(info);
    if (obj.kind !== undefined && obj.kind !== info.kind) {
      throw errors.badRequest(`the kind of the provided object (${shown(obj.kind)}) does not match the resource ${info.plural} (${info.kind})`);
    }
    if (obj.apiVersion !== undefined && obj.apiVersion !== wantVersion) {
      const known = typeof obj.apiVersion === "string" && typeof obj.kind === "string" ? byKind(obj.apiVersion, obj.kind) : undefined;
      if (!known) throw errors.badRequest(`no kind "${shown(obj.kind ?? info.kind)}" is registered for version "${shown(obj.apiVersion)}"`);
    }
    obj.apiVersion = wantVersion;
    obj.kind = info.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (typeof obj.metadata !== "object" || Array.isArray(obj.metadata)) {
      throw errors.invalid(info.kind, "", [new FieldError("Invalid", "metadata", obj.metadata, "must be an object")], info.group);
    }
    this.decodeTypes(info, obj);
    const mode = ctx.fieldValidation ?? "Warn";
    // Custom kinds have no model: their schema prunes unknown fields (apiextensions admission).
    if (mode !== "Ignore" && !info.custom) {
      const unknown = findUnknownFields(obj, info.model);
      if (unknown.length > 0) {
        if (mode === "Strict") {
          throw errors.badRequest(`strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(", ")}`);
        }
        for (const p of unknown) ctx.warnings.push(`unknown field "${p}"`);
      }
    }
    return obj;
  }

  /**
   * Kubernetes decodes every body into Go structs first: a value of the wrong
   * JSON type is a 400 and nothing is stored; quantities come back canonical.
   * Custom kinds are checked against their CRD schema instead.
   */
  private decodeTypes(info: ResourceInfo, obj: KubeObject): void {
    if (info.custom) return;
    const wrong = decodeJsonTypes(obj, info.model);
    if (wrong) throw errors.badRequest(`${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${wrong.message}`);
  }

  private validate(info: ResourceInfo, obj: KubeObject, old?: KubeObject): void {
    const errs = validateObject(obj, old ? { isUpdate: true, old } : undefined);
    if (errs.length > 0) throw errors.invalid(info.kind, typeof obj.metadata.name === "string" ? obj.metadata.name : "", errs, info.group);
  }

  /** A built-in object as create() would store it, without admission (nothing may refuse these). */
  private prepareBuiltin(info: ResourceInfo, obj: KubeObject): KubeObject {
    const out = applyDefaults(structuredClone(obj));
    const status = out.status;
    this.prepareForCreate(info, out);
    if (status !== undefined) out.status = status;
    this.validate(info, out);
    return out;
  }

  /** What the server sets on a new object, whatever the client sent. */
  private prepareForCreate(info: ResourceInfo, obj: KubeObject): void {
    const meta = obj.metadata;
    meta.uid = newUid();
    meta.creationTimestamp = rfc3339(this.clock());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (["Deployment", "ReplicaSet", "Service", "Pod", "Namespace", "DaemonSet", "PodDisruptionBudget"].includes(info.kind) || info.subresources.includes("scale")) {
      meta.generation = 1;
    }
    switch (info.kind) {
      case "Pod":
        obj.status = { phase: "Pending", qosClass: qosClass(obj.spec) };
        break;
      case "Deployment":
      case "ReplicaSet":
        obj.status = {};
        break;
      case "Service":
        obj.status = { loadBalancer: {} };
        break;
      case "Namespace":
        obj.status = { phase: "Active" };
        break;
      case "PersistentVolume":
      case "PersistentVolumeClaim":
        // The binder moves them on from here (PrepareForCreate in Kubernetes).
        obj.status = { phase: "Pending" };
        break;
    }
  }

  private gracePeriod(info: ResourceInfo, obj: KubeObject, opts: DeleteOptions): number {
    if (info.kind !== "Pod") return 0;
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    // An unscheduled pod has no containers to stop: it goes at once, as in Kubernetes.
    if (!spec.nodeName) return 0;
    if (obj.status && (obj.status as { phase?: string }).phase && ["Succeeded", "Failed"].includes((obj.status as { phase: string }).phase)) return 0;
    return Math.max(0, opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30);
  }

  private canFinishDeletion(info: ResourceInfo, obj: KubeObject): boolean {
    // A pod on a node is removed by its agent (grace 0 delete) once containers stop.
    return !(info.kind === "Pod" && (obj.spec as { nodeName?: string } | undefined)?.nodeName && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0);
  }

  /**
   * Serialise this process's writes of kinds that allocate from shared pools
   * (service IPs, node ports, node pod CIDRs). Correctness across API servers
   * comes from the pools' compare-and-swap (range-allocation.ts); this only
   * spares in-process writers from racing each other into retries.
   */
  private exclusiveFor<T>(info: ResourceInfo, fn: () => Promise<T>): Promise<T> {
    if (info.kind !== "Service" && info.kind !== "Node") return fn();
    const run = this.allocationChain.then(fn, fn);
    this.allocationChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /**
   * Fill in the service's cluster IP and node ports from the shared pool and
   * claim them there. On an update the old values stay claimed too until the
   * write settles (settleClaims), so a failed write loses nothing.
   */
  private async allocateService(info: ResourceInfo, svc: KubeObject, old: KubeObject | undefined, ctx: RequestContext): Promise<void> {
    const spec = await this.servicePool.claim(
      poolOwner(old ?? svc),
      (taken) => {
        const candidate = structuredClone(svc);
        const errs = allocateServiceAddressesFrom(candidate, usedFromClaims(taken), old, this.serviceCidr);
        if (errs.length > 0) throw errors.invalid(info.kind, svc.metadata.name ?? "", errs, info.group);
        return { values: serviceClaimValues(candidate), result: candidate.spec };
      },
      { dryRun: ctx.dryRun },
    );
    svc.spec = spec;
  }

  /**
   * After a Service update: keep claimed only what the stored object holds —
   * the new values (allocateService put them on `incoming`), or the old ones
   * if the write failed.
   */
  private async settleClaims(
    info: ResourceInfo,
    old: KubeObject,
    incoming: KubeObject,
    ctx: RequestContext,
    subresource: "status" | undefined,
    write: () => Promise<KubeObject>,
  ): Promise<KubeObject> {
    if (info.kind !== "Service" || ctx.dryRun || subresource === "status") return write();
    const owner = poolOwner(old);
    const before = serviceClaimValues(old);
    let stored: KubeObject;
    try {
      stored = await write();
    } catch (e) {
      // Whatever this update claimed goes back, except what the stored object holds now
      // (a concurrent update of the same service elsewhere may have stored the same value).
      const current = await this.store.get(ref(info, old.metadata.namespace, old.metadata.name!)).catch(() => undefined);
      const keep = [...before, ...(current && current.metadata.uid === old.metadata.uid ? serviceClaimValues(current) : [])];
      await this.servicePool.release(owner, without(serviceClaimValues(incoming), keep)).catch(() => undefined);
      throw e;
    }
    // The last finalizer of a service being deleted went: replaceUnlocked deleted it (and returned the old object).
    const deleted = !!incoming.metadata?.deletionTimestamp && (incoming.metadata.finalizers ?? []).length === 0;
    const held = deleted ? [] : serviceClaimValues(stored);
    await this.servicePool.release(owner, without([...before, ...serviceClaimValues(incoming)], held)).catch(() => undefined);
    return stored;
  }

  /** Give a new Node its pod range (the lowest free /24) unless it brings one, and claim it in the shared pool. */
  private async assignPodCidr(node: KubeObject, ctx: RequestContext): Promise<void> {
    const spec = (node.spec ?? {}) as { podCIDR?: string; podCIDRs?: string[] };
    node.spec = spec;
    const cidr = await this.podCidrPool.claim(
      poolOwner(node),
      (taken) => {
        const chosen = spec.podCIDR || allocatePodCidr(taken);
        return { values: [chosen], result: chosen };
      },
      { dryRun: ctx.dryRun },
    );
    if (!spec.podCIDR) {
      spec.podCIDR = cidr;
      spec.podCIDRs = [cidr];
    }
  }

  /**
   * The object is gone (or was never stored): its pool values are free again.
   * A failure here only delays reuse until the pool's next repair.
   */
  private async releaseClaims(info: ResourceInfo, obj: KubeObject): Promise<void> {
    if (info.kind === "Service") await this.servicePool.release(poolOwner(obj), serviceClaimValues(obj)).catch(() => undefined);
    if (info.kind === "Node") await this.podCidrPool.release(poolOwner(obj), podCidrValues(obj)).catch(() => undefined);
  }

  private async requireActiveNamespace(name: string): Promise<void> {
    const nsInfo = RESOURCES.find((r) => r.kind === "Namespace")!;
    const ns = await this.store.get(ref(nsInfo, undefined, name));
    if (!ns) throw errors.notFound("", "namespaces", name);
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError("Forbidden", `unable to create new content in namespace ${name} because it is being terminated`, {
        name,
        kind: "namespaces",
      });
    }
  }

  private async deleteNamespace(info: ResourceInfo, old: KubeObject, ctx: RequestContext): Promise<{ object: KubeObject; finished: boolean }> {
    const name = old.metadata.name!;
    if (SYSTEM_NAMESPACES.includes(name) && name !== "kube-node-lease") {
      throw new ApiError("Forbidden", `namespace "${name}" is forbidden: this namespace may not be deleted`, { name, kind: "namespaces" });
    }
    if (ctx.dryRun) return { object: old, finished: false };
    let obj = old;
    if (!old.metadata.deletionTimestamp) {
      const next = structuredClone(old);
      next.metadata.deletionTimestamp = rfc3339(this.clock());
      next.status = { phase: "Terminating" };
      obj = await this.store.update(ref(info, undefined, name), next, old.metadata.resourceVersion);
    }
    this.scheduleNamespaceSweep(name, 0);
    return { object: obj, finished: false };
  }

  /** The namespace controller's job: empty the namespace, then remove it. */
  private scheduleNamespaceSweep(name: string, delayMs = this.sweepMs): void {
    if (this.closed || this.sweeping.has(name)) return;
    const t = setTimeout(() => {
      this.sweeping.delete(name);
      this.sweepNamespace(name).then(
        (done) => done || this.scheduleNamespaceSweep(name),
        () => this.scheduleNamespaceSweep(name),
      );
    }, delayMs);
    t.unref();
    this.sweeping.set(name, t);
  }

  private async sweepNamespace(name: string): Promise<boolean> {
    let remaining = 0;
    // Custom kinds once, by their storage version (all versions share one store key).
    for (const info of storedResources().filter((r) => r.namespaced && (!r.custom || r.custom.storageVersion === r.version))) {
      const items = (await this.store.list(resourceKey(info), { namespace: name })).items;
      remaining += items.length;
      for (const item of items) {
        try {
          await this.delete(info, name, item.metadata.name!, {}, newContext());
        } catch (e) {
          if (!(e instanceof ApiError && (e.reason === "NotFound" || e.reason === "Conflict"))) throw e;
        }
      }
    }
    if (remaining > 0) return false;
    const nsInfo = RESOURCES.find((r) => r.kind === "Namespace")!;
    try {
      await this.store.delete(ref(nsInfo, undefined, name));
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
    }
    return true;
  }

  private matcher(info: ResourceInfo, labelSelector?: string, fieldSelector?: string): (o: KubeObject) => boolean {
    const labels = labelSelector ? parseOr400(() => LabelSelector.parse(labelSelector)) : undefined;
    const fields = fieldSelector ? parseOr400(() => FieldSelector.parse(fieldSelector)) : undefined;
    if (fields) {
      const allowed = fieldLabelsFor(info.kind);
      for (const r of fields.requirements) {
        if (!allowed.includes(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
      }
    }
    return (o) => (!labels || labels.matches(o.metadata.labels)) && (!fields || fields.matches(o));
  }
}

/** Who holds pool values: the object's namespace/name and uid (a recreated object is a new owner). */
function poolOwner(o: KubeObject): string {
  const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : "";
  // Runs before validation: the name may not be a string yet.
  return `${ns}${shown(o.metadata.name ?? "")}#${o.metadata.uid ?? ""}`;
}

/** Values in `a` that are not in `b`. */
function without(a: string[], b: string[]): string[] {
  const drop = new Set(b);
  return a.filter((v) => !drop.has(v));
}

function podCidrValues(node: KubeObject): string[] {
  const cidr = (node.spec as { podCIDR?: unknown } | undefined)?.podCIDR;
  return typeof cidr === "string" && cidr !== "" ? [cidr] : [];
}

function parseOr400<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw errors.badRequest(`unable to parse requirement: ${(e as Error).message}`);
  }
}

function encodeContinue(namespace: string, name: string): string {
  return Buffer.from(JSON.stringify({ v: "skiff.1", ns: namespace, n: name })).toString("base64url");
}

function decodeContinue(token: string): { ns: string; n: string } {
  try {
    const v = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: string; ns?: unknown; n?: unknown };
    if (v.v === "skiff.1" && typeof v.ns === "string" && typeof v.n === "string") return { ns: v.ns, n: v.n };
  } catch {
    // fall through to the error below
  }
  throw errors.badRequest("continue key is not valid");
}

function compareKey(o: KubeObject, k: { ns: string; n: string }): number {
  const ns = o.metadata.namespace ?? "";
  if (ns !== k.ns) return ns < k.ns ? -1 : 1;
  const n = o.metadata.name ?? "";
  return n === k.n ? 0 : n < k.n ? -1 : 1;
}

/** A client's value in a message: String() throws on objects like {"toString": null}. */
function shown(v: unknown): string {
  return typeof v === "string" ? v : (JSON.stringify(v) ?? String(v));
}


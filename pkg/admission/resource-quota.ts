// The ResourceQuota admission plugin (Kubernetes' plugin/pkg/admission/resourcequota):
// a create that would take a namespace over one of its quotas is refused with
// Kubernetes' wording:
//
//   pods "web-abc" is forbidden: exceeded quota: compute, requested: requests.cpu=500m,
//   used: requests.cpu=1800m, limited: requests.cpu=2
//
// and a pod whose containers leave out a request or limit the quota constrains
// gets `failed quota: compute: must specify limits.cpu for: web`.
//
// Race safety: the check and the charge must not interleave, or two concurrent
// creates could both see room for one. Kubernetes charges quota.status.used with
// a compare-and-swap; skiff instead serialises admission per namespace and counts
// usage live from the store plus the objects admitted but not yet stored
// ("reservations"). A reservation ends as soon as its object shows up in the
// store, or after reservationTtlMs when the write never happened (a failed
// store write; invalid objects are never reserved because admission runs the
// validation first). The lock is per process: API servers sharing one store
// (etcd HA) would still need the status CAS.
import { resourceKey, R, type ResourceInfo } from "../api/kinds.js";
import {
  addLists,
  exceededNames,
  maskList,
  objectUsage,
  parseResourceList,
  podConstraintViolation,
  prettyPrint,
  resourcesForQuota,
  usageOf,
  type ResourceList,
} from "../api/quota-usage.js";
import type { KubeObject } from "../api/types.js";
import { validateObject } from "../api/validation.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store, Watch } from "../store/store.js";
import { forbidden } from "./forbidden.js";

export interface ResourceQuotaLike extends KubeObject {
  spec?: { hard?: Record<string, string | number>; scopes?: string[] };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

export interface ResourceQuotaAdmissionOptions {
  now?: () => number;
  /** How long an admitted object that never reached the store keeps its charge. Default 30 s. */
  reservationTtlMs?: number;
}

interface Reservation {
  uid: string;
  resource: string;
  usage: ResourceList;
  expiresAt: number;
}

export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = "ResourceQuota";
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly reservations = new Map<string, Reservation[]>();
  /** Store watches that end a reservation the moment its object is written. */
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly store: Store,
    opts: ResourceQuotaAdmissionOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.reservationTtlMs ?? 30_000;
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== "CREATE" || a.subresource || !a.object || !a.namespace || !a.info.namespaced) return;
    await this.serialized(a.namespace, () => this.check(a, a.namespace!, a.object!));
  }

  private async check(a: AdmissionAttributes, namespace: string, obj: KubeObject): Promise<void> {
    const quotas = (await this.store.list(resourceKey(R.resourcequotas), { namespace })).items as ResourceQuotaLike[];
    if (quotas.length === 0) return;
    // An object the registry will refuse anyway must not hold a charge.
    if (validateObject(obj).length > 0) return;
    const now = this.now();
    const delta = objectUsage(a.info, obj, now);
    const hardByQuota = quotas.map((q) => ({ quota: q, hard: parseResourceList(q.spec?.hard) }));
    const tracked = new Set(hardByQuota.flatMap((h) => Object.keys(h.hard)));
    // Before usage: a pod that declares nothing uses no cpu, yet must be told to declare it.
    if (a.info.kind === "Pod" && a.info.group === "") {
      for (const { quota, hard } of hardByQuota) {
        const missing = podConstraintViolation(obj, Object.keys(hard));
        if (missing) throw forbidden(a.info, a.name, `failed quota: ${quota.metadata.name}: ${missing}`);
      }
    }
    if (!Object.keys(delta).some((k) => tracked.has(k))) return;

    const used = await this.currentUsage(namespace, tracked, a.info, obj, now);
    if (used === "exists") return; // the store will answer AlreadyExists
    for (const { quota, hard } of hardByQuota) {
      const requested = maskList(delta, Object.keys(hard));
      if (Object.keys(requested).length === 0) continue;
      const quotaUsed = maskList(used, Object.keys(hard));
      const after = maskList(addLists(quotaUsed, requested), Object.keys(requested));
      const over = exceededNames(after, hard);
      if (over.length > 0) {
        throw forbidden(
          a.info,
          a.name,
          `exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(maskList(requested, over))}, used: ${prettyPrint(zeroFilled(quotaUsed, over))}, limited: ${prettyPrint(maskList(hard, over))}`,
        );
      }
    }
    if (a.ctx.dryRun) return;
    this.watchWrites(resourceKey(a.info));
    const list = this.reservations.get(namespace) ?? [];
    list.push({ uid: obj.metadata.uid ?? "", resource: resourceKey(a.info), usage: delta, expiresAt: now + this.ttlMs });
    this.reservations.set(namespace, list);
  }

  /** Stop the store watches. Idempotent. */
  close(): void {
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }

  /**
   * Once an admitted object is stored it is counted from the store, so its
   * reservation goes; this also covers an object created and deleted again
   * before the next admission looks.
   */
  private watchWrites(resource: string): void {
    if (this.watches.has(resource)) return;
    const w = this.store.watch(resource, {}, (ev) => {
      if (ev.type !== "ADDED") return;
      const ns = ev.object.metadata.namespace ?? "";
      const list = this.reservations.get(ns);
      if (!list) return;
      const rest = list.filter((r) => r.uid !== ev.object.metadata.uid);
      if (rest.length > 0) this.reservations.set(ns, rest);
      else this.reservations.delete(ns);
    });
    this.watches.set(resource, w);
  }

  /**
   * Usage of every tracked name in the namespace: stored objects plus the
   * reservations not stored yet. "exists" when an object with the incoming
   * name is already stored.
   */
  private async currentUsage(namespace: string, names: Set<string>, info: ResourceInfo, obj: KubeObject, now: number): Promise<ResourceList | "exists"> {
    const kinds = resourcesForQuota(names);
    if (!kinds.some((k) => resourceKey(k) === resourceKey(info))) kinds.push(info);
    // Snapshot the reservations before reading the store: an object committed
    // (and its reservation dropped by the watch) while the list is in flight is
    // then counted by whichever of the two saw it, never by neither.
    const reserved = (this.reservations.get(namespace) ?? []).filter((r) => r.expiresAt > now);
    if (reserved.length > 0) this.reservations.set(namespace, reserved);
    else this.reservations.delete(namespace);
    const storedUids = new Set<string>();
    let used: ResourceList = {};
    for (const kind of kinds) {
      const items = (await this.store.list(resourceKey(kind), { namespace })).items;
      if (resourceKey(kind) === resourceKey(info) && items.some((o) => o.metadata.name === obj.metadata.name)) return "exists";
      for (const o of items) storedUids.add(o.metadata.uid ?? "");
      used = addLists(used, usageOf(kind, items, names, now));
    }
    for (const r of reserved) if (!storedUids.has(r.uid)) used = addLists(used, maskList(r.usage, names));
    return used;
  }

  /** Run fn after every earlier admission in this namespace has finished. */
  private serialized<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(namespace) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(namespace, tail);
    void tail.then(() => {
      if (this.locks.get(namespace) === tail) this.locks.delete(namespace);
    });
    return run;
  }

  /** Objects admitted but not yet seen in the store (tests and diagnostics). */
  pendingReservations(namespace: string): number {
    return (this.reservations.get(namespace) ?? []).length;
  }
}

/** Used amounts for `names`, with 0 for names nothing uses yet (the error prints "used: pods=0"). */
function zeroFilled(used: ResourceList, names: string[]): ResourceList {
  const out: ResourceList = {};
  for (const n of names) out[n] = used[n] ?? parseResourceList({ [n]: "0" })[n];
  return out;
}

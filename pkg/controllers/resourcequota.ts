// The ResourceQuota controller (Kubernetes' pkg/controller/resourcequota): keeps
// every quota's status.hard (a copy of spec.hard) and status.used (what the
// namespace's objects consume) current, so `kubectl get quota` and `describe`
// show "pods: 3/10". Admission does not depend on it — the ResourceQuota
// admission plugin counts usage live — so a late status is cosmetic, never a
// hole in enforcement.
//
// Triggers: a quota changing, any pod or service in the namespace changing
// (the kinds quotas track most), and a periodic resync for the count/<kind>
// names, whose objects this controller does not watch.
import { R, resourceKey } from "../api/kinds.js";
import { addLists, listToStrings, parseResourceList, resourcesForQuota, usageOf, type ResourceList } from "../api/quota-usage.js";
import { Quantity } from "../api/quantity.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { InformerFactory } from "../client/informer.js";
import { keyOf, splitKey, type Lister } from "../client/lister.js";
import type { Clock } from "../util/clock.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { canonicalJson, clockOrReal, isConflict, isNotFound } from "./util.js";

export interface ResourceQuotaLike extends KubeObject {
  spec?: { hard?: Record<string, string | number> };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

export interface ResourceQuotaControllerOptions {
  client: Client;
  quotas: Lister<ResourceQuotaLike>;
  /** Informer caches by store key ("pods", "services"); other kinds are listed from the API. */
  listers?: Record<string, Lister>;
  clock?: Clock;
  /** Full recount of every quota this often. Default 30 s (Kubernetes: 5 min). */
  resyncMs?: number;
}

export class ResourceQuotaController implements Reconciler {
  readonly name = "resourcequota-controller";
  private readonly clock: Clock;
  private readonly resyncMs: number;

  constructor(private readonly opts: ResourceQuotaControllerOptions) {
    this.clock = clockOrReal(opts.clock);
    this.resyncMs = opts.resyncMs ?? 30_000;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const quota = this.opts.quotas.get(namespace, name);
    if (!quota || !namespace) return {};
    const status = await this.computeStatus(namespace, quota);
    if (canonicalJson(status) === canonicalJson({ hard: quota.status?.hard ?? {}, used: quota.status?.used ?? {} })) {
      return { requeueAfterMs: this.resyncMs };
    }
    const next = structuredClone(quota);
    next.status = status;
    try {
      await this.opts.client.updateStatus(R.resourcequotas, next);
    } catch (e) {
      // Deleted meanwhile: nothing to report. A conflict comes back through the informer.
      if (isNotFound(e)) return {};
      if (isConflict(e)) return { requeueAfterMs: 0 };
      throw e;
    }
    return { requeueAfterMs: this.resyncMs };
  }

  /** status.hard and status.used for a quota, every hard name present in used (0 when unused). */
  async computeStatus(namespace: string, quota: ResourceQuotaLike): Promise<{ hard: Record<string, string>; used: Record<string, string> }> {
    const hardRaw = quota.spec?.hard ?? {};
    const hard = parseResourceList(hardRaw);
    const names = new Set(Object.keys(hard));
    const now = this.clock.now();
    let used: ResourceList = {};
    for (const kind of resourcesForQuota(names)) {
      const lister = this.opts.listers?.[resourceKey(kind)];
      const objects = lister ? lister.list(namespace) : (await this.opts.client.list(kind, namespace)).items;
      used = addLists(used, usageOf(kind, objects, names, now));
    }
    for (const n of names) used[n] ??= Quantity.zero;
    const hardOut: Record<string, string> = {};
    for (const k of Object.keys(hard).sort()) hardOut[k] = String(hardRaw[k]);
    return { hard: hardOut, used: listToStrings(used) };
  }

  /** Keys of the quotas an object in this namespace may count against. */
  objectChanged(obj: KubeObject): string[] {
    const ns = obj.metadata.namespace;
    if (!ns) return [];
    return this.opts.quotas.list(ns).map(keyOf);
  }
}

/** Wire the controller to shared informers; the caller runs it with a ControllerRunner on `enqueue`'s queue. */
export function registerResourceQuotaController(
  informers: InformerFactory,
  client: Client,
  enqueue: (key: string) => void,
  opts: { clock?: Clock; resyncMs?: number } = {},
): ResourceQuotaController {
  const quotas = informers.for<ResourceQuotaLike>(R.resourcequotas);
  const pods = informers.for(R.pods);
  const services = informers.for(R.services);
  const ctrl = new ResourceQuotaController({
    client,
    quotas: quotas.lister,
    listers: { [resourceKey(R.pods)]: pods.lister, [resourceKey(R.services)]: services.lister },
    clock: opts.clock,
    resyncMs: opts.resyncMs,
  });
  const quotaKey = (q: KubeObject) => enqueue(keyOf(q));
  quotas.addEventHandler({ add: quotaKey, update: (_o, n) => quotaKey(n), delete: quotaKey });
  const changed = (o: KubeObject) => ctrl.objectChanged(o).forEach(enqueue);
  for (const inf of [pods, services]) inf.addEventHandler({ add: changed, update: (_o, n) => changed(n), delete: changed });
  return ctrl;
}

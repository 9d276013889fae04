// The API server's side of CustomResourceDefinitions (what kube-apiserver's
// apiextensions controllers do): keep the served custom kinds in step with the
// stored CRDs — registered when Established, gone when deleted — and empty a
// deleted CRD of its objects before its cleanup finalizer is removed. Works from
// the store's watch, so every API server over one store serves the same kinds.
import { ApiError } from "../api/errors.js";
import { RESOURCES, registerCustomResources, resourceKey, unregisterCustomResources, type ResourceInfo } from "../api/kinds.js";
import { CRD_CLEANUP_FINALIZER, crdCondition, customResourceInfos, type CustomResourceDefinition } from "../api/custom-resources.js";
import { newContext, type Registry } from "../apiserver/registry.js";
import type { Watch } from "../store/store.js";
import { isCrdInfo } from "./admission.js";

export interface CrdControllerOptions {
  /** Wait between sweeps of a deleted CRD's objects that are still terminating. */
  cleanupRetryMs?: number;
  onError?: (e: Error) => void;
}

export class CrdController {
  private watch: Watch | undefined;
  private readonly served = new Set<string>();
  private readonly cleaning = new Map<string, NodeJS.Timeout | true>();
  private stopped = false;
  private readonly crdInfo: ResourceInfo = RESOURCES.find(isCrdInfo)!;

  constructor(
    private readonly registry: Registry,
    private readonly opts: CrdControllerOptions = {},
  ) {}

  /** Serve every stored CRD, then follow changes. Call once. */
  async start(): Promise<void> {
    const list = await this.registry.store.list(resourceKey(this.crdInfo));
    for (const crd of list.items) this.observe(crd as CustomResourceDefinition, false);
    this.watch = this.registry.store.watch(resourceKey(this.crdInfo), { resourceVersion: list.resourceVersion }, (ev) => {
      if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
      this.observe(ev.object as CustomResourceDefinition, ev.type === "DELETED");
    });
  }

  /** Stop watching; kinds stay registered (another server in this process may serve them). Idempotent. */
  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    for (const t of this.cleaning.values()) if (t !== true) clearTimeout(t);
    this.cleaning.clear();
  }

  private observe(crd: CustomResourceDefinition, deleted: boolean): void {
    const name = crd.metadata.name!;
    if (deleted || !crdCondition(crd, "Established")) {
      if (deleted || this.served.has(name)) unregisterCustomResources(name);
      this.served.delete(name);
      return;
    }
    registerCustomResources(name, customResourceInfos(crd));
    this.served.add(name);
    if (crd.metadata.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) this.scheduleCleanup(name, 0);
  }

  private scheduleCleanup(name: string, delayMs: number): void {
    if (this.stopped || this.cleaning.has(name)) return;
    const t = setTimeout(() => {
      this.cleaning.set(name, true);
      this.cleanup(name).then(
        (done) => {
          this.cleaning.delete(name);
          if (!done) this.scheduleCleanup(name, this.opts.cleanupRetryMs ?? 200);
        },
        (e: Error) => {
          this.cleaning.delete(name);
          this.opts.onError?.(e);
          this.scheduleCleanup(name, this.opts.cleanupRetryMs ?? 200);
        },
      );
    }, delayMs);
    t.unref();
    this.cleaning.set(name, t);
  }

  /** Delete every object of the CRD's kind; once none is left, drop the finalizer (the CRD then goes). */
  private async cleanup(name: string): Promise<boolean> {
    const crd = (await this.registry.store.get({ resource: resourceKey(this.crdInfo), namespace: "", name })) as CustomResourceDefinition | undefined;
    if (!crd || !crd.metadata.deletionTimestamp) return true;
    const infos = customResourceInfos(crd);
    const info = infos.find((i) => i.version === i.custom?.storageVersion) ?? infos[0];
    if (info) {
      const items = (await this.registry.store.list(resourceKey(info))).items;
      for (const item of items) {
        if (item.metadata.deletionTimestamp) continue;
        try {
          await this.registry.delete(info, item.metadata.namespace, item.metadata.name!, {}, newContext());
        } catch (e) {
          if (!(e instanceof ApiError && (e.reason === "NotFound" || e.reason === "Conflict"))) throw e;
        }
      }
      if ((await this.registry.store.list(resourceKey(info))).items.length > 0) return false;
    }
    const next = structuredClone(crd);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    try {
      await this.registry.update(this.crdInfo, undefined, name, next, newContext());
    } catch (e) {
      if (e instanceof ApiError && e.reason === "NotFound") return true;
      if (e instanceof ApiError && e.reason === "Conflict") return false;
      throw e;
    }
    return true;
  }
}

// The Client over a Registry in the same process: no HTTP, no serialisation,
// same semantics (defaulting, validation, conflicts) as the API server.
import type { ResourceInfo } from "../api/kinds.js";
import { R } from "../api/kinds.js";
import type { KubeList, KubeObject, WatchEvent } from "../api/types.js";
import { newContext, type Registry } from "../apiserver/registry.js";
import { toScale, updateScale } from "../apiserver/scale.js";
import { PATCH_CONTENT_TYPE, type Client, type ClientWatch, type DeleteOptions, type ListOptions, type PatchType, type WatchOptions, type WriteOptions } from "./client.js";

export class InProcessClient implements Client {
  constructor(
    private readonly registry: Registry,
    private readonly user = "system:in-process",
  ) {}

  private ctx(opts?: WriteOptions) {
    return newContext({ dryRun: opts?.dryRun, fieldManager: opts?.fieldManager, fieldValidation: "Ignore", user: this.user });
  }

  async get<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    return (await this.registry.get(info, namespace, name)) as T;
  }

  async list<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    return (await this.registry.list(info, namespace, opts)) as KubeList<T>;
  }

  async create<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return (await this.registry.create(info, namespace, obj, this.ctx(opts))) as T;
  }

  async update<T extends KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return (await this.registry.update(info, obj.metadata.namespace, obj.metadata.name!, obj, this.ctx(opts))) as T;
  }

  async updateStatus<T extends KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return (await this.registry.update(info, obj.metadata.namespace, obj.metadata.name!, obj, this.ctx(opts), "status")) as T;
  }

  async patch<T extends KubeObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: "status" | "scale" } = {},
  ): Promise<T> {
    const ctx = this.ctx({ fieldManager: opts.fieldManager ?? "skiff", dryRun: opts.dryRun });
    if (opts.subresource === "scale") {
      return (await updateScale(this.registry, info, namespace, name, { kind: "patch", contentType: PATCH_CONTENT_TYPE[type], body: patch }, ctx)) as T;
    }
    return (await this.registry.patch(info, namespace, name, PATCH_CONTENT_TYPE[type], patch, ctx, opts.subresource)) as T;
  }

  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return (await this.registry.delete(info, namespace, name, opts, this.ctx())).object;
  }

  async bindPod(namespace: string, name: string, nodeName: string, opts: { uid?: string } = {}): Promise<void> {
    await this.registry.bindPod(namespace, name, nodeName, opts.uid);
  }

  async watch(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, handler: (ev: WatchEvent) => void): Promise<ClientWatch> {
    let resolveDone!: (v: { error?: Error }) => void;
    const done = new Promise<{ error?: Error }>((r) => (resolveDone = r));
    let stopped = false;
    // Deliver asynchronously (in order) so a handler never runs inside the writer's commit.
    const queue: WatchEvent[] = [];
    let draining = false;
    const drain = () => {
      draining = false;
      while (queue.length > 0 && !stopped) handler(queue.shift()!);
    };
    const w = await this.registry.watch(info, namespace, opts, (ev) => {
      if (stopped) return;
      queue.push(ev);
      if (!draining) {
        draining = true;
        queueMicrotask(drain);
      }
    });
    const timer = opts.timeoutSeconds ? setTimeout(() => stop(), opts.timeoutSeconds * 1000) : undefined;
    timer?.unref();
    const stop = () => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      w.stop();
      resolveDone({});
    };
    return { stop, done };
  }

  close(): void {
    // Nothing to release: the registry belongs to whoever built it.
  }
}

export { toScale, R };

// A Client over several API servers of one highly available control plane
// (`skiff agent --server https://a:6443,https://b:6443`): requests go to one
// server until it cannot be reached, then to the next — what a load balancer in
// front of kube-apiservers gives a kubelet. Only connection failures move on;
// an answer from a server (even an error) is final, so requests are never sent
// twice to servers that both answered.
import type { ResourceInfo } from "../api/kinds.js";
import type { KubeList, KubeObject, WatchEvent } from "../api/types.js";
import type { Client, ClientWatch, DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from "./client.js";
import { ConnectionError } from "./rest.js";

export class FailoverClient implements Client {
  private current = 0;

  /** clients: one per server, in order of preference; at least one. */
  constructor(
    private readonly clients: Client[],
    private readonly onSwitch?: (from: number, to: number, cause: ConnectionError) => void,
  ) {
    if (clients.length === 0) throw new RangeError("FailoverClient needs at least one client");
  }

  /** Index of the server requests go to now. */
  get active(): number {
    return this.current;
  }

  private async call<T>(f: (c: Client) => Promise<T>): Promise<T> {
    let last: ConnectionError | undefined;
    for (let tried = 0; tried < this.clients.length; tried++) {
      const i = this.current;
      try {
        return await f(this.clients[i]!);
      } catch (e) {
        if (!(e instanceof ConnectionError)) throw e;
        last = e;
        // Another request may have switched already; only move on from the server that failed us.
        if (this.current === i) {
          this.current = (i + 1) % this.clients.length;
          this.onSwitch?.(i, this.current, e);
        }
      }
    }
    throw last!;
  }

  get<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    return this.call((c) => c.get<T>(info, namespace, name));
  }
  list<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<KubeList<T>> {
    return this.call((c) => c.list<T>(info, namespace, opts));
  }
  create<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return this.call((c) => c.create<T>(info, namespace, obj, opts));
  }
  update<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return this.call((c) => c.update<T>(info, obj, opts));
  }
  updateStatus<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    return this.call((c) => c.updateStatus<T>(info, obj, opts));
  }
  patch<T extends KubeObject = KubeObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: WriteOptions & { subresource?: "status" | "scale" },
  ): Promise<T> {
    return this.call((c) => c.patch<T>(info, namespace, name, type, patch, opts));
  }
  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject> {
    return this.call((c) => c.delete(info, namespace, name, opts));
  }
  bindPod(namespace: string, name: string, nodeName: string, opts?: { uid?: string }): Promise<void> {
    return this.call((c) => c.bindPod(namespace, name, nodeName, opts));
  }
  /** A watch stays on the server it started on; when that server dies the watch ends and the informer re-watches elsewhere. */
  watch(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, handler: (ev: WatchEvent) => void): Promise<ClientWatch> {
    return this.call((c) => c.watch(info, namespace, opts, handler));
  }
  close(): void {
    for (const c of this.clients) c.close();
  }
}

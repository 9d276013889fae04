// A Client that can be made slow or cut off, for chaos on one node agent:
// slow-node delays every call by a latency, partition makes every call fail
// with ConnectionError as if the API server were unreachable. Both switch on
// and off at runtime; with neither on it is a pass-through.
//
// Watches already open stay open (the cut applies to new calls): in `skiff up`
// the agents share one pod watch, which is not theirs to cut.
import type { ResourceInfo } from "../api/kinds.js";
import type { KubeList, KubeObject, WatchEvent } from "../api/types.js";
import type { Client, ClientWatch, DeleteOptions, ListOptions, PatchType, WatchOptions, WriteOptions } from "../client/client.js";
import { ConnectionError } from "../client/rest.js";

export interface FaultState {
  /** Added before every call, in ms. */
  latencyMs: number;
  /** Every call fails with ConnectionError. */
  partitioned: boolean;
}

export class FaultyClient implements Client {
  readonly faults: FaultState = { latencyMs: 0, partitioned: false };

  constructor(
    private readonly inner: Client,
    /** Shown in the ConnectionError ("node-2"). */
    private readonly label: string,
  ) {}

  /** Whether any fault is switched on. */
  get faulty(): boolean {
    return this.faults.latencyMs > 0 || this.faults.partitioned;
  }

  private async gate(): Promise<void> {
    if (this.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
    // Checked after the delay too: a partition that starts meanwhile cuts the call.
    if (this.faults.partitioned) throw new ConnectionError("api-server", "ECONNREFUSED", `${this.label}: connection to the API server refused (chaos partition)`);
  }

  async get<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    await this.gate();
    return this.inner.get<T>(info, namespace, name);
  }
  async list<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<KubeList<T>> {
    await this.gate();
    return this.inner.list<T>(info, namespace, opts);
  }
  async create<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    await this.gate();
    return this.inner.create<T>(info, namespace, obj, opts);
  }
  async update<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    await this.gate();
    return this.inner.update<T>(info, obj, opts);
  }
  async updateStatus<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T> {
    await this.gate();
    return this.inner.updateStatus<T>(info, obj, opts);
  }
  async patch<T extends KubeObject = KubeObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: WriteOptions & { subresource?: "status" | "scale" },
  ): Promise<T> {
    await this.gate();
    return this.inner.patch<T>(info, namespace, name, type, patch, opts);
  }
  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject> {
    await this.gate();
    return this.inner.delete(info, namespace, name, opts);
  }
  async bindPod(namespace: string, name: string, nodeName: string, opts?: { uid?: string }): Promise<void> {
    await this.gate();
    return this.inner.bindPod(namespace, name, nodeName, opts);
  }
  async watch(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, handler: (ev: WatchEvent) => void): Promise<ClientWatch> {
    await this.gate();
    return this.inner.watch(info, namespace, opts, handler);
  }
  /** The inner client belongs to the cluster (other agents share it): closing this one leaves it open. */
  close(): void {}
}

// `skiff chaos stop-runtime NODE`: one node agent's container runtime stops
// answering, as if its engine had died, while the engine itself (shared by
// every node of `skiff up`, and on Docker by everything else on the machine)
// keeps running. Every call of that agent fails with RuntimeUnavailableError
// and ping() says false; containers keep running, like a dockerd with
// live-restore. Restoring sends the agent a "resync", as an engine coming back does.
import type { Duplex } from "node:stream";
import {
  RuntimeUnavailableError,
  type ContainerId,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerStats,
  type ContainerStatus,
  type ExecResult,
  type ImageInfo,
  type LogOptions,
  type PullPolicy,
  type RuntimeEvent,
} from "./runtime.js";
import type { ProcessStream, ProcessStreamOptions } from "./streams.js";

export class CuttableRuntime implements ContainerRuntime {
  private isCut = false;
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();

  constructor(private readonly inner: ContainerRuntime) {}

  get name(): string {
    return this.inner.name;
  }

  /** The runtime underneath (chaos oom reaches the engine through it). */
  get unwrapped(): ContainerRuntime {
    return this.inner;
  }

  get cut(): boolean {
    return this.isCut;
  }

  /** Stop answering (true) or answer again (false). Idempotent. */
  setCut(cut: boolean): void {
    if (this.isCut === cut) return;
    this.isCut = cut;
    if (!cut) for (const l of this.listeners) queueMicrotask(() => l({ type: "resync", time: Date.now() }));
  }

  private guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.isCut) return Promise.reject(new RuntimeUnavailableError(this.inner.name, new Error("the engine stopped answering (skiff chaos stop-runtime)")));
    return fn();
  }

  ensureImage(image: string, policy: PullPolicy): Promise<void> {
    return this.guard(() => this.inner.ensureImage(image, policy));
  }
  listImages(): Promise<ImageInfo[]> {
    return this.guard(() => this.inner.listImages());
  }
  loadImage(tarPath: string): Promise<string[]> {
    return this.guard(() => this.inner.loadImage(tarPath));
  }
  removeImage(image: string): Promise<void> {
    return this.guard(() => this.inner.removeImage(image));
  }
  create(spec: ContainerSpec): Promise<ContainerId> {
    return this.guard(() => this.inner.create(spec));
  }
  start(id: ContainerId): Promise<void> {
    return this.guard(() => this.inner.start(id));
  }
  stop(id: ContainerId, opts: { timeoutMs: number }): Promise<void> {
    return this.guard(() => this.inner.stop(id, opts));
  }
  remove(id: ContainerId): Promise<void> {
    return this.guard(() => this.inner.remove(id));
  }
  inspect(id: ContainerId): Promise<ContainerStatus> {
    return this.guard(() => this.inner.inspect(id));
  }
  list(labelSelector: Record<string, string>): Promise<ContainerStatus[]> {
    return this.guard(() => this.inner.list(labelSelector));
  }
  async *logs(id: ContainerId, opts?: LogOptions): AsyncIterable<string> {
    await this.guard(async () => undefined);
    yield* this.inner.logs(id, opts);
  }
  stats(id: ContainerId): Promise<ContainerStats> {
    return this.guard(() => this.inner.stats(id));
  }
  exec(id: ContainerId, cmd: string[], opts: { timeoutMs: number }): Promise<ExecResult> {
    return this.guard(() => this.inner.exec(id, cmd, opts));
  }
  execStream(id: ContainerId, cmd: string[], opts: ProcessStreamOptions): Promise<ProcessStream> {
    return this.guard(() => this.inner.execStream(id, cmd, opts));
  }
  attach(id: ContainerId, opts: ProcessStreamOptions): Promise<ProcessStream> {
    return this.guard(() => this.inner.attach(id, opts));
  }
  dialPort(id: ContainerId, port: number): Promise<Duplex> {
    return this.guard(() => this.inner.dialPort(id, port));
  }
  events(onEvent: (ev: RuntimeEvent) => void): () => void {
    // While cut the agent hears nothing (events are lost, as with a dead engine); the resync on restore makes it relist.
    const l = (ev: RuntimeEvent) => onEvent(ev);
    this.listeners.add(l);
    const off = this.inner.events((ev) => {
      if (!this.isCut) onEvent(ev);
    });
    return () => {
      this.listeners.delete(l);
      off();
    };
  }
  async ping(): Promise<boolean> {
    return !this.isCut && (await this.inner.ping());
  }
  /** Forwarded so the node reports the engine's version. */
  async version(): Promise<string> {
    const v = (this.inner as ContainerRuntime & { version?: () => Promise<string> }).version;
    return v ? v.call(this.inner) : "unknown";
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

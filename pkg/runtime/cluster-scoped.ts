// Several skiff clusters may share one Docker engine (two `skiff up` state
// dirs, parallel test files). Node names like "node-1" repeat across them, and
// an agent removes every container of its node whose pod it does not know — so
// without a cluster boundary one cluster would delete another's containers.
// This wrapper stamps every container with the cluster's id and makes list()
// and events() see only that cluster's containers. Agents need no change.
import type { Duplex } from "node:stream";
import type { ProcessStream, ProcessStreamOptions } from "./streams.js";
import { LABELS, type ContainerId, type ContainerRuntime, type ContainerSpec, type ContainerStats, type ContainerStatus, type ExecResult, type ImageInfo, type LogOptions, type PullPolicy, type RuntimeEvent } from "./runtime.js";

export class ClusterScopedRuntime implements ContainerRuntime {
  constructor(
    private readonly inner: ContainerRuntime,
    readonly clusterId: string,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  /** The runtime underneath (tests, benchmarks). */
  get unwrapped(): ContainerRuntime {
    return this.inner;
  }

  ensureImage(image: string, policy: PullPolicy): Promise<void> {
    return this.inner.ensureImage(image, policy);
  }
  listImages(): Promise<ImageInfo[]> {
    return this.inner.listImages();
  }
  loadImage(tarPath: string): Promise<string[]> {
    return this.inner.loadImage(tarPath);
  }
  removeImage(image: string): Promise<void> {
    return this.inner.removeImage(image);
  }
  create(spec: ContainerSpec): Promise<ContainerId> {
    return this.inner.create({ ...spec, labels: { ...spec.labels, [LABELS.cluster]: this.clusterId } });
  }
  start(id: ContainerId): Promise<void> {
    return this.inner.start(id);
  }
  stop(id: ContainerId, opts: { timeoutMs: number }): Promise<void> {
    return this.inner.stop(id, opts);
  }
  remove(id: ContainerId): Promise<void> {
    return this.inner.remove(id);
  }
  inspect(id: ContainerId): Promise<ContainerStatus> {
    return this.inner.inspect(id);
  }
  list(labelSelector: Record<string, string>): Promise<ContainerStatus[]> {
    return this.inner.list({ ...labelSelector, [LABELS.cluster]: this.clusterId });
  }
  logs(id: ContainerId, opts?: LogOptions): AsyncIterable<string> {
    return this.inner.logs(id, opts);
  }
  stats(id: ContainerId): Promise<ContainerStats> {
    return this.inner.stats(id);
  }
  exec(id: ContainerId, cmd: string[], opts: { timeoutMs: number }): Promise<ExecResult> {
    return this.inner.exec(id, cmd, opts);
  }
  execStream(id: ContainerId, cmd: string[], opts: ProcessStreamOptions): Promise<ProcessStream> {
    return this.inner.execStream(id, cmd, opts);
  }
  attach(id: ContainerId, opts: ProcessStreamOptions): Promise<ProcessStream> {
    return this.inner.attach(id, opts);
  }
  dialPort(id: ContainerId, port: number): Promise<Duplex> {
    return this.inner.dialPort(id, port);
  }
  events(onEvent: (ev: RuntimeEvent) => void): () => void {
    // "resync" has no container and concerns everyone; container events only this cluster's.
    return this.inner.events((ev) => {
      if (ev.id === undefined || ev.labels?.[LABELS.cluster] === this.clusterId) onEvent(ev);
    });
  }
  ping(): Promise<boolean> {
    return this.inner.ping();
  }
  /** Optional engine version, when the runtime underneath has one. */
  async version(): Promise<string> {
    const v = (this.inner as ContainerRuntime & { version?: () => Promise<string> }).version;
    return v ? v.call(this.inner) : "unknown";
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

// The container runtime seen by the agent: a narrow, CRI-like interface with a
// Docker implementation (docker.ts) and an in-memory fake (fake.ts). Only the
// agent talks to a runtime, and only docker.ts knows dockerode.
//
// Concurrency: every method may be called concurrently for *different*
// containers. Calls for the same container come from one pod worker, which
// serializes them; the implementations do not lock per container.

import type { StreamingRuntime } from "./streams.js";

export type ContainerId = string;
export type PullPolicy = "Always" | "IfNotPresent" | "Never";

/** Labels skiff puts on every container it creates; list() only ever sees these. */
export const LABELS = {
  podUid: "skiff.pod-uid",
  node: "skiff.node",
  container: "skiff.container",
  podName: "skiff.pod-name",
  podNamespace: "skiff.pod-namespace",
  restartCount: "skiff.restart-count",
  /** Which cluster (state dir) a container belongs to; see ClusterScopedRuntime. */
  cluster: "skiff.cluster",
  /** "init", "sidecar" or "app" (fake-stages.ts selects on it). */
  containerType: "skiff.container-type",
  /** Kind of the pod's controller, e.g. "Job" (fake-stages.ts selects on it). */
  ownerKind: "skiff.owner-kind",
} as const;

/** Pod annotations that steer the fake runtime (fake-stages.ts); the agent copies them onto container labels. */
export const FAKE_ANNOTATION_PREFIX = "fake.skiff.dev/";

/**
 * The skiff.container label of a pod's sandbox (pause) container, which owns the
 * pod's network namespace. Kubernetes container names are lowercase, so it never
 * clashes with an app container. Anything that counts or targets a pod's
 * containers (chaos, tests) must tell it apart.
 */
export const SANDBOX_CONTAINER = "POD";

/** Labels create() insists on: a container without them would be invisible to list(). */
export const REQUIRED_LABELS = [LABELS.podUid, LABELS.node, LABELS.container] as const;

export interface PortMapping {
  containerPort: number;
  /** Host address the port is published on: the pod IP (loopback pod network) or the pod's hostIP (hostPort). */
  hostIP: string;
  /** Defaults to containerPort. */
  hostPort?: number;
  protocol: "TCP" | "UDP";
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
  /**
   * An emptyDir with medium Memory: the engine mounts a tmpfs here instead of
   * hostPath (Docker: one tmpfs per container, so containers of a pod do not
   * share it); runtimes without tmpfs use hostPath.
   */
  tmpfs?: { sizeBytes?: number };
}

/** resolv.conf contents for a pod's sandbox (Docker's Dns, DnsSearch, DnsOptions). */
export interface DnsSettings {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** A pod sandbox's place on the cluster network: it owns the pod's network namespace. */
export interface PodNetworkAttachment {
  /** Engine network name (the cluster's, docker-network.ts). */
  network: string;
  /** The pod's hostname (pod name or spec.hostname). */
  hostname: string;
  /** With spec.subdomain: "<subdomain>.<ns>.svc.cluster.local", so `hostname -f` is the FQDN. */
  domainname?: string;
  /** Undefined: the engine's default (the host's resolvers), as dnsPolicy Default. */
  dns?: DnsSettings;
}

/**
 * Where a container's network namespace comes from: its own on a network (the
 * pod sandbox), or another container's (app containers join their sandbox, so
 * the containers of a pod talk over localhost). Absent: the engine's default.
 */
export type ContainerNetwork = { kind: "pod"; attachment: PodNetworkAttachment } | { kind: "join"; containerId: ContainerId };

export interface ContainerResources {
  /** CPU limit in millicores (500 = half a CPU) → CFS quota. */
  cpuMilli?: number;
  /** Memory limit in bytes → cgroup memory limit (swap disabled). */
  memoryBytes?: number;
}

export interface ContainerSpec {
  /** Engine-level name, unique on this runtime (create() throws NameConflictError otherwise). */
  name: string;
  image: string;
  /** Kubernetes `command`: replaces the image ENTRYPOINT (and then its CMD too). */
  command?: string[];
  /** Kubernetes `args`: replaces the image CMD. */
  args?: string[];
  env?: Record<string, string>;
  workingDir?: string;
  /** Must include REQUIRED_LABELS. */
  labels: Record<string, string>;
  resources?: ContainerResources;
  ports?: PortMapping[];
  /** Network namespace; with kind "join", ports must be empty (they belong to the sandbox). */
  network?: ContainerNetwork;
  mounts?: Mount[];
  tty?: boolean;
  /** Keep a stdin open to attach to (pod spec stdin); stdinOnce closes it after the first attach ends. */
  stdin?: boolean;
  stdinOnce?: boolean;
  /** e.g. "SIGTERM" (default) or "SIGQUIT"; sent first by stop(). */
  stopSignal?: string;
}

export type ContainerStateName = "created" | "running" | "exited";
export type TerminationReason = "OOMKilled" | "Error" | "Completed";

export interface ContainerStatus {
  id: ContainerId;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerStateName;
  /** Set once exited. */
  exitCode?: number;
  /** Set once exited: OOMKilled wins over the exit code; 0 → Completed, else Error. */
  reason?: TerminationReason;
  /** Engine error text, e.g. why a start failed ("exec: \"nope\": executable file not found"). */
  message?: string;
  /** Epoch milliseconds. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  oomKilled: boolean;
  pid?: number;
  /** The container's address on its network (pod sandboxes), once it runs. */
  ip?: string;
}

export interface LogOptions {
  /** Keep streaming new lines until the container exits, the consumer stops iterating, or signal aborts. */
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  /** Prefix each line with an RFC 3339 timestamp and a space, like `kubectl logs --timestamps`. */
  timestamps?: boolean;
  /** Epoch milliseconds: only lines written at or after this time. */
  since?: number;
  signal?: AbortSignal;
}

export interface ContainerStats {
  /** Cumulative CPU time used, nanoseconds. */
  cpuUsageNanos: number;
  /** Recent CPU usage rate in nanocores (1e9 = one core); absent on the first sample. */
  cpuNanoCores?: number;
  /** Working set (usage minus inactive file cache), like kubectl top. */
  memoryBytes: number;
  memoryLimitBytes?: number;
  /** Epoch milliseconds of the sample. */
  timestamp: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  sizeBytes: number;
  /** Epoch milliseconds. */
  createdAt: number;
}

export type RuntimeEventType = "start" | "die" | "oom" | "resync";

export interface RuntimeEvent {
  /**
   * start/die/oom concern one skiff container. "resync" carries no container: the
   * event stream was interrupted (daemon restart) and events may have been lost,
   * so the listener should relist.
   */
  type: RuntimeEventType;
  id?: ContainerId;
  labels?: Record<string, string>;
  /** For die. */
  exitCode?: number;
  /** Epoch milliseconds. */
  time: number;
}

export interface ContainerRuntime extends StreamingRuntime {
  /** "docker" or "fake". */
  readonly name: string;

  /**
   * Makes the image available according to the pull policy. Idempotent; concurrent
   * calls for the same image may pull twice (harmless).
   * Throws ImagePullError (engine message inside) or ImageNeverPullError.
   */
  ensureImage(image: string, policy: PullPolicy): Promise<void>;

  /** Images present on this runtime. Read-only. */
  listImages(): Promise<ImageInfo[]>;

  /** Imports a `docker save` tarball; returns the loaded image names (or ids). */
  loadImage(tarPath: string): Promise<string[]>;

  /**
   * Removes an image by id (every tag of it) or by one reference (that tag).
   * Idempotent: a missing image is fine. Throws ImageInUseError when a
   * container uses it (the engine never removes those; image GC skips them).
   */
  removeImage(image: string): Promise<void>;

  /**
   * Creates (does not start) a container. Not idempotent: a second create with the
   * same name throws NameConflictError carrying the existing id, so the caller can adopt it.
   */
  create(spec: ContainerSpec): Promise<ContainerId>;

  /** Starts a created container; resolves once it runs. Starting a running container is a no-op. */
  start(id: ContainerId): Promise<void>;

  /**
   * Sends the stop signal, waits up to timeoutMs, then SIGKILL; resolves once it exited.
   * Idempotent: a no-op on an exited or never-started container. Throws
   * ContainerNotFoundError if it does not exist.
   */
  stop(id: ContainerId, opts: { timeoutMs: number }): Promise<void>;

  /** Removes the container, killing it if running. Idempotent: a missing container is fine. */
  remove(id: ContainerId): Promise<void>;

  /** Current status. Throws ContainerNotFoundError. Read-only. */
  inspect(id: ContainerId): Promise<ContainerStatus>;

  /**
   * skiff containers (those carrying skiff.pod-uid) whose labels include every
   * key=value of the selector ({} = all skiff containers). Containers without
   * skiff's labels are never returned, so they are never touched.
   */
  list(labelSelector: Record<string, string>): Promise<ContainerStatus[]>;

  /**
   * stdout and stderr lines (without newline) in the order they were written.
   * Breaking out of the loop ends a follow stream. Throws ContainerNotFoundError.
   */
  logs(id: ContainerId, opts?: LogOptions): AsyncIterable<string>;

  /** One resource sample of a running container. */
  stats(id: ContainerId): Promise<ContainerStats>;

  /**
   * Runs cmd inside a running container (exec probes). Throws ExecTimeoutError after
   * timeoutMs (the process may linger in the container: engines cannot kill an exec).
   */
  exec(id: ContainerId, cmd: string[], opts: { timeoutMs: number }): Promise<ExecResult>;

  /**
   * Subscribes to start/die/oom events of skiff containers, so the agent reacts
   * without polling; re-subscribes by itself after an engine outage (then emits
   * "resync"). Returns the unsubscribe function (idempotent).
   */
  events(onEvent: (ev: RuntimeEvent) => void): () => void;

  /** True when the engine answers. Never throws. */
  ping(): Promise<boolean>;

  /** Ends event subscriptions and open servers. Idempotent. Does not stop containers. */
  close(): Promise<void>;
}

/** Kubernetes' view of an exited container: OOM first, then the exit code. */
export function terminationReason(exitCode: number, oomKilled: boolean): TerminationReason {
  if (oomKilled) return "OOMKilled";
  return exitCode === 0 ? "Completed" : "Error";
}

/** "busybox" → "busybox:latest"; digests and explicit tags are kept. */
export function normalizeImageRef(image: string): string {
  if (image.includes("@")) return image;
  const lastSlash = image.lastIndexOf("/");
  const lastColon = image.lastIndexOf(":");
  return lastColon > lastSlash ? image : `${image}:latest`;
}

/** True when labels carry every key=value of the selector. */
export function labelsMatch(labels: Record<string, string>, selector: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

export * from "./errors.js";

// DockerRuntime: the ContainerRuntime on a Docker engine, through dockerode only.
// Limits become cgroup settings (memory with swap equal to it, CPU as a CFS quota),
// ports are published on the pod IP, logs are demultiplexed with docker-modem.
// Any call made while the daemon is unreachable throws RuntimeUnavailableError
// and works again once it is back; the event stream re-subscribes by itself.
import { createReadStream } from "node:fs";
import { Readable, Writable } from "node:stream";
import Dockerode from "dockerode";
import { realClock, type Clock } from "../util/clock.js";
import { DockerEventStream } from "./docker-events.js";
import { dockerAttach, dockerDialPort, dockerExecStream } from "./docker-streams.js";
import type { Duplex } from "node:stream";
import type { ProcessStream, ProcessStreamOptions } from "./streams.js";
import { LineQueue, LineSplitter } from "./line-queue.js";
import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ExecTimeoutError,
  ImageInUseError,
  ImageNeverPullError,
  ImagePullError,
  InvalidSpecError,
  NameConflictError,
  NotManagedError,
  RuntimeError,
  RuntimeUnavailableError,
} from "./errors.js";
import {
  LABELS,
  REQUIRED_LABELS,
  normalizeImageRef,
  terminationReason,
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

export interface DockerRuntimeOptions {
  /** A ready client; default: dockerode's own defaults (DOCKER_HOST or /var/run/docker.sock). */
  docker?: Dockerode;
  socketPath?: string;
  clock?: Clock;
  /**
   * With "Always", use the local copy when the pull fails but the image is present
   * (no registry is reachable on offline machines, and `:latest` defaults to Always).
   * Default true; onWarning hears about it.
   */
  alwaysPullFallsBackToLocal?: boolean;
  onWarning?: (message: string) => void;
  /** ping() gives up after this long. */
  pingTimeoutMs?: number;
}

/** CFS period Docker and the kubelet use; quota = millicores × period / 1000. */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses quotas under 1ms. */
const MIN_CPU_QUOTA_US = 1000;

interface DockerError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string } | null;
}

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "EACCES", "ENOTCONN"]);

function asDockerError(err: unknown): DockerError {
  return typeof err === "object" && err !== null ? (err as DockerError) : { message: String(err) };
}

/** The engine's own sentence, without docker-modem's "(HTTP code 404) unexpected - " prefix. */
export function engineMessage(err: unknown): string {
  const e = asDockerError(err);
  const m = e.json?.message ?? e.message ?? String(err);
  return m.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim();
}

function isConnectionError(err: unknown): boolean {
  const e = asDockerError(err);
  if (e.statusCode !== undefined) return false;
  return (e.code !== undefined && CONNECTION_CODES.has(e.code)) || /socket hang up|connect E|aborted/i.test(e.message ?? "");
}

/** Docker's zero time ("0001-01-01T00:00:00Z") means unset. */
function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

/** Translates a ContainerSpec to the engine's create body. */
export function toCreateOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of spec.ports ?? []) {
    const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.hostIP, HostPort: String(p.hostPort ?? p.containerPort) });
  }
  const host: Dockerode.HostConfig = {
    PortBindings: bindings,
    ...networkHostConfig(spec),
    // the agent restarts containers (with back-off), never the engine
    RestartPolicy: { Name: "no" },
    Mounts: (spec.mounts ?? []).map((m) =>
      m.tmpfs
        ? { Type: "tmpfs" as const, Source: "", Target: m.containerPath, ReadOnly: m.readOnly, ...(m.tmpfs.sizeBytes ? { TmpfsOptions: { SizeBytes: m.tmpfs.sizeBytes, Mode: 0o1777 } } : {}) }
        : { Type: "bind" as const, Source: m.hostPath, Target: m.containerPath, ReadOnly: m.readOnly },
    ),
  };
  const mem = spec.resources?.memoryBytes;
  if (mem !== undefined) {
    host.Memory = mem;
    host.MemorySwap = mem; // equal to Memory: no swap, so the limit really bites (and OOM kills)
  }
  const cpu = spec.resources?.cpuMilli;
  if (cpu !== undefined) {
    host.CpuPeriod = CPU_PERIOD_US;
    host.CpuQuota = Math.max(MIN_CPU_QUOTA_US, Math.round((cpu * CPU_PERIOD_US) / 1000));
  }
  const opts: Dockerode.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Labels: { ...spec.labels },
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: exposed,
    Tty: spec.tty ?? false,
    // kubectl attach / run -i: the container keeps a stdin to attach to (closed after the first attach with stdinOnce)
    OpenStdin: spec.stdin ?? false,
    StdinOnce: spec.stdinOnce ?? false,
    HostConfig: host,
  };
  // Kubernetes semantics: command replaces ENTRYPOINT (and drops the image CMD), args replace CMD
  if (spec.command?.length) opts.Entrypoint = spec.command;
  if (spec.args?.length) opts.Cmd = spec.args;
  if (spec.workingDir) opts.WorkingDir = spec.workingDir;
  if (spec.stopSignal) opts.StopSignal = spec.stopSignal;
  if (spec.network?.kind === "pod") {
    opts.Hostname = spec.network.attachment.hostname;
    if (spec.network.attachment.domainname) opts.Domainname = spec.network.attachment.domainname;
  }
  return opts;
}

/** NetworkMode and resolv.conf settings: a sandbox joins the cluster network, app containers join the sandbox. */
function networkHostConfig(spec: ContainerSpec): Partial<Dockerode.HostConfig> {
  const n = spec.network;
  if (!n) return {};
  if (n.kind === "join") return { NetworkMode: `container:${n.containerId}` };
  const out: Partial<Dockerode.HostConfig> = { NetworkMode: n.attachment.network };
  const dns = n.attachment.dns;
  if (dns) {
    out.Dns = dns.nameservers;
    out.DnsSearch = dns.searches;
    out.DnsOptions = dns.options;
  }
  return out;
}

/** The address on the first network that has one (a sandbox is on exactly one). */
function containerIp(info: Dockerode.ContainerInspectInfo): string | undefined {
  for (const n of Object.values(info.NetworkSettings?.Networks ?? {})) if (n?.IPAddress) return n.IPAddress;
  return undefined;
}

export function toStatus(info: Dockerode.ContainerInspectInfo): ContainerStatus {
  const st = info.State;
  // a container whose start failed stays "created" but carries an exit code and error
  const failedStart = st.Status === "created" && !!st.Error;
  const state = st.Status === "created" && !failedStart ? "created" : st.Running || st.Status === "running" || st.Status === "paused" || st.Status === "restarting" ? "running" : "exited";
  const s: ContainerStatus = {
    id: info.Id,
    name: info.Name.replace(/^\//, ""),
    image: info.Config.Image,
    labels: { ...(info.Config.Labels ?? {}) },
    state,
    createdAt: parseTime(info.Created) ?? 0,
    oomKilled: !!st.OOMKilled,
  };
  const started = parseTime(st.StartedAt);
  if (started !== undefined) s.startedAt = started;
  if (st.Error) s.message = st.Error;
  if (state === "running" && st.Pid > 0) s.pid = st.Pid;
  const ip = state === "running" ? containerIp(info) : undefined;
  if (ip) s.ip = ip;
  if (state === "exited") {
    s.exitCode = st.ExitCode;
    s.reason = terminationReason(st.ExitCode, !!st.OOMKilled);
    const finished = parseTime(st.FinishedAt);
    if (finished !== undefined) s.finishedAt = finished;
  }
  return s;
}

interface CpuSample {
  usage: number;
  t: number;
}

export class DockerRuntime implements ContainerRuntime {
  readonly name = "docker";
  readonly docker: Dockerode;
  private readonly clock: Clock;
  private readonly events$: DockerEventStream;
  private readonly lastCpu = new Map<ContainerId, CpuSample>();

  constructor(private readonly opts: DockerRuntimeOptions = {}) {
    this.docker = opts.docker ?? (opts.socketPath ? new Dockerode({ socketPath: opts.socketPath }) : new Dockerode());
    this.clock = opts.clock ?? realClock;
    this.events$ = new DockerEventStream(this.docker, this.clock);
  }

  /** Runs an engine call, turning transport failures into RuntimeUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isConnectionError(err)) throw new RuntimeUnavailableError(this.name, err);
      throw err;
    }
  }

  /** Like call() but maps 404 to ContainerNotFoundError. */
  private async onContainer<T>(id: ContainerId, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.call(fn);
    } catch (err) {
      if (asDockerError(err).statusCode === 404) throw new ContainerNotFoundError(id);
      throw err;
    }
  }

  // ---- images ----------------------------------------------------------------

  private async hasImage(ref: string): Promise<boolean> {
    try {
      await this.call(() => this.docker.getImage(ref).inspect());
      return true;
    } catch (err) {
      if (asDockerError(err).statusCode === 404) return false;
      throw err;
    }
  }

  async ensureImage(image: string, policy: PullPolicy): Promise<void> {
    const ref = normalizeImageRef(image);
    const present = await this.hasImage(ref);
    if (policy === "Never") {
      if (!present) throw new ImageNeverPullError(image);
      return;
    }
    if (policy === "IfNotPresent" && present) return;
    try {
      await this.pull(ref);
    } catch (err) {
      if (err instanceof RuntimeUnavailableError) throw err;
      const message = err instanceof ImagePullError ? err.engineMessage : engineMessage(err);
      if (present && this.opts.alwaysPullFallsBackToLocal !== false) {
        this.opts.onWarning?.(`pull of ${ref} failed (${message}); using the local image`);
        return;
      }
      throw new ImagePullError(image, message);
    }
  }

  private async pull(ref: string): Promise<void> {
    const stream = (await this.call(() => this.docker.pull(ref))) as NodeJS.ReadableStream;
    // errors after the 200 arrive inside the progress stream
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
        if (err) return reject(err);
        const failed = output.find((o) => o.error);
        if (failed) return reject(new ImagePullError(ref, failed.error!));
        resolve();
      });
    });
  }

  async listImages(): Promise<ImageInfo[]> {
    const images = await this.call(() => this.docker.listImages());
    return images.map((i) => ({
      id: i.Id,
      repoTags: (i.RepoTags ?? []).filter((t) => t !== "<none>:<none>"),
      sizeBytes: i.Size,
      createdAt: i.Created * 1000,
    }));
  }

  async loadImage(tarPath: string): Promise<string[]> {
    const stream = (await this.call(() => this.docker.loadImage(createReadStream(tarPath), { quiet: true }))) as NodeJS.ReadableStream;
    const loaded: string[] = [];
    let error: string | undefined;
    const splitter = new LineSplitter((line) => {
      if (!line.trim()) return;
      try {
        const m = JSON.parse(line) as { stream?: string; error?: string };
        if (m.error) error = m.error;
        const hit = /Loaded image(?: ID)?: (\S+)/.exec(m.stream ?? "");
        if (hit) loaded.push(hit[1]);
      } catch {
        // not JSON: ignore progress noise
      }
    });
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (c: Buffer) => splitter.write(c));
      stream.on("end", () => resolve());
      stream.on("error", reject);
    });
    splitter.flush();
    if (error) throw new RuntimeError(`loading ${tarPath}: ${error}`);
    return loaded;
  }

  async removeImage(image: string): Promise<void> {
    try {
      // Never forced: then the engine itself refuses an image any container (skiff's
      // or anyone's, running or exited) uses, and a forced delete would only untag it.
      await this.call(() => this.docker.getImage(image).remove({ force: false }));
    } catch (err) {
      const e = asDockerError(err);
      if (e.statusCode === 404) return;
      if (e.statusCode === 409) throw new ImageInUseError(image, engineMessage(err));
      throw err;
    }
  }

  // ---- lifecycle -------------------------------------------------------------

  async create(spec: ContainerSpec): Promise<ContainerId> {
    for (const l of REQUIRED_LABELS) {
      if (!spec.labels[l]) throw new InvalidSpecError(`container ${spec.name}: label ${l} is required`);
    }
    try {
      const c = await this.call(() => this.docker.createContainer(toCreateOptions(spec)));
      return c.id;
    } catch (err) {
      const e = asDockerError(err);
      if (e.statusCode === 409) {
        const existing = /by container "([0-9a-f]+)"/.exec(engineMessage(err))?.[1];
        throw new NameConflictError(spec.name, existing);
      }
      if (e.statusCode !== undefined) throw new RuntimeError(engineMessage(err));
      throw err;
    }
  }

  async start(id: ContainerId): Promise<void> {
    try {
      await this.onContainer(id, () => this.docker.getContainer(id).start());
    } catch (err) {
      const e = asDockerError(err);
      if (e.statusCode === 304) return; // already running
      if (e.statusCode !== undefined) throw new RuntimeError(engineMessage(err));
      throw err;
    }
  }

  /** Destructive calls check the labels first: skiff never touches containers it did not create. */
  private async mustBeManaged(id: ContainerId): Promise<Dockerode.ContainerInspectInfo> {
    const info = await this.onContainer(id, () => this.docker.getContainer(id).inspect());
    if (!info.Config.Labels?.[LABELS.podUid]) throw new NotManagedError(id);
    return info;
  }

  async stop(id: ContainerId, opts: { timeoutMs: number }): Promise<void> {
    const info = await this.mustBeManaged(id);
    if (!info.State.Running) return;
    // Docker's grace period is whole seconds; round up so nobody is killed early
    const t = Math.max(0, Math.ceil(opts.timeoutMs / 1000));
    try {
      await this.onContainer(id, () => this.docker.getContainer(id).stop({ t }));
    } catch (err) {
      if (asDockerError(err).statusCode === 304) return; // already stopped
      throw err;
    }
  }

  async remove(id: ContainerId): Promise<void> {
    try {
      await this.mustBeManaged(id);
      await this.onContainer(id, () => this.docker.getContainer(id).remove({ force: true, v: true }));
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return;
      // 409: a removal already in progress; it will finish on its own
      if (asDockerError(err).statusCode === 409 && /in progress/.test(engineMessage(err))) return;
      throw err;
    } finally {
      this.lastCpu.delete(id);
    }
  }

  // ---- observation ---------------------------------------------------------

  async inspect(id: ContainerId): Promise<ContainerStatus> {
    return toStatus(await this.onContainer(id, () => this.docker.getContainer(id).inspect()));
  }

  async list(labelSelector: Record<string, string>): Promise<ContainerStatus[]> {
    const label = [LABELS.podUid, ...Object.entries(labelSelector).map(([k, v]) => `${k}=${v}`)];
    const summaries = await this.call(() => this.docker.listContainers({ all: true, filters: { label } }));
    const out: ContainerStatus[] = [];
    // the summary lacks exit codes and OOM flags, so inspect each (a few at a time)
    const queue = [...summaries];
    const worker = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) {
        try {
          out.push(await this.inspect(s.Id));
        } catch (err) {
          if (!(err instanceof ContainerNotFoundError)) throw err; // removed meanwhile
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, queue.length) }, worker));
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async *logs(id: ContainerId, opts: LogOptions = {}): AsyncIterable<string> {
    const container = this.docker.getContainer(id);
    const info = await this.onContainer(id, () => container.inspect());
    const base = { stdout: true, stderr: true, timestamps: !!opts.timestamps, tail: opts.tail ?? "all" } as const;
    const since = opts.since !== undefined ? { since: (opts.since / 1000).toFixed(3) } : {};
    let source: NodeJS.ReadableStream;
    if (opts.follow) {
      source = await this.onContainer(id, () => container.logs({ ...base, ...since, follow: true } as Dockerode.ContainerLogsOptions & { follow: true }));
    } else {
      const buf = await this.onContainer(id, () => container.logs({ ...base, ...since, follow: false } as Dockerode.ContainerLogsOptions & { follow?: false }));
      source = Readable.from([buf]);
    }
    const queue = new LineQueue(() => destroyStream(source));
    const out = new LineSplitter((l) => queue.push(l));
    const err = new LineSplitter((l) => queue.push(l));
    if (info.Config.Tty) {
      source.on("data", (c: Buffer) => out.write(c)); // a TTY stream is not multiplexed
    } else {
      this.docker.modem.demuxStream(source, writer(out), writer(err));
    }
    const finish = (e?: unknown) => {
      out.flush();
      err.flush();
      queue.end(e);
    };
    source.on("end", () => finish());
    source.on("close", () => finish());
    source.on("error", (e: unknown) => finish(isConnectionError(e) ? new RuntimeUnavailableError(this.name, e) : e));
    if (opts.signal) {
      const abort = () => {
        destroyStream(source);
        finish();
      };
      if (opts.signal.aborted) abort();
      else opts.signal.addEventListener("abort", abort, { once: true });
    }
    yield* queue;
  }

  async stats(id: ContainerId): Promise<ContainerStats> {
    const raw = await this.onContainer(id, () => this.docker.getContainer(id).stats({ stream: false, "one-shot": true }));
    const t = parseTime(raw.read);
    if (t === undefined) throw new ContainerNotRunningError(id);
    const usage = raw.cpu_stats?.cpu_usage?.total_usage ?? 0;
    const memStats = (raw.memory_stats?.stats ?? {}) as Record<string, number | undefined>;
    const inactive = memStats.total_inactive_file ?? memStats.inactive_file ?? 0;
    const usageBytes = raw.memory_stats?.usage ?? 0;
    const s: ContainerStats = {
      cpuUsageNanos: usage,
      memoryBytes: Math.max(0, usageBytes - inactive),
      timestamp: t,
    };
    if (raw.memory_stats?.limit) s.memoryLimitBytes = raw.memory_stats.limit;
    // one-shot samples carry no precpu, so the rate comes from our previous sample
    const prev = this.lastCpu.get(id);
    if (prev && t > prev.t && usage >= prev.usage) s.cpuNanoCores = Math.round(((usage - prev.usage) * 1000) / (t - prev.t));
    this.lastCpu.set(id, { usage, t });
    return s;
  }

  async exec(id: ContainerId, cmd: string[], opts: { timeoutMs: number }): Promise<ExecResult> {
    const container = this.docker.getContainer(id);
    let ex: Dockerode.Exec;
    try {
      ex = await this.onContainer(id, () => container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true }));
    } catch (err) {
      if (asDockerError(err).statusCode === 409) throw new ContainerNotRunningError(id);
      throw err;
    }
    const stream = await this.call(() => ex.start({ hijack: true, stdin: false }));
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    this.docker.modem.demuxStream(stream, collect(stdout), collect(stderr));
    let timer: { cancel(): void } | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = this.clock.setTimeout(() => {
          destroyStream(stream);
          reject(new ExecTimeoutError(id, opts.timeoutMs));
        }, opts.timeoutMs);
        stream.on("end", () => resolve());
        stream.on("close", () => resolve());
        stream.on("error", reject);
      });
    } finally {
      timer?.cancel();
    }
    // the exit code lands a moment after the stream ends
    let info = await this.call(() => ex.inspect());
    for (let i = 0; i < 20 && info.Running; i++) {
      await this.clock.sleep(10);
      info = await this.call(() => ex.inspect());
    }
    return {
      exitCode: info.ExitCode ?? -1,
      stdout: Buffer.concat(stdout).toString("utf8"),
      stderr: Buffer.concat(stderr).toString("utf8"),
    };
  }

  // ---- streaming (docker-streams.ts) ----------------------------------------

  execStream(id: ContainerId, cmd: string[], opts: ProcessStreamOptions): Promise<ProcessStream> {
    return this.call(() => dockerExecStream(this.docker, id, cmd, opts));
  }

  attach(id: ContainerId, opts: ProcessStreamOptions): Promise<ProcessStream> {
    return this.call(() => dockerAttach(this.docker, id, opts));
  }

  dialPort(id: ContainerId, port: number): Promise<Duplex> {
    return this.call(() => dockerDialPort(this.docker, id, port));
  }

  events(onEvent: (ev: RuntimeEvent) => void): () => void {
    return this.events$.subscribe(onEvent);
  }

  /**
   * Chaos (`skiff chaos oom`): a real out-of-memory kill, as far as Docker can
   * make one on demand. The memory limit drops to Docker's minimum (6 MiB) and a
   * shell in the container allocates past it, so the kernel's OOM killer really
   * fires in the container's cgroup and Docker records OOMKilled; the main
   * process is then SIGKILLed, as the OOM killer would have chosen it had it
   * been the one growing. Returns "kernel" when Docker reports OOMKilled, and
   * "killed" when it could not (no shell in the image): a plain SIGKILL.
   */
  async injectOom(id: ContainerId): Promise<"kernel" | "killed"> {
    const container = this.docker.getContainer(id);
    const min = 6 * 1024 * 1024;
    try {
      await this.onContainer(id, () => container.update({ Memory: min, MemorySwap: min }));
      await this.exec(id, ["sh", "-c", "a=$(head -c 64000000 /dev/zero | tr '\\0' x); echo ${#a}"], { timeoutMs: 20_000 });
    } catch {
      // No shell, or the update was refused: fall through to the kill.
    }
    await this.onContainer(id, () => container.kill({ signal: "SIGKILL" })).catch(() => undefined);
    const info = await this.onContainer(id, () => container.inspect());
    return info.State.OOMKilled ? "kernel" : "killed";
  }

  /** The engine's version ("20.10.24+dfsg1"), for the node's containerRuntimeVersion. */
  async version(): Promise<string> {
    const v = (await this.docker.version()) as { Version?: string };
    return v.Version ?? "unknown";
  }

  async ping(): Promise<boolean> {
    try {
      // dockerode accepts an abortSignal here, but its typings do not say so
      const ping = this.docker.ping as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>;
      await ping.call(this.docker, { abortSignal: AbortSignal.timeout(this.opts.pingTimeoutMs ?? 2000) });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.events$.close();
    this.lastCpu.clear();
  }
}

// demuxStream only ever calls write(). A Writable whose write callback runs
// synchronously hands every chunk on inside write() (nothing is buffered), so
// stdout and stderr lines keep their arrival order across the two streams.
function writer(splitter: LineSplitter): Writable {
  return new Writable({ write: (chunk: Buffer, _enc, done) => (splitter.write(chunk), done()) });
}

function collect(into: Buffer[]): Writable {
  return new Writable({ write: (chunk: Buffer, _enc, done) => (into.push(Buffer.from(chunk)), done()) });
}

function destroyStream(s: NodeJS.ReadableStream): void {
  (s as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

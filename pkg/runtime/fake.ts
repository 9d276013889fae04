// FakeRuntime: containers in memory, moved through an explicit state table on a
// virtual Clock, with faults injected per image / container / pod (fake-behaviour.ts).
// Agent tests use it with FakeClock so restarts, back-off, OOMs and grace periods
// take no real time; it stays cheap enough for 10,000 containers.
import { randomBytes } from "node:crypto";
import { realClock, type Clock, type TimerHandle } from "../util/clock.js";
import { EchoServer } from "./fake-http.js";
import net from "node:net";
import { PassThrough, type Duplex } from "node:stream";
import { startScriptedProcess } from "./fake-streams.js";
import type { ProcessStream, ProcessStreamOptions } from "./streams.js";
import {
  defaultExec,
  defaultLogLines,
  resolveBehaviour,
  resolveImageBehaviour,
  type FakeBehaviour,
  type FakeBehaviourRule,
} from "./fake-behaviour.js";
import { DEFAULT_STAGES, stageRules, type FakeStage } from "./fake-stages.js";
import { LineQueue } from "./line-queue.js";
import {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ExecTimeoutError,
  IllegalTransitionError,
  ImageInUseError,
  ImageNeverPullError,
  ImagePullError,
  InvalidSpecError,
  NameConflictError,
  RuntimeError,
  RuntimeUnavailableError,
} from "./errors.js";
import {
  LABELS,
  REQUIRED_LABELS,
  labelsMatch,
  normalizeImageRef,
  terminationReason,
  type ContainerId,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerStateName,
  type ContainerStats,
  type ContainerStatus,
  type ExecResult,
  type ImageInfo,
  type LogOptions,
  type PullPolicy,
  type RuntimeEvent,
} from "./runtime.js";

/** The only state changes a fake container may make; anything else throws IllegalTransitionError. */
export const TRANSITIONS: Readonly<Record<ContainerStateName, readonly ContainerStateName[]>> = {
  created: ["running", "exited"], // exited directly when start fails (bad command)
  running: ["exited"],
  exited: [], // terminal: the agent makes a new container for every restart
};

export interface FakeRuntimeOptions {
  clock?: Clock;
  behaviours?: FakeBehaviourRule[];
  /** Images present from the start (no pull needed). */
  images?: string[];
  /** Answer HTTP on each published port of a running container (see fake-http.ts). */
  serveHttp?: boolean;
  /** Lines kept per container; older ones are dropped. */
  maxLogLines?: number;
  /**
   * Life cycles as data (fake-stages.ts), applied before `behaviours`; default
   * DEFAULT_STAGES (init containers and Job pods complete). [] turns them off.
   */
  stages?: readonly FakeStage[];
  /** "Always" falls back to a present image when the pull fails (no registry offline); like DockerRuntime. */
  alwaysPullFallsBackToLocal?: boolean;
}

interface LogLine {
  t: number;
  line: string;
}

interface Follower {
  push(l: LogLine): void;
  end(): void;
}

interface FakeContainer {
  id: ContainerId;
  spec: ContainerSpec;
  b: FakeBehaviour;
  state: ContainerStateName;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  oomKilled: boolean;
  message?: string;
  pid?: number;
  timers: TimerHandle[];
  logs: LogLine[];
  followers?: Set<Follower>;
  exitWaiters?: Array<() => void>;
  servers?: EchoServer[];
  terminating: boolean;
  // simulated load; cpu time is integrated lazily on every read or change
  cpuMilli: number;
  memoryBytes: number;
  cpuUsageNanos: number;
  cpuSince: number;
}

const DEFAULT_MAX_LOG_LINES = 5000;

export class FakeRuntime implements ContainerRuntime {
  readonly name = "fake";
  private readonly clock: Clock;
  private readonly rules: FakeBehaviourRule[];
  private readonly containers = new Map<ContainerId, FakeContainer>();
  private readonly byName = new Map<string, ContainerId>();
  private readonly images = new Map<string, ImageInfo>();
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();
  private available = true;
  private nextPid = 1000;

  constructor(private readonly opts: FakeRuntimeOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.rules = [...stageRules(opts.stages ?? DEFAULT_STAGES, normalizeImageRef), ...(opts.behaviours ?? [])];
    for (const image of opts.images ?? []) this.addImage(image);
  }

  // ---- test controls -------------------------------------------------------

  /** Adds a behaviour rule for containers created from now on (later rules win). */
  addBehaviour(rule: FakeBehaviourRule): void {
    this.rules.push(rule);
  }

  /** Engine outage: while down every method throws RuntimeUnavailableError; on return listeners get "resync". */
  setAvailable(up: boolean): void {
    if (this.available === up) return;
    this.available = up;
    if (up) this.emit({ type: "resync", time: this.clock.now() });
  }

  /** Changes the simulated load of containers (by id, engine name, or label selector). */
  setLoad(target: string | Record<string, string>, load: { cpuMilli?: number; memoryBytes?: number }): void {
    for (const c of this.select(target)) {
      this.accrueCpu(c);
      if (load.cpuMilli !== undefined) c.cpuMilli = load.cpuMilli;
      if (load.memoryBytes !== undefined) c.memoryBytes = load.memoryBytes;
      this.checkMemory(c);
    }
  }

  /** Writes a log line as the container (stdout/stderr are not distinguished). */
  writeLog(id: ContainerId, line: string): void {
    this.appendLog(this.mustGet(id), line);
  }

  /** Makes a running container exit now, as if its process ended. */
  kill(id: ContainerId, exitCode = 137): void {
    const c = this.mustGet(id);
    if (c.state === "running") this.exit(c, exitCode, false);
  }

  /** Chaos (`skiff chaos oom`): the container is OOM-killed now (exit 137, reason OOMKilled, an "oom" event). */
  async injectOom(id: ContainerId): Promise<"simulated"> {
    const c = this.mustGet(id);
    if (c.state === "running") this.exit(c, 137, true);
    return "simulated";
  }

  /** Number of containers in memory (all states). */
  get size(): number {
    return this.containers.size;
  }

  // ---- images ----------------------------------------------------------------

  async ensureImage(image: string, policy: PullPolicy): Promise<void> {
    this.checkAvailable();
    const ref = normalizeImageRef(image);
    const present = this.images.has(ref);
    if (policy === "Never") {
      if (!present) throw new ImageNeverPullError(image);
      return;
    }
    if (policy === "IfNotPresent" && present) return;
    const b = resolveImageBehaviour(this.rules, image);
    if (b.pullDelayMs) await this.clock.sleep(b.pullDelayMs);
    if (b.missingImage) {
      if (present && this.opts.alwaysPullFallsBackToLocal !== false) return;
      throw new ImagePullError(image, dockerMissingRepoMessage(ref));
    }
    this.addImage(ref);
  }

  async listImages(): Promise<ImageInfo[]> {
    this.checkAvailable();
    return [...this.images.values()].map((i) => ({ ...i, repoTags: [...i.repoTags] }));
  }

  /** The fake cannot read tarballs; it records an image named after the file (foo.tar → foo:latest). */
  async loadImage(tarPath: string): Promise<string[]> {
    this.checkAvailable();
    const base = tarPath.split("/").pop()!.replace(/\.tar(\.gz)?$/, "");
    const ref = normalizeImageRef(base);
    this.addImage(ref);
    return [ref];
  }

  /** Test control: makes an image of this size present (replacing one of that name); returns it. */
  putImage(image: string, sizeBytes: number, createdAt = this.clock.now()): ImageInfo {
    const ref = normalizeImageRef(image);
    const info: ImageInfo = { id: `sha256:${randomBytes(32).toString("hex")}`, repoTags: [ref], sizeBytes, createdAt };
    this.images.set(ref, info);
    return { ...info, repoTags: [...info.repoTags] };
  }

  /** Like Docker: by id (every tag) or by reference; refused for an image any container (running or exited) uses. */
  async removeImage(image: string): Promise<void> {
    this.checkAvailable();
    const byRef = this.images.get(normalizeImageRef(image));
    const id = byRef?.id ?? [...this.images.values()].find((i) => i.id === image || i.id === `sha256:${image}`)?.id;
    if (!id) return;
    const refs = [...this.images.entries()].filter(([, i]) => i.id === id).map(([r]) => r);
    const user = [...this.containers.values()].find((c) => refs.includes(normalizeImageRef(c.spec.image)));
    // Removing one of several tags only untags (Docker allows it even in use); the last one needs the image unused.
    const removing = byRef && refs.length > 1 ? [normalizeImageRef(image)] : refs;
    if (user && removing.length === refs.length) {
      throw new ImageInUseError(image, `conflict: unable to remove repository reference "${image}" (must force) - container ${user.id.slice(0, 12)} is using its referenced image ${id.replace(/^sha256:/, "").slice(0, 12)}`);
    }
    for (const r of removing) this.images.delete(r);
  }

  private addImage(image: string): void {
    const ref = normalizeImageRef(image);
    if (this.images.has(ref)) return;
    this.images.set(ref, { id: `sha256:${randomBytes(32).toString("hex")}`, repoTags: [ref], sizeBytes: 1_000_000, createdAt: this.clock.now() });
  }

  // ---- lifecycle -------------------------------------------------------------

  async create(spec: ContainerSpec): Promise<ContainerId> {
    this.checkAvailable();
    for (const l of REQUIRED_LABELS) {
      if (!spec.labels[l]) throw new InvalidSpecError(`container ${spec.name}: label ${l} is required`);
    }
    const existing = this.byName.get(spec.name);
    if (existing) throw new NameConflictError(spec.name, existing);
    if (!this.images.has(normalizeImageRef(spec.image))) {
      // Docker's words when create() is called before the image is there
      throw new RuntimeError(`No such image: ${normalizeImageRef(spec.image)}`);
    }
    const id = randomBytes(32).toString("hex");
    const b = resolveBehaviour(this.rules, spec);
    const c: FakeContainer = {
      id,
      spec: structuredClone(spec),
      b,
      state: "created",
      createdAt: this.clock.now(),
      oomKilled: false,
      timers: [],
      logs: [],
      terminating: false,
      cpuMilli: b.cpuMilli ?? 0,
      memoryBytes: b.memoryBytes ?? 0,
      cpuUsageNanos: 0,
      cpuSince: 0,
    };
    this.containers.set(id, c);
    this.byName.set(spec.name, id);
    return id;
  }

  async start(id: ContainerId): Promise<void> {
    this.checkAvailable();
    const c = this.mustGet(id);
    if (c.state === "running") return;
    if (c.b.startError !== undefined) {
      c.message = c.b.startError;
      this.exit(c, 127, false);
      throw new RuntimeError(c.b.startError);
    }
    if (c.b.startDelayMs) {
      await this.clock.sleep(c.b.startDelayMs);
      // removed or started by a concurrent call meanwhile
      if (this.containers.get(id) !== c || c.state !== "created") return;
    }
    this.transition(c, "running");
    c.startedAt = this.clock.now();
    c.cpuSince = c.startedAt;
    c.pid = this.nextPid++;
    this.emit({ type: "start", id, labels: { ...c.spec.labels }, time: c.startedAt });
    for (const line of c.b.logLines ?? defaultLogLines(c.spec)) this.appendLog(c, line);
    this.scheduleFaults(c);
    if (this.opts.serveHttp && c.spec.ports?.length) {
      if (c.b.serveAfterMs) c.timers.push(this.clock.setTimeout(() => void this.serve(c), c.b.serveAfterMs));
      else await this.serve(c);
    }
  }

  private scheduleFaults(c: FakeContainer): void {
    const b = c.b;
    if (b.oomAfterMs !== undefined) c.timers.push(this.clock.setTimeout(() => this.exit(c, 137, true), b.oomAfterMs));
    // An exit code without a duration (a stage or annotation that only says "exit 1") exits at once.
    if (b.exitAfterMs !== undefined || (b.exitCode !== undefined && !b.neverExit)) {
      c.timers.push(this.clock.setTimeout(() => this.exit(c, b.exitCode ?? 0, false), b.exitAfterMs ?? 0));
    }
    if (b.logEveryMs && b.logEveryMs > 0) {
      let n = 0;
      const tick = () => {
        if (c.state !== "running") return;
        this.appendLog(c, (b.logLine ?? ((i: number) => `line ${i}`))(++n));
        c.timers.push(this.clock.setTimeout(tick, b.logEveryMs!));
      };
      c.timers.push(this.clock.setTimeout(tick, b.logEveryMs));
    }
    this.checkMemory(c);
  }

  private async serve(c: FakeContainer): Promise<void> {
    const podName = c.spec.labels[LABELS.podName] ?? c.spec.name;
    for (const p of c.spec.ports ?? []) {
      if (p.protocol !== "TCP" || c.state !== "running") continue;
      try {
        const s = await EchoServer.listen({
          host: p.hostIP,
          port: p.hostPort ?? p.containerPort,
          podName,
          status: c.b.httpStatus && ((path) => c.b.httpStatus!(path, { runningForMs: this.runningFor(c) })),
        });
        // it may have exited while we were binding
        if (c.state !== "running") await s.close();
        else (c.servers ??= []).push(s);
      } catch (err) {
        this.appendLog(c, `listen ${p.hostIP}:${p.hostPort ?? p.containerPort}: ${(err as Error).message}`);
        if (c.state === "running") this.exit(c, 1, false);
      }
    }
  }

  async stop(id: ContainerId, opts: { timeoutMs: number }): Promise<void> {
    this.checkAvailable();
    const c = this.mustGet(id);
    if (c.state !== "running") return;
    const exited = new Promise<void>((r) => (c.exitWaiters ??= []).push(r));
    const b = c.b;
    // SIGKILL after the grace period, whatever happens to SIGTERM
    c.timers.push(this.clock.setTimeout(() => this.exit(c, 137, false), Math.max(0, opts.timeoutMs)));
    if (!b.ignoreSigterm && !c.terminating) {
      c.terminating = true;
      const code = b.exitCodeOnTerm ?? 143;
      if (b.shutdownMs) c.timers.push(this.clock.setTimeout(() => this.exit(c, code, false), b.shutdownMs));
      else this.exit(c, code, false);
    }
    await exited;
    await this.closeServers(c);
  }

  async remove(id: ContainerId): Promise<void> {
    this.checkAvailable();
    const c = this.containers.get(id);
    if (!c) return;
    if (c.state === "running") this.exit(c, 137, false); // force: SIGKILL
    this.containers.delete(id);
    if (this.byName.get(c.spec.name) === id) this.byName.delete(c.spec.name);
    await this.closeServers(c);
  }

  /** The one place a container changes state; checked against TRANSITIONS. */
  private transition(c: FakeContainer, to: ContainerStateName): void {
    if (!TRANSITIONS[c.state].includes(to)) throw new IllegalTransitionError(c.id, c.state, to);
    c.state = to;
  }

  private exit(c: FakeContainer, exitCode: number, oomKilled: boolean): void {
    if (c.state === "exited") return; // a timer that lost the race
    this.accrueCpu(c);
    this.transition(c, "exited");
    c.finishedAt = this.clock.now();
    c.exitCode = exitCode;
    c.oomKilled = oomKilled;
    c.pid = undefined;
    for (const t of c.timers) t.cancel();
    c.timers = [];
    for (const f of c.followers ?? []) f.end();
    c.followers = undefined;
    for (const w of c.exitWaiters ?? []) w();
    c.exitWaiters = undefined;
    void this.closeServers(c);
    const labels = { ...c.spec.labels };
    if (oomKilled) this.emit({ type: "oom", id: c.id, labels, time: c.finishedAt });
    this.emit({ type: "die", id: c.id, labels, exitCode, time: c.finishedAt });
  }

  private async closeServers(c: FakeContainer): Promise<void> {
    const servers = c.servers ?? [];
    c.servers = undefined;
    await Promise.all(servers.map((s) => s.close()));
  }

  // ---- observation ---------------------------------------------------------

  async inspect(id: ContainerId): Promise<ContainerStatus> {
    this.checkAvailable();
    return this.status(this.mustGet(id));
  }

  async list(labelSelector: Record<string, string>): Promise<ContainerStatus[]> {
    this.checkAvailable();
    const out: ContainerStatus[] = [];
    for (const c of this.containers.values()) {
      if (c.spec.labels[LABELS.podUid] && labelsMatch(c.spec.labels, labelSelector)) out.push(this.status(c));
    }
    return out;
  }

  private status(c: FakeContainer): ContainerStatus {
    const s: ContainerStatus = {
      id: c.id,
      name: c.spec.name,
      image: c.spec.image,
      labels: { ...c.spec.labels },
      state: c.state,
      createdAt: c.createdAt,
      oomKilled: c.oomKilled,
    };
    if (c.startedAt !== undefined) s.startedAt = c.startedAt;
    if (c.pid !== undefined) s.pid = c.pid;
    if (c.message !== undefined) s.message = c.message;
    if (c.state === "exited") {
      s.exitCode = c.exitCode ?? 0;
      s.finishedAt = c.finishedAt;
      s.reason = terminationReason(s.exitCode, c.oomKilled);
    }
    return s;
  }

  async *logs(id: ContainerId, opts: LogOptions = {}): AsyncIterable<string> {
    this.checkAvailable();
    const c = this.mustGet(id);
    const fmt = (l: LogLine) => (opts.timestamps ? `${new Date(l.t).toISOString()} ${l.line}` : l.line);
    // subscribe before taking the snapshot so no line falls between the two
    let follower: Follower | undefined;
    let q: LineQueue | undefined;
    if (opts.follow && c.state !== "exited" && !opts.signal?.aborted) {
      const queue = new LineQueue();
      const f: Follower = { push: (l) => queue.push(fmt(l)), end: () => queue.end() };
      (c.followers ??= new Set()).add(f);
      opts.signal?.addEventListener("abort", () => queue.end(), { once: true });
      follower = f;
      q = queue;
    }
    let lines = opts.since !== undefined ? c.logs.filter((l) => l.t >= opts.since!) : c.logs;
    if (opts.tail !== undefined) lines = opts.tail <= 0 ? [] : lines.slice(-opts.tail);
    try {
      for (const l of [...lines]) yield fmt(l);
      if (q) yield* q;
    } finally {
      if (follower) c.followers?.delete(follower);
    }
  }

  private appendLog(c: FakeContainer, line: string): void {
    const entry = { t: this.clock.now(), line };
    c.logs.push(entry);
    const max = this.opts.maxLogLines ?? DEFAULT_MAX_LOG_LINES;
    if (c.logs.length > max) c.logs.splice(0, c.logs.length - max);
    for (const f of c.followers ?? []) f.push(entry);
  }

  async stats(id: ContainerId): Promise<ContainerStats> {
    this.checkAvailable();
    const c = this.mustGet(id);
    if (c.state !== "running") throw new ContainerNotRunningError(id);
    this.accrueCpu(c);
    const s: ContainerStats = {
      cpuUsageNanos: c.cpuUsageNanos,
      cpuNanoCores: this.effectiveCpuMilli(c) * 1e6,
      memoryBytes: c.memoryBytes,
      timestamp: this.clock.now(),
    };
    if (c.spec.resources?.memoryBytes !== undefined) s.memoryLimitBytes = c.spec.resources.memoryBytes;
    return s;
  }

  /** The CFS quota caps what a container can burn. */
  private effectiveCpuMilli(c: FakeContainer): number {
    const limit = c.spec.resources?.cpuMilli;
    return limit !== undefined ? Math.min(c.cpuMilli, limit) : c.cpuMilli;
  }

  private accrueCpu(c: FakeContainer): void {
    if (c.state !== "running") return;
    const now = this.clock.now();
    // millicores × ms = 1e-3 core × 1e6 ns
    c.cpuUsageNanos += this.effectiveCpuMilli(c) * 1000 * (now - c.cpuSince);
    c.cpuSince = now;
  }

  private checkMemory(c: FakeContainer): void {
    const limit = c.spec.resources?.memoryBytes;
    if (c.state === "running" && limit !== undefined && c.memoryBytes > limit) this.exit(c, 137, true);
  }

  async exec(id: ContainerId, cmd: string[], opts: { timeoutMs: number }): Promise<ExecResult> {
    this.checkAvailable();
    const c = this.mustGet(id);
    if (c.state !== "running") throw new ContainerNotRunningError(id);
    const result = (c.b.exec ?? defaultExec)(cmd, { runningForMs: this.runningFor(c) });
    if (result === "timeout") {
      await this.clock.sleep(opts.timeoutMs);
      throw new ExecTimeoutError(id, opts.timeoutMs);
    }
    return { ...result };
  }

  // ---- streaming (fake-streams.ts) ----------------------------------------

  /** The scripted shell of fake-streams.ts; killed (137) when the container exits. */
  async execStream(id: ContainerId, cmd: string[], opts: ProcessStreamOptions): Promise<ProcessStream> {
    this.checkAvailable();
    const c = this.mustGet(id);
    if (c.state !== "running") throw new ContainerNotRunningError(id);
    return startScriptedProcess(cmd, opts, {
      mounts: c.spec.mounts ?? [],
      onKill: (kill) => {
        const w = () => kill(137);
        (c.exitWaiters ??= []).push(w);
        return () => {
          c.exitWaiters = c.exitWaiters?.filter((x) => x !== w);
        };
      },
    });
  }

  /** Output is the container's log from now on; each stdin line becomes a log line (a `cat` of a process). */
  async attach(id: ContainerId, opts: ProcessStreamOptions): Promise<ProcessStream> {
    this.checkAvailable();
    const c = this.mustGet(id);
    if (c.state !== "running") throw new ContainerNotRunningError(id);
    const stdout = new PassThrough();
    const stdin = opts.stdin ? new PassThrough() : null;
    const abort = new AbortController();
    const exited = new Promise<number>((resolve) => (c.exitWaiters ??= []).push(() => resolve(c.exitCode ?? 0)));
    void (async () => {
      for await (const line of this.logs(id, { follow: true, tail: 0, signal: abort.signal })) stdout.write(line + (opts.tty ? "\r\n" : "\n"));
    })().catch(() => undefined);
    let partial = "";
    stdin?.on("data", (b: Buffer) => {
      partial += b.toString("utf8");
      let nl: number;
      while ((nl = partial.indexOf("\n")) >= 0) {
        if (c.state === "running") this.appendLog(c, partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    });
    const detached = new Promise<number>((resolve) => abort.signal.addEventListener("abort", () => resolve(0)));
    const exit = Promise.race([exited, detached]).then((code) => {
      abort.abort();
      stdout.end();
      return code;
    });
    return { stdin, stdout, stderr: opts.tty ? null : new PassThrough().end(), exit, resize: () => undefined, close: () => abort.abort() };
  }

  /** Connects to the in-process echo server of the container's port (serveHttp), refused otherwise. */
  async dialPort(id: ContainerId, port: number): Promise<Duplex> {
    this.checkAvailable();
    const c = this.mustGet(id);
    const p = c.spec.ports?.find((x) => x.containerPort === port && x.protocol === "TCP");
    if (c.state !== "running" || !p || !c.servers?.length) {
      throw Object.assign(new Error(`connect ECONNREFUSED: nothing listens on port ${port} in ${c.spec.name}`), { code: "ECONNREFUSED" });
    }
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: p.hostIP, port: p.hostPort ?? p.containerPort });
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });
  }

  events(onEvent: (ev: RuntimeEvent) => void): () => void {
    // a fresh wrapper so the same function can subscribe twice and unsubscribe once
    const l = (ev: RuntimeEvent) => onEvent(ev);
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(ev: RuntimeEvent): void {
    // after the current call stack, like an event arriving from the engine
    for (const l of this.listeners) queueMicrotask(() => l(ev));
  }

  async ping(): Promise<boolean> {
    return this.available;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    for (const c of this.containers.values()) {
      for (const t of c.timers) t.cancel();
      c.timers = [];
      for (const f of c.followers ?? []) f.end();
      c.followers = undefined;
      await this.closeServers(c);
    }
  }

  // ---- helpers ---------------------------------------------------------------

  private runningFor(c: FakeContainer): number {
    return c.startedAt === undefined ? 0 : this.clock.now() - c.startedAt;
  }

  private mustGet(id: ContainerId): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new ContainerNotFoundError(id);
    return c;
  }

  private select(target: string | Record<string, string>): FakeContainer[] {
    if (typeof target === "string") {
      const c = this.containers.get(target) ?? this.containers.get(this.byName.get(target) ?? "");
      return c ? [c] : [];
    }
    return [...this.containers.values()].filter((c) => labelsMatch(c.spec.labels, target));
  }

  private checkAvailable(): void {
    if (!this.available) throw new RuntimeUnavailableError(this.name, new Error("fake engine is down"));
  }
}

/** What Docker says when the registry has no such repository. */
export function dockerMissingRepoMessage(ref: string): string {
  const repo = ref.replace(/:[^/:]+$/, "");
  return `pull access denied for ${repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
}

// One serialized worker per pod UID. A sync is level-triggered: it reads what
// the runtime has for the pod, starts what is missing (images, volumes, init
// containers in order, then app containers), restarts exited containers per
// restartPolicy with back-off, acts on probe results, and writes the status
// when it changed. Runtime events, informer updates, probe results and timers
// all just call schedule(); a sync never runs twice at once for one pod.
import { InvalidImageReferenceError, invalidImageNameMessage, parseImageReference } from "../api/image-reference.js";
import type { V1Container } from "@kubernetes/client-node";
import type { ConfigMapData, SecretData } from "../api/types.js";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { Client } from "../client/client.js";
import type { Clock, TimerHandle } from "../util/clock.js";
import {
  ContainerNotFoundError,
  ImageNeverPullError,
  ImagePullError,
  LABELS,
  NameConflictError,
  type ContainerId,
  type ContainerRuntime,
  type ContainerStatus,
  type PullPolicy,
} from "../runtime/runtime.js";
import { goDuration, type Backoff } from "./backoff.js";
import { buildContainerSpec, ContainerConfigError } from "./container-spec.js";
import { ProbeWorker, probeTitle, type ProbeKind, type ProbeReport, type ProbeTimingOverrides } from "./probes.js";
import { computePodStatus, jsonEqual, type ContainerView } from "./status.js";
import { podDesc, type AgentPod, type ContainerStateWaiting, type PodStatusWire } from "./types.js";
import { VolumeError, type VolumeManager } from "./volumes.js";
import { resolvConfMount, sandboxSpec, SANDBOX_CONTAINER, type PodNetworkConfig } from "./sandbox.js";

export type EventKind = "Normal" | "Warning";

/** What a pod worker needs from its agent. */
export interface WorkerContext {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly client: Client;
  readonly nodeName: string;
  readonly hostIP: string;
  readonly crashBackoff: Backoff;
  readonly pullBackoff: Backoff;
  readonly volumes: VolumeManager;
  readonly probeTiming: ProbeTimingOverrides;
  /** Set when pods run on a cluster network: each pod gets a sandbox and its IP. Unset: loopback pod IPs. */
  readonly podNetwork?: PodNetworkConfig;
  /** A directory of the agent's own for this pod (resolv.conf). */
  podDir(uid: string): string;
  event(pod: AgentPod, type: EventKind, reason: string, message: string): void;
  /** The pod's IP: from its status, or newly allocated. Throws when the node's range is full. */
  podIP(pod: AgentPod): string;
  releaseIP(uid: string): void;
  getConfigMap(namespace: string, name: string): Promise<ConfigMapData | undefined>;
  /** A Secret, or undefined when it does not exist. */
  getSecret?(namespace: string, name: string): Promise<SecretData | undefined>;
  /** Service variables for a pod of this namespace (with links: the namespace's Services; always default/kubernetes). */
  serviceEnv?(namespace: string, links: boolean): Promise<Record<string, string>>;
  /** Image id for status.imageID, "" until known; looked up after a successful ensureImage. */
  imageID(image: string): string;
  learnImageID(image: string): Promise<void>;
  onError(e: Error, pod?: AgentPod): void;
  /** The worker is done for good (pod cleaned up); inApi: the object may still show up in the informer for a moment. */
  finished(uid: string, inApi: boolean): void;
}

interface ProbeState {
  id: ContainerId;
  workers: ProbeWorker[];
  ready: boolean;
  started: boolean;
  failure?: { kind: ProbeKind; message: string };
}

interface ContainerRecord {
  /** Set by the latest sync when the container cannot run right now. */
  waiting?: ContainerStateWaiting;
  pullFailedAt?: number;
  pullError?: string;
  /** The malformed image already reported by events (once per image, not per sync). */
  invalidImage?: string;
  probes?: ProbeState;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** Instances kept per container: the current one and the previous one (for lastState and logs --previous). */
const KEEP_INSTANCES = 2;
/** After ErrImagePull, how soon the next sync shows ImagePullBackOff. */
const SHOW_PULL_BACKOFF_MS = 1_000;

export function attemptOf(c: ContainerStatus): number {
  const n = Number(c.labels[LABELS.restartCount]);
  return Number.isFinite(n) ? n : 0;
}

/** Newest first: by attempt, then creation time. */
export function newestFirst(a: ContainerStatus, b: ContainerStatus): number {
  return attemptOf(b) - attemptOf(a) || b.createdAt - a.createdAt;
}

/** A native sidecar: an init container that keeps running (Kubernetes 1.29+). */
export function isSidecar(c: V1Container): boolean {
  return c.restartPolicy === "Always";
}

export function shouldRestart(policy: string | undefined, exitCode: number): boolean {
  if (policy === "Never") return false;
  if (policy === "OnFailure") return exitCode !== 0;
  return true;
}

function pullPolicyOf(c: V1Container): PullPolicy {
  const p = c.imagePullPolicy;
  if (p === "Always" || p === "Never" || p === "IfNotPresent") return p;
  const image = c.image ?? "";
  return /:[^/:@]+$/.test(image) && !image.endsWith(":latest") ? "IfNotPresent" : "Always";
}

export class PodWorker {
  /** Latest object from the informer; undefined once the API no longer has it. */
  pod: AgentPod | undefined;
  private readonly known = new Map<ContainerId, ContainerStatus>();
  private readonly records = new Map<string, ContainerRecord>();
  private running: Promise<void> | undefined;
  private dirty = false;
  private done = false;
  private halted = false;
  private failures = 0;
  private wake: { at: number; timer: TimerHandle } | undefined;
  private lastWritten: { status: PodStatusWire; baseRv: string | undefined } | undefined;

  constructor(
    readonly uid: string,
    pod: AgentPod,
    private readonly ctx: WorkerContext,
    initial: ContainerStatus[] = [],
  ) {
    this.pod = pod;
    for (const c of initial) this.known.set(c.id, c);
  }

  get finished(): boolean {
    return this.done;
  }

  /** Containers seen by a relist that this worker did not know (adoption after a restart). Idempotent. */
  adopt(instances: ContainerStatus[]): void {
    for (const c of instances) if (!this.known.has(c.id)) this.known.set(c.id, c);
  }

  /** Runtime instances of one container, newest first (from the last refresh). */
  instances(container: string): ContainerStatus[] {
    return [...this.known.values()].filter((c) => c.labels[LABELS.container] === container).sort(newestFirst);
  }

  /** Ask for a sync; coalesces with one already queued. Never throws. */
  schedule(): void {
    if (this.done || this.halted) return;
    this.dirty = true;
    if (!this.running) this.running = this.loop();
  }

  /** Resolves once no sync is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stop syncing (agent shutdown): probes and timers end; containers stay unless removeContainers. */
  async halt(removeContainers: boolean): Promise<void> {
    this.halted = true;
    this.cancelWake();
    await this.idle();
    for (const rec of this.records.values()) this.stopProbes(rec);
    if (removeContainers && this.pod) await this.killAll(this.pod, this.graceSeconds(this.pod), false);
  }

  private async loop(): Promise<void> {
    try {
      while (this.dirty && !this.done && !this.halted) {
        this.dirty = false;
        try {
          await this.sync();
          this.failures = 0;
        } catch (e) {
          this.ctx.onError(e as Error, this.pod);
          const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.failures++);
          this.wakeAt(this.ctx.clock.now() + delay);
        }
      }
    } finally {
      this.running = undefined;
    }
  }

  private wakeAt(at: number): void {
    if (this.done || this.halted) return;
    if (this.wake && this.wake.at <= at && this.wake.at >= this.ctx.clock.now()) return;
    this.cancelWake();
    const timer = this.ctx.clock.setTimeout(() => {
      this.wake = undefined;
      this.schedule();
    }, Math.max(0, at - this.ctx.clock.now()));
    this.wake = { at, timer };
  }

  private cancelWake(): void {
    this.wake?.timer.cancel();
    this.wake = undefined;
  }

  // ---- the sync --------------------------------------------------------------------

  private async sync(): Promise<void> {
    const pod = this.pod;
    if (!pod) return this.teardown();
    if (pod.metadata.deletionTimestamp) return this.terminate(pod);
    await this.refresh();
    const phase = pod.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      // Final: nothing restarts; probes have nothing left to say, and the sandbox gives its address back.
      for (const rec of this.records.values()) this.stopProbes(rec);
      // Sidecars still running (an init container failed under Never) stop, then the sandbox.
      await this.stopSidecars(pod);
      for (const sb of this.instances(SANDBOX_CONTAINER)) if (sb.state === "running") await this.stopContainer(sb.id, 0);
      return;
    }
    for (const rec of this.records.values()) rec.waiting = undefined;
    let podIP: string;
    let sandboxId: ContainerId | undefined;
    if (this.ctx.podNetwork) {
      const sandbox = await this.ensureSandbox(pod, this.ctx.podNetwork);
      if (!sandbox) return this.writeStatus(pod, "", false);
      ({ id: sandboxId, ip: podIP } = sandbox);
    } else {
      podIP = this.ctx.podIP(pod);
    }

    let volumePaths = new Map<string, string>();
    let volumesOk = true;
    if (pod.spec.volumes?.length) {
      try {
        volumePaths = (await this.ctx.volumes.setUp(pod)).paths;
      } catch (e) {
        if (!(e instanceof VolumeError)) throw e;
        volumesOk = false;
        this.ctx.event(pod, "Warning", "FailedMount", e.message);
        this.wakeAt(this.ctx.clock.now() + (e.retryAfterMs ?? 10_000));
      }
    }
    let initDone = false;
    if (volumesOk) {
      const env: SyncEnv = { pod, podIP, volumePaths, sandboxId };
      initDone = await this.syncInit(env);
      if (initDone) for (const c of pod.spec.containers ?? []) await this.syncApp(env, c, pod.spec.restartPolicy);
      // The main containers are done for good (a Job's pod): its sidecars stop now, as the kubelet does.
      if (this.mainFinished(pod)) await this.stopSidecars(pod);
      await this.collectGarbage(pod);
    }
    await this.writeStatus(pod, podIP, initDone);
  }

  /** Re-reads every known instance; vanished ones are forgotten. */
  private async refresh(): Promise<void> {
    await Promise.all(
      [...this.known.keys()].map(async (id) => {
        try {
          this.known.set(id, await this.ctx.runtime.inspect(id));
        } catch (e) {
          if (e instanceof ContainerNotFoundError) this.known.delete(id);
          else throw e;
        }
      }),
    );
  }

  private record(name: string): ContainerRecord {
    let r = this.records.get(name);
    if (!r) this.records.set(name, (r = {}));
    return r;
  }

  /**
   * Runs init containers one at a time, in order; true once all completed. A
   * native sidecar (restartPolicy Always) only has to have started (running,
   * startup probe passed) before the next one; it keeps running, restarted
   * whatever the pod's restartPolicy, beside the app containers.
   */
  private async syncInit(env: SyncEnv): Promise<boolean> {
    const { pod } = env;
    const appStarted = (pod.spec.containers ?? []).some((c) => this.instances(c.name).length > 0);
    const mainFinished = this.mainFinished(pod);
    for (const c of pod.spec.initContainers ?? []) {
      const rec = this.record(c.name);
      if (isSidecar(c)) {
        if (mainFinished) continue; // being stopped with the pod (stopSidecars)
        await this.syncApp(env, c, "Always");
        // Once the app containers run, a restarting sidecar no longer holds them back.
        if (!this.sidecarStarted(c) && !appStarted) return false;
        continue;
      }
      const [cur] = this.instances(c.name);
      if (!cur) {
        if (appStarted) continue; // completed earlier; its instance was cleaned up
        await this.startContainer(env, c, 0, rec);
        return false;
      }
      if (cur.state === "created") {
        await this.startExisting(pod, c, cur);
        return false;
      }
      if (cur.state === "running") return false;
      if (cur.exitCode === 0) continue;
      // A failed init container: the pod fails with Never, otherwise it is retried.
      if (pod.spec.restartPolicy === "Never") return false;
      await this.restartWithBackoff(env, c, cur, rec);
      return false;
    }
    return true;
  }

  /** Running and past its startup probe: the next init container may start. */
  private sidecarStarted(c: V1Container): boolean {
    const [cur] = this.instances(c.name);
    if (cur?.state !== "running") return false;
    const probes = this.records.get(c.name)?.probes;
    return probes?.id === cur.id ? probes.started : !c.startupProbe;
  }

  /**
   * Every app container has exited and none will restart (restartPolicy Never,
   * or OnFailure with exit 0): what ends a Job pod whose sidecars still run.
   */
  private mainFinished(pod: AgentPod): boolean {
    const policy = pod.spec.restartPolicy ?? "Always";
    if (policy === "Always") return false;
    const containers = pod.spec.containers ?? [];
    return (
      containers.length > 0 &&
      containers.every((c) => {
        const [cur] = this.instances(c.name);
        return cur?.state === "exited" && !shouldRestart(policy, cur.exitCode ?? 0);
      })
    );
  }

  /** Stops running sidecars in reverse order (SIGTERM, grace period), each before the one it started after. */
  private async stopSidecars(pod: AgentPod): Promise<void> {
    const sidecars = (pod.spec.initContainers ?? []).filter(isSidecar).reverse();
    for (const c of sidecars) {
      const rec = this.records.get(c.name);
      if (rec) this.stopProbes(rec);
      for (const inst of this.instances(c.name)) {
        if (inst.state !== "running") continue;
        this.ctx.event(pod, "Normal", "Killing", `Stopping container ${c.name}`);
        await this.stopContainer(inst.id, this.graceSeconds(pod));
      }
    }
  }

  /** An app container, or a sidecar (policy Always): start, probe, restart per policy with back-off. */
  private async syncApp(env: SyncEnv, c: V1Container, restartPolicy: string | undefined): Promise<void> {
    const { pod } = env;
    const rec = this.record(c.name);
    let [cur] = this.instances(c.name);
    if (!cur) return this.startContainer(env, c, 0, rec);
    if (cur.state === "created") return this.startExisting(pod, c, cur);
    if (cur.state === "running") {
      this.ensureProbes(env, c, cur, rec);
      const failure = rec.probes?.id === cur.id ? rec.probes.failure : undefined;
      if (!failure) return;
      this.ctx.event(pod, "Normal", "Killing", `Container ${c.name} failed ${failure.kind} probe, will be restarted`);
      this.stopProbes(rec);
      const probe = failure.kind === "startup" ? c.startupProbe : c.livenessProbe;
      const grace = probe?.terminationGracePeriodSeconds ?? this.graceSeconds(pod);
      await this.stopContainer(cur.id, grace);
      cur = this.known.get(cur.id) ?? cur;
      if (cur.state !== "exited") return;
    }
    this.stopProbes(rec);
    if (cur.oomKilled && !this.reportedOom.has(cur.id)) {
      this.reportedOom.add(cur.id);
      const limit = (c.resources?.limits as Record<string, string> | undefined)?.memory;
      this.ctx.event(pod, "Warning", "OOMKilled", `Container ${c.name} was OOM-killed${limit ? ` (memory limit ${limit})` : ""}`);
    }
    if (!shouldRestart(restartPolicy, cur.exitCode ?? 0)) return;
    await this.restartWithBackoff(env, c, cur, rec);
  }

  private readonly reportedOom = new Set<ContainerId>();

  /**
   * The pod's sandbox, running, with its address; undefined while it cannot
   * run (waiting for back-off after a failed create or start). A sandbox that
   * died takes the pod's containers with it: they lived in its namespace, so
   * they are removed and start again in the new one, as the kubelet does.
   */
  private async ensureSandbox(pod: AgentPod, cfg: PodNetworkConfig): Promise<{ id: ContainerId; ip: string } | undefined> {
    const [cur] = this.instances(SANDBOX_CONTAINER);
    if (cur?.state === "created" && !cur.message) {
      await this.startSandbox(pod, cur);
      const now = this.known.get(cur.id);
      if (now?.state === "running" && now.ip) return { id: now.id, ip: now.ip };
    }
    if (cur?.state === "running" && cur.ip) return { id: cur.id, ip: cur.ip };
    const key = `${this.uid}/${SANDBOX_CONTAINER}`;
    const b = this.ctx.crashBackoff;
    if (cur) {
      const failedAt = cur.finishedAt ?? cur.createdAt;
      if (b.isInBackOffSince(key, failedAt)) {
        this.wakeAt(b.readyAt(key, failedAt));
        return undefined;
      }
      b.next(key, failedAt);
    }
    // Everything of the old namespace stops: the old sandbox and the app containers
    // that joined it. The old sandboxes and never-started app containers go; exited
    // app containers stay, as the kubelet keeps dead containers: their exit codes and
    // restart-count labels are what restartPolicy and restartCount are decided from
    // (removing them restarted a Never pod's failed container and reset the others'
    // restartCount to 0 after the engine lost every container of the pod).
    const stale = [...this.known.values()];
    await Promise.all(stale.filter((c) => c.state === "running").map((c) => this.stopContainer(c.id, 0)));
    await this.refresh();
    const gone = [...this.known.values()].filter((c) => c.labels[LABELS.container] === SANDBOX_CONTAINER || c.state !== "exited");
    await Promise.all(gone.map((c) => this.ctx.runtime.remove(c.id)));
    for (const c of gone) this.known.delete(c.id);

    await this.ctx.runtime.ensureImage(cfg.pauseImage, "IfNotPresent");
    const spec = sandboxSpec(pod, this.ctx.nodeName, cur ? attemptOf(cur) + 1 : 0, cfg, this.ctx.hostIP);
    let id: ContainerId;
    try {
      id = await this.ctx.runtime.create(spec);
    } catch (e) {
      if (e instanceof NameConflictError && e.existingId) id = e.existingId;
      else {
        this.ctx.event(pod, "Warning", "FailedCreatePodSandBox", `Failed to create pod sandbox: ${(e as Error).message}`);
        b.next(key, this.ctx.clock.now());
        this.wakeAt(b.readyAt(key, this.ctx.clock.now()));
        return undefined;
      }
    }
    const inst = await this.ctx.runtime.inspect(id);
    this.known.set(id, inst);
    await this.startSandbox(pod, inst);
    const now = this.known.get(id);
    if (now?.state === "running" && now.ip) return { id, ip: now.ip };
    // Start failed (a hostPort in use, an engine error): retried after the back-off.
    const failedAt = now?.finishedAt ?? this.ctx.clock.now();
    this.wakeAt(b.readyAt(key, failedAt));
    return undefined;
  }

  private async startSandbox(pod: AgentPod, inst: ContainerStatus): Promise<void> {
    try {
      await this.ctx.runtime.start(inst.id);
    } catch (e) {
      this.ctx.event(pod, "Warning", "FailedCreatePodSandBox", `Failed to start pod sandbox: ${(e as Error).message}`);
    }
    try {
      this.known.set(inst.id, await this.ctx.runtime.inspect(inst.id));
    } catch (e) {
      if (e instanceof ContainerNotFoundError) this.known.delete(inst.id);
      else throw e;
    }
  }

  /** Kubernetes' doBackOff: restart now, or show CrashLoopBackOff and come back when the wait is over. */
  private async restartWithBackoff(env: SyncEnv, c: V1Container, cur: ContainerStatus, rec: ContainerRecord): Promise<void> {
    const { pod } = env;
    const key = `${this.uid}/${c.name}`;
    const finishedAt = cur.finishedAt ?? this.ctx.clock.now();
    const b = this.ctx.crashBackoff;
    if (b.isInBackOffSince(key, finishedAt)) {
      rec.waiting = {
        reason: "CrashLoopBackOff",
        message: `back-off ${goDuration(b.get(key))} restarting failed container=${c.name} pod=${podDesc(pod)}`,
      };
      this.ctx.event(pod, "Warning", "BackOff", `Back-off restarting failed container ${c.name} in pod ${podDesc(pod)}`);
      this.wakeAt(b.readyAt(key, finishedAt));
      return;
    }
    b.next(key, finishedAt);
    await this.startContainer(env, c, attemptOf(cur) + 1, rec);
  }

  private async startContainer(env: SyncEnv, c: V1Container, attempt: number, rec: ContainerRecord): Promise<void> {
    const { pod } = env;
    if (!(await this.ensureImage(pod, c, rec))) return;
    let spec;
    try {
      spec = await buildContainerSpec(pod, c, attempt, {
        nodeName: this.ctx.nodeName,
        podIP: env.podIP,
        hostIP: this.ctx.hostIP,
        volumePaths: env.volumePaths,
        getConfigMap: (name) => this.ctx.getConfigMap(String(pod.metadata.namespace), name),
        getSecret: async (name) => this.ctx.getSecret?.(String(pod.metadata.namespace), name),
        serviceEnv: () => this.ctx.serviceEnv?.(String(pod.metadata.namespace), pod.spec.enableServiceLinks !== false) ?? Promise.resolve({}),
      });
    } catch (e) {
      if (!(e instanceof ContainerConfigError)) throw e;
      rec.waiting = { reason: "CreateContainerConfigError", message: e.message };
      this.ctx.event(pod, "Warning", "Failed", `Error: ${e.message}`);
      this.wakeAt(this.ctx.clock.now() + 10_000);
      return;
    }
    if (env.sandboxId && this.ctx.podNetwork) {
      // The pod's network namespace (and its ports) belong to the sandbox.
      spec.network = { kind: "join", containerId: env.sandboxId };
      delete spec.ports;
      const resolv = resolvConfMount(pod, this.ctx.podNetwork, this.ctx.podDir(this.uid));
      if (resolv && !(spec.mounts ?? []).some((m) => m.containerPath === resolv.containerPath)) spec.mounts = [...(spec.mounts ?? []), resolv];
    }
    let id: ContainerId;
    try {
      id = await this.ctx.runtime.create(spec);
    } catch (e) {
      // A create that landed before the agent stopped: adopt it instead of failing forever.
      if (e instanceof NameConflictError && e.existingId) id = e.existingId;
      else {
        const msg = (e as Error).message;
        rec.waiting = { reason: "CreateContainerError", message: msg };
        this.ctx.event(pod, "Warning", "Failed", `Error: ${msg}`);
        this.wakeAt(this.ctx.clock.now() + 10_000);
        return;
      }
    }
    this.known.set(id, await this.ctx.runtime.inspect(id));
    this.ctx.event(pod, "Normal", "Created", `Created container ${c.name}`);
    await this.startExisting(pod, c, this.known.get(id)!);
  }

  private async startExisting(pod: AgentPod, c: V1Container, inst: ContainerStatus): Promise<void> {
    try {
      await this.ctx.runtime.start(inst.id);
      this.ctx.event(pod, "Normal", "Started", `Started container ${c.name}`);
    } catch (e) {
      // The instance shows as exited (StartError) and goes through the normal restart path.
      this.ctx.event(pod, "Warning", "Failed", `Error: failed to start container "${c.name}": ${(e as Error).message}`);
    }
    try {
      this.known.set(inst.id, await this.ctx.runtime.inspect(inst.id));
    } catch (e) {
      if (e instanceof ContainerNotFoundError) this.known.delete(inst.id);
      else throw e;
    }
  }

  /** imagePullPolicy with ErrImagePull → ImagePullBackOff; true when the image is there. */
  private async ensureImage(pod: AgentPod, c: V1Container, rec: ContainerRecord): Promise<boolean> {
    const image = c.image ?? "";
    // The kubelet parses the reference before any pull: a malformed one never reaches the engine.
    try {
      parseImageReference(image);
    } catch (e) {
      if (!(e instanceof InvalidImageReferenceError)) throw e;
      const message = invalidImageNameMessage(e);
      if (rec.invalidImage !== image) {
        rec.invalidImage = image;
        this.ctx.event(pod, "Warning", "InspectFailed", message);
        this.ctx.event(pod, "Warning", "Failed", "Error: InvalidImageName");
      }
      rec.waiting = { reason: "InvalidImageName", message };
      return false;
    }
    const key = `${this.uid}/${c.name}/pull`;
    const b = this.ctx.pullBackoff;
    const now = this.ctx.clock.now();
    if (rec.pullFailedAt !== undefined && b.isInBackOffSince(key, rec.pullFailedAt)) {
      // Our own status write triggers a sync at once: keep showing ErrImagePull for a moment.
      if (now - rec.pullFailedAt < SHOW_PULL_BACKOFF_MS && rec.pullError) {
        rec.waiting = { reason: "ErrImagePull", message: rec.pullError };
        this.wakeAt(rec.pullFailedAt + SHOW_PULL_BACKOFF_MS);
        return false;
      }
      rec.waiting = { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` };
      this.ctx.event(pod, "Warning", "BackOff", `Back-off pulling image "${image}"`);
      this.wakeAt(b.readyAt(key, rec.pullFailedAt));
      return false;
    }
    const policy = pullPolicyOf(c);
    if (policy === "Always") this.ctx.event(pod, "Normal", "Pulling", `Pulling image "${image}"`);
    try {
      await this.ctx.runtime.ensureImage(image, policy);
    } catch (e) {
      if (e instanceof ImagePullError) {
        b.next(key, now);
        rec.pullFailedAt = this.ctx.clock.now();
        rec.pullError = e.message;
        rec.waiting = { reason: "ErrImagePull", message: e.message };
        this.ctx.event(pod, "Warning", "Failed", `Failed to pull image "${image}": ${e.engineMessage}`);
        this.ctx.event(pod, "Warning", "Failed", "Error: ErrImagePull");
        this.wakeAt(rec.pullFailedAt + Math.min(SHOW_PULL_BACKOFF_MS, b.get(key)));
        return false;
      }
      if (e instanceof ImageNeverPullError) {
        rec.waiting = { reason: "ErrImageNeverPull", message: e.message };
        this.ctx.event(pod, "Warning", "ErrImageNeverPull", e.message);
        this.wakeAt(this.ctx.clock.now() + 10_000);
        return false;
      }
      throw e;
    }
    b.reset(key);
    rec.pullFailedAt = undefined;
    const ms = this.ctx.clock.now() - now;
    if (policy === "Always") this.ctx.event(pod, "Normal", "Pulled", `Successfully pulled image "${image}" in ${ms}ms`);
    else this.ctx.event(pod, "Normal", "Pulled", `Container image "${image}" already present on machine`);
    if (!this.ctx.imageID(image)) await this.ctx.learnImageID(image);
    return true;
  }

  // ---- probes --------------------------------------------------------------------

  private ensureProbes(env: SyncEnv, c: V1Container, cur: ContainerStatus, rec: ContainerRecord): void {
    if (rec.probes?.id === cur.id) return;
    this.stopProbes(rec);
    const ps: ProbeState = { id: cur.id, workers: [], ready: !c.readinessProbe, started: !c.startupProbe };
    rec.probes = ps;
    const target = { runtime: this.ctx.runtime, containerId: cur.id, podIP: env.podIP, container: c };
    const onReport = (r: ProbeReport) => this.onProbe(c.name, ps, r);
    const started = () => ps.started;
    const specs: Array<[ProbeKind, V1Container["livenessProbe"], (() => boolean) | undefined]> = [
      ["startup", c.startupProbe, undefined],
      ["liveness", c.livenessProbe, started],
      ["readiness", c.readinessProbe, started],
    ];
    for (const [kind, probe, gate] of specs) {
      if (!probe) continue;
      const w = new ProbeWorker(kind, probe, target, this.ctx.clock, this.ctx.probeTiming, onReport, gate);
      ps.workers.push(w);
      w.start();
    }
  }

  private onProbe(container: string, ps: ProbeState, r: ProbeReport): void {
    const rec = this.records.get(container);
    if (!rec || rec.probes !== ps || this.done || this.halted) return; // a stale instance
    const pod = this.pod;
    if (!r.outcome.ok && pod) this.ctx.event(pod, "Warning", "Unhealthy", `${probeTitle(r.kind)} probe failed: ${r.outcome.message}`);
    let changed = false;
    if (r.kind === "startup" && r.result && !ps.started) {
      ps.started = true;
      changed = true;
    }
    if (r.kind === "readiness" && r.changed) {
      ps.ready = r.result;
      changed = true;
    }
    if (r.kind !== "readiness" && r.failedOut && !ps.failure) {
      ps.failure = { kind: r.kind, message: r.outcome.message };
      changed = true;
    }
    if (changed) this.schedule();
  }

  private stopProbes(rec: ContainerRecord): void {
    for (const w of rec.probes?.workers ?? []) w.stop();
    rec.probes = undefined;
  }

  // ---- status ------------------------------------------------------------------------

  private views(pod: AgentPod, initDone: boolean): { init: ContainerView[]; app: ContainerView[] } {
    const view = (c: V1Container, kind: "init" | "app", defaultWaiting: string): ContainerView => {
      const sidecar = kind === "init" && isSidecar(c);
      const isInit = kind === "init";
      const [current, previous] = this.instances(c.name);
      const rec = this.records.get(c.name);
      const probes = current && rec?.probes?.id === current.id ? rec.probes : undefined;
      const v: ContainerView = {
        name: c.name,
        image: c.image ?? "",
        imageID: this.ctx.imageID(c.image ?? ""),
        runtimeName: this.ctx.runtime.name,
        current,
        previous,
        restartCount: current ? attemptOf(current) : 0,
        waiting: rec?.waiting ?? (current && current.state !== "created" ? undefined : { reason: defaultWaiting }),
        ready: isInit && !sidecar ? false : (probes?.ready ?? !c.readinessProbe),
        started: probes?.started ?? !c.startupProbe,
        isInit,
        isSidecar: sidecar,
      };
      return v;
    };
    const init = (pod.spec.initContainers ?? []).map((c) => view(c, "init", "PodInitializing"));
    const app = (pod.spec.containers ?? []).map((c) => view(c, "app", initDone ? "ContainerCreating" : "PodInitializing"));
    return { init, app };
  }

  private async writeStatus(pod: AgentPod, podIP: string, initDone: boolean): Promise<void> {
    // The informer may not have brought back our last write yet: build on it then.
    const base = this.lastWritten && this.lastWritten.baseRv === pod.metadata.resourceVersion ? this.lastWritten.status : pod.status;
    const { init, app } = this.views(pod, initDone);
    const status = computePodStatus({ pod: { ...pod, status: base }, init, app, podIP, hostIP: this.ctx.hostIP, now: this.ctx.clock.now() });
    if (jsonEqual(status, base)) return;
    try {
      await this.ctx.client.updateStatus(R.pods, { apiVersion: "v1", kind: "Pod", metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace }, status });
      this.lastWritten = { status, baseRv: pod.metadata.resourceVersion };
    } catch (e) {
      if (isApiError(e, "NotFound")) return; // deleted meanwhile; the informer will tell us
      throw e;
    }
  }

  // ---- garbage, termination -------------------------------------------------------------

  /** Keeps the newest KEEP_INSTANCES instances of each container; older exited ones go. */
  private async collectGarbage(pod: AgentPod): Promise<void> {
    const names = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c) => c.name);
    const old: ContainerStatus[] = [];
    for (const name of names) old.push(...this.instances(name).slice(KEEP_INSTANCES).filter((c) => c.state === "exited"));
    await Promise.all(
      old.map(async (c) => {
        await this.ctx.runtime.remove(c.id);
        this.known.delete(c.id);
      }),
    );
  }

  private graceSeconds(pod: AgentPod): number {
    const spec = pod.spec.terminationGracePeriodSeconds ?? 30;
    const del = pod.metadata.deletionGracePeriodSeconds;
    return Math.max(0, del === undefined ? spec : Math.min(del, spec));
  }

  private async stopContainer(id: ContainerId, graceSeconds: number): Promise<void> {
    try {
      await this.ctx.runtime.stop(id, { timeoutMs: graceSeconds * 1000 });
      this.known.set(id, await this.ctx.runtime.inspect(id));
    } catch (e) {
      if (e instanceof ContainerNotFoundError) this.known.delete(id);
      else throw e;
    }
  }

  /** Every instance of the pod, including ones this worker never saw (the runtime's view). */
  private async allInstances(): Promise<ContainerStatus[]> {
    const listed = await this.ctx.runtime.list({ [LABELS.podUid]: this.uid, [LABELS.node]: this.ctx.nodeName });
    this.adopt(listed);
    await this.refresh();
    return [...this.known.values()];
  }

  /** Stops running instances (SIGTERM, then SIGKILL after the grace period) and optionally removes all. */
  private async killAll(pod: AgentPod | undefined, graceSeconds: number, announce: boolean): Promise<void> {
    for (const rec of this.records.values()) this.stopProbes(rec);
    const all = await this.allInstances();
    const live = all.filter((c) => c.state !== "exited");
    if (announce && pod) {
      for (const c of live) this.ctx.event(pod, "Normal", "Killing", `Stopping container ${c.labels[LABELS.container]}`);
    }
    await this.stopInOrder(pod, live, graceSeconds);
    await Promise.all(all.map((c) => this.ctx.runtime.remove(c.id)));
    for (const c of all) this.known.delete(c.id);
  }

  /**
   * Stops containers as the kubelet does (1.29+): the app containers first, then
   * the sidecars one by one in reverse order — so a log shipper still sees the
   * app's last lines — and the sandbox last. One grace period covers it all.
   */
  private async stopInOrder(pod: AgentPod | undefined, live: ContainerStatus[], graceSeconds: number): Promise<void> {
    const deadline = this.ctx.clock.now() + graceSeconds * 1000;
    const left = () => Math.max(0, (deadline - this.ctx.clock.now()) / 1000);
    const sidecars = (pod?.spec.initContainers ?? []).filter(isSidecar).map((c) => c.name);
    const nameOf = (c: ContainerStatus) => c.labels[LABELS.container];
    const first = live.filter((c) => !sidecars.includes(nameOf(c)) && nameOf(c) !== SANDBOX_CONTAINER);
    await Promise.all(first.map((c) => this.stopContainer(c.id, left())));
    for (const name of [...sidecars].reverse()) {
      for (const c of live.filter((x) => nameOf(x) === name)) await this.stopContainer(c.id, left());
    }
    await Promise.all(live.filter((c) => nameOf(c) === SANDBOX_CONTAINER).map((c) => this.stopContainer(c.id, left())));
  }

  /** Graceful deletion: stop, remove, clean up, then let the API server drop the object. */
  private async terminate(pod: AgentPod): Promise<void> {
    this.cancelWake();
    await this.killAll(pod, this.graceSeconds(pod), true);
    await this.ctx.volumes.tearDown(this.uid);
    try {
      await this.ctx.client.delete(R.pods, pod.metadata.namespace, String(pod.metadata.name), { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (e) {
      // Gone already, or a new pod with the same name: either way ours is gone.
      if (!isApiError(e, "NotFound") && !isApiError(e, "Conflict")) throw e;
    }
    this.finish(true);
  }

  /** The pod vanished from the API (force delete, or deleted while we were down). */
  private async teardown(): Promise<void> {
    this.cancelWake();
    await this.killAll(undefined, 0, false);
    await this.ctx.volumes.tearDown(this.uid);
    this.finish(false);
  }

  private finish(inApi: boolean): void {
    this.done = true;
    this.ctx.crashBackoff.resetPrefix(`${this.uid}/`);
    this.ctx.pullBackoff.resetPrefix(`${this.uid}/`);
    this.ctx.releaseIP(this.uid);
    this.ctx.finished(this.uid, inApi);
  }
}

interface SyncEnv {
  pod: AgentPod;
  podIP: string;
  volumePaths: Map<string, string>;
  /** The pod's sandbox, when pods run on a cluster network. */
  sandboxId?: ContainerId;
}

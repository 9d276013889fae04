// What the eviction manager and image GC measure: the node's memory, its
// filesystem (nodefs; images live on the same one here, as on most kubelets
// without a separate imagefs) and PIDs, plus each pod's memory working set.
// On Docker the figures are the host's (the engine is local): memory from the
// kernel, the filesystem from statfs of the agent's state dir. Fake nodes have
// a model: a configured capacity, the images' sizes and the pods' simulated
// load. Chaos (memory-pressure, fill-disk) adds simulated usage on top of
// either, so labs can show pressure without starving the shared machine.
import { readdirSync, statfsSync } from "node:fs";
import os from "node:os";
import { parseQuantity } from "../api/quantity.js";
import { LABELS, SANDBOX_CONTAINER, type ContainerRuntime, type ContainerStatus } from "../runtime/runtime.js";

export interface Capacity {
  capacity: number;
  available: number;
}

export interface NodeUsage {
  /** Bytes. */
  memory: Capacity;
  /** Bytes of the filesystem the state dir (and images) are on. */
  nodefs: Capacity;
  /** Process ids. */
  pids: Capacity;
  /**
   * Memory working set per pod UID (running containers only), bytes. Absent
   * when the source did not measure it (Docker: stats cost about a second per
   * container, so the eviction manager asks only under memory pressure).
   */
  podMemory?: Map<string, number>;
}

/** Usage added on top of what is measured (chaos). */
export interface SimulatedLoad {
  memoryBytes: number;
  diskBytes: number;
  pids: number;
}

export interface UsageSource {
  sample(): Promise<NodeUsage>;
}

/** Working set of every running skiff container of this node, summed per pod. */
export async function podMemory(runtime: ContainerRuntime, nodeName: string, listed?: ContainerStatus[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const list = listed ?? (await runtime.list({ [LABELS.node]: nodeName }));
  for (const c of list) {
    if (c.state !== "running" || c.labels[LABELS.container] === SANDBOX_CONTAINER) continue;
    const uid = c.labels[LABELS.podUid];
    const s = await runtime.stats(c.id).catch(() => undefined); // exited meanwhile: no usage
    if (uid && s) out.set(uid, (out.get(uid) ?? 0) + s.memoryBytes);
  }
  return out;
}

function withLoad(u: NodeUsage, load: SimulatedLoad): NodeUsage {
  const less = (c: Capacity, n: number): Capacity => ({ capacity: c.capacity, available: Math.max(0, c.available - n) });
  return { ...u, memory: less(u.memory, load.memoryBytes), nodefs: less(u.nodefs, load.diskBytes), pids: less(u.pids, load.pids) };
}

/** The host's figures (Docker nodes): free memory from the kernel, statfs of dir, running PIDs from /proc. */
export class HostUsage implements UsageSource {
  constructor(
    private readonly dir: string,
    private readonly load: () => SimulatedLoad,
  ) {}

  async sample(): Promise<NodeUsage> {
    const fs = statfsSync(this.dir);
    const pidMax = 4_194_304; // /proc/sys/kernel/pid_max on 64-bit Linux
    let running = 0;
    try {
      running = readdirSync("/proc").filter((n) => /^\d+$/.test(n)).length;
    } catch {
      // no /proc (not Linux): PIDs are then never short
    }
    return withLoad(
      {
        memory: { capacity: os.totalmem(), available: os.freemem() },
        nodefs: { capacity: fs.blocks * fs.bsize, available: fs.bavail * fs.bsize },
        pids: { capacity: pidMax, available: pidMax - running },
      },
      this.load(),
    );
  }
}

export interface ModelOptions {
  /** Node memory, a quantity ("8Gi"). */
  memory: string;
  /** Filesystem size, bytes. Default 100 GiB. */
  diskBytes?: number;
  /** Default 32768. */
  pids?: number;
}

/** Fake nodes: capacity as configured; usage = the pods' simulated memory, the images' sizes, one PID per container. */
export class ModelUsage implements UsageSource {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly nodeName: string,
    private readonly opts: ModelOptions,
    private readonly load: () => SimulatedLoad,
  ) {}

  async sample(): Promise<NodeUsage> {
    const memory = parseQuantity(this.opts.memory).toNumber();
    const disk = this.opts.diskBytes ?? 100 * 1024 ** 3;
    const pids = this.opts.pids ?? 32_768;
    // One list per pass: with thousands of simulated nodes each scan walks every container.
    const listed = await this.runtime.list({ [LABELS.node]: this.nodeName });
    const perPod = await podMemory(this.runtime, this.nodeName, listed);
    const images = await this.runtime.listImages();
    const containers = listed.filter((c) => c.state === "running").length;
    let used = 0;
    for (const v of perPod.values()) used += v;
    const imageBytes = images.reduce((n, i) => n + i.sizeBytes, 0);
    return withLoad(
      {
        memory: { capacity: memory, available: Math.max(0, memory - used) },
        nodefs: { capacity: disk, available: Math.max(0, disk - imageBytes) },
        pids: { capacity: pids, available: Math.max(0, pids - containers) },
        podMemory: perPod,
      },
      this.load(),
    );
  }
}

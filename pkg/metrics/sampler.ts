// The metrics sampler: skiff's metrics-server. Every intervalMs (15 s, as
// metrics-server's default resolution) it asks every node agent in the process
// for a stats sample (cpu in nanocores, memory working set per container) and
// keeps the latest round for the resource metrics API and the HPA controller.
// Listeners (the usage accountant) get each round as it completes.
//
// Time comes from a Clock, so tests drive rounds with FakeClock.advance().
import type { NodeStats } from "../agent/index.js";
import { realClock, type Clock, type TimerHandle } from "../util/clock.js";
import type { MetricsReader, MetricsSnapshot, NodeSample, PodSample } from "./types.js";

/** Anything that can report a node's usage: an Agent, or a stub in tests. */
export interface StatsSource {
  readonly nodeName: string;
  /** One sample of the node's running containers. May throw (the node is skipped this round). */
  stats(): Promise<NodeStats>;
}

export type SnapshotListener = (snap: MetricsSnapshot) => void | Promise<void>;

export interface MetricsSamplerOptions {
  /** The nodes to sample, re-read each round (agents come and go). */
  sources: () => Iterable<StatsSource>;
  clock?: Clock;
  /** Default 15 000. */
  intervalMs?: number;
  /** A node that fails to answer; the round goes on without it. */
  onError?: (nodeName: string, e: Error) => void;
}

export const DEFAULT_METRICS_INTERVAL_MS = 15_000;

export class MetricsSampler implements MetricsReader {
  readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly listeners = new Set<SnapshotListener>();
  private latest: MetricsSnapshot | undefined;
  private lastRoundAt: number | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  private ticking = false;
  private inFlight: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: MetricsSamplerOptions) {
    this.clock = opts.clock ?? realClock;
    this.intervalMs = opts.intervalMs ?? DEFAULT_METRICS_INTERVAL_MS;
  }

  /** Take a first sample at once, then one every intervalMs. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stop sampling and wait for a round in progress (and its listeners). Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    await this.inFlight.catch(() => undefined);
  }

  /** Call fn after every round; returns an unsubscribe function. */
  onSnapshot(fn: SnapshotListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The latest round, if any. */
  snapshot(): MetricsSnapshot | undefined {
    return this.latest;
  }

  nodeMetrics(): NodeSample[] {
    return this.latest?.nodes ?? [];
  }

  podMetrics(namespace?: string): PodSample[] {
    const pods = this.latest?.pods ?? [];
    return namespace === undefined ? pods : pods.filter((p) => p.namespace === namespace);
  }

  /**
   * Sample every node now and publish the round. The window is the time since
   * the previous round (the period this round accounts for), capped at two
   * intervals so a stalled process is not billed for its pause; the first
   * round covers one interval.
   */
  async sampleNow(): Promise<MetricsSnapshot> {
    const round = this.inFlight.then(() => this.collect());
    this.inFlight = round.catch(() => undefined);
    return round;
  }

  private async collect(): Promise<MetricsSnapshot> {
    const now = this.clock.now();
    const elapsed = this.lastRoundAt === undefined ? this.intervalMs : now - this.lastRoundAt;
    const windowMs = Math.max(1, Math.min(elapsed > 0 ? elapsed : this.intervalMs, 2 * this.intervalMs));
    this.lastRoundAt = now;
    const sources = [...this.opts.sources()];
    const results = await Promise.all(
      sources.map(async (s) => {
        try {
          return await s.stats();
        } catch (e) {
          this.opts.onError?.(s.nodeName, e as Error);
          return undefined;
        }
      }),
    );
    const nodes: NodeSample[] = [];
    const pods: PodSample[] = [];
    for (const st of results) {
      if (!st) continue;
      nodes.push({ nodeName: st.nodeName, timestamp: now, windowMs, cpuNanoCores: st.cpuNanoCores, memoryBytes: st.memoryBytes });
      for (const p of st.pods) {
        pods.push({
          namespace: p.namespace,
          name: p.name,
          uid: p.uid,
          nodeName: st.nodeName,
          timestamp: now,
          windowMs,
          cpuNanoCores: p.cpuNanoCores,
          memoryBytes: p.memoryBytes,
          containers: p.containers.map((c) => ({ ...c })),
        });
      }
    }
    nodes.sort((a, b) => a.nodeName.localeCompare(b.nodeName));
    pods.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    const snap: MetricsSnapshot = { timestamp: now, windowMs, nodes, pods };
    this.latest = snap;
    for (const l of this.listeners) await l(snap);
    return snap;
  }

  /** Resolves once the round in progress (if any) and its listeners are done. */
  async idle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }

  /** Fixed rate: the next round is booked before this one runs, so rounds stay intervalMs apart. */
  private tick(): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => this.tick(), this.intervalMs);
    // A round still running (slow nodes) absorbs this one instead of queueing behind it.
    if (this.ticking) return;
    this.ticking = true;
    void this.sampleNow()
      .catch(() => undefined)
      .finally(() => (this.ticking = false));
  }
}

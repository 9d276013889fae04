// Leader election through a coordination.k8s.io Lease, as client-go's
// tools/leaderelection does it: several control planes run the same
// controllers and scheduler, and only the one holding the lease acts.
//
// - A candidate tries every retryPeriod (2 s) to take the lease; it may only
//   when nobody holds it or the holder has not renewed it for
//   leaseDurationSeconds (15 s). "Not renewed" is judged by when *this* process
//   last saw the lease record change, not by the holder's timestamps, so clock
//   skew between machines does not matter (client-go's observedTime).
// - The leader renews every renewInterval (5 s). When it cannot renew for
//   renewDeadline (10 s) it stops leading — before anyone else may take over
//   at 15 s, so two leaders never act at once.
// - Every write is a compare-and-swap on the lease's resourceVersion: of two
//   candidates racing for an expired lease exactly one wins.
// - stop() releases the lease (empty holder), so a clean shutdown hands over
//   within one retry period instead of a lease duration.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { realClock, type Clock, type TimerHandle } from "../util/clock.js";
import type { Client } from "./client.js";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaderElectionOptions {
  client: Client;
  /** Where the lease lives; Kubernetes' components use kube-system. */
  namespace: string;
  name: string;
  /** Unique per process; default hostname_uuid. */
  identity?: string;
  /** Default 15 s. */
  leaseDurationMs?: number;
  /** How often the leader renews. Default 5 s. */
  renewIntervalMs?: number;
  /** The leader gives up when it could not renew for this long. Default 10 s; must be below leaseDurationMs. */
  renewDeadlineMs?: number;
  /** How often a candidate (or a leader whose renewal failed) tries again. Default 2 s. */
  retryPeriodMs?: number;
  clock?: Clock;
  /** Became the leader: start acting. */
  onStartedLeading: () => void | Promise<void>;
  /** No longer the leader (lost the lease, or stop()): stop acting. */
  onStoppedLeading: () => void | Promise<void>;
  /** Someone (maybe this process) was seen holding the lease. */
  onNewLeader?: (identity: string) => void;
  onError?: (e: Error) => void;
}

export function defaultIdentity(): string {
  return `${hostname()}_${randomUUID()}`;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class LeaderElector {
  readonly identity: string;
  private readonly clock: Clock;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;
  private timer: TimerHandle | undefined;
  private leading = false;
  private stopped = true;
  /** The record as last seen, and when (this process's clock) it was seen to change. */
  private observed: { key: string; at: number } | undefined;
  private lastRenew = 0;
  private knownLeader: string | undefined;
  /** The in-flight try, so stop() can wait for it. */
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LeaderElectionOptions) {
    this.identity = opts.identity ?? defaultIdentity();
    this.clock = opts.clock ?? realClock;
    this.leaseMs = opts.leaseDurationMs ?? 15_000;
    this.renewMs = opts.renewIntervalMs ?? 5_000;
    this.deadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryMs = opts.retryPeriodMs ?? 2_000;
    if (this.deadlineMs >= this.leaseMs) throw new RangeError("renewDeadlineMs must be shorter than leaseDurationMs");
    if (this.retryMs >= this.deadlineMs) throw new RangeError("retryPeriodMs must be shorter than renewDeadlineMs");
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The identity last seen holding the lease ("" or undefined: nobody). */
  get leader(): string | undefined {
    return this.knownLeader;
  }

  /** Start competing; idempotent. The first try happens at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Stop competing; a leader releases the lease (unless release is false, to
   * simulate a crash in tests) and gets onStoppedLeading. Idempotent.
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    await this.running;
    if (!this.leading) return;
    if (opts.release !== false) await this.release().catch((e: unknown) => this.report(e));
    await this.lose();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.running = this.tick().catch((e: unknown) => this.report(e));
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (e) {
      this.report(e);
    }
    if (this.stopped) return;
    const now = this.clock.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        await this.opts.onStartedLeading();
      }
      this.schedule(this.renewMs);
      return;
    }
    if (this.leading && (this.knownLeader !== this.identity || now - this.lastRenew >= this.deadlineMs)) {
      // Someone else holds it, or we could not renew in time: stop acting before it can be taken.
      await this.lose();
    }
    this.schedule(this.retryMs);
  }

  private async lose(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    await this.opts.onStoppedLeading();
  }

  /** One attempt (client-go's tryAcquireOrRenew); true when this process holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const fresh: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.leaseMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let lease: KubeObject;
    try {
      lease = await this.opts.client.get(R.leases, this.opts.namespace, this.opts.name);
    } catch (e) {
      if (!isApiError(e, "NotFound")) throw e;
      try {
        await this.opts.client.create(R.leases, this.opts.namespace, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.opts.name, namespace: this.opts.namespace },
          spec: fresh,
        });
      } catch (ce) {
        if (isApiError(ce, "AlreadyExists")) return false; // another candidate was faster
        throw ce;
      }
      this.observe(fresh, now);
      return true;
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    this.observe(spec, now);
    const holder = spec.holderIdentity ?? "";
    const duration = (spec.leaseDurationSeconds ?? this.leaseMs / 1000) * 1000;
    if (holder !== "" && holder !== this.identity && this.observed!.at + duration > now) return false; // held and alive
    const next: LeaseSpec =
      holder === this.identity
        ? { ...fresh, acquireTime: spec.acquireTime ?? fresh.acquireTime, leaseTransitions: spec.leaseTransitions ?? 0 }
        : { ...fresh, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
    try {
      await this.opts.client.update(R.leases, { ...lease, spec: next });
    } catch (e) {
      if (isApiError(e, "Conflict")) return false; // changed since we read it: someone else renewed or took it
      throw e;
    }
    this.observe(next, now);
    return true;
  }

  private async release(): Promise<void> {
    const lease = await this.opts.client.get(R.leases, this.opts.namespace, this.opts.name);
    const spec = (lease.spec ?? {}) as LeaseSpec;
    if (spec.holderIdentity !== this.identity) return;
    const now = this.clock.now();
    await this.opts.client.update(R.leases, { ...lease, spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime(now) } });
  }

  private observe(spec: LeaseSpec, now: number): void {
    const key = `${spec.holderIdentity ?? ""}|${spec.renewTime ?? ""}|${spec.leaseTransitions ?? 0}`;
    if (this.observed?.key !== key) this.observed = { key, at: now };
    const holder = spec.holderIdentity ?? "";
    if (holder !== this.knownLeader) {
      this.knownLeader = holder;
      if (holder) this.opts.onNewLeader?.(holder);
    }
  }

  private report(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    (this.opts.onError ?? ((x: Error) => console.error(`leader election ${this.opts.namespace}/${this.opts.name}: ${x.message}`)))(err);
  }
}

// Endpoint selection for one Service port: round-robin (default) or
// least-connections, with optional ClientIP session affinity. Pure logic with an
// injected clock, so the choices are unit-testable without sockets.

export type Algorithm = "round-robin" | "least-connections";

/** One backend of a Service port: a ready pod address. */
export interface Endpoint {
  /** "ip:port": identity across Endpoints updates. */
  readonly key: string;
  readonly ip: string;
  readonly port: number;
  /** The pod behind it (targetRef.name), for logs. */
  readonly podName?: string;
}

export function endpointKey(ip: string, port: number): string {
  return `${ip}:${port}`;
}

/**
 * Round-robin: the first candidate at or after `cursor` (modulo n) not excluded.
 * Returns the index, or -1 when every candidate is excluded.
 */
export function roundRobinIndex(n: number, cursor: number, excluded: (i: number) => boolean): number {
  for (let step = 0; step < n; step++) {
    const i = (cursor + step) % n;
    if (!excluded(i)) return i;
  }
  return -1;
}

/**
 * Least-connections: among non-excluded candidates, one with the fewest active
 * connections; ties are broken round-robin from `cursor`, so equal backends
 * still share the load instead of the first one taking every burst.
 */
export function leastConnectionsIndex(active: readonly number[], cursor: number, excluded: (i: number) => boolean): number {
  const n = active.length;
  let best = -1;
  let bestCount = Infinity;
  for (let step = 0; step < n; step++) {
    const i = (cursor + step) % n;
    if (excluded(i)) continue;
    if (active[i] < bestCount) {
      best = i;
      bestCount = active[i];
    }
  }
  return best;
}

export interface BalancerOptions {
  algorithm?: Algorithm;
  /** ClientIP session affinity: pin a client to an endpoint for this long after its last connection. */
  affinityTimeoutMs?: number;
  now?: () => number;
}

interface Pin {
  key: string;
  lastUsed: number;
}

/** Sweep expired pins once the table grows past this, so it cannot grow without bound. */
const PIN_SWEEP_AT = 4096;

export class Balancer {
  private endpoints: Endpoint[] = [];
  private cursor = 0;
  /** Active connections per endpoint key; kept for removed endpoints that still drain. */
  private readonly activeByKey = new Map<string, number>();
  private readonly pins = new Map<string, Pin>();
  private readonly now: () => number;
  private algorithm: Algorithm;
  private affinityTimeoutMs: number | undefined;

  constructor(opts: BalancerOptions = {}) {
    this.algorithm = opts.algorithm ?? "round-robin";
    this.affinityTimeoutMs = opts.affinityTimeoutMs;
    this.now = opts.now ?? Date.now;
  }

  /** Change the affinity setting (Service updated); undefined turns affinity off and forgets pins. */
  setAffinity(timeoutMs: number | undefined): void {
    this.affinityTimeoutMs = timeoutMs;
    if (timeoutMs === undefined) this.pins.clear();
  }

  setAlgorithm(a: Algorithm): void {
    this.algorithm = a;
  }

  /** Replace the ready set. Connections to endpoints no longer listed keep running (drain). */
  setEndpoints(eps: readonly Endpoint[]): void {
    this.endpoints = [...eps];
    if (this.endpoints.length > 0) this.cursor %= this.endpoints.length;
    else this.cursor = 0;
  }

  get size(): number {
    return this.endpoints.length;
  }

  list(): readonly Endpoint[] {
    return this.endpoints;
  }

  /**
   * Choose an endpoint for a new connection from clientIP, skipping keys in
   * `exclude` (endpoints that already refused this connection). Undefined when
   * none is left. Does not count the connection: call acquire() once connected.
   */
  pick(clientIP?: string, exclude?: ReadonlySet<string>): Endpoint | undefined {
    const eps = this.endpoints;
    const n = eps.length;
    if (n === 0) return undefined;
    const isExcluded = exclude && exclude.size > 0 ? (i: number) => exclude.has(eps[i].key) : () => false;

    const affinity = this.affinityTimeoutMs !== undefined && clientIP !== undefined;
    const now = affinity ? this.now() : 0;
    if (affinity) {
      const pin = this.pins.get(clientIP);
      if (pin && now - pin.lastUsed <= this.affinityTimeoutMs!) {
        const ep = eps.find((e) => e.key === pin.key);
        if (ep && !exclude?.has(ep.key)) {
          pin.lastUsed = now;
          return ep;
        }
      }
    }

    let i: number;
    if (this.algorithm === "least-connections") {
      i = leastConnectionsIndex(
        eps.map((e) => this.activeByKey.get(e.key) ?? 0),
        this.cursor,
        isExcluded,
      );
    } else {
      i = roundRobinIndex(n, this.cursor, isExcluded);
    }
    if (i < 0) return undefined;
    this.cursor = (i + 1) % n;
    const chosen = eps[i];
    if (affinity) {
      if (this.pins.size >= PIN_SWEEP_AT) this.sweepPins(now);
      this.pins.set(clientIP, { key: chosen.key, lastUsed: now });
    }
    return chosen;
  }

  /** A connection to key opened. */
  acquire(key: string): void {
    this.activeByKey.set(key, (this.activeByKey.get(key) ?? 0) + 1);
  }

  /** A connection to key closed. Never goes below zero. */
  release(key: string): void {
    const n = (this.activeByKey.get(key) ?? 0) - 1;
    if (n <= 0) this.activeByKey.delete(key);
    else this.activeByKey.set(key, n);
  }

  active(key: string): number {
    return this.activeByKey.get(key) ?? 0;
  }

  private sweepPins(now: number): void {
    for (const [ip, pin] of this.pins) if (now - pin.lastUsed > this.affinityTimeoutMs!) this.pins.delete(ip);
  }
}

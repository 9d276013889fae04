// Per-client request rate limiting: a token bucket per authenticated user (per
// IP before authentication), answering 429 TooManyRequests with Retry-After
// when a client outruns it, so one runaway script cannot starve everyone else.
// Defaults are generous (200 requests/s, bursts of 400) so kubectl and skiff's
// own components never meet them. Like Kubernetes' API Priority and Fairness,
// members of system:masters are exempt; in-process clients never reach HTTP.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../api/errors.js";

export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  ratePerSecond: number;
  /** Bucket size: how many requests may arrive at once after a quiet spell. */
  burst: number;
  /** Groups never limited (default: system:masters, as Kubernetes' "exempt" priority level). */
  exemptGroups?: string[];
  /** Paths never limited (health checks). */
  exemptPaths?: ReadonlySet<string>;
  /** Milliseconds, for tests. */
  now?: () => number;
  /** Forget idle clients beyond this many (a full bucket needs no memory). */
  maxClients?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { ratePerSecond: 200, burst: 400 };

/** From SKIFF_API_RATE_LIMIT="rps:burst" ("0" turns limiting off); undefined when unset or unreadable. */
export function rateLimitFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimitOptions | false | undefined {
  const v = env.SKIFF_API_RATE_LIMIT;
  if (v === undefined || v === "") return undefined;
  if (v === "0" || v === "off") return false;
  const [rps, burst] = v.split(":").map(Number);
  if (!(rps > 0)) return undefined;
  return { ratePerSecond: rps, burst: burst > 0 ? burst : rps * 2 };
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly maxClients: number;

  constructor(private readonly opts: RateLimitOptions) {
    this.now = opts.now ?? (() => performance.now());
    this.maxClients = opts.maxClients ?? 10_000;
  }

  /** Take one token for `key`: 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const { ratePerSecond: rate, burst } = this.opts;
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    // Delete and re-insert so the Map's order is least-recently-used first.
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxClients) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate));
  }
}

/**
 * Add the limiting hook to `app`. Register it after authentication, so the
 * bucket is the user's (a request that fails authentication never gets here).
 */
export function installRateLimit(app: FastifyInstance, opts: RateLimitOptions): void {
  const buckets = new TokenBuckets(opts);
  const exemptGroups = new Set(opts.exemptGroups ?? ["system:masters"]);
  app.addHook("onRequest", async (req: FastifyRequest & { user?: string; groups?: string[] }, reply) => {
    if (opts.exemptPaths?.has(req.url.split("?")[0])) return;
    if ((req.groups ?? []).some((g) => exemptGroups.has(g))) return;
    const key = req.user ? `user:${req.user}` : `ip:${req.ip}`;
    const wait = buckets.take(key);
    if (wait > 0) {
      reply.header("Retry-After", String(wait));
      throw new ApiError("TooManyRequests", `too many requests from ${req.user ? `user "${req.user}"` : req.ip}, please try again later`, { retryAfterSeconds: wait });
    }
  });
}

// Browser sessions for the dashboard. A browser cannot attach a bearer token to
// a page load, so logging in trades the token (or a one-time ticket minted with
// it) for a random session id in an HttpOnly cookie. Sessions and tickets live
// in memory only: restarting the API server logs everyone out, which is fine
// for a lab cluster and means no session secret ever touches the disk.
import { randomBytes } from "node:crypto";
import { ApiError } from "../api/errors.js";
import type { SessionAuthenticator, UserInfo } from "../apiserver/auth.js";

/** Writes from a cookie session must carry this header; a cross-site form or <img> cannot set it. */
export const CSRF_HEADER = "x-skiff-csrf";
/** `__Host-` makes the browser insist on Secure, Path=/ and no Domain. */
export const COOKIE_PREFIX = "__Host-skiff-session";

export interface SessionOptions {
  /** Session lifetime (default 8 hours, a lab day). */
  ttlMs?: number;
  /** Ticket lifetime (default 60 s: long enough to click a printed link). */
  ticketTtlMs?: number;
  /** Oldest sessions are dropped beyond this many (memory bound). */
  maxSessions?: number;
  now?: () => number;
}

interface Entry {
  user: UserInfo;
  expires: number;
}

type Headers = Record<string, string | string[] | undefined>;

export class SessionStore implements SessionAuthenticator {
  readonly publicPaths: ReadonlySet<string>;
  private readonly sessions = new Map<string, Entry>();
  private readonly tickets = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly ticketTtlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(publicPaths: Iterable<string>, opts: SessionOptions = {}) {
    this.publicPaths = new Set(publicPaths);
    this.ttlMs = opts.ttlMs ?? 8 * 3600_000;
    this.ticketTtlMs = opts.ticketTtlMs ?? 60_000;
    this.maxSessions = opts.maxSessions ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  /** Start a session for a user; returns its id (256 random bits). */
  create(user: UserInfo): string {
    this.sweep(this.sessions);
    while (this.sessions.size >= this.maxSessions) {
      // Maps iterate in insertion order: the first key is the oldest session.
      this.sessions.delete(this.sessions.keys().next().value as string);
    }
    const id = randomBytes(32).toString("base64url");
    this.sessions.set(id, { user, expires: this.now() + this.ttlMs });
    return id;
  }

  /** The live session behind a request's cookies, if any. */
  lookup(headers: Headers): { id: string; user: UserInfo } | undefined {
    for (const [name, value] of parseCookies(headers.cookie)) {
      if (!name.startsWith(COOKIE_PREFIX)) continue;
      const entry = this.sessions.get(value);
      if (!entry) continue;
      if (entry.expires <= this.now()) {
        this.sessions.delete(value);
        continue;
      }
      return { id: value, user: entry.user };
    }
    return undefined;
  }

  /** Ends a session; idempotent. */
  end(id: string): void {
    this.sessions.delete(id);
  }

  /** A single-use ticket that `redeem` turns into a session within ticketTtlMs. */
  issueTicket(user: UserInfo): { ticket: string; expiresAt: string } {
    this.sweep(this.tickets);
    const ticket = randomBytes(32).toString("base64url");
    const expires = this.now() + this.ticketTtlMs;
    this.tickets.set(ticket, { user, expires });
    return { ticket, expiresAt: new Date(expires).toISOString() };
  }

  /** The ticket's user, once: a second redeem (or a late one) gets undefined. */
  redeem(ticket: string): UserInfo | undefined {
    const entry = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!entry || entry.expires <= this.now()) return undefined;
    return entry.user;
  }

  authenticateSession(req: { method: string; headers: Headers }): UserInfo | undefined {
    const session = this.lookup(req.headers);
    if (!session) return undefined;
    const safe = req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS";
    if (!safe && !headerValue(req.headers[CSRF_HEADER])) {
      // SameSite=Strict already keeps the cookie off cross-site requests; this is the second lock.
      throw new ApiError("Forbidden", `a request authenticated by the dashboard session must carry the ${CSRF_HEADER} header`);
    }
    return session.user;
  }

  /** Set-Cookie value for a new session. The port is in the name: cookies ignore ports, so two clusters on one host must not overwrite each other's. */
  cookieFor(id: string, host: string | undefined): string {
    return `${cookieName(host)}=${id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${this.ttlSeconds}`;
  }

  /** Set-Cookie value that makes the browser forget the session. */
  clearCookie(host: string | undefined): string {
    return `${cookieName(host)}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
  }

  private sweep(map: Map<string, Entry>): void {
    const now = this.now();
    for (const [k, e] of map) if (e.expires <= now) map.delete(k);
  }
}

export function cookieName(host: string | undefined): string {
  const port = /:(\d+)$/.exec(host ?? "")?.[1] ?? "443";
  return `${COOKIE_PREFIX}-${port}`;
}

/** `a=1; b=2` → [[a, 1], [b, 2]]; malformed pairs are skipped. */
export function parseCookies(header: string | string[] | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of (headerValue(header) ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    out.push([part.slice(0, i).trim(), part.slice(i + 1).trim()]);
  }
  return out;
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join("; ") : v;
}

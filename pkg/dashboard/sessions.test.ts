import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors.js";
import { COOKIE_PREFIX, cookieName, parseCookies, SessionStore } from "./sessions.js";

const alice = { user: "alice", groups: ["system:authenticated"] };

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe("SessionStore", () => {
  it("finds a session by its cookie, whatever the port suffix, and not after it expires", () => {
    const c = clock();
    const s = new SessionStore([], { ttlMs: 1000, now: c.now });
    const id = s.create(alice);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.lookup({ cookie: `other=1; ${COOKIE_PREFIX}-6443=${id}` })?.user).toEqual(alice);
    expect(s.lookup({ cookie: `${COOKIE_PREFIX}-6443=nope` })).toBeUndefined();
    expect(s.lookup({ cookie: `unrelated=${id}` })).toBeUndefined();
    c.advance(1000);
    expect(s.lookup({ cookie: `${COOKIE_PREFIX}-6443=${id}` })).toBeUndefined();
  });

  it("ends a session", () => {
    const s = new SessionStore([]);
    const id = s.create(alice);
    s.end(id);
    expect(s.lookup({ cookie: `${COOKIE_PREFIX}-1=${id}` })).toBeUndefined();
  });

  it("drops the oldest sessions beyond its bound", () => {
    const s = new SessionStore([], { maxSessions: 2 });
    const [a, b, c] = [s.create(alice), s.create(alice), s.create(alice)];
    expect(s.lookup({ cookie: `${COOKIE_PREFIX}-1=${a}` })).toBeUndefined();
    expect(s.lookup({ cookie: `${COOKIE_PREFIX}-1=${b}` })).toBeDefined();
    expect(s.lookup({ cookie: `${COOKIE_PREFIX}-1=${c}` })).toBeDefined();
  });

  it("redeems a ticket once, and not after it expires", () => {
    const c = clock();
    const s = new SessionStore([], { ticketTtlMs: 500, now: c.now });
    const { ticket, expiresAt } = s.issueTicket(alice);
    expect(Date.parse(expiresAt)).toBe(c.now() + 500);
    expect(s.redeem(ticket)).toEqual(alice);
    expect(s.redeem(ticket)).toBeUndefined();
    const late = s.issueTicket(alice).ticket;
    c.advance(500);
    expect(s.redeem(late)).toBeUndefined();
    expect(s.redeem("made-up")).toBeUndefined();
  });

  it("lets cookie reads through but demands the CSRF header on writes", () => {
    const s = new SessionStore([]);
    const cookie = `${COOKIE_PREFIX}-6443=${s.create(alice)}`;
    expect(s.authenticateSession({ method: "GET", headers: { cookie } })).toEqual(alice);
    expect(() => s.authenticateSession({ method: "PATCH", headers: { cookie } })).toThrow(ApiError);
    try {
      s.authenticateSession({ method: "DELETE", headers: { cookie } });
    } catch (e) {
      expect((e as ApiError).httpStatus).toBe(403);
    }
    expect(s.authenticateSession({ method: "DELETE", headers: { cookie, "x-skiff-csrf": "1" } })).toEqual(alice);
    // No session at all: undefined (401 upstream), not a CSRF error.
    expect(s.authenticateSession({ method: "POST", headers: {} })).toBeUndefined();
  });

  it("writes cookies that a browser keeps to this origin and hides from scripts", () => {
    const s = new SessionStore([], { ttlMs: 3600_000 });
    const set = s.cookieFor("abc", "127.0.0.1:6443");
    expect(set).toBe(`${COOKIE_PREFIX}-6443=abc; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=3600`);
    expect(s.clearCookie("127.0.0.1:6443")).toMatch(/^__Host-skiff-session-6443=; .*Max-Age=0$/);
    expect(cookieName(undefined)).toBe(`${COOKIE_PREFIX}-443`);
  });

  it("parses cookie headers leniently", () => {
    expect(parseCookies("a=1; b = 2;;junk; c=x=y")).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["c", "x=y"],
    ]);
    expect(parseCookies(undefined)).toEqual([]);
  });
});

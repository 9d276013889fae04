// The dashboard's routes inside the API server (/ui). The page itself is static
// (pkg/dashboard/static); everything it shows comes from the normal API with the
// session cookie standing in for the bearer token, plus one multiplexed watch
// stream (watch-mux.ts). This module only does what a browser needs on top of
// the API: log in, log out, one-time login tickets for `skiff dashboard`.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiError } from "../api/errors.js";
import type { Authenticator, Authorizer, UserInfo } from "../apiserver/auth.js";
import type { Registry } from "../apiserver/registry.js";
import { CSRF_HEADER, SessionStore, type SessionOptions } from "./sessions.js";
import { serveMultiplexedWatch } from "./watch-mux.js";

export interface DashboardOptions {
  registry: Registry;
  /** Checks the token typed into the login form (the API server's own authenticator). */
  authenticator: Authenticator;
  /** Applied to the multiplexed watch, per resource, as the API applies it to each watch. */
  authorizer?: Authorizer;
  sessions?: SessionOptions;
  /** Where index.html, app.js… are (default: found next to this module or in the source tree). */
  staticDir?: string;
  watch?: { bookmarkEveryMs?: number };
}

export interface Dashboard {
  /** Pass to ApiServerOptions.sessions: cookie authentication for the API. */
  sessions: SessionStore;
  /** Pass to ApiServerOptions.plugins: registers /ui. */
  plugin: (app: FastifyInstance) => Promise<void>;
}

/** Files the page loads; every one is public (they hold no data). */
const ASSETS: Record<string, string> = {
  "app.js": "text/javascript; charset=utf-8",
  "login.js": "text/javascript; charset=utf-8",
  "style.css": "text/css; charset=utf-8",
};
const PAGES = ["index.html", "login.html"];

/** Only the page's own files; no inline script, no framing, no referrer to other sites (a ticket URL must not leak). */
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts, which the login check refuses.
  "Referrer-Policy": "same-origin",
};

export function buildDashboard(opts: DashboardOptions): Dashboard {
  const files = loadStatic(opts.staticDir ?? findStaticDir());
  // Routes that check the session themselves; /ui/tickets alone goes through the API server's hook.
  const publicPaths = ["/ui", "/ui/", "/ui/login", "/ui/logout", "/ui/session", "/ui/watch", ...Object.keys(ASSETS).map((f) => `/ui/${f}`)];
  const sessions = new SessionStore(publicPaths, opts.sessions);

  async function plugin(app: FastifyInstance): Promise<void> {
    // Encapsulated: the form parser must not make the API itself accept HTML form posts.
    await app.register(async (ui) => {
      ui.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string", bodyLimit: 16 * 1024 }, (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });

      ui.get("/ui", async (req, reply) => {
        if (sessions.lookup(req.headers)) return page(reply, 200, "index.html");
        return loginPage(reply, 200);
      });
      for (const [name, type] of Object.entries(ASSETS)) {
        ui.get(`/ui/${name}`, async (_req, reply) => {
          const body = files.get(name);
          if (body === undefined) return missing(reply);
          return reply.code(200).headers({ ...SECURITY_HEADERS, "Content-Type": type, "Cache-Control": "no-cache" }).send(body);
        });
      }

      // A one-time link printed by `skiff dashboard`: the ticket becomes a session.
      ui.get<{ Querystring: { ticket?: string } }>("/ui/login", async (req, reply) => {
        const ticket = req.query.ticket;
        if (!ticket) return reply.redirect("/ui/", 303);
        const user = sessions.redeem(ticket);
        if (!user) return loginPage(reply, 401, "That login link has expired or was already used. Run `skiff dashboard` for a new one, or paste the token.");
        return startSession(req, reply, user, "redirect");
      });

      // The login form (urlencoded) or the page's script (JSON, from /ui/#token=…).
      ui.post<{ Body: { token?: unknown } }>("/ui/login", async (req, reply) => {
        const asForm = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
        if (!sameOrigin(req)) throw new ApiError("Forbidden", "login from another origin is not allowed");
        const token = typeof req.body?.token === "string" ? req.body.token.trim() : "";
        const user = token && token.length < 4096 ? opts.authenticator.authenticate(`Bearer ${token}`) : undefined;
        if (!user) {
          if (asForm) return loginPage(reply, 401, "That token is not valid for this cluster.");
          throw new ApiError("Unauthorized", "that token is not valid for this cluster");
        }
        return startSession(req, reply, user, asForm ? "redirect" : "json");
      });

      ui.post("/ui/logout", async (req, reply) => {
        // Public so that logging out never needs an RBAC rule; the CSRF header keeps other sites from doing it.
        if (!req.headers[CSRF_HEADER]) throw new ApiError("Forbidden", `logout must carry the ${CSRF_HEADER} header`);
        const s = sessions.lookup(req.headers);
        if (s) sessions.end(s.id);
        return reply.code(204).header("Set-Cookie", sessions.clearCookie(req.headers.host)).send();
      });
      ui.get("/ui/session", async (req) => ({ user: authenticate(req).user }));
      // The page's live stream. It authenticates here rather than in the API server's hook so that the
      // permission that counts is "watch" on each resource, not a rule for the path /ui/watch.
      ui.get("/ui/watch", (req, reply) => {
        authenticate(req);
        return serveMultiplexedWatch({ registry: opts.registry, authorizer: opts.authorizer, bookmarkEveryMs: opts.watch?.bookmarkEveryMs }, req, reply);
      });
      // For `skiff dashboard`: behind the API server's authentication (the CLI sends its bearer token).
      ui.post("/ui/tickets", async (req, reply) => {
        if (!req.user) throw new ApiError("Unauthorized", "Unauthorized");
        reply.code(201);
        return sessions.issueTicket({ user: req.user, groups: req.groups ?? [] });
      });
    });
  }

  /** As the API server's hook does: the bearer token when there is one, else the session cookie. */
  function authenticate(req: FastifyRequest): UserInfo {
    const who =
      req.headers.authorization !== undefined ? opts.authenticator.authenticate(req.headers.authorization) : sessions.authenticateSession(req);
    if (!who) throw new ApiError("Unauthorized", "Unauthorized");
    req.user = who.user;
    req.groups = who.groups;
    return who;
  }

  function startSession(req: FastifyRequest, reply: FastifyReply, user: UserInfo, answer: "redirect" | "json"): FastifyReply {
    const id = sessions.create(user);
    reply.header("Set-Cookie", sessions.cookieFor(id, req.headers.host)).header("Cache-Control", "no-store");
    if (answer === "redirect") return reply.redirect("/ui/", 303);
    return reply.code(200).send({ user: user.user });
  }

  function page(reply: FastifyReply, code: number, name: string, replace: Record<string, string> = {}): FastifyReply {
    let body = files.get(name);
    if (body === undefined) return missing(reply);
    for (const [k, v] of Object.entries(replace)) body = body.replace(k, v);
    return reply
      .code(code)
      .headers({ ...SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" })
      .send(body);
  }

  function loginPage(reply: FastifyReply, code: number, error?: string): FastifyReply {
    const html = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : "";
    return page(reply, code, "login.html", { "<!--error-->": html });
  }

  function missing(reply: FastifyReply): FastifyReply {
    return reply
      .code(503)
      .type("text/plain; charset=utf-8")
      .send("The dashboard's files were not found (pkg/dashboard/static). The API works; reinstall skiff to get the dashboard back.\n");
  }

  return { sessions, plugin };
}

/** The page's files: beside the compiled module if copied there, else in the source tree (dist/pkg/dashboard → pkg/dashboard/static). */
export function findStaticDir(): string {
  const candidates = ["./static/", "../../../pkg/dashboard/static/"].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? candidates[0];
}

function loadStatic(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of [...PAGES, ...Object.keys(ASSETS)]) {
    const path = join(dir, name);
    // Read once at start-up: the files are small and never change while the server runs.
    if (existsSync(path)) files.set(name, readFileSync(path, "utf8"));
  }
  return files;
}

/** A browser always sends Origin on a POST; a cross-site login attempt names another origin. */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true; // curl, tests: not a browser, so no CSRF to fear
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

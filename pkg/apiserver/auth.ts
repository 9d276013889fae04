// Bearer-token authentication. Tokens map to users (and their groups);
// comparison is constant-time so response timing does not leak how much of a
// guess matched.
import { createHash, timingSafeEqual } from "node:crypto";

export interface UserInfo {
  user: string;
  groups: string[];
  /** Set for service accounts: the account's uid and Kubernetes' extra keys (credential id, pod). */
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface Authenticator {
  /** The user behind an Authorization header, or undefined to refuse (401). */
  authenticate(authorization: string | undefined): UserInfo | undefined;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export class StaticTokenAuthenticator implements Authenticator {
  private readonly tokens: Array<{ hash: Buffer; info: UserInfo }>;

  /** token → user name, or token → { user, groups }. */
  constructor(tokens: Record<string, string | { user: string; groups?: string[] }>) {
    this.tokens = Object.entries(tokens).map(([token, u]) => ({
      hash: digest(token),
      info: typeof u === "string" ? { user: u, groups: [] } : { user: u.user, groups: u.groups ?? [] },
    }));
  }

  authenticate(authorization: string | undefined): UserInfo | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return undefined;
    const h = digest(m[1]);
    // Check every entry so the time taken does not depend on which one matched.
    let found: UserInfo | undefined;
    for (const t of this.tokens) if (timingSafeEqual(t.hash, h)) found = t.info;
    return found && { user: found.user, groups: [...found.groups, "system:authenticated"] };
  }
}

/** What an authorizer decides on: Kubernetes' request attributes. */
export interface AuthorizationAttributes {
  user: string;
  groups: string[];
  /** get, list, watch, create, update, patch, delete, deletecollection; for non-resource paths the HTTP verb in lower case. */
  verb: string;
  isResourceRequest: boolean;
  /** API group ("" for core), resource plural, subresource. */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Request path, for non-resource requests (/api, /version, /openapi/v3…). */
  path: string;
}

export interface AuthorizationDecision {
  allowed: boolean;
  reason?: string;
}

export interface Authorizer {
  authorize(a: AuthorizationAttributes): Promise<AuthorizationDecision> | AuthorizationDecision;
}

/** Kubernetes' 403 wording: `pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"`. */
export function forbiddenMessage(a: AuthorizationAttributes, reason?: string): string {
  if (!a.isResourceRequest) return `forbidden: User "${a.user}" cannot ${a.verb} path "${a.path}"${reason ? `: ${reason}` : ""}`;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const what = a.name ? `${a.resource} "${a.name}"` : `${a.resource}`;
  const scope = a.namespace ? ` in the namespace "${a.namespace}"` : " at the cluster scope";
  return `${what} is forbidden: User "${a.user}" cannot ${a.verb} resource "${res}" in API group "${a.apiGroup ?? ""}"${scope}${reason ? `: ${reason}` : ""}`;
}

/**
 * A second way in besides bearer tokens: the dashboard's browser session
 * (a cookie). Consulted only when a request has no Authorization header.
 */
export interface SessionAuthenticator {
  /** Exact paths whose routes check sessions themselves (a login page must load without one). */
  readonly publicPaths: ReadonlySet<string>;
  /**
   * The user of the request's session cookie, or undefined when it has none
   * (then the request is 401). Throws an ApiError (403) for a cookie-authenticated
   * write without the CSRF header.
   */
  authenticateSession(req: { method: string; headers: Record<string, string | string[] | undefined> }): UserInfo | undefined;
}

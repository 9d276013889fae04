// Bearer-token authentication. Tokens map to user names; comparison is
// constant-time so response timing does not leak how much of a guess matched.
import { createHash, timingSafeEqual } from "node:crypto";

export interface Authenticator {
  /** The user behind an Authorization header, or undefined to refuse (401). */
  authenticate(authorization: string | undefined): string | undefined;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export class StaticTokenAuthenticator implements Authenticator {
  private readonly tokens: Array<{ hash: Buffer; user: string }>;

  constructor(tokens: Record<string, string>) {
    this.tokens = Object.entries(tokens).map(([token, user]) => ({ hash: digest(token), user }));
  }

  authenticate(authorization: string | undefined): string | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return undefined;
    const h = digest(m[1]);
    // Check every entry so the time taken does not depend on which one matched.
    let user: string | undefined;
    for (const t of this.tokens) if (timingSafeEqual(t.hash, h)) user = t.user;
    return user;
  }
}

// Bearer tokens from $SKIFF_HOME/tokens.json, re-read when the file changes so
// `skiff token create` and `skiff token delete` take effect on a running API
// server. The file is checked on every unknown token (a new one works at once)
// and at most once a second otherwise (a deleted one stops working within a
// second). Comparison is constant-time over every entry, as in
// StaticTokenAuthenticator, and expired tokens are refused.
import { createHash, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Authenticator, UserInfo } from "../apiserver/auth.js";
import { newToken, writeFileAtomic } from "../cluster/state-dir.js";

/** One entry of tokens.json (the key is the token itself). */
export interface TokenRecord {
  user: string;
  groups?: string[];
  /** RFC 3339; absent = never expires. */
  expires?: string;
  created?: string;
  /** The role binding made for this token, so `skiff token delete` can remove it. */
  binding?: { kind: "RoleBinding" | "ClusterRoleBinding"; namespace?: string; name: string };
}

export type TokenFile = Record<string, TokenRecord>;

const RECHECK_MS = 1000;

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export function readTokenFile(path: string): TokenFile {
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, "utf8")) as TokenFile;
}

export function writeTokenFile(path: string, tokens: TokenFile): void {
  writeFileAtomic(path, JSON.stringify(tokens, null, 2) + "\n", 0o600);
}

/** Add a token for a user; returns the token. */
export function addToken(path: string, record: TokenRecord): string {
  const tokens = readTokenFile(path);
  const token = newToken();
  tokens[token] = { ...record, created: record.created ?? new Date().toISOString() };
  writeTokenFile(path, tokens);
  return token;
}

/** Remove the entries chosen by `pick`; returns what was removed. */
export function removeTokens(path: string, pick: (token: string, r: TokenRecord) => boolean): Array<[string, TokenRecord]> {
  const tokens = readTokenFile(path);
  const removed = Object.entries(tokens).filter(([t, r]) => pick(t, r));
  if (removed.length === 0) return [];
  for (const [t] of removed) delete tokens[t];
  writeTokenFile(path, tokens);
  return removed;
}

/** "abc123…": enough to tell tokens apart, never enough to use one. */
export function maskToken(token: string): string {
  return `${token.slice(0, 6)}…`;
}

/** "90s", "30m", "24h", "7d" (or combinations like "1h30m") → milliseconds. */
export function parseTtl(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += parseFloat(m[1]) * unit[m[2]];
    end = re.lastIndex;
  }
  if (end === 0 || end !== s.length || total <= 0) throw new Error(`invalid duration "${s}": use e.g. 90s, 30m, 24h, 7d`);
  return total;
}

interface Entry {
  hash: Buffer;
  info: UserInfo;
  expiresAt: number;
}

export class TokenFileAuthenticator implements Authenticator {
  private entries: Entry[] = [];
  private fingerprint = "";
  private checkedAt = 0;

  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.reloadIfChanged();
  }

  authenticate(authorization: string | undefined): UserInfo | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!m) return undefined;
    const h = digest(m[1]);
    if (this.now() - this.checkedAt >= RECHECK_MS) this.reloadIfChanged();
    let found = this.find(h);
    // Unknown token: maybe it was just created; look at the file before refusing.
    if (!found && this.reloadIfChanged()) found = this.find(h);
    if (!found || found.expiresAt <= this.now()) return undefined;
    return { user: found.info.user, groups: [...found.info.groups, "system:authenticated"] };
  }

  private find(h: Buffer): Entry | undefined {
    // Check every entry so the time taken does not depend on which one matched.
    let found: Entry | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.hash, h)) found = e;
    return found;
  }

  /** Re-read the file when its identity, size or mtime changed; true when it did. */
  private reloadIfChanged(): boolean {
    this.checkedAt = this.now();
    let fp: string;
    try {
      const st = statSync(this.path);
      fp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      fp = "missing";
    }
    if (fp === this.fingerprint) return false;
    try {
      const file = fp === "missing" ? {} : readTokenFile(this.path);
      this.entries = Object.entries(file).map(([token, r]) => ({
        hash: digest(token),
        info: { user: r.user, groups: r.groups ?? [] },
        // An unreadable expiry counts as expired: refusing is the safe mistake.
        expiresAt: r.expires ? Date.parse(r.expires) || 0 : Infinity,
      }));
      this.fingerprint = fp;
      return true;
    } catch (e) {
      // A half-written file from a hand edit: keep the tokens we had and try again next time.
      console.error(`tokens: cannot read ${this.path}: ${(e as Error).message}`);
      return false;
    }
  }
}

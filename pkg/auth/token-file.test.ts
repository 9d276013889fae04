import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addToken, maskToken, parseTtl, readTokenFile, removeTokens, TokenFileAuthenticator } from "./token-file.js";
import { createToken, deleteTokens, listTokens, tokenKubeconfig, validateTokenRequest } from "./token-admin.js";

describe("TokenFileAuthenticator", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "skiff-tokens-"));
    path = join(dir, "tokens.json");
    writeFileSync(path, JSON.stringify({ "admin-token": { user: "admin", groups: ["system:masters"] } }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("authenticates known tokens and adds system:authenticated", () => {
    const a = new TokenFileAuthenticator(path);
    expect(a.authenticate("Bearer admin-token")).toEqual({ user: "admin", groups: ["system:masters", "system:authenticated"] });
    expect(a.authenticate("Bearer nope")).toBeUndefined();
    expect(a.authenticate(undefined)).toBeUndefined();
    expect(a.authenticate("Basic admin-token")).toBeUndefined();
  });

  it("sees a token added after it started, at once", () => {
    const a = new TokenFileAuthenticator(path);
    expect(a.authenticate("Bearer admin-token")).toBeDefined();
    const t = addToken(path, { user: "alice", groups: ["dev"] });
    expect(a.authenticate(`Bearer ${t}`)).toEqual({ user: "alice", groups: ["dev", "system:authenticated"] });
  });

  it("stops accepting a removed token once it rechecks the file", () => {
    let now = 1_000_000;
    const t = addToken(path, { user: "alice" });
    const a = new TokenFileAuthenticator(path, () => now);
    expect(a.authenticate(`Bearer ${t}`)?.user).toBe("alice");
    removeTokens(path, (tok) => tok === t);
    now += 1500;
    expect(a.authenticate(`Bearer ${t}`)).toBeUndefined();
    expect(a.authenticate("Bearer admin-token")?.user).toBe("admin");
  });

  it("refuses expired tokens", () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    writeFileSync(path, JSON.stringify({ short: { user: "tmp", expires: "2030-01-01T01:00:00Z" }, bad: { user: "x", expires: "not a date" } }));
    const a = new TokenFileAuthenticator(path, () => now);
    expect(a.authenticate("Bearer short")?.user).toBe("tmp");
    expect(a.authenticate("Bearer bad")).toBeUndefined();
    now += 2 * 3600_000;
    expect(a.authenticate("Bearer short")).toBeUndefined();
  });

  it("keeps the old tokens when the file is half-written", () => {
    const a = new TokenFileAuthenticator(path);
    writeFileSync(path, '{"oops": ');
    expect(a.authenticate("Bearer oops")).toBeUndefined();
    expect(a.authenticate("Bearer admin-token")?.user).toBe("admin");
  });

  it("writes the file with mode 0600", () => {
    addToken(path, { user: "bob" });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe("token helpers", () => {
  it("parses durations", () => {
    expect(parseTtl("24h")).toBe(86_400_000);
    expect(parseTtl("1h30m")).toBe(5_400_000);
    expect(parseTtl("7d")).toBe(7 * 86_400_000);
    expect(() => parseTtl("soon")).toThrow(/invalid duration/);
    expect(() => parseTtl("10")).toThrow(/invalid duration/);
    expect(() => parseTtl("0s")).toThrow(/invalid duration/);
  });

  it("masks tokens", () => {
    expect(maskToken("abcdefghijkl")).toBe("abcdef…");
  });

  it("validates requests", () => {
    expect(() => validateTokenRequest({})).toThrow(/--user/);
    expect(() => validateTokenRequest({ user: "a", node: "n" })).toThrow(/either/);
    expect(() => validateTokenRequest({ node: "n1", role: "admin" })).toThrow(/do not apply/);
    expect(() => validateTokenRequest({ user: "system:node:x" })).toThrow(/reserved/);
    expect(() => validateTokenRequest({ user: "eve", groups: ["system:masters"] })).toThrow(/system:masters/);
    expect(() => validateTokenRequest({ user: "a", namespace: "x" })).toThrow(/only applies with --role/);
    expect(() => validateTokenRequest({ user: "a/b" })).toThrow(/invalid user/);
    expect(() => validateTokenRequest({ user: "alice", role: "view", namespace: "a" })).not.toThrow();
  });

  it("creates node tokens without a server, lists them masked, deletes by prefix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-tokens-"));
    const path = join(dir, "tokens.json");
    try {
      const { token, record } = await createToken(path, undefined, { node: "n1", ttlMs: 3600_000 }, new Date("2030-01-01T00:00:00Z"));
      expect(record).toMatchObject({ user: "system:node:n1", groups: ["system:nodes"], expires: "2030-01-01T01:00:00.000Z" });
      expect(readTokenFile(path)[token].user).toBe("system:node:n1");
      const listed = listTokens(path, new Date("2030-01-01T02:00:00Z"));
      expect(listed).toEqual([expect.objectContaining({ token: `${token.slice(0, 6)}…`, user: "system:node:n1", expired: true })]);
      expect(readFileSync(path, "utf8")).toContain(token);
      expect(JSON.stringify(listed)).not.toContain(token);
      await expect(createToken(path, undefined, { user: "alice", role: "view" })).rejects.toThrow(/needs the API server/);
      await expect(deleteTokens(path, undefined, { prefix: token.slice(0, 3) })).rejects.toThrow(/at least the first 6/);
      const removed = await deleteTokens(path, undefined, { prefix: token.slice(0, 8) });
      expect(removed.map(([t]) => t)).toEqual([token]);
      expect(readTokenFile(path)).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes a kubeconfig for the user", () => {
    const y = tokenKubeconfig({ server: "https://127.0.0.1:6443", caPem: "PEM", token: "t0k", user: "alice", namespace: "a" });
    expect(y).toContain("token: t0k");
    expect(y).toContain("current-context: alice@skiff");
    expect(y).toContain("namespace: a");
    expect(y).toContain(Buffer.from("PEM").toString("base64"));
  });
});

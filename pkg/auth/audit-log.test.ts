import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEntry } from "../apiserver/server.js";
import { AuditLog } from "./audit-log.js";

const entry = (i: number): AuditEntry => ({ time: new Date(0).toISOString(), user: `u${i}`, verb: "get", path: "/api/v1/pods", resource: "pods", namespace: "default", code: 200 });
const lines = (p: string) => (existsSync(p) ? readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);

describe("AuditLog", () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "skiff-audit-"));
    path = join(dir, "audit.log");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("appends one JSON line per entry, in order, without blocking the caller", async () => {
    const log = new AuditLog(path);
    for (let i = 0; i < 100; i++) log.record(entry(i));
    expect(existsSync(path)).toBe(false); // nothing written synchronously
    await log.flush();
    const got = lines(path);
    expect(got.map((l) => l.user)).toEqual(Array.from({ length: 100 }, (_, i) => `u${i}`));
    expect(got[0]).toMatchObject({ verb: "get", resource: "pods", namespace: "default", code: 200 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("rotates past the size limit and keeps the given number of old files", async () => {
    const log = new AuditLog(path, { maxBytes: 1000, keep: 2 });
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 8; i++) log.record(entry(round * 8 + i));
      await log.flush();
    }
    expect(statSync(path).size).toBeLessThanOrEqual(1000);
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    // The newest entry is in the live file; nothing is lost between the live file and .1.
    expect(lines(path).at(-1)?.user).toBe("u79");
    const recent = [...lines(`${path}.1`), ...lines(path)].map((l) => l.user);
    expect(recent.at(-1)).toBe("u79");
    expect(new Set(recent).size).toBe(recent.length);
  });

  it("drops and counts entries when the buffer is full", async () => {
    const log = new AuditLog(path, { maxBuffered: 10 });
    for (let i = 0; i < 25; i++) log.record(entry(i));
    await log.flush();
    const got = lines(path);
    expect(got.filter((l) => l.user)).toHaveLength(10);
    expect(got.find((l) => l.dropped)).toMatchObject({ dropped: 15, reason: "audit buffer full" });
  });
});

import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { runStoreContract } from "../../test/helpers/store-contract.js";
import { openStore } from "./index.js";
import { SqliteStore, StoreOpenError, rawInsertBaseline } from "./sqlite.js";
import type { KubeObject } from "../api/types.js";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "../..");

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skiff-sqlite-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

runStoreContract("sqlite", async (opts) => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-contract-"));
  const path = join(dir, "skiff.db");
  let current = SqliteStore.open(path, opts);
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = SqliteStore.open(path, opts);
      return current;
    },
    cleanup: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const podRef = (name: string) => ({ resource: "pods", namespace: "default", name });
const pod = (name: string, spec: unknown = {}): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec });

describe("SqliteStore file", () => {
  it("is what openStore(\"sqlite:PATH\") returns, in WAL mode, with the counter in meta", async () => {
    const path = join(tempDir(), "skiff.db");
    const s = await openStore(`sqlite:${path}`);
    expect(s).toBeInstanceOf(SqliteStore);
    await s.create(podRef("a"), pod("a"));
    await s.delete(podRef("a"));
    await s.close();
    await s.close(); // idempotent

    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.prepare("SELECT value FROM meta WHERE key = 'resourceVersion'").pluck().get()).toBe(2);
      expect(db.prepare("SELECT count(*) FROM objects").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it("continues the exact sequence after many reopens, deletes included", async () => {
    const path = join(tempDir(), "skiff.db");
    let expected = 0;
    for (let round = 0; round < 3; round++) {
      const s = SqliteStore.open(path);
      expect(await s.currentResourceVersion()).toBe(String(expected));
      const c = await s.create(podRef(`p${round}`), pod(`p${round}`, { round }));
      expect(c.metadata.resourceVersion).toBe(String(++expected));
      await s.delete(podRef(`p${round}`));
      expected++;
      await s.create(podRef(`keep${round}`), pod(`keep${round}`, { round }));
      expected++;
      await s.close();
    }
    const s = SqliteStore.open(path);
    const list = await s.list("pods");
    expect(list.resourceVersion).toBe("9");
    expect(list.items.map((o) => [o.metadata.name, o.metadata.resourceVersion, o.spec])).toEqual([
      ["keep0", "3", { round: 0 }],
      ["keep1", "6", { round: 1 }],
      ["keep2", "9", { round: 2 }],
    ]);
    // After a reopen the history is empty: resuming from before the reopen is 410, from now is fine.
    expect(() => s.watch("pods", { resourceVersion: "8" }, () => {})).toThrow(/too old resource version: 8 \(9\)/);
    s.watch("pods", { resourceVersion: "9" }, () => {}).stop();
    await s.close();
  });

  it("keeps every write a SIGKILLed child process acknowledged", async () => {
    const dir = tempDir();
    const dbPath = join(dir, "skiff.db");
    const child = await startCrashChild(dir, dbPath);
    try {
      await child.acksUntil(400);
    } finally {
      child.kill(); // also when the child never got that far: no stray writer left running
      await child.exited;
    }
    const acks = child.acks; // everything printed before the kill landed
    expect(acks.length).toBeGreaterThanOrEqual(400);
    expect(child.signal()).toBe("SIGKILL"); // killed mid-loop, not a clean exit
    expect(existsSync(`${dbPath}.lock`)).toBe(true); // the dead child's lock is left behind…

    const s = SqliteStore.open(dbPath); // …and taken over because its pid is gone
    try {
      const alive = new Map<string, string>();
      let lastRv = 0;
      for (const a of acks) {
        lastRv = Math.max(lastRv, Number(a.rv));
        if (a.op === "delete") alive.delete(a.name);
        else alive.set(a.name, a.rv);
      }
      for (const a of acks.filter((x) => x.op === "delete")) expect(await s.get(podRef(a.name))).toBeUndefined();
      for (const [name, rv] of alive) {
        const got = await s.get(podRef(name));
        // The object may have been changed again after its last ack, never lost or rolled back.
        expect(got, `acknowledged ${name}@${rv} missing`).toBeDefined();
        expect(Number(got?.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
      }
      const current = Number(await s.currentResourceVersion());
      expect(current).toBeGreaterThanOrEqual(lastRv);
      const all = await s.list("pods");
      expect(Math.max(...all.items.map((o) => Number(o.metadata.resourceVersion)))).toBeLessThanOrEqual(current);
      expect((await s.create(podRef("after-crash"), pod("after-crash"))).metadata.resourceVersion).toBe(String(current + 1));
    } finally {
      await s.close();
    }
  });

  it("refuses a file that is not a SQLite database, naming the path, and leaves no lock", async () => {
    const path = join(tempDir(), "skiff.db");
    writeFileSync(path, "this is a YAML file, not a database\n".repeat(200));
    const err = catchError(() => SqliteStore.open(path));
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as StoreOpenError).path).toBe(path);
    expect((err as Error).message).toBe(`cannot open skiff store ${path}: file is not a database`);
    expect(existsSync(`${path}.lock`)).toBe(false);
    await expect(openStore(`sqlite:${path}`)).rejects.toThrow(StoreOpenError);
  });

  it("refuses a SQLite database that belongs to another program", () => {
    const path = join(tempDir(), "other.db");
    const db = new Database(path);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)");
    db.close();
    expect(() => SqliteStore.open(path)).toThrow(`cannot open skiff store ${path}: not a skiff database (it already has tables: users)`);
  });

  it("refuses a skiff database whose pages are damaged", async () => {
    const path = join(tempDir(), "skiff.db");
    const s = SqliteStore.open(path);
    for (let i = 0; i < 300; i++) await s.create(podRef(`p${i}`), pod(`p${i}`, { pad: "x".repeat(500) }));
    await s.close(); // checkpoints the WAL into the main file
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(20 * 4096);
    // Scribble over the b-tree pages past the header and schema page.
    for (let off = 2 * 4096; off < bytes.length; off += 4096) bytes.fill(0xa5, off, off + 64);
    writeFileSync(path, bytes);
    const err = catchError(() => SqliteStore.open(path));
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as Error).message).toMatch(new RegExp(`^cannot open skiff store ${escapeRe(path)}: .*(corrupt|malformed)`));
  });

  it("refuses a second open while the first holds the lock, and allows it after close", async () => {
    const path = join(tempDir(), "skiff.db");
    const first = SqliteStore.open(path);
    await first.create(podRef("a"), pod("a"));
    const err = catchError(() => SqliteStore.open(path));
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as Error).message).toContain(`cannot open skiff store ${path}: in use: ${path}.lock is held by running process ${process.pid}`);
    await expect(openStore(`sqlite:${path}`)).rejects.toThrow(/in use/);
    expect((await first.get(podRef("a")))?.metadata.name).toBe("a"); // the refused open did not disturb the owner
    await first.close();
    const second = SqliteStore.open(path);
    expect(await second.currentResourceVersion()).toBe("1");
    await second.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("refuses a lock held by another live process", () => {
    const path = join(tempDir(), "skiff.db");
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      writeFileSync(`${path}.lock`, `${sleeper.pid}\n`);
      expect(() => SqliteStore.open(path)).toThrow(`held by running process ${sleeper.pid}`);
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("works with synchronous FULL too", async () => {
    const path = join(tempDir(), "skiff.db");
    const s = SqliteStore.open(path, { synchronous: "FULL" });
    await s.create(podRef("a"), pod("a"));
    await s.close();
    const again = SqliteStore.open(path);
    expect((await again.get(podRef("a")))?.metadata.resourceVersion).toBe("1");
    await again.close();
  });
});

describe("rawInsertBaseline", () => {
  it("inserts every document, one transaction each, and reports the time", () => {
    const path = join(tempDir(), "raw.db");
    const docs = Array.from({ length: 500 }, (_, i) => JSON.stringify(pod(`p${i}`)));
    const { seconds } = rawInsertBaseline(path, docs);
    expect(seconds).toBeGreaterThan(0);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare("SELECT count(*) FROM objects").pluck().get()).toBe(500);
      expect(db.prepare("SELECT data FROM objects WHERE name = 'obj-7'").pluck().get()).toBe(docs[7]);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
    expect(() => rawInsertBaseline(path, docs)).toThrow(/already exists/);
  });
});

// ---- crash child ------------------------------------------------------------------

interface Ack {
  op: "create" | "update" | "delete";
  name: string;
  rv: string;
}

/**
 * Runs the real SqliteStore in a child node process. Node 20 cannot run .ts, so
 * the store's modules are transpiled with the TypeScript compiler into a scratch
 * dir whose node_modules points at the repo's. The child prints an ack (with
 * a synchronous write) only after each store call has resolved.
 */
async function startCrashChild(dir: string, dbPath: string) {
  const out = join(dir, "child");
  for (const rel of ["pkg/store/sqlite.ts", "pkg/store/lockfile.ts", "pkg/store/watch-hub.ts", "pkg/store/store.ts", "pkg/api/errors.ts", "pkg/api/types.ts"]) {
    const js = ts.transpileModule(readFileSync(join(repoRoot, rel), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const target = join(out, rel.replace(/\.ts$/, ".js"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  writeFileSync(join(out, "package.json"), '{"type":"module"}\n');
  symlinkSync(join(repoRoot, "node_modules"), join(out, "node_modules"));
  writeFileSync(
    join(out, "child.js"),
    `
import { writeSync } from "node:fs";
import { SqliteStore } from "./pkg/store/sqlite.js";
const store = SqliteStore.open(process.argv[2]);
const ref = (name) => ({ resource: "pods", namespace: "default", name });
const pod = (name, i) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default" }, spec: { i, pad: "x".repeat(300) } });
const ack = (op, name, o) => writeSync(1, op + " " + name + " " + o.metadata.resourceVersion + "\\n");
for (let i = 0; i < 1_000_000; i++) {
  const name = "p" + i;
  ack("create", name, await store.create(ref(name), pod(name, i)));
  if (i % 3 === 1) ack("update", name, await store.update(ref(name), pod(name, -i)));
  if (i % 5 === 4) ack("delete", "p" + (i - 2), await store.delete(ref("p" + (i - 2))));
}
`,
  );
  const proc = spawn(process.execPath, [join(out, "child.js"), dbPath], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  // "close" rather than "exit": by then every byte the child wrote has been read.
  const exited = new Promise<void>((res) => proc.on("close", () => res()));
  let buffered = "";
  const acks: Ack[] = [];
  return {
    exited,
    acks,
    kill: () => proc.kill("SIGKILL"),
    signal: () => proc.signalCode,
    acksUntil: (n: number) =>
      new Promise<void>((res, rej) => {
        proc.stdout.on("data", (b: Buffer) => {
          buffered += b.toString();
          const lines = buffered.split("\n");
          buffered = lines.pop() ?? "";
          for (const l of lines) {
            const [op, name, rv] = l.split(" ");
            acks.push({ op: op as Ack["op"], name: name ?? "", rv: rv ?? "" });
          }
          // Kill while the child is still writing: take the acks seen so far.
          if (acks.length >= n) res();
        });
        proc.on("exit", (code) => rej(new Error(`crash child exited early (code ${code}): ${stderr}`)));
      }),
  };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

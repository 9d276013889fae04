// The default Store: one SQLite file under the state dir, via better-sqlite3's
// synchronous API (each call finishes before the returned promise settles).
//
// Durability: journal_mode=WAL with synchronous=NORMAL. In WAL mode a commit is
// appended to the -wal file before better-sqlite3 returns, so once a write is
// acknowledged it survives the skiff process crashing or being SIGKILLed (the
// tests prove this with a child process). Only an OS crash or power loss can drop
// the last few commits, because NORMAL fsyncs at checkpoints rather than at every
// commit. synchronous=FULL closes that gap but fsyncs every commit; measured on
// the development VM (5 000 single-row transactions): NORMAL 34–45 µs/write,
// FULL 230–415 µs/write, i.e. FULL caps the API at ~3 000 writes/s. A laptop
// orchestrator's state is rebuilt by its reconcilers, so NORMAL is the default
// and `synchronous: "FULL"` is an option.
//
// Only one process may write the file: `<db>.lock` holds the owner's pid.
import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync, openSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { KubeObject } from "../api/types.js";
import { ApiError } from "../api/errors.js";
import { LockHeldError, acquireLockFile, type FileLock } from "./lockfile.js";
import type { ListOptions, ListResult, ObjectRef, Store, Watch, WatchHandler, WatchOptions } from "./store.js";
import { WatchHub, alreadyExists, conflict, isStale, notFound, stampJson, type WatchHubOptions } from "./watch-hub.js";

/** The file could not be opened as a skiff store; the message names the path and the cause. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot open skiff store ${path}: ${detail}`, options);
  }
}

export type SqliteSynchronous = "NORMAL" | "FULL";

export interface SqliteStoreOptions extends WatchHubOptions {
  /** Default "NORMAL": durable across process crashes, not OS crashes (see top of file). */
  synchronous?: SqliteSynchronous;
}

/** Bumped when the table layout changes; stored in PRAGMA user_version. */
const SCHEMA_VERSION = 1;
const RV_KEY = "resourceVersion";

type Db = Database.Database;

/** The pragmas every skiff database connection uses (and the benchmark baseline too). */
export function applyPragmas(db: Db, synchronous: SqliteSynchronous = "NORMAL"): void {
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (String(mode).toLowerCase() !== "wal") throw new Error(`could not switch to WAL journal mode (got ${String(mode)})`);
  db.pragma(`synchronous = ${synchronous}`);
}

export class SqliteStore implements Store {
  private readonly hub: WatchHub;
  private rv: number;
  private closed = false;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly insertTx: (ref: ObjectRef, rv: number, data: string) => void;
  private readonly updateTx: (ref: ObjectRef, rv: number, data: string) => void;
  private readonly deleteTx: (ref: ObjectRef, rv: number) => void;

  private constructor(
    readonly path: string,
    private readonly db: Db,
    private readonly lock: FileLock,
    opts: SqliteStoreOptions,
  ) {
    this.stmt = prepareStatements(db);
    const s = this.stmt;
    this.rv = Number(s.getRv.pluck().get(RV_KEY));
    this.hub = new WatchHub(this.rv, opts);
    // One transaction per write: the counter bump and the row change commit together.
    this.insertTx = guarded(path, "save changes", db.transaction((ref: ObjectRef, rv: number, data: string) => {
      s.insert.run(ref.resource, ref.namespace, ref.name, rv, data);
      s.setRv.run(rv, RV_KEY);
    }));
    this.updateTx = guarded(path, "save changes", db.transaction((ref: ObjectRef, rv: number, data: string) => {
      s.update.run(rv, data, ref.resource, ref.namespace, ref.name);
      s.setRv.run(rv, RV_KEY);
    }));
    this.deleteTx = guarded(path, "save changes", db.transaction((ref: ObjectRef, rv: number) => {
      s.remove.run(ref.resource, ref.namespace, ref.name);
      s.setRv.run(rv, RV_KEY);
    }));
  }

  /**
   * Open (or create) the store file. Throws StoreOpenError when the file is not a
   * SQLite database, belongs to something else, is corrupt, or is locked by a
   * running process.
   */
  static open(file: string, opts: SqliteStoreOptions = {}): SqliteStore {
    const path = resolve(file);
    let lock: FileLock;
    try {
      lock = acquireLockFile(`${path}.lock`);
    } catch (err) {
      const why = err instanceof LockHeldError ? `in use: ${err.message}` : `cannot lock: ${messageOf(err)}`;
      throw new StoreOpenError(path, why, { cause: err });
    }
    let db: Db | undefined;
    try {
      ownerOnly(path);
      db = new Database(path);
      applyPragmas(db, opts.synchronous);
      checkIntegrity(db);
      ensureSchema(db);
      return new SqliteStore(path, db, lock, opts);
    } catch (err) {
      try {
        db?.close();
      } finally {
        lock.release();
      }
      if (err instanceof StoreOpenError) throw err;
      throw new StoreOpenError(path, messageOf(err), { cause: err });
    }
  }

  async get(ref: ObjectRef): Promise<KubeObject | undefined> {
    this.assertOpen();
    const row = guarded(this.path, "read", () => this.stmt.get.get(ref.resource, ref.namespace, ref.name) as { rv: number; data: string } | undefined)();
    return row ? (JSON.parse(row.data) as KubeObject) : undefined;
  }

  async list(resource: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const rows = guarded(this.path, "read", () =>
      opts.namespace === undefined ? this.stmt.listAll.all(resource) : this.stmt.listNs.all(resource, opts.namespace),
    )() as string[];
    return { items: rows.map((d) => JSON.parse(d) as KubeObject), resourceVersion: String(this.rv) };
  }

  async create(ref: ObjectRef, obj: KubeObject): Promise<KubeObject> {
    this.assertOpen();
    if (guarded(this.path, "read", () => this.stmt.exists.get(ref.resource, ref.namespace, ref.name))() !== undefined) {
      throw alreadyExists(ref.resource, ref.name);
    }
    const rv = this.rv + 1;
    const json = stampJson(obj, rv);
    this.insertTx(ref, rv, json);
    this.rv = rv; // only after the commit: a failed transaction must not consume a version
    this.hub.publish({ rv, resource: ref.resource, namespace: ref.namespace, type: "ADDED", json });
    return JSON.parse(json) as KubeObject;
  }

  async update(ref: ObjectRef, obj: KubeObject, expectedResourceVersion?: string): Promise<KubeObject> {
    this.assertOpen();
    const cur = this.currentRow(ref);
    if (isStale(expectedResourceVersion, cur.rv)) throw conflict(ref.resource, ref.name);
    const rv = this.rv + 1;
    const json = stampJson(obj, rv);
    this.updateTx(ref, rv, json);
    this.rv = rv;
    this.hub.publish({ rv, resource: ref.resource, namespace: ref.namespace, type: "MODIFIED", json });
    return JSON.parse(json) as KubeObject;
  }

  async delete(ref: ObjectRef, expectedResourceVersion?: string): Promise<KubeObject> {
    this.assertOpen();
    const cur = this.currentRow(ref);
    if (isStale(expectedResourceVersion, cur.rv)) throw conflict(ref.resource, ref.name);
    const rv = this.rv + 1;
    this.deleteTx(ref, rv);
    this.rv = rv;
    const gone = JSON.parse(cur.data) as KubeObject;
    gone.metadata.resourceVersion = String(rv);
    this.hub.publish({ rv, resource: ref.resource, namespace: ref.namespace, type: "DELETED", json: JSON.stringify(gone) });
    return gone;
  }

  watch(resource: string, opts: WatchOptions, handler: WatchHandler): Watch {
    this.assertOpen();
    return this.hub.watch(resource, opts, handler);
  }

  async currentResourceVersion(): Promise<string> {
    return String(this.rv);
  }

  /** Idempotent. Closing checkpoints the WAL into the main file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.stopAll();
    try {
      this.db.close();
    } finally {
      this.lock.release();
    }
  }

  private currentRow(ref: ObjectRef): { rv: number; data: string } {
    const row = guarded(this.path, "read", () => this.stmt.get.get(ref.resource, ref.namespace, ref.name) as { rv: number; data: string } | undefined)();
    if (!row) throw notFound(ref.resource, ref.name);
    return row;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`sqlite store ${this.path} is closed`);
  }
}

function prepareStatements(db: Db) {
  return {
    get: db.prepare("SELECT rv, data FROM objects WHERE resource = ? AND namespace = ? AND name = ?"),
    exists: db.prepare("SELECT 1 FROM objects WHERE resource = ? AND namespace = ? AND name = ?"),
    // The primary key index already yields (namespace, name) order.
    listAll: db.prepare("SELECT data FROM objects WHERE resource = ? ORDER BY namespace, name").pluck(),
    listNs: db.prepare("SELECT data FROM objects WHERE resource = ? AND namespace = ? ORDER BY name").pluck(),
    insert: db.prepare("INSERT INTO objects (resource, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?)"),
    update: db.prepare("UPDATE objects SET rv = ?, data = ? WHERE resource = ? AND namespace = ? AND name = ?"),
    remove: db.prepare("DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?"),
    getRv: db.prepare("SELECT value FROM meta WHERE key = ?"),
    setRv: db.prepare("UPDATE meta SET value = ? WHERE key = ?"),
  };
}

/** A damaged page shows up here rather than on some later read in the middle of serving. */
function checkIntegrity(db: Db): void {
  const rows = db.pragma("quick_check(3)") as Array<Record<string, unknown>>;
  const problems = rows.map((r) => String(Object.values(r)[0])).filter((m) => m !== "ok");
  if (problems.length > 0) throw new Error(`database is corrupt (quick_check: ${problems.join("; ").replace(/\s*\n\s*/g, " ")})`);
}

/** Create the tables in an empty file; refuse a SQLite file that some other program made. */
function ensureSchema(db: Db): void {
  const version = Number(db.pragma("user_version", { simple: true }));
  if (version === SCHEMA_VERSION) {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    if (!tables.includes("objects") || !tables.includes("meta")) throw new Error("skiff schema is incomplete (objects/meta tables missing)");
    return;
  }
  if (version !== 0) throw new Error(`unsupported schema version ${version} (this skiff understands ${SCHEMA_VERSION})`);
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  if (tables.length > 0) {
    throw new Error(`not a skiff database (it already has tables: ${tables.slice(0, 5).join(", ")})`);
  }
  db.transaction(() => {
    db.exec(`
      CREATE TABLE objects (
        resource  TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name      TEXT NOT NULL,
        rv        INTEGER NOT NULL,
        data      TEXT NOT NULL,
        PRIMARY KEY (resource, namespace, name)
      );
      CREATE TABLE meta (key TEXT PRIMARY KEY, value);
    `);
    db.prepare("INSERT INTO meta (key, value) VALUES (?, 0)").run(RV_KEY);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}

/**
 * What plain better-sqlite3 costs for the same rows, for bench/'s ratio: each
 * JSON string inserted in its own transaction into a fresh file with the same
 * pragmas and table layout, but no version counter, watch or copies.
 */
export function rawInsertBaseline(path: string, docs: string[], synchronous: SqliteSynchronous = "NORMAL"): { seconds: number } {
  if (existsSync(path)) throw new Error(`rawInsertBaseline: ${path} already exists; give it a fresh path`);
  const db = new Database(path);
  try {
    applyPragmas(db, synchronous);
    db.exec(
      "CREATE TABLE objects (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, rv INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (resource, namespace, name))",
    );
    const insert = db.prepare("INSERT INTO objects (resource, namespace, name, rv, data) VALUES (?, ?, ?, ?, ?)");
    const start = process.hrtime.bigint();
    for (let i = 0; i < docs.length; i++) insert.run("bench", "default", `obj-${i}`, i + 1, docs[i]); // autocommit: one transaction per row
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9 };
  } finally {
    db.close();
  }
}

/**
 * The file holds every Secret: create it readable by its owner only (SQLite
 * gives the -wal and -shm files the database file's mode), and tighten a file
 * an older skiff created with the default umask.
 */
function ownerOnly(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  else if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

/** SQLite result codes that mean the disk or the file failed, not the request. */
const STORAGE_FAILURE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|PROTOCOL)/;

/**
 * `f`, with storage failures (disk full, read-only file system, I/O errors,
 * damaged pages) turned into 503 ServiceUnavailable saying what is wrong, the
 * way Kubernetes answers when etcd cannot serve. Nothing is half-written: the
 * transaction rolled back and the version counter did not move.
 */
function guarded<A extends unknown[], R>(path: string, op: string, f: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return f(...args);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== "string" || !STORAGE_FAILURE.test(code)) throw err;
      const why = code.startsWith("SQLITE_FULL")
        ? "the disk is full"
        : code.startsWith("SQLITE_READONLY")
          ? "the file system is read-only"
          : /^SQLITE_(CORRUPT|NOTADB)/.test(code)
            ? "the database file is damaged"
            : "the disk failed";
      throw new ApiError("ServiceUnavailable", `the store cannot ${op}: ${why} (${code}: ${messageOf(err)}; ${path})`);
    }
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

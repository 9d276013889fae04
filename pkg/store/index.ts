// Pick a Store backend from the --store flag's value.
import { MemoryStore } from "./memory.js";
import { SqliteStore, type SqliteStoreOptions } from "./sqlite.js";
import { EtcdStore, parseEtcdSpec } from "./etcd.js";
import type { Store } from "./store.js";

export type { ObjectRef, Store } from "./store.js";
export { MemoryStore } from "./memory.js";
export { SqliteStore, StoreOpenError, rawInsertBaseline } from "./sqlite.js";
export { LockHeldError } from "./lockfile.js";
export { EtcdStore, parseEtcdSpec } from "./etcd.js";

/**
 * "memory" → a fresh MemoryStore; "sqlite:/path/to/skiff.db" → that file (created
 * if missing, locked for this process); "etcd://host:2379[,host:2379…][?prefix=/skiff]"
 * → etcd, shared by every API server given the same spec. Anything else is
 * refused with the forms that are understood.
 */
export async function openStore(spec: string, opts: SqliteStoreOptions = {}): Promise<Store> {
  if (spec === "memory") return new MemoryStore(opts);
  if (spec.startsWith("sqlite:")) {
    const path = spec.slice("sqlite:".length);
    if (path === "") throw new Error(`store spec "${spec}" has no file path; use sqlite:/path/to/skiff.db`);
    return SqliteStore.open(path, opts);
  }
  if (spec.startsWith("etcd://")) return EtcdStore.open({ ...parseEtcdSpec(spec), historySize: opts.historySize, onHandlerError: opts.onHandlerError });
  throw new Error(`unknown store spec "${spec}": use "memory", "sqlite:/path/to/skiff.db" or "etcd://127.0.0.1:2379"`);
}

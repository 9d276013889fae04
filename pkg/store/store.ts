// The Store contract every backend (memory, sqlite, later etcd) implements.
//
// Objects are addressed by (resource, namespace, name) where resource is the
// registry key from pkg/api/kinds.ts ("pods", "apps/deployments"); cluster-scoped
// objects use namespace "". One global, strictly increasing resourceVersion
// counter orders every write (create, update and delete each take the next
// value), exactly like etcd's revision, so a watch can resume from any version it
// has seen and a list carries the version it reflects.
import type { KubeObject, WatchEvent } from "../api/types.js";

export interface ObjectRef {
  /** Registry key: "pods", "apps/deployments". */
  resource: string;
  /** "" for cluster-scoped objects. */
  namespace: string;
  name: string;
}

export interface ListOptions {
  /** Restrict to one namespace; undefined lists all namespaces. */
  namespace?: string;
}

export interface ListResult {
  items: KubeObject[];
  /** The store's resourceVersion at the moment of the list (as a string, like the API). */
  resourceVersion: string;
}

export interface WatchOptions {
  namespace?: string;
  /**
   * Deliver every change after this version. "0" or undefined: start now (no
   * replay). A version older than the store's retained history → ApiError Gone (410).
   */
  resourceVersion?: string;
}

export interface Watch {
  /** Stop delivering events; idempotent. */
  stop(): void;
}

export type WatchHandler = (event: WatchEvent) => void;

export interface Store {
  /** Returns a deep copy, or undefined when absent. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;

  /** Every object of the resource (optionally in one namespace), sorted by namespace then name. */
  list(resource: string, opts?: ListOptions): Promise<ListResult>;

  /**
   * Insert a new object; sets metadata.resourceVersion. The caller has already
   * set uid, creationTimestamp, generation (the API server's job).
   * Throws ApiError AlreadyExists (409) when the key is taken.
   */
  create(ref: ObjectRef, obj: KubeObject): Promise<KubeObject>;

  /**
   * Replace an existing object. When expectedResourceVersion is given and differs
   * from the stored one → ApiError Conflict (409). Absent → ApiError NotFound.
   */
  update(ref: ObjectRef, obj: KubeObject, expectedResourceVersion?: string): Promise<KubeObject>;

  /**
   * Remove and return the object (with the deletion's resourceVersion). Absent →
   * NotFound; expectedResourceVersion mismatch → Conflict.
   */
  delete(ref: ObjectRef, expectedResourceVersion?: string): Promise<KubeObject>;

  /**
   * Events for the resource in version order. The handler is called
   * synchronously from the writer's commit path and must not throw or block.
   */
  watch(resource: string, opts: WatchOptions, handler: WatchHandler): Watch;

  /** Latest committed resourceVersion. */
  currentResourceVersion(): Promise<string>;

  /** Flush and release resources; the store is unusable afterwards. */
  close(): Promise<void>;
}

// Read access to an informer's local cache. Objects returned are shared with
// the cache: treat them as read-only and structuredClone() before changing
// (sample-controller: "NEVER modify objects from the store").
import type { KubeObject } from "../api/types.js";

export interface Lister<T extends KubeObject = KubeObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  /** All cached objects, optionally in one namespace and matching a label selector string. */
  list(namespace?: string, labelSelector?: string): T[];
  /** Objects whose index function produced this value (see Informer.addIndex). */
  byIndex(indexName: string, value: string): T[];
}

export type EventHandler<T extends KubeObject = KubeObject> = {
  add?(obj: T): void;
  /** Called on every MODIFIED event and on each resync (old === new then). */
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
};

export interface Informer<T extends KubeObject = KubeObject> {
  readonly lister: Lister<T>;
  addEventHandler(h: EventHandler<T>): void;
  /** Secondary index: fn returns the index values of an object (e.g. owner uid, node name). */
  addIndex(name: string, fn: (obj: T) => string[]): void;
  /** List, then watch; relists after a broken watch or an expired resourceVersion. */
  start(): Promise<void>;
  /** True once the first list has been delivered to the handlers. */
  hasSynced(): boolean;
  stop(): void;
}

/** "namespace/name", or "name" for cluster-scoped objects: the work-queue key. */
export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : String(obj.metadata.name);
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

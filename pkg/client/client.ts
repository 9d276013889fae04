// The typed client every component (controllers, scheduler, agent, proxy,
// mirror) uses to talk to the cluster. Two implementations share this one
// interface: in-process (calls the registry directly, for `skiff up` and tests)
// and HTTP (for separate processes and other machines), so a component runs
// unchanged either way.
import type { ResourceInfo } from "../api/kinds.js";
import type { KubeList, KubeObject, WatchEvent } from "../api/types.js";

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  /** Resume after this version; "" or "0" sends the current state as ADDED first. */
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = "merge" | "strategic" | "json" | "apply";

export const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
}

export interface ClientWatch {
  /** Stop the watch; idempotent. */
  stop(): void;
  /**
   * Resolves when the watch ends for any reason: stop(), server timeout, a
   * broken connection, or an "expired" error (then `error` is an ApiError with
   * reason Expired/Gone and the caller must relist).
   */
  done: Promise<{ error?: Error }>;
}

/** Errors are ApiError (pkg/api/errors.ts) with Kubernetes reasons; connection failures are ConnectionError. */
export interface Client {
  get<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, opts?: ListOptions): Promise<KubeList<T>>;
  create<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, opts?: WriteOptions): Promise<T>;
  /** PUT; obj.metadata.resourceVersion, when set, is a precondition (409 on mismatch). */
  update<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T>;
  /** PUT …/status: only the status is taken from obj. */
  updateStatus<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: KubeObject, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts?: WriteOptions & { subresource?: "status" | "scale" },
  ): Promise<T>;
  /** Returns the object as the server answered (with deletionTimestamp when graceful). */
  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<KubeObject>;
  /** POST pods/{name}/binding: assign a pod to a node (409 if already bound). */
  bindPod(namespace: string, name: string, nodeName: string, opts?: { uid?: string }): Promise<void>;
  watch(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, handler: (ev: WatchEvent) => void): Promise<ClientWatch>;
  /** Release connections; the client is unusable afterwards. */
  close(): void;
}

// The Client over HTTPS (RestClient): for components in other processes or on
// other machines. Same interface and error types as the in-process client.
import type { ResourceInfo } from "../api/kinds.js";
import { ApiError } from "../api/errors.js";
import type { KubeList, KubeObject, WatchEvent } from "../api/types.js";
import { R } from "../api/kinds.js";
import { resourcePath, RestClient } from "./rest.js";
import type { ClusterConnection } from "./kubeconfig.js";
import { PATCH_CONTENT_TYPE, type Client, type ClientWatch, type DeleteOptions, type ListOptions, type PatchType, type WatchOptions, type WriteOptions } from "./client.js";

export class HttpClient implements Client {
  readonly rest: RestClient;

  constructor(conn: ClusterConnection | RestClient) {
    this.rest = conn instanceof RestClient ? conn : new RestClient(conn);
  }

  get<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    return this.rest.request<T>("GET", resourcePath(info, namespace, name));
  }

  list<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.rest.request<KubeList<T>>("GET", resourcePath(info, namespace), { query: { ...opts } });
  }

  create<T extends KubeObject>(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>("POST", resourcePath(info, namespace ?? obj.metadata.namespace), { body: obj, query: writeQuery(opts) });
  }

  update<T extends KubeObject>(info: ResourceInfo, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>("PUT", resourcePath(info, obj.metadata.namespace, obj.metadata.name), { body: obj, query: writeQuery(opts) });
  }

  updateStatus<T extends KubeObject>(info: ResourceInfo, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    return this.rest.request<T>("PUT", resourcePath(info, obj.metadata.namespace, obj.metadata.name, "status"), { body: obj, query: writeQuery(opts) });
  }

  patch<T extends KubeObject>(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: "status" | "scale" } = {},
  ): Promise<T> {
    return this.rest.request<T>("PATCH", resourcePath(info, namespace, name, opts.subresource), {
      body: typeof patch === "string" ? patch : JSON.stringify(patch),
      contentType: PATCH_CONTENT_TYPE[type],
      query: writeQuery({ fieldManager: opts.fieldManager ?? "skiff", dryRun: opts.dryRun }),
    });
  }

  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    return this.rest.request<KubeObject>("DELETE", resourcePath(info, namespace, name), { body: { kind: "DeleteOptions", apiVersion: "v1", ...opts } });
  }

  async bindPod(namespace: string, name: string, nodeName: string, opts: { uid?: string } = {}): Promise<void> {
    await this.rest.request("POST", resourcePath(R.pods, namespace, name, "binding"), {
      body: { apiVersion: "v1", kind: "Binding", metadata: { name, namespace, uid: opts.uid }, target: { apiVersion: "v1", kind: "Node", name: nodeName } },
    });
  }

  async watch(info: ResourceInfo, namespace: string | undefined, opts: WatchOptions, handler: (ev: WatchEvent) => void): Promise<ClientWatch> {
    let error: Error | undefined;
    const handle = await this.rest.stream(
      resourcePath(info, namespace),
      {
        query: {
          watch: "true",
          resourceVersion: opts.resourceVersion,
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          allowWatchBookmarks: opts.allowWatchBookmarks ? "true" : undefined,
          timeoutSeconds: opts.timeoutSeconds,
        },
      },
      (line) => {
        const ev = JSON.parse(line) as WatchEvent & { object: { kind?: string; reason?: string; message?: string; code?: number } };
        if (ev.type === "ERROR") {
          const s = ev.object;
          error = new ApiError(s.reason === "Gone" ? "Gone" : "Expired", s.message ?? "watch error");
          handle.close();
          return;
        }
        handler(ev);
      },
    );
    return { stop: () => handle.close(), done: handle.done.then(() => ({ error })) };
  }

  close(): void {
    this.rest.close();
  }
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return { dryRun: opts.dryRun ? "All" : undefined, fieldManager: opts.fieldManager };
}

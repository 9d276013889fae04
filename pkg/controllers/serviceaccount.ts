// The ServiceAccount controller (Kubernetes' serviceaccounts-controller): every
// active namespace has a ServiceAccount named `default`, created when the
// namespace appears and again whenever someone deletes it. Keyed by namespace.
import { isApiError } from "../api/errors.js";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { isAlreadyExists, isNotFound, isTerminating } from "./util.js";

export const DEFAULT_SERVICE_ACCOUNT = "default";

export interface ServiceAccountControllerOptions {
  client: Client;
  namespaces: Lister<KubeObject>;
  serviceAccounts: Lister<KubeObject>;
}

export class ServiceAccountController implements Reconciler {
  readonly name = "serviceaccount";

  constructor(private readonly opts: ServiceAccountControllerOptions) {}

  /** Idempotent: creates the namespace's `default` ServiceAccount when it is missing. */
  async reconcile(namespace: string): Promise<ReconcileResult> {
    const ns = this.opts.namespaces.get(undefined, namespace);
    // A terminating namespace refuses new content; a gone one needs nothing.
    if (!ns || isTerminating(ns)) return {};
    if (this.opts.serviceAccounts.get(namespace, DEFAULT_SERVICE_ACCOUNT)) return {};
    try {
      await this.opts.client.create(R.serviceaccounts, namespace, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace },
      });
    } catch (e) {
      // Already there (the cache lagged), or the namespace went meanwhile: both are the desired state.
      if (!isAlreadyExists(e) && !isNotFound(e) && !isApiError(e, "Forbidden")) throw e;
    }
    return {};
  }

  /** Keys for a ServiceAccount event: only losing `default` needs work. */
  serviceAccountChanged(sa: KubeObject, event: "add" | "update" | "delete"): string[] {
    return event === "delete" && sa.metadata.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace ? [sa.metadata.namespace] : [];
  }
}

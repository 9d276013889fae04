// The `standard` StorageClass, as kind's local-path addon installs it: the
// cluster's default class, served by skiff's local-path provisioner, binding
// when the first pod is scheduled (so a node-local directory is made on the
// node that pod runs on) and deleting the data with the claim. Made once when
// the controllers start if missing; a class an administrator deleted or edited
// is theirs until the next start.
import { R } from "../api/kinds.js";
import { DEFAULT_STORAGE_CLASS_ANNOTATION, DEFAULT_STORAGE_CLASS_NAME, LOCAL_PATH_PROVISIONER, type StorageClass } from "../api/storage.js";
import type { Client } from "../client/client.js";
import type { Lister } from "../client/lister.js";
import type { Reconciler, ReconcileResult } from "./runner.js";
import { isAlreadyExists } from "./util.js";

export function standardStorageClass(): StorageClass {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: DEFAULT_STORAGE_CLASS_NAME, annotations: { [DEFAULT_STORAGE_CLASS_ANNOTATION]: "true" } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  };
}

export class DefaultStorageClassController implements Reconciler {
  readonly name = "default-storageclass";

  constructor(private readonly opts: { client: Client; classes: Lister<StorageClass> }) {}

  /** Idempotent: creates the class named by key when it is missing. */
  async reconcile(name: string): Promise<ReconcileResult> {
    if (name !== DEFAULT_STORAGE_CLASS_NAME || this.opts.classes.get(undefined, name)) return {};
    try {
      await this.opts.client.create(R.storageclasses, undefined, standardStorageClass());
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    return {};
  }
}

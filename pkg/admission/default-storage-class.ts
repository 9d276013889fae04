// The DefaultStorageClass admission plugin (Kubernetes'
// plugin/pkg/admission/storage/storageclass/setdefault): a PersistentVolumeClaim
// created without spec.storageClassName gets the class annotated
// storageclass.kubernetes.io/is-default-class = "true" (the newest, when several
// are). An explicit "" means "no class" and is left alone, as in Kubernetes.
import { R, resourceKey } from "../api/kinds.js";
import { defaultStorageClass } from "../api/storage.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);

export class DefaultStorageClass implements AdmissionPlugin {
  readonly name = "DefaultStorageClass";

  constructor(private readonly store: Store) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== "CREATE" || a.info.kind !== "PersistentVolumeClaim" || a.subresource || !a.object) return;
    const spec = a.object.spec;
    if (!isRec(spec)) return; // validation reports it
    if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
    const chosen = defaultStorageClass((await this.store.list(resourceKey(R.storageclasses))).items);
    if (chosen?.metadata.name) spec.storageClassName = chosen.metadata.name;
  }
}

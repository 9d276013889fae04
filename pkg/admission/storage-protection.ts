// The StorageObjectInUseProtection admission plugin (Kubernetes'
// plugin/pkg/admission/storage/storageobjectinuseprotection): every new claim
// gets the kubernetes.io/pvc-protection finalizer and every new volume
// kubernetes.io/pv-protection, so a delete only marks them; the protection
// controller lets them go once no pod uses the claim and no claim the volume.
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from "../api/storage.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";

export class StorageProtection implements AdmissionPlugin {
  readonly name = "StorageObjectInUseProtection";

  admit(a: AdmissionAttributes): void {
    if (a.operation !== "CREATE" || a.subresource || !a.object) return;
    const finalizer = a.info.kind === "PersistentVolumeClaim" ? PVC_PROTECTION_FINALIZER : a.info.kind === "PersistentVolume" ? PV_PROTECTION_FINALIZER : undefined;
    if (!finalizer) return;
    const meta = a.object.metadata;
    const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
    if (!finalizers.includes(finalizer)) meta.finalizers = [...finalizers, finalizer];
  }
}

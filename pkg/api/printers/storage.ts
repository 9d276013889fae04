// PersistentVolume, PersistentVolumeClaim and StorageClass rows
// (printPersistentVolume, printPersistentVolumeClaim, printStorageClass in
// pkg/printers/internalversion/printers.go, v1.32).
import { ageOf } from "../human-duration.js";
import { Quantity } from "../quantity.js";
import { accessModesString, isDefaultClass, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from "../storage.js";
import { ageColumn, column, nameColumn, type KindPrinter } from "./table.js";

/** resource.Quantity.String(): the canonical form ("1024Mi" prints "1Gi"); unreadable text as is. */
function quantityString(s: string | undefined): string {
  if (s === undefined) return "0";
  try {
    return Quantity.parse(String(s)).toString();
  } catch {
    return String(s);
  }
}

const terminatingOr = (obj: { metadata: { deletionTimestamp?: string } }, phase: string | undefined) => (obj.metadata.deletionTimestamp ? "Terminating" : (phase ?? ""));

export const persistentVolumePrinter: KindPrinter<PersistentVolume> = {
  columns: [
    nameColumn(),
    column("Capacity", "string", "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
    column("Access Modes", "string", "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
    column("Reclaim Policy", "string", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
    column("Status", "string", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
    column("Claim", "string", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column("Reason", "string", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
    ageColumn(),
    column("VolumeMode", "string", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.", { wide: true }),
  ],
  row(pv, now) {
    const ref = pv.spec?.claimRef;
    const claim = ref ? `${ref.namespace ?? ""}/${ref.name ?? ""}` : "";
    const attrs = (pv.spec?.volumeAttributesClassName as string | undefined) ?? "<unset>";
    return {
      cells: [
        pv.metadata.name ?? "",
        quantityString(pv.spec?.capacity?.storage),
        accessModesString(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? "",
        terminatingOr(pv, pv.status?.phase),
        claim,
        pv.spec?.storageClassName ?? "",
        attrs,
        pv.status?.reason ?? "",
        ageOf(pv.metadata.creationTimestamp, now),
        pv.spec?.volumeMode ?? "<unset>",
      ],
    };
  },
};

export const persistentVolumeClaimPrinter: KindPrinter<PersistentVolumeClaim> = {
  columns: [
    nameColumn(),
    column("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
    column("Volume", "string", "volumeName is the binding reference to the PersistentVolume backing this claim."),
    column("Capacity", "string", "capacity represents the actual resources of the underlying volume."),
    column("Access Modes", "string", "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    ageColumn(),
    column("VolumeMode", "string", "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.", { wide: true }),
  ],
  row(pvc, now) {
    const volume = pvc.spec?.volumeName ?? "";
    // Until bound, kubectl shows no capacity or access modes: they are the volume's, not the request's.
    const capacity = volume ? quantityString(pvc.status?.capacity?.storage) : "";
    const modes = volume ? accessModesString(pvc.status?.accessModes) : "";
    const attrs = ((pvc.spec as { volumeAttributesClassName?: string } | undefined)?.volumeAttributesClassName) ?? "<unset>";
    return {
      cells: [
        pvc.metadata.name ?? "",
        terminatingOr(pvc, pvc.status?.phase),
        volume,
        capacity,
        modes,
        pvc.spec?.storageClassName ?? "",
        attrs,
        ageOf(pvc.metadata.creationTimestamp, now),
        pvc.spec?.volumeMode ?? "<unset>",
      ],
    };
  },
};

export const storageClassPrinter: KindPrinter<StorageClass> = {
  columns: [
    nameColumn(),
    column("Provisioner", "string", "Indicates the type of the provisioner."),
    column("ReclaimPolicy", "string", "Dynamically provisioned PersistentVolumes of this storage class are created with this reclaimPolicy. Defaults to Delete."),
    column("VolumeBindingMode", "string", "VolumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound. When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
    column("AllowVolumeExpansion", "string", "AllowVolumeExpansion shows whether the storage class allow volume expand"),
    ageColumn(),
  ],
  row(sc, now) {
    return {
      cells: [
        isDefaultClass(sc) ? `${sc.metadata.name ?? ""} (default)` : (sc.metadata.name ?? ""),
        sc.provisioner ?? "",
        sc.reclaimPolicy ?? "Delete",
        sc.volumeBindingMode ?? "Immediate",
        sc.allowVolumeExpansion ?? false,
        ageOf(sc.metadata.creationTimestamp, now),
      ],
    };
  },
};

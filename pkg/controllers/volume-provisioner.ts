// skiff's built-in local-path provisioner (after rancher/local-path-provisioner):
// each claim of the `standard` class gets a directory of its own under the
// cluster's state dir, exposed as a hostPath PersistentVolume. When the claim
// waited for its first consumer, the volume carries node affinity to the node
// that pod landed on, so every later pod of the claim goes there too.
//
// Capacity is recorded on the volume but not enforced: a directory has no size
// limit, so a pod can write past what its claim asked for.
//
// The directory is made and removed from this process, which shares the host
// with the in-process node agents of `skiff up`; a remote agent (`skiff agent`)
// creates its copy on first mount (hostPath DirectoryOrCreate), but its data is
// not removed by the Delete reclaim policy.
import fs from "node:fs/promises";
import path from "node:path";
import { LOCAL_PATH_PROVISIONER, PROVISIONED_BY_ANNOTATION, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from "../api/storage.js";

export interface Provisioner {
  /** The StorageClass.provisioner value this provisioner serves. */
  readonly name: string;
  /** The volume to create for `claim` (pre-bound to it); `node` when the claim waited for its first consumer. */
  volumeFor(claim: PersistentVolumeClaim, sc: StorageClass, node?: string): PersistentVolume;
  /** Make the backing storage ready. Idempotent. */
  prepare(pv: PersistentVolume): Promise<void>;
  /** Remove a volume's data for the Delete reclaim policy. Idempotent; refuses paths it did not make. */
  remove(pv: PersistentVolume): Promise<void>;
}

export const HOSTNAME_LABEL = "kubernetes.io/hostname";

export class LocalPathProvisioner implements Provisioner {
  readonly name = LOCAL_PATH_PROVISIONER;

  /** root: where volume directories live (<state dir>/volumes). */
  constructor(readonly root: string) {}

  /** The directory of a claim's volume: "<pv>_<namespace>_<claim>", as local-path-provisioner names it. */
  dirFor(pvName: string, claim: PersistentVolumeClaim): string {
    return path.join(this.root, `${pvName}_${claim.metadata.namespace}_${claim.metadata.name}`);
  }

  volumeFor(claim: PersistentVolumeClaim, sc: StorageClass, node?: string): PersistentVolume {
    const name = `pvc-${claim.metadata.uid}`;
    const spec: NonNullable<PersistentVolume["spec"]> = {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? "0" },
      accessModes: [...(claim.spec?.accessModes ?? ["ReadWriteOnce"])],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
      storageClassName: sc.metadata.name,
      volumeMode: claim.spec?.volumeMode ?? "Filesystem",
      hostPath: { path: this.dirFor(name, claim), type: "DirectoryOrCreate" },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid },
    };
    if (sc.mountOptions) spec.mountOptions = [...sc.mountOptions];
    if (node) spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [node] }] }] } };
    return { apiVersion: "v1", kind: "PersistentVolume", metadata: { name, annotations: { [PROVISIONED_BY_ANNOTATION]: this.name } }, spec };
  }

  async prepare(pv: PersistentVolume): Promise<void> {
    const dir = this.ownedDir(pv);
    if (!dir) return;
    await fs.mkdir(dir, { recursive: true, mode: 0o777 });
    // mkdir's mode is masked by the umask; containers running as any user may write here.
    await fs.chmod(dir, 0o777);
  }

  async remove(pv: PersistentVolume): Promise<void> {
    const dir = this.ownedDir(pv);
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }

  /** The volume's directory when it is one of ours, directly under root; otherwise undefined. */
  private ownedDir(pv: PersistentVolume): string | undefined {
    if (pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] !== this.name) return undefined;
    const p = pv.spec?.hostPath?.path;
    if (!p) return undefined;
    const rel = path.relative(this.root, p);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) && !rel.includes(path.sep) ? p : undefined;
  }
}

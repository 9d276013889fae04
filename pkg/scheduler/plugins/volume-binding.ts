// VolumeBinding (kube-scheduler's plugins/volumebinding, the parts skiff needs):
// every claim a pod names must exist and not be being deleted; a bound claim's
// volume must be reachable from the node (its nodeAffinity — a local-path volume
// pins its pods to the node it was made on); an unbound claim is fine only when
// its class waits for the first consumer (the binder provisions on the node the
// pod lands on). Immediate claims that are still unbound keep the pod pending.
//
// Pods without claims — nearly all of them, and every pod of the scheduler
// benchmark — never reach this plugin: the Scheduler runs the profile with it
// only for pods that name a claim. Should one get here anyway, PreFilter writes
// nothing and Filter returns after two field reads.
import {
  isWaitForFirstConsumer,
  podClaimNames,
  SELECTED_NODE_ANNOTATION,
  volumeFitsNode,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from "../../api/storage.js";
import { SUCCESS, frozenStatus, unresolvable, unschedulable, type CycleState, type FilterPlugin, type Pod, type PreFilterPlugin } from "../framework.js";

export const VOLUME_BINDING = "VolumeBinding";
export const VOLUME_NODE_CONFLICT_REASON = "node(s) had volume node affinity conflict";
export const UNBOUND_IMMEDIATE_REASON = "pod has unbound immediate PersistentVolumeClaims";
const CONFLICT = frozenStatus("UnschedulableAndUnresolvable", VOLUME_BINDING, VOLUME_NODE_CONFLICT_REASON);

/** Read access to the scheduler's caches of claims, volumes and classes. */
export interface VolumeLookup {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  storageClass(name: string): StorageClass | undefined;
}

/** What PreFilter found: the bound volumes and the nodes already chosen for claims being provisioned. */
interface PodVolumes {
  volumes: PersistentVolume[];
  selectedNodes: string[];
}

export function volumeBinding(lookup: VolumeLookup): PreFilterPlugin & FilterPlugin {
  return {
    name: VOLUME_BINDING,
    preFilter(state: CycleState, pod: Pod) {
      const names = podClaimNames(pod);
      if (names.length === 0) return SUCCESS; // the common case: nothing written, Filter returns at once
      const ns = pod.metadata.namespace ?? "default";
      const found: PodVolumes = { volumes: [], selectedNodes: [] };
      for (const name of names) {
        const claim = lookup.claim(ns, name);
        if (!claim) return unresolvable(VOLUME_BINDING, `persistentvolumeclaim "${name}" not found`);
        if (claim.metadata.deletionTimestamp) return unresolvable(VOLUME_BINDING, `persistentvolumeclaim "${name}" is being deleted`);
        const volumeName = claim.spec?.volumeName;
        if (volumeName) {
          const pv = lookup.volume(volumeName);
          if (!pv) return unresolvable(VOLUME_BINDING, `pvc(s) bound to non-existent pv(s)`);
          found.volumes.push(pv);
          continue;
        }
        const className = claim.spec?.storageClassName;
        if (!isWaitForFirstConsumer(className ? lookup.storageClass(className) : undefined)) return unschedulable(VOLUME_BINDING, UNBOUND_IMMEDIATE_REASON);
        // Provisioning for an earlier pod of this claim already chose a node.
        const selected = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
        if (selected) found.selectedNodes.push(selected);
      }
      state.write(VOLUME_BINDING, found);
      return SUCCESS;
    },
    filter(state, pod, node) {
      // Two field reads for a pod without volumes: no map lookup on the hot path.
      if (!pod.spec?.volumes) return SUCCESS;
      const found = state.read<PodVolumes>(VOLUME_BINDING);
      if (!found) return SUCCESS;
      for (const pv of found.volumes) if (!volumeFitsNode(pv, node)) return CONFLICT;
      for (const n of found.selectedNodes) if (n !== node.name) return CONFLICT;
      return SUCCESS;
    },
  };
}

/** The default profile with VolumeBinding added where kube-scheduler runs it: after the node's own checks. */
export function withVolumeBinding<P extends { preFilter: PreFilterPlugin[]; filter: FilterPlugin[] }>(profile: P, lookup: VolumeLookup): P {
  const plugin = volumeBinding(lookup);
  return { ...profile, preFilter: [...profile.preFilter, plugin], filter: [...profile.filter, plugin] };
}

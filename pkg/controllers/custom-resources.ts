// The controller manager's view of CustomResourceDefinitions: when a CRD is
// Established its kind becomes known in this process (for ownerReference
// lookups) and the garbage collector starts watching its objects, so custom
// objects own and are owned like built-in ones (Kubernetes' GC finds them
// through discovery the same way).
import { RESOURCES, registerCustomResources, unregisterCustomResources, type ResourceInfo } from "../api/kinds.js";
import { crdCondition, customResourceInfos, type CustomResourceDefinition } from "../api/custom-resources.js";
import type { KubeObject } from "../api/types.js";
import type { EventHandler } from "../client/lister.js";
import type { InformerFactory } from "../client/informer.js";
import { BY_UID, uidIndex, type GarbageCollector } from "./garbage-collector.js";
import { installOwnerIndexes } from "./indexes.js";

const CRD_INFO = RESOURCES.find((r) => r.group === "apiextensions.k8s.io" && r.kind === "CustomResourceDefinition")!;

/** Register the CRD informer's handlers; informers it creates start at once (the factory may already run). */
export function monitorCustomResources(informers: InformerFactory, gc: GarbageCollector, gcHandler: (info: ResourceInfo) => EventHandler<KubeObject>): void {
  const started = new Set<string>();
  const seen = (crd: CustomResourceDefinition) => {
    const name = crd.metadata.name!;
    if (!crdCondition(crd, "Established")) return;
    const infos = customResourceInfos(crd);
    registerCustomResources(name, infos);
    const storage = infos.find((i) => i.version === i.custom?.storageVersion) ?? infos[0];
    if (!storage || started.has(name)) return;
    started.add(name);
    const inf = informers.for<KubeObject>(storage);
    installOwnerIndexes(inf);
    inf.addIndex(BY_UID, uidIndex);
    inf.addEventHandler(gcHandler(storage));
    gc.monitor({ info: storage, lister: inf.lister });
    void inf.start();
  };
  informers.for<CustomResourceDefinition>(CRD_INFO).addEventHandler({
    add: seen,
    update: (_old, crd) => seen(crd),
    // Its objects were deleted with it; the informer stays idle (re-created CRDs reuse it).
    delete: (crd) => unregisterCustomResources(crd.metadata.name!),
  });
}

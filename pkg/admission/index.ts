// The admission chain skiff's API server runs by default, in Kubernetes' order:
// mutating LimitRanger first (so quota sees the defaulted requests), then
// ServiceAccount and Priority (quota scopes may name priority classes), anything
// the caller adds in the middle, ResourceQuota last (a charge is only taken for
// an object every other plugin has accepted).
import type { AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";
import { LimitRanger } from "./limit-ranger.js";
import { ResourceQuotaAdmission } from "./resource-quota.js";
import { DefaultIngressClass } from "./default-ingress-class.js";
import { ServiceAccountAdmission } from "./service-account.js";
import { PriorityAdmission } from "./priority.js";
import { DefaultStorageClass } from "./default-storage-class.js";
import { StorageProtection } from "./storage-protection.js";

export { LimitRanger, applyLimitRangeDefaults, limitRangeViolations, LIMIT_RANGER_ANNOTATION } from "./limit-ranger.js";
export { ResourceQuotaAdmission } from "./resource-quota.js";
export { ServiceAccountAdmission } from "./service-account.js";
export { PriorityAdmission } from "./priority.js";

export function admissionChain(store: Store, extra: AdmissionPlugin[] = []): AdmissionPlugin[] {
  return [new LimitRanger(store), new ServiceAccountAdmission(store), new PriorityAdmission(store), new DefaultIngressClass(store), new DefaultStorageClass(store), new StorageProtection(), ...extra, new ResourceQuotaAdmission(store)];
}

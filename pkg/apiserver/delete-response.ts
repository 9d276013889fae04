// What DELETE of one object answers, per kind, as kube-apiserver's generic
// registry does (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go):
//   - still there (finalizers, a grace period, a namespace terminating): 200 with the object;
//   - gone: 200 with the deleted object for the stores that set ReturnDeletedObject
//     (pods, services, service accounts, storage classes, namespaces), otherwise
//     a `Success` Status naming it;
//   - 202 only when the client asked for orphanDependents=false and it is not gone yet.
import type { KubeObject } from "../api/types.js";
import type { ResourceInfo } from "../api/kinds.js";

const RETURNS_DELETED_OBJECT = new Set(["v1/Pod", "v1/Service", "v1/ServiceAccount", "v1/Namespace", "storage.k8s.io/StorageClass"]);

export interface DeleteAnswer {
  code: 200 | 202;
  body: unknown;
}

export function deleteResponse(info: ResourceInfo, object: KubeObject, finished: boolean, orphanDependents?: boolean): DeleteAnswer {
  const code = !finished && orphanDependents === false ? 202 : 200;
  if (!finished || RETURNS_DELETED_OBJECT.has(`${info.group || info.version}/${info.kind}`)) return { code, body: object };
  const details: Record<string, string> = { name: object.metadata.name ?? "" };
  if (info.group) details.group = info.group;
  details.kind = info.plural;
  if (object.metadata.uid) details.uid = object.metadata.uid;
  return { code, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details } };
}

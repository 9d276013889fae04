// NodeRestriction admission (Kubernetes' plugin/pkg/admission/noderestriction):
// what the Node authorizer cannot see because it never reads bodies. A node
// may create and change only its own Node and its own Lease, and change or
// delete only pods bound to it; everything else it writes is refused here, even
// if some RBAC binding would allow it.
import { ApiError } from "../api/errors.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import { NODE_LEASE_NAMESPACE, nodeNameOf } from "./node-identity.js";
import { podNodeName } from "./pod-references.js";

export class NodeRestriction implements AdmissionPlugin {
  readonly name = "NodeRestriction";

  admit(a: AdmissionAttributes): void {
    const node = nodeNameOf(a.ctx.user, a.ctx.groups);
    if (!node) return;
    const { info } = a;
    const objectName = a.object?.metadata.name ?? a.oldObject?.metadata.name ?? a.name;
    const refuse = (why: string): never => {
      throw new ApiError("Forbidden", `${info.plural} "${objectName ?? ""}" is forbidden: node "${node}" ${why}`, { name: objectName, group: info.group, kind: info.plural });
    };
    if (info.group === "" && info.kind === "Node") {
      if (objectName !== node) refuse(`is not allowed to modify node "${objectName}"`);
      return;
    }
    if (info.group === "coordination.k8s.io" && info.kind === "Lease") {
      if (a.namespace !== NODE_LEASE_NAMESPACE || objectName !== node) refuse(`is not allowed to modify lease ${a.namespace}/${objectName}`);
      return;
    }
    if (info.group === "" && info.kind === "Pod") {
      if (a.operation === "CREATE") refuse("can only create mirror pods, which skiff does not support");
      const bound = podNodeName(a.oldObject);
      if (bound !== node) refuse(`can only ${a.operation === "DELETE" ? "delete" : "update"} pods bound to it; this one is bound to "${bound ?? ""}"`);
      if (a.operation === "UPDATE" && a.subresource !== "status") refuse("can only update the status of pods");
    }
  }
}

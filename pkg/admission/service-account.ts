// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a
// new pod without spec.serviceAccountName runs as `default`, and a pod naming a
// service account that does not exist is refused with Kubernetes' message.
//
// One deliberate difference: a missing `default` account is tolerated. Kubernetes
// refuses pods until its controller has made `default` in a new namespace (a
// well-known race right after `kubectl create namespace`); skiff's controller
// makes it moments later, and nothing about the pod depends on it meanwhile.
import { R, resourceKey } from "../api/kinds.js";
import type { AdmissionAttributes, AdmissionPlugin } from "../apiserver/registry.js";
import type { Store } from "../store/store.js";
import { forbidden } from "./forbidden.js";

export const DEFAULT_SERVICE_ACCOUNT = "default";
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

interface PodSpecShape {
  serviceAccountName?: unknown;
  serviceAccount?: unknown;
}

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = "ServiceAccount";

  constructor(private readonly store: Store) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    if (a.operation !== "CREATE" || a.info.kind !== "Pod" || a.subresource || !a.object) return;
    const pod = a.object;
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    if (pod.spec === null || typeof pod.spec !== "object" || Array.isArray(pod.spec)) return; // validation reports it
    const spec = pod.spec as PodSpecShape;
    // The deprecated spec.serviceAccount is an alias, honoured when it is the only one given.
    let name = typeof spec.serviceAccountName === "string" && spec.serviceAccountName !== "" ? spec.serviceAccountName : undefined;
    if (name === undefined && typeof spec.serviceAccount === "string" && spec.serviceAccount !== "") name = spec.serviceAccount;
    name ??= DEFAULT_SERVICE_ACCOUNT;
    spec.serviceAccountName = name;
    spec.serviceAccount = name;
    if (name === DEFAULT_SERVICE_ACCOUNT) return;
    const ns = a.namespace ?? "default";
    const sa = await this.store.get({ resource: resourceKey(R.serviceaccounts), namespace: ns, name });
    if (!sa) throw forbidden(a.info, pod.metadata.name, `error looking up service account ${ns}/${name}: serviceaccount "${name}" not found`);
  }
}

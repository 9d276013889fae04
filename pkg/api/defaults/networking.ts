// networking.k8s.io/v1 defaulting (pkg/apis/networking/v1/defaults.go): a
// NetworkPolicy without policyTypes affects ingress, and egress too when it has
// egress rules; policy ports are TCP unless they say otherwise; an IngressClass's
// parameters are cluster-scoped unless they say otherwise.
import type { KubeObject } from "../types.js";

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function recs(v: unknown): Rec[] {
  return Array.isArray(v) ? v.filter(isRec) : [];
}

export function defaultNetworkPolicy(np: KubeObject): void {
  if (!isRec(np.spec)) np.spec = {};
  const spec = np.spec as Rec;
  if (!isRec(spec.podSelector)) spec.podSelector = {};
  for (const rule of [...recs(spec.ingress), ...recs(spec.egress)]) {
    for (const port of recs(rule.ports)) if (port.protocol === undefined || port.protocol === null || port.protocol === "") port.protocol = "TCP";
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = recs(spec.egress).length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
  }
}

export function defaultIngressClass(ic: KubeObject): void {
  const params = isRec(ic.spec) ? ic.spec.parameters : undefined;
  if (isRec(params) && (params.scope === undefined || params.scope === null || params.scope === "")) params.scope = "Cluster";
}

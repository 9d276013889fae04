// Ingress, IngressClass and NetworkPolicy rows (printIngress, printIngressClass,
// printNetworkPolicy in pkg/printers/internalversion/printers.go, v1.32).
import { ageOf } from "../human-duration.js";
import { formatLabelSelector, type LabelSelectorLike } from "./apps.js";
import { ageColumn, column, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

export interface IngressLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: { ingressClassName?: string; rules?: Array<{ host?: string }>; tls?: unknown[] };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface IngressClassLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: { controller?: string; parameters?: { apiGroup?: string; kind?: string; name?: string } };
}

export interface NetworkPolicyLike {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
  spec?: { podSelector?: LabelSelectorLike };
}

/** formatHosts: at most three hosts, "*" when no rule names one. */
export function formatIngressHosts(rules: Array<{ host?: string }> | undefined): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return "*";
  const joined = list.join(",");
  return more ? `${joined} + ${(rules?.length ?? 0) - max} more...` : joined;
}

/** ingressLoadBalancerStatusStringer (server-side tables are printed wide: no truncation). */
function ingressAddresses(ing: IngressLike): string {
  const seen = new Set<string>();
  for (const e of ing.status?.loadBalancer?.ingress ?? []) {
    if (e.ip) seen.add(e.ip);
    else if (e.hostname) seen.add(e.hostname);
  }
  return [...seen].sort().join(",");
}

export const ingressPrinter: KindPrinter<IngressLike> = {
  columns: [
    nameColumn(),
    column("Class", "string", "The name of the IngressClass resource that should be used for ingress."),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    ageColumn(),
  ],
  row(ing, now) {
    return {
      cells: [
        ing.metadata?.name ?? "",
        ing.spec?.ingressClassName || "<none>",
        formatIngressHosts(ing.spec?.rules),
        ingressAddresses(ing),
        (ing.spec?.tls ?? []).length > 0 ? "80, 443" : "80",
        ageOf(ing.metadata?.creationTimestamp, now),
      ],
    };
  },
};

export const ingressClassPrinter: KindPrinter<IngressClassLike> = {
  columns: [
    nameColumn(),
    column("Controller", "string", "Controller that is responsible for handling this class"),
    column("Parameters", "string", "A reference to a resource with additional parameters"),
    ageColumn(),
  ],
  row(ic, now) {
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind ?? ""}${p.apiGroup ? `.${p.apiGroup}` : ""}/${p.name ?? ""}` : "<none>";
    return { cells: [ic.metadata?.name ?? "", ic.spec?.controller ?? "", parameters, ageOf(ic.metadata?.creationTimestamp, now)] };
  },
};

export const networkPolicyPrinter: KindPrinter<NetworkPolicyLike> = {
  columns: [
    nameColumn(),
    column(
      "Pod-Selector",
      "string",
      "Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.",
    ),
    ageColumn(),
  ],
  row(np, now) {
    return { cells: [np.metadata?.name ?? "", formatLabelSelector(np.spec?.podSelector), ageOf(np.metadata?.creationTimestamp, now)] };
  },
};

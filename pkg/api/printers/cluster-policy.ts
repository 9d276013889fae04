// PriorityClass, PodDisruptionBudget, APIService and EndpointSlice rows
// (printPriorityClass, printPodDisruptionBudget, printEndpointSlice in
// pkg/printers/internalversion/printers.go; kube-aggregator's APIService table).
import type { V1APIService, V1EndpointSlice, V1PodDisruptionBudget, V1PriorityClass } from "@kubernetes/client-node";
import { ageOf } from "../human-duration.js";
import { ageColumn, column, nameColumn, type KindPrinter } from "./table.js";

export const priorityClassPrinter: KindPrinter<V1PriorityClass> = {
  columns: [
    nameColumn(),
    column("Value", "integer", "value represents the integer value of this priority class."),
    column("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class."),
    ageColumn(),
    column("PreemptionPolicy", "string", "preemptionPolicy is the Policy for preempting pods with lower priority."),
  ],
  row(pc, now) {
    return { cells: [pc.metadata?.name ?? "", pc.value ?? 0, pc.globalDefault ?? false, ageOf(pc.metadata?.creationTimestamp, now), pc.preemptionPolicy ?? ""] };
  },
};

const intOrPercentCell = (v: number | string | undefined): string => (v === undefined || v === null ? "N/A" : String(v));

export const podDisruptionBudgetPrinter: KindPrinter<V1PodDisruptionBudget> = {
  columns: [
    nameColumn(),
    column("Min Available", "string", "The minimum number of pods that must be available simultaneously. This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
    column("Max Unavailable", "string", "The maximum number of pods that may be unavailable simultaneously. This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
    column("Allowed Disruptions", "integer", "Number of pod disruptions that are currently allowed."),
    ageColumn(),
  ],
  row(pdb, now) {
    return {
      cells: [
        pdb.metadata?.name ?? "",
        intOrPercentCell(pdb.spec?.minAvailable),
        intOrPercentCell(pdb.spec?.maxUnavailable),
        pdb.status?.disruptionsAllowed ?? 0,
        ageOf(pdb.metadata?.creationTimestamp, now),
      ],
    };
  },
};

/** "Local" for an API served by this server, else the Service in front of it. */
export function apiServiceBackend(svc: V1APIService): string {
  const s = svc.spec?.service;
  return s ? `${s.namespace ?? ""}/${s.name ?? ""}` : "Local";
}

/** "True", or "False (MissingEndpoints)" with the reason, as kube-aggregator prints it. */
export function apiServiceAvailable(svc: V1APIService): string {
  const c = (svc.status?.conditions ?? []).find((x) => x.type === "Available");
  if (!c) return "Unknown";
  return c.status === "True" ? "True" : `${c.status} (${c.reason ?? ""})`;
}

export const apiServicePrinter: KindPrinter<V1APIService> = {
  columns: [
    nameColumn(),
    column("Service", "string", "The reference to the service that hosts this API endpoint."),
    column("Available", "string", "Whether this service is available."),
    ageColumn(),
  ],
  row(svc, now) {
    return { cells: [svc.metadata?.name ?? "", apiServiceBackend(svc), apiServiceAvailable(svc), ageOf(svc.metadata?.creationTimestamp, now)] };
  },
};

const MAX_SHOWN = 3;

function firstFew(items: string[], empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, MAX_SHOWN).join(",");
  return items.length > MAX_SHOWN ? `${shown} + ${items.length - MAX_SHOWN} more...` : shown;
}

export const endpointSlicePrinter: KindPrinter<V1EndpointSlice> = {
  columns: [
    nameColumn(),
    column("AddressType", "string", "The IP protocol for this slice."),
    column("Ports", "string", "The ports defined for this slice."),
    column("Endpoints", "string", "The endpoints defined for this slice."),
    ageColumn(),
  ],
  row(slice, now) {
    const ports = (slice.ports ?? []).map((p) => (p.port === undefined || p.port === null ? "" : String(p.port)));
    const addresses = (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return {
      cells: [slice.metadata?.name ?? "", slice.addressType ?? "", firstFew(ports, "<unset>"), firstFew(addresses, "<unset>"), ageOf(slice.metadata?.creationTimestamp, now)],
    };
  },
};

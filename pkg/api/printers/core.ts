// Namespace, ConfigMap, Lease and Event rows, and the fallback for other kinds.
import { ageOf, timestampMs } from "../human-duration.js";
import { ageColumn, column, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

interface Named {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
}

export interface NamespaceLike extends Named {
  status?: { phase?: string };
}

export interface ConfigMapLike extends Named {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface LeaseLike extends Named {
  spec?: { holderIdentity?: string };
}

export interface EventLike extends Named {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: Timestamp;
  lastTimestamp?: Timestamp;
  eventTime?: Timestamp;
  series?: { count?: number; lastObservedTime?: Timestamp };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

export const namespacePrinter: KindPrinter<NamespaceLike> = {
  columns: [nameColumn(), column("Status", "string", "The status of the namespace"), ageColumn()],
  row(ns, now) {
    return { cells: [ns.metadata?.name ?? "", ns.status?.phase ?? "", ageOf(ns.metadata?.creationTimestamp, now)] };
  },
};

export const configMapPrinter: KindPrinter<ConfigMapLike> = {
  columns: [
    nameColumn(),
    column("Data", "string", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    ageColumn(),
  ],
  row(cm, now) {
    const entries = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
    return { cells: [cm.metadata?.name ?? "", entries, ageOf(cm.metadata?.creationTimestamp, now)] };
  },
};

export const leasePrinter: KindPrinter<LeaseLike> = {
  columns: [
    nameColumn(),
    column("Holder", "string", "holderIdentity contains the identity of the holder of a current lease."),
    ageColumn(),
  ],
  row(lease, now) {
    return {
      cells: [lease.metadata?.name ?? "", lease.spec?.holderIdentity ?? "", ageOf(lease.metadata?.creationTimestamp, now)],
    };
  },
};

/** "kubelet, node-1": component and host, each falling back to the reporting* fields of the newer API. */
function eventSource(ev: EventLike): string {
  const component = ev.source?.component || ev.reportingComponent || "";
  const instance = ev.source?.host || ev.reportingInstance || "";
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter: KindPrinter<EventLike> = {
  columns: [
    column("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
    column("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column("Object", "string", "The object that this event is about."),
    column("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.", { wide: true }),
    column("Source", "string", "The component reporting this event. Should be a short machine understandable string.", { wide: true }),
    column("Message", "string", "A human-readable description of the status of this operation."),
    column("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", { wide: true }),
    column("Count", "string", "The number of times this event has occurred.", { wide: true }),
    column("Name", "string", "Name must be unique within a namespace.", { wide: true, format: "name" }),
  ],
  row(ev, now) {
    // Events from the old API carry first/lastTimestamp and count; those from
    // events.k8s.io carry eventTime and series. Print either the same way.
    const first =
      timestampMs(ev.firstTimestamp) !== undefined ? ageOf(ev.firstTimestamp, now) : ageOf(ev.eventTime, now);
    let last = timestampMs(ev.lastTimestamp) !== undefined ? ageOf(ev.lastTimestamp, now) : first;
    let count = ev.count ?? 0;
    if (ev.series) {
      last = ageOf(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) {
      count = 1;
    }
    const kind = (ev.involvedObject?.kind ?? "").toLowerCase();
    const name = ev.involvedObject?.name;
    return {
      cells: [
        last,
        ev.type ?? "",
        ev.reason ?? "",
        name ? `${kind}/${name}` : kind,
        ev.involvedObject?.fieldPath ?? "",
        eventSource(ev),
        (ev.message ?? "").trim(),
        first,
        count,
        ev.metadata?.name ?? "",
      ],
    };
  },
};

/** Kinds without a printer of their own: name and age. */
export const defaultPrinter: KindPrinter<Named> = {
  columns: [nameColumn(), ageColumn()],
  row(obj, now) {
    return { cells: [obj.metadata?.name ?? "", ageOf(obj.metadata?.creationTimestamp, now)] };
  },
};

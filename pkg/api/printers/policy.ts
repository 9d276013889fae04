// ResourceQuota and LimitRange rows (printResourceQuota, printLimitRange in
// pkg/printers/internalversion/printers.go).
import { ageOf, timestampMs } from "../human-duration.js";
import { ageColumn, column, nameColumn, type KindPrinter, type Timestamp } from "./table.js";

interface Named {
  metadata?: { name?: string; creationTimestamp?: Timestamp };
}

export interface ResourceQuotaLike extends Named {
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** "pods: 3/10, requests.cpu: 300m/2" and "limits.cpu: 1/4": status.hard sorted, limits.* in their own column. */
export function quotaColumns(q: ResourceQuotaLike): { request: string; limit: string } {
  const hard = q.status?.hard ?? {};
  const used = q.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const cell = `${name}: ${used[name] ?? "0"}/${hard[name]}`;
    if (name.split(".")[0] === "limits" && name.includes(".")) limit.push(cell);
    else request.push(cell);
  }
  return { request: request.join(", "), limit: limit.join(", ") };
}

export const resourceQuotaPrinter: KindPrinter<ResourceQuotaLike> = {
  columns: [
    nameColumn(),
    ageColumn(),
    column("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
    column("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
  ],
  row(q, now) {
    const { request, limit } = quotaColumns(q);
    return { cells: [q.metadata?.name ?? "", ageOf(q.metadata?.creationTimestamp, now), request, limit] };
  },
};

export const limitRangePrinter: KindPrinter<Named> = {
  columns: [
    nameColumn(),
    column(
      "Created At",
      "date",
      "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.",
    ),
  ],
  row(lr) {
    const ms = timestampMs(lr.metadata?.creationTimestamp);
    // time.RFC3339 in UTC: whole seconds, "Z".
    const created = ms === undefined ? "" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { cells: [lr.metadata?.name ?? "", created] };
  },
};

// Events as `kubectl describe` (the trailing Events: table) and `kubectl events`
// (LAST SEEN TYPE REASON OBJECT MESSAGE) print them.
import type { CoreV1Event } from "../api/types.js";
import { timestampMs } from "../api/human-duration.js";
import { since, type Timestamp } from "./format.js";
import { LEVEL_0, LEVEL_1, TabWriter, type PrefixWriter } from "./tab-writer.js";

type EventTimes = Pick<CoreV1Event, "count"> & {
  eventTime?: Timestamp;
  firstTimestamp?: Timestamp;
  lastTimestamp?: Timestamp;
  series?: { count?: number; lastObservedTime?: Timestamp };
};

/** "5m (x3 over 10m)" for a repeated event, else the age of its first occurrence. */
export function eventInterval(e: EventTimes, now: Date): string {
  const first = timestampMs(e.eventTime ?? undefined) !== undefined ? since(e.eventTime, now) : since(e.firstTimestamp, now);
  if (e.series) return `${since(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
  if ((e.count ?? 0) > 1) return `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
  return first;
}

/** The time `kubectl events` sorts by: the series' last observation, else lastTimestamp, else eventTime. */
export function eventTimeMs(e: EventTimes): number {
  return timestampMs(e.series?.lastObservedTime ?? undefined) ?? timestampMs(e.lastTimestamp ?? undefined) ?? timestampMs(e.eventTime ?? undefined) ?? 0;
}

/** Oldest first, stable for ties. */
export function sortEvents<T extends EventTimes>(events: readonly T[]): T[] {
  return events
    .map((e, i) => ({ e, i, t: eventTimeMs(e) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
}

/** DescribeEvents: the Events: block at the end of every describe. */
export function describeEvents(w: PrefixWriter, events: readonly CoreV1Event[], now: Date): void {
  if (events.length === 0) {
    w.write(LEVEL_0, "Events:\t<none>\n");
    return;
  }
  w.flush();
  w.write(LEVEL_0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
  w.write(LEVEL_1, "----\t------\t----\t----\t-------\n");
  for (const e of sortEvents(events)) {
    const source = e.source?.component || e.reportingComponent || "";
    let message = (e.message ?? "").trim();
    if (e.involvedObject?.fieldPath) message = `${e.involvedObject.fieldPath}: ${message}`;
    w.write(LEVEL_1, `${e.type ?? ""}\t${e.reason ?? ""}\t${eventInterval(e, now)}\t${source}\t${message}\n`);
  }
}

export interface EventTableOptions {
  allNamespaces?: boolean;
  noHeaders?: boolean;
}

/** kubectl's printers.GetNewTabWriter: min width 6, padding 3, widths kept across flushes. */
export function eventsTabWriter(): TabWriter {
  return new TabWriter({ minWidth: 6, padding: 3, rememberWidths: true });
}

/** `kubectl events` rows (already sorted by the caller); pass one writer to keep a watch's columns steady. */
export function formatEventRows(events: readonly CoreV1Event[], now: Date, opts: EventTableOptions = {}, tw: TabWriter = eventsTabWriter()): string {
  if (!opts.noHeaders) tw.write(`${opts.allNamespaces ? "NAMESPACE\t" : ""}LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n`);
  for (const e of events) {
    const ns = opts.allNamespaces ? `${e.metadata?.namespace ?? ""}\t` : "";
    tw.write(`${ns}${eventInterval(e, now)}\t${e.type ?? ""}\t${e.reason ?? ""}\t${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}\t${(e.message ?? "").trim()}\n`);
  }
  return tw.take();
}

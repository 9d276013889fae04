import { describe, expect, it } from "vitest";
import type { CoreV1Event } from "@kubernetes/client-node";
import { eventInterval, eventsTabWriter, formatEventRows, sortEvents } from "./events.js";

const now = new Date("2026-01-01T12:00:00Z");
const ev = (name: string, last: string, extra: Partial<CoreV1Event> = {}): CoreV1Event => ({
  metadata: { name, namespace: "default" },
  involvedObject: { kind: "Pod", name: `pod-${name}` },
  type: "Normal",
  reason: "Started",
  message: ` started ${name} `,
  firstTimestamp: new Date(last),
  lastTimestamp: new Date(last),
  count: 1,
  ...extra,
});

describe("events", () => {
  it("reads the interval like kubectl: age, or 'last (xN over first)'", () => {
    expect(eventInterval(ev("a", "2026-01-01T11:58:00Z"), now)).toBe("2m");
    expect(eventInterval(ev("b", "2026-01-01T11:59:30Z", { count: 4, firstTimestamp: new Date("2026-01-01T11:00:00Z") }), now)).toBe("30s (x4 over 60m)");
    expect(eventInterval({ eventTime: new Date("2026-01-01T11:59:00Z"), series: { count: 3, lastObservedTime: new Date("2026-01-01T11:59:50Z") } } as CoreV1Event, now)).toBe("10s (x3 over 60s)");
    expect(eventInterval({} as CoreV1Event, now)).toBe("<unknown>");
  });

  it("sorts oldest first and prints LAST SEEN TYPE REASON OBJECT MESSAGE", () => {
    const list = sortEvents([ev("new", "2026-01-01T11:59:00Z"), ev("old", "2026-01-01T11:00:00Z", { type: "Warning", reason: "BackOff" })]);
    expect(list.map((e) => e.metadata.name)).toEqual(["old", "new"]);
    expect(formatEventRows(list, now)).toBe(
      ["LAST SEEN   TYPE      REASON    OBJECT        MESSAGE", "60m         Warning   BackOff   Pod/pod-old   started old", "60s         Normal    Started   Pod/pod-new   started new", ""].join("\n"),
    );
    expect(formatEventRows(list, now, { allNamespaces: true, noHeaders: true }).split("\n")[0]).toMatch(/^default\s+60m\s+Warning/);
    // One writer across a watch keeps columns from shrinking.
    const tw = eventsTabWriter();
    formatEventRows([ev("long-name-here", "2026-01-01T11:00:00Z")], now, { noHeaders: true }, tw);
    expect(formatEventRows([ev("a", "2026-01-01T11:00:00Z")], now, { noHeaders: true }, tw)).toBe(`60m   Normal   Started   Pod/pod-a${" ".repeat(16)}started a\n`);
  });
});

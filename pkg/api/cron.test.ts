import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CronParseError, CronSchedule, isValidTimeZone, wallTime } from "./cron.js";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** All matching minutes of one UTC day, as "HH:MM". */
function minutesOfDay(spec: string, day = "2026-03-04"): string[] {
  const s = CronSchedule.parse(spec);
  const out: string[] = [];
  for (let t = at(`${day}T00:00:00Z`); t < at(`${day}T00:00:00Z`) + 86_400_000; t += 60_000) {
    if (s.matches(wallTime(t, "UTC"))) out.push(new Date(t).toISOString().slice(11, 16));
  }
  return out;
}

describe("CronSchedule.parse", () => {
  it("reads steps, ranges, lists and a/n", () => {
    expect(minutesOfDay("*/20 3 * * *")).toEqual(["03:00", "03:20", "03:40"]);
    expect(minutesOfDay("10-12 4 * * *")).toEqual(["04:10", "04:11", "04:12"]);
    expect(minutesOfDay("0 1,5,22 * * *")).toEqual(["01:00", "05:00", "22:00"]);
    expect(minutesOfDay("45/5 0 * * *")).toEqual(["00:45", "00:50", "00:55"]);
    expect(minutesOfDay("0-30/15 0 * * *")).toEqual(["00:00", "00:15", "00:30"]);
  });

  it("expands the macros", () => {
    expect(minutesOfDay("@hourly").length).toBe(24);
    expect(minutesOfDay("@daily")).toEqual(["00:00"]);
    expect(minutesOfDay("@midnight")).toEqual(["00:00"]);
    // 2026-03-04 is a Wednesday, not the 1st: weekly/monthly/yearly do not run.
    expect(minutesOfDay("@weekly")).toEqual([]);
    expect(minutesOfDay("@monthly")).toEqual([]);
    expect(minutesOfDay("@monthly", "2026-03-01")).toEqual(["00:00"]);
    expect(minutesOfDay("@yearly", "2026-01-01")).toEqual(["00:00"]);
    expect(minutesOfDay("@annually", "2026-01-01")).toEqual(["00:00"]);
    expect(minutesOfDay("@weekly", "2026-03-08")).toEqual(["00:00"]); // a Sunday
  });

  it("knows month and weekday names in any case", () => {
    expect(minutesOfDay("0 0 * MAR wed")).toEqual(["00:00"]);
    expect(minutesOfDay("0 0 * jan-feb *")).toEqual([]);
    expect(minutesOfDay("0 0 * * Mon-Fri")).toEqual(["00:00"]);
    expect(minutesOfDay("0 0 * * sat,sun")).toEqual([]);
  });

  it("ORs day-of-month and day-of-week when both are restricted, ANDs when one is *", () => {
    // The 4th is a Wednesday: "1st or Wednesday" runs, "1st and any weekday" does not.
    expect(minutesOfDay("0 0 1 * 3")).toEqual(["00:00"]);
    expect(minutesOfDay("0 0 1 * *")).toEqual([]);
    expect(minutesOfDay("0 0 1 * ?")).toEqual([]);
    // As in robfig/cron, a step of 1 still counts as a star; a larger step restricts, so the OR applies.
    expect(minutesOfDay("0 0 1 * */1")).toEqual([]);
    expect(minutesOfDay("0 0 4 * */2")).toEqual(["00:00"]);
  });

  it("rejects what robfig/cron rejects, with its wording", () => {
    const err = (s: string) => {
      try {
        CronSchedule.parse(s);
      } catch (e) {
        expect(e).toBeInstanceOf(CronParseError);
        return (e as Error).message;
      }
      return "parsed";
    };
    expect(err("")).toBe("empty spec string");
    expect(err("* * * *")).toBe("expected exactly 5 fields, found 4: [* * * *]");
    expect(err("61 * * * *")).toBe("end of range (61) above maximum (59): 61");
    expect(err("0 0 0 * *")).toBe("beginning of range (0) below minimum (1): 0");
    expect(err("0 0 * * 7")).toBe("end of range (7) above maximum (6): 7");
    expect(err("5-1 * * * *")).toBe("beginning of range (5) beyond end of range (1): 5-1");
    expect(err("*/0 * * * *")).toBe("step of range should be a positive number: */0");
    expect(err("x * * * *")).toContain("failed to parse int from x");
    expect(err("@fortnightly")).toBe("unrecognized descriptor: @fortnightly");
    expect(err("1-2-3 * * * *")).toBe("too many hyphens: 1-2-3");
  });
});

describe("CronSchedule.next", () => {
  it("finds the next run in UTC", () => {
    const s = CronSchedule.parse("*/15 * * * *");
    expect(iso(s.next(at("2026-01-01T10:07:30Z"), "UTC"))).toBe("2026-01-01T10:15:00.000Z");
    expect(iso(s.next(at("2026-01-01T10:15:00Z"), "UTC"))).toBe("2026-01-01T10:30:00.000Z");
    expect(iso(CronSchedule.parse("0 0 29 2 *").next(at("2026-01-01T00:00:00Z"), "UTC"))).toBe("2028-02-29T00:00:00.000Z");
  });

  it("never runs on a day that does not exist", () => {
    expect(CronSchedule.parse("0 0 30 2 *").next(at("2026-01-01T00:00:00Z"), "UTC")).toBeUndefined();
  });

  it("runs at the zone's wall time", () => {
    const s = CronSchedule.parse("0 9 * * *");
    // Berlin is UTC+1 in winter, UTC+2 in summer.
    expect(iso(s.next(at("2026-01-10T00:00:00Z"), "Europe/Berlin"))).toBe("2026-01-10T08:00:00.000Z");
    expect(iso(s.next(at("2026-07-10T00:00:00Z"), "Europe/Berlin"))).toBe("2026-07-10T07:00:00.000Z");
    expect(iso(s.next(at("2026-01-10T00:00:00Z"), "Asia/Kolkata"))).toBe("2026-01-10T03:30:00.000Z");
  });

  it("skips a wall time the clocks jump over, and runs twice in a repeated hour", () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 2:30 does not exist that day.
    const s = CronSchedule.parse("30 2 * * *");
    expect(iso(s.next(at("2026-03-08T05:00:00Z"), "America/New_York"))).toBe("2026-03-09T06:30:00.000Z");
    // 2026-11-01: 01:59 EDT goes back to 01:00 EST; 01:30 happens twice.
    const twice = CronSchedule.parse("30 1 * * *");
    const first = twice.next(at("2026-11-01T04:00:00Z"), "America/New_York")!;
    expect(iso(first)).toBe("2026-11-01T05:30:00.000Z");
    expect(iso(twice.next(first, "America/New_York"))).toBe("2026-11-01T06:30:00.000Z");
  });
});

// ---- properties -------------------------------------------------------------------

const ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"];

function field(min: number, max: number): fc.Arbitrary<string> {
  const n = fc.integer({ min, max });
  return fc.oneof(
    fc.constant("*"),
    n.map(String),
    fc.tuple(n, n).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: Math.max(1, max - min) }).map((s) => `*/${s}`),
    fc.tuple(n, fc.integer({ min: 1, max: 7 })).map(([a, s]) => `${a}/${s}`),
    fc.uniqueArray(n, { minLength: 2, maxLength: 4 }).map((xs) => xs.join(",")),
  );
}

/** Schedules dense enough that walking every minute to the next run is cheap. */
const denseSpec = fc.tuple(field(0, 59), field(0, 23)).map(([m, h]) => `${m} ${h} * * *`);
const anySpec = fc.tuple(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)).map((f) => f.join(" "));
const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });
const zone = fc.constantFrom(...ZONES);

describe("CronSchedule.next properties", () => {
  it("next(t) is after t, on a whole minute, and matches the schedule", () => {
    fc.assert(
      fc.property(anySpec, instant, zone, (spec, t, tz) => {
        const s = CronSchedule.parse(spec);
        const n = s.next(t, tz);
        if (n === undefined) return; // e.g. "0 0 31 2 *"
        expect(n).toBeGreaterThan(t);
        expect(n % 60_000).toBe(0);
        expect(s.matches(wallTime(n, tz))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("no minute strictly between t and next(t) matches", () => {
    fc.assert(
      fc.property(denseSpec, instant, zone, (spec, t, tz) => {
        const s = CronSchedule.parse(spec);
        const n = s.next(t, tz)!;
        expect(n).toBeDefined();
        for (let m = Math.floor(t / 60_000) * 60_000 + 60_000; m < n; m += 60_000) {
          if (s.matches(wallTime(m, tz))) throw new Error(`${spec} in ${tz}: ${iso(m)} matches but next(${iso(t)}) = ${iso(n)}`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("wallTime agrees with Intl for every zone", () => {
    fc.assert(
      fc.property(instant, zone, (t, tz) => {
        const w = wallTime(t, tz);
        const parts = new Intl.DateTimeFormat("en-US", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric" }).formatToParts(new Date(t));
        const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
        expect([w.year, w.month, w.day, w.hour, w.minute]).toEqual([get("year"), get("month"), get("day"), get("hour"), get("minute")]);
      }),
      { numRuns: 200 },
    );
  });
});

describe("isValidTimeZone", () => {
  it("accepts IANA names and rejects others", () => {
    for (const tz of ["UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "US/Eastern"]) expect(isValidTimeZone(tz)).toBe(true);
    for (const tz of ["", "Local", "local", "Mars/Olympus", "europe/berlin", "../etc/passwd", "Europe/Berlin "]) expect(isValidTimeZone(tz)).toBe(false);
  });
});

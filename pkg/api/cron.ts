// Standard 5-field cron schedules (minute hour day-of-month month day-of-week),
// as Kubernetes' CronJob reads them through robfig/cron's ParseStandard:
// `*`, `?`, numbers, names (jan-dec, sun-sat, any case), ranges `a-b`, steps
// `*/n`, `a-b/n` and `a/n` (= a-max/n), lists `a,b`, and the macros @yearly,
// @annually, @monthly, @weekly, @daily, @midnight, @hourly. Day-of-month and
// day-of-week combine like Vixie cron: when both are restricted a day matching
// either runs; when one is `*` only the other counts.
//
// Time zones: a schedule is matched against the wall clock of an IANA zone,
// read through Intl.DateTimeFormat (no tz database of our own). next(t) is the
// first whole minute after t whose wall time matches, so a wall time that a
// daylight-saving jump skips never runs, and one that occurs twice (clocks set
// back) runs at both instants.

export class CronParseError extends Error {
  override name = "CronParseError";
}

interface FieldBounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DOW_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const BOUNDS: readonly FieldBounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DOW_NAMES },
];

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Wall-clock fields of an instant in some zone. month 1-12, dow 0 (Sunday)-6. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  dow: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** Larger than any daylight-saving shift in the tz database (Troll: 2 h). */
const MAX_SHIFT_MS = 3 * HOUR_MS;
/** robfig/cron gives up after five years: "0 0 30 2 *" never runs. */
const SEARCH_YEARS = 5;

export class CronSchedule {
  private constructor(
    readonly source: string,
    /** Allowed values per field, indexed by value. */
    private readonly fields: readonly boolean[][],
    // The field was "*" or "?" (a step such as "*\/2" is not): robfig's star bit, which changes how days combine.
    private readonly domStar: boolean,
    private readonly dowStar: boolean,
  ) {}

  /** Parse a standard cron spec; throws CronParseError with robfig/cron's wording. */
  static parse(spec: string): CronSchedule {
    const trimmed = spec.trim();
    if (trimmed === "") throw new CronParseError("empty spec string");
    let expanded = trimmed;
    if (trimmed.startsWith("@")) {
      const macro = MACROS[trimmed.toLowerCase()];
      if (!macro) throw new CronParseError(`unrecognized descriptor: ${trimmed}`);
      expanded = macro;
    }
    const parts = expanded.split(/\s+/);
    if (parts.length !== 5) throw new CronParseError(`expected exactly 5 fields, found ${parts.length}: [${parts.join(" ")}]`);
    const fields: boolean[][] = [];
    const stars: boolean[] = [];
    parts.forEach((p, i) => {
      const { bits, star } = parseField(p, BOUNDS[i]);
      fields.push(bits);
      stars.push(star);
    });
    return new CronSchedule(spec, fields, stars[2], stars[4]);
  }

  /** Does this wall time match? */
  matches(w: WallTime): boolean {
    const [min, hour, , month] = this.fields;
    return !!min[w.minute] && !!hour[w.hour] && !!month[w.month] && this.dayMatches(w.day, w.dow);
  }

  private dayMatches(day: number, dow: number): boolean {
    const domMatch = !!this.fields[2][day];
    const dowMatch = !!this.fields[4][dow];
    return this.domStar || this.dowStar ? domMatch && dowMatch : domMatch || dowMatch;
  }

  /**
   * The first whole-minute instant strictly after `afterMs` whose wall time in
   * `timeZone` (default: this process's zone) matches; undefined when none falls
   * within five years (e.g. February 30th).
   */
  next(afterMs: number, timeZone?: string): number | undefined {
    const zone = zoneFor(timeZone);
    const start = Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    const startOffset = zone.offsetAt(start);
    const w0 = start + startOffset;
    // Wall times before w0 can only come back if the clocks are set back soon.
    let from = zone.offsetAt(start + MAX_SHIFT_MS) < startOffset ? w0 - MAX_SHIFT_MS : w0;
    const limit = w0 + SEARCH_YEARS * 366 * DAY_MS;
    let best: number | undefined;
    for (;;) {
      const cand = this.nextWall(from, limit);
      if (cand === undefined) return best;
      if (best !== undefined && cand > best + zone.offsetAt(best) + MAX_SHIFT_MS) return best;
      for (const inst of zone.instantsAt(cand)) {
        if (inst >= start && (best === undefined || inst < best)) best = inst;
      }
      // A later wall time can only map to an earlier instant across a backward jump.
      if (best !== undefined && zone.offsetAt(best) === startOffset && best - start < 7 * DAY_MS) return best;
      from = cand + MINUTE_MS;
    }
  }

  /** The first matching wall time ≥ fromWall (wall clock as UTC ms), or undefined before limit. */
  private nextWall(fromWall: number, limit: number): number | undefined {
    const [min, hour, , month] = this.fields;
    const d = new Date(Math.ceil(fromWall / MINUTE_MS) * MINUTE_MS);
    while (d.getTime() < limit) {
      if (!month[d.getUTCMonth() + 1]) {
        d.setUTCMonth(d.getUTCMonth() + 1, 1);
        d.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.dayMatches(d.getUTCDate(), d.getUTCDay())) {
        d.setUTCDate(d.getUTCDate() + 1);
        d.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!hour[d.getUTCHours()]) {
        d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
        continue;
      }
      if (!min[d.getUTCMinutes()]) {
        d.setTime(d.getTime() + MINUTE_MS);
        continue;
      }
      return d.getTime();
    }
    return undefined;
  }
}

function parseField(field: string, b: FieldBounds): { bits: boolean[]; star: boolean } {
  const bits = new Array<boolean>(b.max + 1).fill(false);
  let star = false;
  for (const expr of field.split(",")) {
    const r = parseRange(expr, b);
    for (let v = r.start; v <= r.end; v += r.step) bits[v] = true;
    if (r.star) star = true;
  }
  return { bits, star };
}

function parseRange(expr: string, b: FieldBounds): { start: number; end: number; step: number; star: boolean } {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = rangeAndStep[0].split("-");
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (singleDigit) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronParseError(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new CronParseError(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronParseError(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  return { start, end, step, star };
}

function parseIntOrName(s: string, names?: Record<string, number>): number {
  const named = names?.[s.toLowerCase()];
  return named !== undefined ? named : mustParseInt(s);
}

function mustParseInt(s: string): number {
  if (!/^\d+$/.test(s)) throw new CronParseError(`failed to parse int from ${s}: strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`);
  return Number(s);
}

// ---- time zones -----------------------------------------------------------------

interface Zone {
  /** Wall clock minus UTC at this instant, in ms. */
  offsetAt(ms: number): number;
  /** The instants whose wall time is exactly wall: none in a spring-forward gap, two when clocks go back. */
  instantsAt(wall: number): number[];
}

const UTC_ZONE: Zone = { offsetAt: () => 0, instantsAt: (w) => [w] };
const zones = new Map<string, Zone>();

function zoneFor(timeZone: string | undefined): Zone {
  const key = timeZone ?? "";
  if (key === "UTC" || key === "Etc/UTC") return UTC_ZONE;
  let z = zones.get(key);
  if (!z) {
    z = intlZone(timeZone);
    zones.set(key, z);
  }
  return z;
}

function intlZone(timeZone: string | undefined): Zone {
  const fmt = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const offsetAt = (ms: number): number => {
    const whole = Math.floor(ms / 1000) * 1000;
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(whole))) if (part.type !== "literal") p[part.type] = Number(part.value);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
  };
  return {
    offsetAt,
    instantsAt(wall) {
      // Any instant showing `wall` lies near wall - offset; probe the offsets around it.
      const center = wall - offsetAt(wall);
      const offsets = new Set([offsetAt(center - MAX_SHIFT_MS), offsetAt(center), offsetAt(center + MAX_SHIFT_MS)]);
      for (const o of [...offsets]) offsets.add(offsetAt(wall - o));
      const out: number[] = [];
      for (const o of offsets) {
        const inst = wall - o;
        if (offsetAt(inst) === o && !out.includes(inst)) out.push(inst);
      }
      return out.sort((a, b) => a - b);
    },
  };
}

/** Wall-clock fields of an instant in a zone (default: this process's zone). */
export function wallTime(ms: number, timeZone?: string): WallTime {
  const d = new Date(ms + zoneFor(timeZone).offsetAt(ms));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), dow: d.getUTCDay() };
}

/**
 * An IANA zone name such as "Europe/Berlin" or "UTC". Intl accepts any letter
 * case ("europe/berlin"), Go's LoadLocation (what Kubernetes uses) does not, so
 * every part must also start with a capital letter, as zoneinfo names do.
 */
export function isValidTimeZone(tz: string): boolean {
  if (tz === "" || tz.toLowerCase() === "local") return false;
  if (!tz.split("/").every((part) => /^[A-Z][A-Za-z.\-_0-9+]{0,13}$/.test(part))) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** RFC 3339 with the zone's offset ("2026-01-01T10:00:00+01:00", "…Z" in UTC), as Go formats time.RFC3339. */
export function rfc3339InZone(ms: number, timeZone?: string): string {
  const whole = Math.floor(ms / 1000) * 1000;
  const offset = zoneFor(timeZone).offsetAt(whole);
  const local = new Date(whole + offset).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset) / MINUTE_MS;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${local}${offset < 0 ? "-" : "+"}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

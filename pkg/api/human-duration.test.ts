import { describe, expect, it } from "vitest";
import { ageOf, humanDuration } from "./human-duration.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("humanDuration", () => {
  // Each pair sits on or next to a boundary of apimachinery's HumanDuration.
  it.each<[number, string]>([
    [-2 * s, "<invalid>"],
    [-1999, "0s"], // truncates toward zero: -1s is tolerated clock skew
    [-1 * s, "0s"],
    [0, "0s"],
    [999, "0s"],
    [59 * s, "59s"],
    [90 * s, "90s"],
    [2 * m - 1, "119s"],
    [2 * m, "2m"],
    [2 * m + 5 * s, "2m5s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m, "10m"],
    [10 * m + 30 * s, "10m"],
    [3 * h - 1, "179m"],
    [3 * h, "3h"],
    [3 * h + 30 * m, "3h30m"],
    [8 * h - 1, "7h59m"],
    [8 * h, "8h"],
    [48 * h - 1, "47h"],
    [48 * h, "2d"],
    [50 * h, "2d2h"],
    [8 * d - 1, "7d23h"],
    [8 * d, "8d"],
    [730 * d - 1, "729d"],
    [730 * d, "2y"],
    [731 * d, "2y1d"],
    [8 * 365 * d - 1, "7y364d"],
    [8 * 365 * d, "8y"],
    [10 * 365 * d + 100 * d, "10y"],
  ])("%d ms -> %s", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe("ageOf", () => {
  const now = new Date("2024-05-01T12:00:00Z");

  it("measures from an RFC 3339 timestamp to now", () => {
    expect(ageOf("2024-05-01T11:55:00Z", now)).toBe("5m");
    expect(ageOf("2024-04-28T10:00:00Z", now)).toBe("3d2h");
  });

  it("accepts a Date, as client-node model types declare", () => {
    expect(ageOf(new Date("2024-05-01T11:59:30Z"), now)).toBe("30s");
  });

  it("is <unknown> when the timestamp is missing or unparseable", () => {
    expect(ageOf(undefined, now)).toBe("<unknown>");
    expect(ageOf("", now)).toBe("<unknown>");
    expect(ageOf("yesterday-ish", now)).toBe("<unknown>");
  });
});

// metav1.Time on the wire: RFC 3339 in UTC at second precision
// ("2026-01-02T03:04:05Z"). One copy for every package that stamps a time.

/** A time (epoch milliseconds or a Date) as metav1.Time serialises it. */
export function rfc3339(t: number | Date): string {
  return (typeof t === "number" ? new Date(t) : t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

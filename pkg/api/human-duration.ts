// Human-readable ages, exactly as k8s.io/apimachinery/pkg/util/duration.HumanDuration
// prints them, so that `skiff get` and `kubectl get` against skiff show the same
// AGE text a real cluster would ("90s", "2m5s", "3h", "5d2h", "2y30d").

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Go converts durations with integer division, which truncates toward zero; do the
 * same so boundaries land exactly where the apiserver puts them.
 */
function whole(ms: number, unit: number): number {
  return Math.trunc(ms / unit);
}

/** Format a duration in milliseconds the way the Kubernetes apiserver does. */
export function humanDuration(ms: number): string {
  const seconds = whole(ms, SECOND);
  // Up to one second in the future still reads as "now": clocks on different
  // machines drift, and "<invalid>" for a fresh object would only alarm people.
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;

  const minutes = whole(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = whole(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}

/** Milliseconds since the epoch for a wire timestamp, or undefined when absent/unparseable. */
export function timestampMs(timestamp: string | Date | undefined | null): number | undefined {
  if (timestamp === undefined || timestamp === null || timestamp === "") return undefined;
  const ms = timestamp instanceof Date ? timestamp.getTime() : Date.parse(timestamp);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Time elapsed since `timestamp` (RFC 3339 on the wire; a Date is accepted too, as the
 * client-node model types declare one), "<unknown>" when it is missing, as
 * printers.go's translateTimestampSince does for a zero time.
 */
export function ageOf(timestamp: string | Date | undefined, now: Date): string {
  const ms = timestampMs(timestamp);
  if (ms === undefined) return "<unknown>";
  return humanDuration(now.getTime() - ms);
}

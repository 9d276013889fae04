// Resource quantities ("500m", "128Mi", "1e3") with exact arithmetic, ported from
// k8s.io/apimachinery/pkg/api/resource/quantity.go.
//
// A value is held as a bigint count of nano-units (value × 10^9). That is exact
// for everything Kubernetes can represent: parsing rounds any finer non-zero
// value away from zero to 1n, exactly as ParseQuantity does, and binary suffixes
// ("1Ei" = 2^60) are integers. Floats appear only in toNumber(), for scoring.
//
// Deliberate differences from ParseQuantity, all about inputs nobody writes on
// purpose:
// - A number part without any digit ("Mi", "-", ".", "e3") is rejected with the
//   format error. Kubernetes' fast scanner silently reads those as 0, although
//   its own documented grammar (and error message) require digits.
// - Decimal exponents above MAX_EXPONENT are rejected instead of being truncated
//   to int32 (Kubernetes reads "1e4294967296" as 1).
// - A sum larger than 1024Ei prints with an "Ei" suffix instead of losing it.

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** Kubernetes' exact wording, so users can search for it. */
export const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_MESSAGE = "unable to parse quantity's suffix";

/** Largest decimal exponent accepted ("1e1000"); keeps a hostile "1e999999999" from allocating a huge bigint. */
export const MAX_EXPONENT = 1000;

export class QuantityError extends Error {
  override name = "QuantityError";
  constructor(
    message: string,
    /** The text that failed to parse. */
    readonly input: string,
  ) {
    super(message);
  }
}

const NANO = 1_000_000_000n;
/** Parsing caps binary-suffixed quantities at 2^63-1, as Kubernetes does. */
const MAX_BINARY_NANO = ((1n << 63n) - 1n) * NANO;
const INT64_MAX = (1n << 63n) - 1n;

const DECIMAL_SUFFIX_EXPONENT = new Map<string, number>([
  ["n", -9], ["u", -6], ["m", -3], ["", 0], ["k", 3], ["M", 6], ["G", 9], ["T", 12], ["P", 15], ["E", 18],
]);
const DECIMAL_EXPONENT_SUFFIX = new Map<number, string>([...DECIMAL_SUFFIX_EXPONENT].map(([s, e]) => [e, s]));
const BINARY_SUFFIX_EXPONENT = new Map<string, number>([
  ["Ki", 10], ["Mi", 20], ["Gi", 30], ["Ti", 40], ["Pi", 50], ["Ei", 60],
]);
const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const SUFFIX_LETTERS = "eEinumkKMGTP";

export class Quantity {
  #text: string | undefined;

  private constructor(
    /** value × 10^9, exact. */
    private readonly nano: bigint,
    /** How toString() writes the value; kept from the input like Kubernetes does. */
    readonly format: QuantityFormat,
    /** The input text when Kubernetes would echo it unchanged (see keepsInputText). */
    text?: string,
  ) {
    this.#text = text;
  }

  static readonly zero = new Quantity(0n, "DecimalSI");

  /** Parses Kubernetes quantity syntax; throws QuantityError. */
  static parse(s: string): Quantity {
    const p = parseQuantityText(s);
    return new Quantity(p.nano, p.format, p.text);
  }

  /** An integer count of base units: fromValue(3) is "3", fromValue(2n ** 30n, "BinarySI") is "1Gi". */
  static fromValue(value: bigint | number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(toBigInt(value) * NANO, format);
  }

  /** Thousandths of a unit, like NewMilliQuantity: fromMilli(250) is "250m". */
  static fromMilli(milli: bigint | number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(toBigInt(milli) * 1_000_000n, format);
  }

  /** Billionths of a unit; the exact internal representation. */
  static fromNano(nano: bigint | number, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(toBigInt(nano), format);
  }

  /** this + q. Keeps this quantity's format unless it is zero (then q's), as Quantity.Add does. */
  add(q: Quantity): Quantity {
    return new Quantity(this.nano + q.nano, this.nano === 0n ? q.format : this.format);
  }

  /** this − q, with the same format rule as add. */
  sub(q: Quantity): Quantity {
    return new Quantity(this.nano - q.nano, this.nano === 0n ? q.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.nano, this.format);
  }

  cmp(q: Quantity): -1 | 0 | 1 {
    return this.nano < q.nano ? -1 : this.nano > q.nano ? 1 : 0;
  }

  equals(q: Quantity): boolean {
    return this.nano === q.nano;
  }

  sign(): -1 | 0 | 1 {
    return this.nano < 0n ? -1 : this.nano > 0n ? 1 : 0;
  }

  isZero(): boolean {
    return this.nano === 0n;
  }

  /** ceil(q × 1000), rounding away from zero like MilliValue (no int64 overflow here). */
  milliValue(): bigint {
    return divideAwayFromZero(this.nano, 1_000_000n);
  }

  /** The value in base units rounded away from zero, like Value(): "100m" → 1n. */
  value(): bigint {
    return divideAwayFromZero(this.nano, NANO);
  }

  /** The exact value × 10^9. */
  nanoValue(): bigint {
    return this.nano;
  }

  /** Approximate value as a float, for scoring and ratios only. */
  toNumber(): number {
    const whole = this.nano / NANO;
    return Number(whole) + Number(this.nano - whole * NANO) / 1e9;
  }

  /** What Kubernetes' Quantity.String() prints: the input when already canonical, else the canonical form. */
  toString(): string {
    this.#text ??= canonicalText(this.nano, this.format);
    return this.#text;
  }

  /** JSON.stringify writes quantities the way the API does: as strings. */
  toJSON(): string {
    return this.toString();
  }
}

export function parseQuantity(s: string): Quantity {
  return Quantity.parse(s);
}

/**
 * Quantity from a decoded manifest value: a string, or a bare JSON/YAML number
 * (`cpu: 2`), which Kubernetes also accepts. Throws QuantityError.
 */
export function quantityFrom(v: string | number): Quantity {
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new QuantityError(QUANTITY_FORMAT_MESSAGE, String(v));
    return Quantity.parse(String(v));
  }
  return Quantity.parse(v);
}

/** True for a parseable quantity string, or a finite number (see quantityFrom). */
export function isValidQuantity(s: unknown): boolean {
  if (typeof s !== "string" && typeof s !== "number") return false;
  try {
    quantityFrom(s);
    return true;
  } catch {
    return false;
  }
}

export function sumQuantities(list: readonly Quantity[]): Quantity {
  return list.reduce((acc, q) => acc.add(q), Quantity.zero);
}

// ---------------------------------------------------------------------------
// Parsing

interface Scanned {
  negative: boolean;
  /** Integer digits with leading zeros stripped; "0" when none are left. */
  num: string;
  /** Fraction digits, possibly "". */
  denom: string;
  suffix: string;
  /** Whether the number part had any digit at all. */
  hasDigits: boolean;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

/** A port of parseQuantityString: splits sign, number and suffix. */
function scan(str: string): Scanned | undefined {
  const end = str.length;
  let pos = 0;
  let negative = false;
  if (str[0] === "-") {
    negative = true;
    pos++;
  } else if (str[0] === "+") {
    pos++;
  }
  const zerosStart = pos;
  while (pos < end && str[pos] === "0") pos++;
  const hadZeros = pos > zerosStart;

  let i = pos;
  while (isDigit(str[i])) i++;
  const num = str.slice(pos, i) || "0";
  const hadIntegerDigits = hadZeros || i > pos;
  pos = i;

  let denom = "";
  if (str[pos] === ".") {
    pos++;
    i = pos;
    while (isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const hasDigits = hadIntegerDigits || denom.length > 0;

  const suffixStart = pos;
  while (pos < end && SUFFIX_LETTERS.includes(str[pos])) pos++;
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < end) return undefined; // something other than [letters][sign][digits] follows the number
  return { negative, num, denom, suffix: str.slice(suffixStart), hasDigits };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string, input: string): Suffix | undefined {
  const dec = DECIMAL_SUFFIX_EXPONENT.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: "DecimalSI" };
  const bin = BINARY_SUFFIX_EXPONENT.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: "BinarySI" };
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const digits = suffix.slice(1);
    // Go's strconv.ParseInt(s, 10, 64): optional sign, digits, int64 range.
    if (!/^[+-]?[0-9]+$/.test(digits)) return undefined;
    const e = BigInt(digits);
    if (e > INT64_MAX || e < -INT64_MAX - 1n) return undefined;
    if (e > BigInt(MAX_EXPONENT)) {
      throw new QuantityError(`quantity exponent ${e} is out of range: at most ${MAX_EXPONENT} is supported`, input);
    }
    // Very negative exponents only ever round to 0 or 1n; clamp so the arithmetic stays small.
    return { base: 10, exponent: e < -BigInt(MAX_EXPONENT) ? -MAX_EXPONENT - input.length : Number(e), format: "DecimalExponent" };
  }
  return undefined;
}

interface Parsed {
  nano: bigint;
  format: QuantityFormat;
  text: string | undefined;
}

function parseQuantityText(str: string): Parsed {
  if (typeof str !== "string") throw new QuantityError(QUANTITY_FORMAT_MESSAGE, String(str));
  if (str === "0") return { nano: 0n, format: "DecimalSI", text: "0" };
  const sc = scan(str);
  if (!sc || !sc.hasDigits) throw new QuantityError(QUANTITY_FORMAT_MESSAGE, str);
  const suffix = interpretSuffix(sc.suffix, str);
  if (!suffix) throw new QuantityError(SUFFIX_MESSAGE, str);

  const digits = BigInt(sc.num + sc.denom);
  let nano: bigint;
  if (suffix.base === 10) {
    const shift = suffix.exponent - sc.denom.length + 9; // digits × 10^shift nano-units
    nano = shift >= 0 ? digits * 10n ** BigInt(shift) : ceilDivPositive(digits, -shift, sc.num.length + sc.denom.length);
  } else {
    const exact = digits * (1n << BigInt(suffix.exponent)) * NANO;
    nano = ceilDivPositive(exact, sc.denom.length, Infinity);
  }

  let format = suffix.format;
  if (format === "BinarySI") {
    if (nano > MAX_BINARY_NANO) nano = MAX_BINARY_NANO;
    // A binary quantity below one unit would print as a rounded integer; Kubernetes switches it to decimal.
    if (nano > 0n && nano < NANO) format = "DecimalSI";
  }
  if (sc.negative) nano = -nano;
  return { nano, format, text: keepsInputText(sc, suffix) ? str : undefined };
}

/** ceil(n / 10^pow) for n ≥ 0; `digitCount` bounds n, so a huge pow skips the bigint power. */
function ceilDivPositive(n: bigint, pow: number, digitCount: number): bigint {
  if (pow === 0 || n === 0n) return n;
  if (pow > digitCount) return 1n; // 0 < n < 10^digitCount ≤ 10^pow
  const d = 10n ** BigInt(pow);
  return (n + d - 1n) / d;
}

/**
 * Kubernetes' ParseQuantity remembers the input text, and String() echoes it,
 * when its int64 fast path decides the text is already canonical. This mirrors
 * that decision so skiff prints what the real API server would: "100m" and
 * "1Ki" stay, but so do quirks like "+1", "01" and "1E3".
 */
function keepsInputText(sc: Scanned, suffix: Suffix): boolean {
  if (suffix.format === "BinarySI") {
    if (sc.denom.length !== 0) return false;
    const precision = 15 - sc.num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
    if (precision < 0) return false;
    const value = BigInt(sc.num);
    if (value << BigInt(suffix.exponent) > INT64_MAX) return false; // int64 overflow: slow path
    return (value & 7n) !== 0n;
  }
  if (18 - (sc.num.length + sc.denom.length) < 0) return false;
  const scale = suffix.exponent - sc.denom.length;
  if (scale < -9) return false;
  const shifted = sc.num + sc.denom;
  return scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
}

// ---------------------------------------------------------------------------
// Formatting and helpers

/** CanonicalizeBytes: largest suffix of the format family with no fraction digits. */
function canonicalText(nano: bigint, format: QuantityFormat): string {
  if (nano === 0n) return "0";
  const magnitude = nano < 0n ? -nano : nano;
  let fmt = format;
  // Binary formatting needs a whole number of units and only pays off from 1Ki up.
  if (fmt === "BinarySI" && (magnitude < 1024n * NANO || nano % NANO !== 0n)) fmt = "DecimalSI";

  if (fmt === "BinarySI") {
    let units = nano / NANO;
    let k = 0;
    while (k < BINARY_SUFFIXES.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      k++;
    }
    return `${units}${BINARY_SUFFIXES[k]}`;
  }

  let mantissa = nano;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  // Exponent down to a multiple of three, so that it has an SI suffix.
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (fmt === "DecimalSI") {
    const suffix = DECIMAL_EXPONENT_SUFFIX.get(exponent);
    // Beyond "E" (10^18) there is no SI suffix; Kubernetes falls back to "e" notation.
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  }
  return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
}

function divideAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d; // truncates toward zero
  if (q * d === n) return q;
  return n < 0n ? q - 1n : q + 1n;
}

function toBigInt(v: bigint | number): bigint {
  if (typeof v === "bigint") return v;
  if (!Number.isSafeInteger(v)) throw new QuantityError(`${v} is not a safe integer`, String(v));
  return BigInt(v);
}

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  isValidQuantity,
  parseQuantity,
  Quantity,
  QuantityError,
  quantityFrom,
  QUANTITY_FORMAT_MESSAGE,
  sumQuantities,
  type QuantityFormat,
} from "./quantity.js";

const Ki = 1024n;
const Mi = Ki * 1024n;
const NANO = 1_000_000_000n; // nano-units per unit
const INT64_MAX = (1n << 63n) - 1n;

// input → what Kubernetes' String(), MilliValue() and Value() give for it.
const valid: Array<[input: string, str: string, milli: bigint, value: bigint, format: QuantityFormat]> = [
  ["0", "0", 0n, 0n, "DecimalSI"],
  ["0Mi", "0", 0n, 0n, "BinarySI"],
  ["-0", "0", 0n, 0n, "DecimalSI"],
  ["1", "1", 1000n, 1n, "DecimalSI"],
  ["1000m", "1", 1000n, 1n, "DecimalSI"],
  ["100m", "100m", 100n, 1n, "DecimalSI"],
  ["0.5", "500m", 500n, 1n, "DecimalSI"],
  [".5", "500m", 500n, 1n, "DecimalSI"],
  ["0.1", "100m", 100n, 1n, "DecimalSI"],
  ["1.0", "1", 1000n, 1n, "DecimalSI"],
  ["1000", "1k", 1_000_000n, 1000n, "DecimalSI"],
  ["1G", "1G", 1_000_000_000_000n, 1_000_000_000n, "DecimalSI"],
  ["1000M", "1G", 1_000_000_000_000n, 1_000_000_000n, "DecimalSI"],
  ["1500k", "1500k", 1_500_000_000n, 1_500_000n, "DecimalSI"],
  ["1.2345", "1234500u", 1235n, 2n, "DecimalSI"],
  ["0.0001", "100u", 1n, 1n, "DecimalSI"],
  ["1n", "1n", 1n, 1n, "DecimalSI"],
  ["0.9n", "1n", 1n, 1n, "DecimalSI"], // below nano rounds up, never to zero
  ["3.001n", "4n", 1n, 1n, "DecimalSI"],
  ["-100m", "-100m", -100n, -1n, "DecimalSI"], // negative values round away from zero
  ["-1.5", "-1500m", -1500n, -2n, "DecimalSI"],
  ["1Ki", "1Ki", 1024_000n, 1024n, "BinarySI"],
  ["1024Ki", "1Mi", Mi * 1000n, Mi, "BinarySI"],
  ["1536Mi", "1536Mi", 1536n * Mi * 1000n, 1536n * Mi, "BinarySI"],
  ["1.5Gi", "1536Mi", 1536n * Mi * 1000n, 1536n * Mi, "BinarySI"],
  ["0.5Mi", "512Ki", 512n * Ki * 1000n, 512n * Ki, "BinarySI"],
  ["0.5Ki", "512", 512_000n, 512n, "BinarySI"], // below 1Ki prints in decimal
  ["1.1Ki", "1126400m", 1_126_400n, 1127n, "BinarySI"], // fractional: decimal so nothing is lost
  ["1023.5Ki", "1048064", 1_048_064_000n, 1_048_064n, "BinarySI"],
  [".001Ki", "1024m", 1024n, 2n, "BinarySI"],
  [".000000000001Ki", "2n", 1n, 1n, "DecimalSI"], // below one unit a binary quantity turns decimal
  ["1Ei", "1Ei", (1n << 60n) * 1000n, 1n << 60n, "BinarySI"],
  ["8Ei", "9223372036854775807", INT64_MAX * 1000n, INT64_MAX, "BinarySI"], // capped at 2^63-1
  ["-8Ei", "-9223372036854775807", -INT64_MAX * 1000n, -INT64_MAX, "BinarySI"],
  ["1e3", "1e3", 1_000_000n, 1000n, "DecimalExponent"],
  ["1e4", "10e3", 10_000_000n, 10_000n, "DecimalExponent"],
  ["1.5e3", "1500", 1_500_000n, 1500n, "DecimalExponent"],
  ["1.3E+6", "1300e3", 1_300_000_000n, 1_300_000n, "DecimalExponent"],
  ["3e-3", "3e-3", 3n, 1n, "DecimalExponent"],
  ["12e-10", "2e-9", 1n, 1n, "DecimalExponent"],
  ["1e-100000", "1e-9", 1n, 1n, "DecimalExponent"],
  ["1E", "1E", 10n ** 21n, 10n ** 18n, "DecimalSI"], // "E" alone is exa
  ["1000E", "1e21", 10n ** 24n, 10n ** 21n, "DecimalSI"], // no SI suffix above E
  // Kubernetes echoes an input its fast path deems canonical, quirks included.
  ["+1", "+1", 1000n, 1n, "DecimalSI"],
  ["01", "01", 1000n, 1n, "DecimalSI"],
  ["5.", "5.", 5000n, 5n, "DecimalSI"],
  ["1E3", "1E3", 1_000_000n, 1000n, "DecimalExponent"],
];

describe("Quantity.parse (table)", () => {
  it.each(valid)("%s → %s", (input, str, milli, value, format) => {
    const q = Quantity.parse(input);
    expect(q.toString()).toBe(str);
    expect(q.milliValue()).toBe(milli);
    expect(q.value()).toBe(value);
    expect(q.format).toBe(format);
    expect(parseQuantity(input).equals(q)).toBe(true);
    expect(isValidQuantity(input)).toBe(true);
  });

  // From apimachinery TestQuantityString: [canonical, a non-canonical spelling of it].
  const canonical: Array<[string, string]> = [
    ["1Gi", "1024Mi"],
    ["300Mi", "307200Ki"],
    ["1001Gi", "1025024Mi"],
    ["1Ti", "1024Gi"],
    ["5", "5000m"],
    ["500m", "0.5"],
    ["1G", "0.001T"],
    ["1m", "1000u"],
    ["1080m", "1.08"],
    ["1080m", "1080000000n"],
    ["1e21", "1000E"],
    ["1e24", "1000000E"],
    ["1e9", ".001e12"],
    ["1e-3", "0.001e0"],
    ["1e-9", "1000e-12"],
    ["0", "00"],
    ["80m", "80m"],
    ["1234567M", "1234567M"],
    ["1025", "1025"],
  ];
  it.each(canonical)("canonical %s is kept, and %s prints as it", (canon, alternate) => {
    expect(Quantity.parse(canon).toString()).toBe(canon);
    expect(Quantity.parse(alternate).toString()).toBe(canon);
    expect(Quantity.parse("-" + alternate).toString()).toBe(canon === "0" ? "0" : "-" + canon);
  });

  const formatWrong = ["", "12Q", "1.2.3", "Mi", "Ki", "--1", " 1", "1 ", "1 Mi", "1.1.M", "1+1.0M", "0.1am", "aoeu", "-", "+", ".", "1MiB", "1e3i", "١"];
  it.each(formatWrong)("rejects %j with the Kubernetes format message", (input) => {
    expect(() => Quantity.parse(input)).toThrow(QuantityError);
    expect(() => Quantity.parse(input)).toThrow(QUANTITY_FORMAT_MESSAGE);
    expect(isValidQuantity(input)).toBe(false);
  });

  const badSuffix = ["1mi", "1ki", "1K", "1i", ".5i", "-3.01i", "0.1mi", "-3.01e-", "1e", "1ee3", "1e99999999999999999999"];
  it.each(badSuffix)("rejects %j as a bad suffix", (input) => {
    expect(() => Quantity.parse(input)).toThrow("unable to parse quantity's suffix");
  });

  // From apimachinery TestQuantityParse: exact values, including saturation and rounding.
  const exact: Array<[string, bigint, QuantityFormat]> = [
    ["100.035k", 100_035n * NANO, "DecimalSI"],
    ["0.0005k", 500_000_000n, "DecimalSI"],
    ["0.00050k", 500_000_000n, "DecimalSI"],
    ["10.035M", 10_035_000n * NANO, "DecimalSI"],
    ["1.01E", 101n * 10n ** 16n * NANO, "DecimalSI"],
    ["1.7E18", 17n * 10n ** 17n * NANO, "DecimalExponent"],
    ["0.5e-2", 5_000_000n, "DecimalExponent"],
    ["1.1E-9", 2n, "DecimalExponent"],
    ["0.0000000005", 1n, "DecimalSI"],
    ["0.00000012345", 124n, "DecimalSI"],
    ["9Ei", INT64_MAX * NANO, "BinarySI"],
    ["9223372036854775807Ki", INT64_MAX * NANO, "BinarySI"],
    ["100.035Ki", 102_435_840_000_000n, "BinarySI"],
    ["0.025Ti", 27_487_790_694_400_000_000n, "BinarySI"],
    ["1.G", 10n ** 18n, "DecimalSI"],
    ["-0.025Ti", -27_487_790_694_400_000_000n, "BinarySI"],
  ];
  it.each(exact)("%s is exactly %i nano-units", (input, nano, format) => {
    const q = Quantity.parse(input);
    expect(q.nanoValue()).toBe(nano);
    expect(q.format).toBe(format);
  });

  it("rejects absurd exponents instead of allocating them", () => {
    expect(() => Quantity.parse("1e1001")).toThrow(/out of range/);
    expect(Quantity.parse("1e1000").value()).toBe(10n ** 1000n);
  });

  it("the error carries the input", () => {
    try {
      Quantity.parse("12Q");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QuantityError);
      expect((e as QuantityError).input).toBe("12Q");
      expect((e as QuantityError).name).toBe("QuantityError");
    }
  });

  it("the format error is Kubernetes' wording", () => {
    expect(QUANTITY_FORMAT_MESSAGE).toBe(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
  });
});

describe("Quantity arithmetic and helpers", () => {
  it("adds exactly and keeps the left format unless it is zero", () => {
    expect(Quantity.parse("100m").add(Quantity.parse("900m")).toString()).toBe("1");
    expect(Quantity.parse("1Gi").add(Quantity.parse("512Mi")).toString()).toBe("1536Mi");
    expect(Quantity.parse("1Gi").add(Quantity.parse("1")).toString()).toBe("1073741825");
    expect(Quantity.zero.add(Quantity.parse("1Gi")).toString()).toBe("1Gi");
    expect(Quantity.parse("1Gi").add(Quantity.zero).toString()).toBe("1Gi");
    expect(Quantity.parse("0.1").add(Quantity.parse("0.2")).toString()).toBe("300m");
    expect(Quantity.parse("4Ei").add(Quantity.parse("4Ei")).toString()).toBe("8Ei"); // sums are not capped
  });

  it("subtracts, negates and compares", () => {
    expect(Quantity.parse("1").sub(Quantity.parse("250m")).toString()).toBe("750m");
    expect(Quantity.zero.sub(Quantity.parse("1Gi")).toString()).toBe("-1Gi");
    expect(Quantity.parse("100m").neg().toString()).toBe("-100m");
    expect(Quantity.parse("10000T").cmp(Quantity.parse("100Gi"))).toBe(1);
    expect(Quantity.parse("50m").cmp(Quantity.parse("100m"))).toBe(-1);
    expect(Quantity.parse("1k").cmp(Quantity.parse("1e3"))).toBe(0);
    expect(Quantity.parse("-1").sign()).toBe(-1);
    expect(Quantity.parse("0Ki").isZero()).toBe(true);
    expect(Quantity.parse("1n").isZero()).toBe(false);
  });

  it("sums lists", () => {
    expect(sumQuantities([]).toString()).toBe("0");
    expect(sumQuantities(["100m", "250m", "1"].map(parseQuantity)).toString()).toBe("1350m");
    expect(sumQuantities(["128Mi", "128Mi", "256Mi"].map(parseQuantity)).toString()).toBe("512Mi");
  });

  it("builds from integers like NewQuantity / NewMilliQuantity", () => {
    expect(Quantity.fromValue(1000).toString()).toBe("1k");
    expect(Quantity.fromValue(1024, "BinarySI").toString()).toBe("1Ki");
    expect(Quantity.fromValue(1_000_000, "DecimalExponent").toString()).toBe("1e6");
    expect(Quantity.fromMilli(1).toString()).toBe("1m");
    expect(Quantity.fromMilli(1_234_000).toString()).toBe("1234");
    expect(Quantity.fromMilli(1024, "BinarySI").toString()).toBe("1024m");
    expect(Quantity.fromNano(1).toString()).toBe("1n");
    expect(() => Quantity.fromValue(0.5)).toThrow(QuantityError);
  });

  it("converts to an approximate number", () => {
    expect(Quantity.parse("250m").toNumber()).toBe(0.25);
    expect(Quantity.parse("1Gi").toNumber()).toBe(2 ** 30);
    expect(Quantity.parse("-1.5").toNumber()).toBe(-1.5);
  });

  it("accepts bare numbers as manifests write them", () => {
    expect(quantityFrom(2).toString()).toBe("2");
    expect(quantityFrom(0.5).toString()).toBe("500m");
    expect(quantityFrom("64Mi").toString()).toBe("64Mi");
    expect(isValidQuantity(1.5)).toBe(true);
    expect(isValidQuantity(Number.NaN)).toBe(false);
    expect(isValidQuantity(undefined)).toBe(false);
    expect(isValidQuantity({})).toBe(false);
  });

  it("serialises to JSON as its string", () => {
    expect(JSON.stringify({ cpu: Quantity.parse("0.5") })).toBe('{"cpu":"500m"}');
  });
});

// ---------------------------------------------------------------------------
// Properties

const suffixes = ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const quantityText = fc
  .record({
    sign: fc.constantFrom("", "-", "+"),
    whole: fc.bigInt({ min: 0n, max: 10n ** 22n }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{0,12}$/), { nil: undefined }),
    suffix: fc.oneof(
      fc.constantFrom(...suffixes),
      fc.tuple(fc.constantFrom("e", "E"), fc.integer({ min: -30, max: 30 })).map(([e, n]) => `${e}${n}`),
    ),
  })
  .map(({ sign, whole, fraction, suffix }) => `${sign}${whole}${fraction === undefined ? "" : `.${fraction}`}${suffix}`);
const quantity = fc.oneof(
  quantityText.map((s) => Quantity.parse(s)),
  fc
    .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.constantFrom<QuantityFormat>("DecimalSI", "BinarySI", "DecimalExponent"))
    .map(([n, f]) => Quantity.fromNano(n, f))
    // Kubernetes caps parsed BinarySI values at 2^63-1, so a larger one cannot
    // survive a print-and-parse round trip there either (tested separately).
    .filter((q) => q.format !== "BinarySI" || (q.value() <= 2n ** 63n - 1n && -q.value() <= 2n ** 63n - 1n)),
);

describe("Quantity properties", () => {
  it("generated quantity strings always parse", () => {
    fc.assert(fc.property(quantityText, (s) => isValidQuantity(s)));
  });

  it("parse(toString(q)) equals q, and its text is a fixed point", () => {
    fc.assert(
      fc.property(quantity, (q) => {
        const again = Quantity.parse(q.toString());
        expect(again.cmp(q)).toBe(0);
        // Not always the same text: a BinarySI value that is not a multiple of
        // 1024 prints as plain digits ("8792877197265625000"), which parses as
        // DecimalSI and prints "8792877197265625k" — exactly as in Kubernetes.
        // After one parse the text no longer changes.
        expect(Quantity.parse(again.toString()).toString()).toBe(again.toString());
      }),
    );
  });

  it("prints a BinarySI whole number that is not a multiple of 1024 as digits, like Kubernetes", () => {
    const q = Quantity.fromNano(8792877197265625000n * 10n ** 9n, "BinarySI");
    expect(q.toString()).toBe("8792877197265625000");
    expect(Quantity.parse(q.toString()).toString()).toBe("8792877197265625k");
  });

  it("add is commutative and associative", () => {
    fc.assert(
      fc.property(quantity, quantity, quantity, (a, b, c) => {
        expect(a.add(b).cmp(b.add(a))).toBe(0);
        expect(a.add(b).add(c).cmp(a.add(b.add(c)))).toBe(0);
      }),
    );
  });

  it("a + b - b == a", () => {
    fc.assert(fc.property(quantity, quantity, (a, b) => a.add(b).sub(b).equals(a)));
  });

  it("cmp agrees with the sign of the difference", () => {
    fc.assert(
      fc.property(quantity, quantity, (a, b) => {
        expect(a.cmp(b)).toBe(a.sub(b).sign());
        expect(b.cmp(a)).toBe(-a.cmp(b) || 0);
      }),
    );
  });

  it("milliValue of a whole number of millis is exact", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 25n), max: 10n ** 25n }), (m) => {
        expect(Quantity.fromMilli(m).milliValue()).toBe(m);
        expect(Quantity.parse(`${m}m`).milliValue()).toBe(m);
        expect(Quantity.parse(Quantity.fromMilli(m).toString()).milliValue()).toBe(m);
      }),
    );
  });

  it("binary suffixes multiply exactly, capped at 2^63-1", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.integer({ min: 1, max: 5 }), (n, k) => {
        const q = Quantity.parse(`${n}${suffixes[9 + k]}`);
        const exact = n * 1024n ** BigInt(k);
        expect(q.value()).toBe(exact > INT64_MAX ? INT64_MAX : exact);
      }),
    );
  });

  it("value() is the quotient rounded away from zero", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (nano) => {
        const v = Quantity.fromNano(nano).value();
        const abs = (x: bigint) => (x < 0n ? -x : x);
        // |v| is the smallest whole number of units at least |q|, with q's sign.
        expect(abs(v) * NANO >= abs(nano)).toBe(true);
        expect((abs(v) - 1n) * NANO < abs(nano) || v === 0n).toBe(true);
        if (v !== 0n) expect(v < 0n).toBe(nano < 0n);
      }),
    );
  });
});


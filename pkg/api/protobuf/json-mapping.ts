// Between a decoded protobuf message and the JSON Kubernetes would write for it.
// The wire messages follow Kubernetes' Go types, so the JSON rules are Go's:
//   - inlined structs (Volume.volumeSource, Probe.handler) merge into their parent;
//   - a non-pointer scalar is always on the wire, so a zero one tagged
//     omitempty is dropped (JSON would not have it); a pointer's zero is kept;
//   - apimachinery's special types have a JSON form of their own: Time and
//     MicroTime are RFC 3339 strings, Quantity a string, IntOrString a number or
//     string, RawExtension and FieldsV1 embedded JSON, Duration "1h2m3s";
//   - bytes are base64 (Secret data), int64 are numbers.
import type protobuf from "protobufjs";

type Json = Record<string, unknown>;
type Message = Record<string, unknown>;

const META = ".k8s.io.apimachinery.pkg.apis.meta.v1.";
const TIME = `${META}Time`;
const MICRO_TIME = `${META}MicroTime`;
const DURATION = `${META}Duration`;
const FIELDS_V1 = `${META}FieldsV1`;
const QUANTITY = ".k8s.io.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = ".k8s.io.apimachinery.pkg.util.intstr.IntOrString";
const RAW_EXTENSION = ".k8s.io.apimachinery.pkg.runtime.RawExtension";

/** protobufjs computes fullName on every read (a walk up the namespaces); the hot paths ask once per type. */
const names = new WeakMap<protobuf.Type, string>();
function fullNameOf(type: protobuf.Type): string {
  let n = names.get(type);
  if (n === undefined) {
    n = type.fullName;
    names.set(type, n);
  }
  return n;
}

interface FieldOptions {
  inline?: boolean;
  omitempty?: boolean;
  pointer?: boolean;
  json?: string;
}

const optionsOf = (f: protobuf.Field): FieldOptions => (f.options ?? {}) as FieldOptions;
/** Names ending in "ExtraValue" (authentication and authorization) are `repeated string items` standing for a JSON list. */
const isListWrapper = (t: protobuf.Type): boolean => t.name === "ExtraValue";

interface LongLike {
  toNumber(): number;
}
function int64(v: unknown): number {
  return typeof v === "object" && v !== null ? (v as LongLike).toNumber() : (v as number);
}

function isZero(v: unknown): boolean {
  if (v === "" || v === 0 || v === false) return true;
  if (v instanceof Uint8Array) return v.length === 0;
  return typeof v === "object" && v !== null && "low" in v && "high" in v && (v as { low: number; high: number }).low === 0 && (v as { high: number }).high === 0;
}

function scalarToJson(f: protobuf.Field, v: unknown): unknown {
  switch (f.type) {
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return int64(v);
    case "bytes":
      return Buffer.from(v as Uint8Array).toString("base64");
    default:
      return v;
  }
}

function rfc3339(seconds: number, nanos: number, micro: boolean): string {
  const iso = new Date(seconds * 1000).toISOString(); // 2026-12-07T22:39:11.000Z
  const base = iso.slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z` : `${base}Z`;
}

/** Go's time.Duration String(): "1h2m3.5s", "150ms", "0s". */
function goDuration(nanos: number): string {
  if (nanos === 0) return "0s";
  const sign = nanos < 0 ? "-" : "";
  let n = Math.abs(nanos);
  if (n < 1e9) {
    const [unit, div] = n < 1e3 ? ["ns", 1] : n < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
    return `${sign}${n / (div as number)}${unit}`;
  }
  const h = Math.floor(n / 3.6e12);
  n -= h * 3.6e12;
  const m = Math.floor(n / 6e10);
  n -= m * 6e10;
  const s = n / 1e9;
  return `${sign}${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s}s`;
}

function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
  let total = 0;
  const sign = text.startsWith("-") ? -1 : 1;
  const re = /([0-9.]+)(ns|us|µs|ms|s|m|h)/g;
  for (const m of text.replace(/^[-+]/, "").matchAll(re)) total += parseFloat(m[1]) * units[m[2]];
  return sign * Math.round(total);
}

/** A message's JSON form, or undefined when the message stands for "no value" (a zero Time). */
function messageToJson(type: protobuf.Type, msg: Message): unknown {
  switch (fullNameOf(type)) {
    case TIME:
    case MICRO_TIME: {
      const seconds = int64(msg.seconds ?? 0);
      const nanos = (msg.nanos as number | undefined) ?? 0;
      // Go writes a zero Time as null; the field is then as good as absent.
      if (seconds === 0 && nanos === 0) return undefined;
      return rfc3339(seconds, nanos, type.name === "MicroTime");
    }
    case DURATION:
      return goDuration(int64(msg.duration ?? 0));
    case QUANTITY:
      return (msg.string as string | undefined) ?? "0";
    case INT_OR_STRING:
      return int64(msg.type ?? 0) === 1 ? ((msg.strVal as string | undefined) ?? "") : ((msg.intVal as number | undefined) ?? 0);
    case RAW_EXTENSION:
    case FIELDS_V1: {
      const raw = (msg.raw ?? msg.Raw) as Uint8Array | undefined;
      return raw && raw.length > 0 ? JSON.parse(Buffer.from(raw).toString("utf8")) : {};
    }
  }
  if (isListWrapper(type)) return (msg.items as unknown[] | undefined) ?? [];
  const out: Json = {};
  writeFields(type, msg, out);
  return out;
}

function valueToJson(f: protobuf.Field, v: unknown): unknown {
  return f.resolvedType ? messageToJson(f.resolvedType as protobuf.Type, v as Message) : scalarToJson(f, v);
}

function writeFields(type: protobuf.Type, msg: Message, out: Json): void {
  for (const f of type.fieldsArray) {
    const v = msg[f.name];
    const opt = optionsOf(f);
    if (f.map) {
      const entries = Object.entries((v ?? {}) as Record<string, unknown>);
      if (entries.length === 0) continue;
      const m: Json = {};
      for (const [k, x] of entries) m[k] = valueToJson(f, x);
      out[opt.json ?? f.name] = m;
      continue;
    }
    if (f.repeated) {
      const list = (v ?? []) as unknown[];
      if (list.length > 0) out[opt.json ?? f.name] = list.map((x) => valueToJson(f, x));
      continue;
    }
    // Presence: decoded messages own only the fields that were on the wire.
    if (v === undefined || v === null || !Object.prototype.hasOwnProperty.call(msg, f.name)) continue;
    if (opt.inline && f.resolvedType) {
      writeFields(f.resolvedType as protobuf.Type, v as Message, out);
      continue;
    }
    if (!f.resolvedType && opt.omitempty && !opt.pointer && isZero(v)) continue;
    const j = valueToJson(f, v);
    if (j !== undefined) out[opt.json ?? f.name] = j;
  }
}

/** The Kubernetes JSON object for a decoded message. */
export function toKubernetesJson(type: protobuf.Type, msg: protobuf.Message): Json {
  const out: Json = {};
  writeFields(type, msg as unknown as Message, out);
  return out;
}

function scalarFromJson(f: protobuf.Field, v: unknown, path: string): unknown {
  switch (f.type) {
    case "bytes":
      if (typeof v !== "string") throw new TypeError(`${path}: expected a base64 string`);
      return Buffer.from(v, "base64");
    case "string":
      if (typeof v !== "string") throw new TypeError(`${path}: expected a string`);
      return v;
    case "bool":
      if (typeof v !== "boolean") throw new TypeError(`${path}: expected a boolean`);
      return v;
    default:
      if (typeof v !== "number") throw new TypeError(`${path}: expected a number`);
      return v;
  }
}

function messageFromJson(type: protobuf.Type, v: unknown, path: string): Message {
  switch (fullNameOf(type)) {
    case TIME:
    case MICRO_TIME: {
      const ms = Date.parse(v as string);
      if (typeof v !== "string" || Number.isNaN(ms)) throw new TypeError(`${path}: expected an RFC 3339 time`);
      const frac = /\.(\d+)/.exec(v)?.[1] ?? "";
      return { seconds: Math.floor(ms / 1000), nanos: parseInt(frac.padEnd(9, "0").slice(0, 9) || "0", 10) };
    }
    case DURATION:
      return { duration: parseGoDuration(String(v)) };
    case QUANTITY:
      return { string: String(v) };
    case INT_OR_STRING:
      return typeof v === "number" ? { type: 0, intVal: v } : { type: 1, strVal: String(v) };
    case RAW_EXTENSION:
      return { raw: Buffer.from(JSON.stringify(v)) };
    case FIELDS_V1:
      return { Raw: Buffer.from(JSON.stringify(v)) };
  }
  if (isListWrapper(type)) return { items: v };
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TypeError(`${path}: expected an object`);
  return readFields(type, v as Json, path) ?? {};
}

function valueFromJson(f: protobuf.Field, v: unknown, path: string): unknown {
  return f.resolvedType ? messageFromJson(f.resolvedType as protobuf.Type, v, path) : scalarFromJson(f, v, path);
}

/** The message fields found in `json`; undefined when none (an inlined struct with nothing set). */
function readFields(type: protobuf.Type, json: Json, path: string): Message | undefined {
  const msg: Message = {};
  let any = false;
  for (const f of type.fieldsArray) {
    const opt = optionsOf(f);
    if (opt.inline && f.resolvedType) {
      const inner = readFields(f.resolvedType as protobuf.Type, json, path);
      if (inner) {
        msg[f.name] = inner;
        any = true;
      }
      continue;
    }
    const key = opt.json ?? f.name;
    const v = json[key];
    if (v === undefined || v === null) continue;
    const at = path ? `${path}.${key}` : key;
    if (f.map) {
      if (typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${at}: expected an object`);
      msg[f.name] = Object.fromEntries(Object.entries(v as Json).map(([k, x]) => [k, valueFromJson(f, x, `${at}.${k}`)]));
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw new TypeError(`${at}: expected a list`);
      msg[f.name] = v.map((x, i) => valueFromJson(f, x, `${at}[${i}]`));
    } else {
      msg[f.name] = valueFromJson(f, v, at);
    }
    any = true;
  }
  return any ? msg : undefined;
}

/** The plain message (protobufjs encode input) for a Kubernetes JSON object; fields the schema lacks are dropped. */
export function fromKubernetesJson(type: protobuf.Type, json: Json): Message {
  return readFields(type, json, "") ?? {};
}

// Kubernetes' protobuf wire format (apimachinery runtime/serializer/protobuf):
// the 4-byte magic "k8s\0", then a runtime.Unknown { typeMeta { apiVersion,
// kind }, raw, contentEncoding, contentType } whose raw bytes are the object's
// message. Messages come from schema.generated.json (see generate-schema.ts)
// and are read and written by protobufjs; json-mapping.ts turns them into the
// JSON Kubernetes would have written for the same object.
import protobuf from "protobufjs";
import schemaJson from "./schema.generated.json" with { type: "json" };
import type { GeneratedSchema } from "./generate-schema.js";
import { fromKubernetesJson, toKubernetesJson } from "./json-mapping.js";
import { ApiError } from "../errors.js";

export const PROTOBUF_CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const UNKNOWN = "k8s.io.apimachinery.pkg.runtime.Unknown";

const schema = schemaJson as GeneratedSchema;
const root = protobuf.Root.fromJSON(schema.root as protobuf.INamespace).resolveAll();
const types = new Map<string, protobuf.Type>();
function typeOf(message: string): protobuf.Type {
  let t = types.get(message);
  if (!t) {
    t = root.lookupType(message);
    types.set(message, t);
  }
  return t;
}

/** Why a body could not be read; the API server answers 400 (or 415 for kinds without a protobuf form). */
export class ProtobufDecodeError extends Error {
  override name = "ProtobufDecodeError";
  constructor(
    message: string,
    /** True when the envelope was fine but the kind has no protobuf form here (custom resources). */
    readonly unsupportedKind = false,
  ) {
    super(message);
  }
}

/** The message for an apiVersion and kind; DeleteOptions is registered in every group, as in Kubernetes. */
export function messageFor(apiVersion: string, kind: string): string | undefined {
  return schema.kinds[`${apiVersion}/${kind}`] ?? (kind === "DeleteOptions" ? schema.kinds["meta.k8s.io/v1/DeleteOptions"] : undefined);
}

/** Every apiVersion/kind with a protobuf form ("apps/v1/Deployment"). */
export function protobufKinds(): string[] {
  return Object.keys(schema.kinds);
}

export interface DecodedBody {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/** Reads a `k8s\0` body into the JSON object Kubernetes would have received as JSON (apiVersion and kind first). */
export function decodeProtobufBody(body: Uint8Array): DecodedBody {
  if (body.length < 4 || !MAGIC.equals(Buffer.from(body.buffer, body.byteOffset, 4))) {
    throw new ProtobufDecodeError('the body is not a Kubernetes protobuf message (no "k8s\\0" prefix)');
  }
  let unknown: { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string };
  try {
    unknown = typeOf(UNKNOWN).decode(body.subarray(4)) as unknown as typeof unknown;
  } catch (e) {
    throw new ProtobufDecodeError(`cannot decode the protobuf envelope: ${(e as Error).message}`);
  }
  const apiVersion = unknown.typeMeta?.apiVersion ?? "";
  const kind = unknown.typeMeta?.kind ?? "";
  if (unknown.contentEncoding) throw new ProtobufDecodeError(`unsupported content encoding "${unknown.contentEncoding}"`);
  const message = messageFor(apiVersion, kind);
  if (!message) throw new ProtobufDecodeError(`no protobuf form for ${kind || "(no kind)"} in ${apiVersion || "(no apiVersion)"}`, true);
  const type = typeOf(message);
  let decoded: protobuf.Message;
  try {
    decoded = type.decode(unknown.raw ?? new Uint8Array(0));
  } catch (e) {
    throw new ProtobufDecodeError(`cannot decode ${kind}: ${(e as Error).message}`);
  }
  const object = { apiVersion, kind, ...toKubernetesJson(type, decoded) };
  return { apiVersion, kind, object };
}

/** A request body as the API server reads it: 400 when it cannot be decoded, 415 for a kind without a protobuf form. */
export function readProtobufRequestBody(body: Uint8Array): Record<string, unknown> {
  try {
    return decodeProtobufBody(body).object;
  } catch (e) {
    if (!(e instanceof ProtobufDecodeError)) throw e;
    throw e.unsupportedKind
      ? new ApiError("UnsupportedMediaType", `the body of the request was in an unknown format: ${e.message}; send it as application/json`)
      : new ApiError("BadRequest", e.message);
  }
}

/**
 * A `k8s\0` body for a JSON object with apiVersion and kind — what client-go
 * sends. Throws for kinds without a protobuf form or values of the wrong type.
 */
export function encodeProtobufBody(object: { apiVersion?: unknown; kind?: unknown; [k: string]: unknown }): Buffer {
  const apiVersion = String(object.apiVersion ?? "");
  const kind = String(object.kind ?? "");
  const message = messageFor(apiVersion, kind);
  if (!message) throw new ProtobufDecodeError(`no protobuf form for ${kind} in ${apiVersion}`, true);
  const type = typeOf(message);
  const raw = type.encode(fromKubernetesJson(type, object)).finish();
  const envelope = typeOf(UNKNOWN).encode({ typeMeta: { apiVersion, kind }, raw, contentEncoding: "", contentType: "" }).finish();
  return Buffer.concat([MAGIC, envelope]);
}

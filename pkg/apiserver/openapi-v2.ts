// `GET /openapi/v2`: one Swagger 2.0 document for every kind skiff serves,
// derived from the same schemas as the per-group OpenAPI v3 documents.
//
// Why it matters: kubectl asks for it (as protobuf) whenever the OpenAPI v3
// documents cannot answer for a kind in the file it applies — a `kind: List`,
// or a kind the server does not serve. Without it kubectl aborts the whole file
// ("error validating data: the server could not find the requested resource");
// with it kubectl validates the items it knows on the client, skips the kinds
// it cannot find, applies the rest and reports "no matches for kind" for the
// missing ones, as on Kubernetes.
//
// The protobuf form is gnostic's OpenAPIv2 `Document` message (the format
// client-go and kube-openapi read). The message layout below declares only the
// fields skiff writes; their numbers are those of gnostic's published
// OpenAPIv2.proto, so any reader of that schema decodes what we send.
import { createHash } from "node:crypto";
import protobuf from "protobufjs";
import { stringify as yamlStringify } from "yaml";
import { customOpenApiDocumentFor, customOpenApiIndex } from "../apiextensions/index.js";
import { openApiDocument, openApiIndex, type JsonObject } from "./openapi.js";

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

type Swagger = {
  swagger: "2.0";
  info: { title: string; version: string };
  paths: Record<string, never>;
  definitions: Record<string, JsonObject>;
};

const GVK = "x-kubernetes-group-version-kind";

/** The Swagger 2.0 document as JSON (what `Accept: application/json` gets). */
export function openApiV2Json(): Swagger {
  return current().document;
}

/** The same document as gnostic protobuf bytes, cached until the set of kinds changes. */
export function openApiV2Protobuf(): Buffer {
  const c = current();
  c.protobuf ??= Buffer.from(documentType().encode(toMessage(c.document)).finish());
  return c.protobuf;
}

/** An ETag that changes whenever the document does. */
export function openApiV2ETag(): string {
  return `"${current().hash}"`;
}

interface Cached {
  key: string;
  document: Swagger;
  hash: string;
  protobuf?: Buffer;
}
let cache: Cached | undefined;

function current(): Cached {
  // Built-in documents never change; custom ones change with CRDs, and their index
  // URLs carry a content hash, so the index is a cheap cache key.
  const custom = customOpenApiIndex();
  const key = Object.values(custom)
    .map((p) => p.serverRelativeURL)
    .sort()
    .join("\n");
  if (cache?.key === key) return cache;
  const documents = [
    ...Object.keys(openApiIndex().paths).map((p) => openApiDocument(p)),
    ...Object.keys(custom).map((p) => customOpenApiDocumentFor(p)),
  ];
  const definitions: Record<string, JsonObject> = {};
  for (const doc of documents) {
    for (const [name, schema] of Object.entries(doc?.components.schemas ?? {})) {
      const converted = toV2Schema(schema) as JsonObject;
      const seen = definitions[name];
      // The shared meta types (Status, DeleteOptions…) appear in every group's
      // document, each tagged with that group's kinds: keep the union of tags.
      definitions[name] = seen ? { ...seen, [GVK]: unionGvks(seen[GVK], converted[GVK]) } : converted;
    }
  }
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
  const document: Swagger = { swagger: "2.0", info: { title: "Kubernetes", version: "v1.32.0-skiff" }, paths: {}, definitions: sorted };
  const hash = createHash("sha256").update(JSON.stringify(document)).digest("hex").toUpperCase();
  cache = { key, document, hash };
  return cache;
}

function unionGvks(a: unknown, b: unknown): unknown[] | undefined {
  const all = [...(Array.isArray(a) ? a : []), ...(Array.isArray(b) ? b : [])];
  if (all.length === 0) return undefined;
  const byKey = new Map(all.map((g) => [JSON.stringify(g), g]));
  return [...byKey.values()];
}

/** v3 schema → v2: refs point into `definitions`, a lone `allOf` wrapper (v3's way to annotate a ref) becomes the ref. */
function toV2Schema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toV2Schema);
  if (value === null || typeof value !== "object") return value;
  const source = value as JsonObject;
  const allOf = source.allOf;
  if (Array.isArray(allOf) && allOf.length === 1 && typeof (allOf[0] as JsonObject).$ref === "string") {
    const { allOf: _wrapper, ...rest } = source;
    return toV2Schema({ ...rest, $ref: (allOf[0] as JsonObject).$ref });
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(source)) {
    if (k === "nullable") continue; // not a Swagger 2.0 keyword
    out[k] = k === "$ref" && typeof v === "string" ? v.replace("#/components/schemas/", "#/definitions/") : toV2Schema(v);
  }
  return out;
}

// ---- gnostic OpenAPIv2 messages (field numbers from gnostic's OpenAPIv2.proto) ----

const fields = (spec: Record<string, [number, string, "repeated"?]>) =>
  Object.fromEntries(Object.entries(spec).map(([name, [id, type, rule]]) => [name, { id, type, ...(rule ? { rule } : {}) }]));

let documentMessage: protobuf.Type | undefined;
function documentType(): protobuf.Type {
  documentMessage ??= protobuf.Root.fromJSON({
    nested: {
      openapi: {
        nested: {
          v2: {
            nested: {
              Document: { fields: fields({ swagger: [1, "string"], info: [2, "Info"], paths: [8, "Paths"], definitions: [9, "Definitions"] }) },
              Info: { fields: fields({ title: [1, "string"], version: [2, "string"] }) },
              Paths: { fields: fields({ path: [2, "NamedPathItem", "repeated"] }) },
              NamedPathItem: { fields: fields({ name: [1, "string"] }) },
              Definitions: { fields: fields({ additionalProperties: [1, "NamedSchema", "repeated"] }) },
              Properties: { fields: fields({ additionalProperties: [1, "NamedSchema", "repeated"] }) },
              NamedSchema: { fields: fields({ name: [1, "string"], value: [2, "Schema"] }) },
              Schema: {
                fields: fields({
                  _ref: [1, "string"],
                  format: [2, "string"],
                  description: [4, "string"],
                  maximum: [7, "double"],
                  minimum: [9, "double"],
                  maxLength: [11, "int64"],
                  minLength: [12, "int64"],
                  pattern: [13, "string"],
                  maxItems: [14, "int64"],
                  minItems: [15, "int64"],
                  required: [19, "string", "repeated"],
                  enum: [20, "Any", "repeated"],
                  additionalProperties: [21, "AdditionalPropertiesItem"],
                  type: [22, "TypeItem"],
                  items: [23, "ItemsItem"],
                  properties: [25, "Properties"],
                  vendorExtension: [31, "NamedAny", "repeated"],
                }),
              },
              AdditionalPropertiesItem: { oneofs: { oneof: { oneof: ["schema", "boolean"] } }, fields: fields({ schema: [1, "Schema"], boolean: [2, "bool"] }) },
              ItemsItem: { fields: fields({ schema: [1, "Schema", "repeated"] }) },
              TypeItem: { fields: fields({ value: [1, "string", "repeated"] }) },
              NamedAny: { fields: fields({ name: [1, "string"], value: [2, "Any"] }) },
              // field 1 is a google.protobuf.Any skiff never writes; gnostic readers use the YAML text
              Any: { fields: fields({ yaml: [2, "string"] }) },
            },
          },
        },
      },
    },
  })
    .resolveAll()
    .lookupType("openapi.v2.Document");
  return documentMessage;
}

type Message = { [key: string]: unknown };

function toMessage(doc: Swagger): Message {
  return {
    swagger: doc.swagger,
    info: doc.info,
    paths: { path: [] },
    definitions: { additionalProperties: Object.entries(doc.definitions).map(([name, s]) => ({ name, value: schemaMessage(s) })) },
  };
}

const yamlAny = (v: unknown): Message => ({ yaml: yamlStringify(v) });

function schemaMessage(s: JsonObject): Message {
  const m: Message = {};
  const put = (key: string, v: unknown) => {
    if (v !== undefined) m[key] = v;
  };
  put("_ref", s.$ref);
  put("format", s.format);
  put("description", s.description);
  for (const k of ["maximum", "minimum", "maxLength", "minLength", "pattern", "maxItems", "minItems"] as const) put(k, s[k]);
  if (Array.isArray(s.required) && s.required.length > 0) m.required = s.required;
  if (Array.isArray(s.enum)) m.enum = s.enum.map(yamlAny);
  if (typeof s.type === "string") m.type = { value: [s.type] };
  if (s.items && typeof s.items === "object") m.items = { schema: [schemaMessage(s.items as JsonObject)] };
  if (s.properties && typeof s.properties === "object") {
    m.properties = { additionalProperties: Object.entries(s.properties as Record<string, JsonObject>).map(([name, p]) => ({ name, value: schemaMessage(p) })) };
  }
  if (typeof s.additionalProperties === "boolean") m.additionalProperties = { boolean: s.additionalProperties };
  else if (s.additionalProperties && typeof s.additionalProperties === "object") m.additionalProperties = { schema: schemaMessage(s.additionalProperties as JsonObject) };
  const extensions = Object.entries(s).filter(([k]) => k.startsWith("x-"));
  if (extensions.length > 0) m.vendorExtension = extensions.map(([name, v]) => ({ name, value: yamlAny(v) }));
  return m;
}

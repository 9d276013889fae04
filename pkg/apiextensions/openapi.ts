// OpenAPI v3 documents for the group-versions CustomResourceDefinitions serve
// (`/openapi/v3/apis/stable.example.com/v1`). kubectl apply reads them to decide
// two things: that the server validates (a `patch` operation with
// x-kubernetes-group-version-kind and a fieldValidation parameter, so it sends
// fieldValidation=Strict), and how to patch — the patch operations list no
// strategic-merge content type, so kubectl falls back to a JSON merge patch,
// exactly as for a CRD in Kubernetes.
import { createHash } from "node:crypto";
import { apiVersionOf, customResources, type ResourceInfo } from "../api/kinds.js";
import type { JSONSchemaProps } from "../api/custom-resources.js";
import { openApiDocument, type JsonObject, type OpenApiDocument } from "../apiserver/openapi.js";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];

/** What a custom kind's document needs: its served info and that version's schema. */
export interface CustomKindSchema {
  info: ResourceInfo;
  schema: JSONSchemaProps | undefined;
}

/** "stable.example.com" → "com.example.stable", the prefix Kubernetes names CRD schemas with. */
function reversedGroup(group: string): string {
  return group.split(".").reverse().join(".");
}

export function customSchemaName(info: ResourceInfo): string {
  return `${reversedGroup(info.group)}.${info.version}.${info.kind}`;
}

function ref(name: string): JsonObject {
  return { $ref: `#/components/schemas/${name}` };
}

function query(name: string, type = "string"): JsonObject {
  return { name, in: "query", schema: { type, uniqueItems: true } };
}

function path(name: string): JsonObject {
  return { name, in: "path", required: true, schema: { type: "string", uniqueItems: true } };
}

const WRITE_PARAMS = [query("dryRun"), query("fieldManager"), query("fieldValidation")];

/** The object schema as Kubernetes publishes it: the CRD's, plus apiVersion/kind/metadata. */
function objectSchema(k: CustomKindSchema): JsonObject {
  const s = structuredClone((k.schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true }) as JsonObject);
  const props = { ...((s.properties as JsonObject | undefined) ?? {}) };
  props.apiVersion = { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." };
  props.kind = { type: "string", description: "Kind is a string value representing the REST resource this object represents." };
  props.metadata = { allOf: [ref(`${META}.ObjectMeta`)], description: "Standard object's metadata." };
  s.properties = props;
  s["x-kubernetes-group-version-kind"] = [{ group: k.info.group, version: k.info.version, kind: k.info.kind }];
  return s;
}

function op(id: string, action: string, info: ResourceInfo, rest: JsonObject): JsonObject {
  return {
    operationId: id,
    tags: [`${reversedGroup(info.group)}_${info.version}`],
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: info.group, version: info.version, kind: info.kind },
    responses: { "200": { description: "OK", content: { "application/json": { schema: ref(customSchemaName(info)) } } } },
    ...rest,
  };
}

function addPaths(paths: Record<string, JsonObject>, gvPath: string, info: ResourceInfo): void {
  const name = customSchemaName(info);
  const id = (verb: string, suffix = "") => `${verb}${info.namespaced ? "Namespaced" : ""}${info.kind}${suffix}`;
  const base = info.namespaced ? `/${gvPath}/namespaces/{namespace}/${info.plural}` : `/${gvPath}/${info.plural}`;
  const scope = info.namespaced ? [path("namespace")] : [];
  const writeBody = (schema: string) => ({ requestBody: { required: true, content: { "application/json": { schema: ref(schema) } } } });
  const patchBody = { requestBody: { required: true, content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: "object" } }])) } };
  paths[base] = {
    parameters: scope,
    get: op(id("list"), "list", info, { parameters: [query("labelSelector"), query("fieldSelector"), query("watch", "boolean")] }),
    post: op(id("create"), "post", info, { parameters: WRITE_PARAMS, ...writeBody(name) }),
    delete: op(id("deleteCollection"), "deletecollection", info, {}),
  };
  const item = `${base}/{name}`;
  const rw = (suffix: string, schema: string): JsonObject => ({
    get: op(id("read", suffix), "get", info, {}),
    put: op(id("replace", suffix), "put", info, { parameters: WRITE_PARAMS, ...writeBody(schema) }),
    patch: op(id("patch", suffix), "patch", info, { parameters: [...WRITE_PARAMS, query("force", "boolean")], ...patchBody }),
  });
  paths[item] = { parameters: [path("name"), ...scope], ...rw("", name), delete: op(id("delete"), "delete", info, {}) };
  if (info.subresources.includes("status")) paths[`${item}/status`] = { parameters: [path("name"), ...scope], ...rw("Status", name) };
  if (info.subresources.includes("scale")) paths[`${item}/scale`] = { parameters: [path("name"), ...scope], ...rw("Scale", `io.k8s.api.autoscaling.v1.Scale`) };
}

/** The meta.k8s.io schemas every document refers to, taken from a built-in group's document. */
function metaSchemas(): Record<string, JsonObject> {
  const apps = openApiDocument("apis/apps/v1");
  const out: Record<string, JsonObject> = {};
  for (const [k, v] of Object.entries(apps?.components.schemas ?? {})) {
    if (k.startsWith(`${META}.`) || k.startsWith("io.k8s.api.autoscaling.v1.Scale")) out[k] = v;
  }
  return out;
}

/** One group-version's document for its custom kinds. */
export function customOpenApiDocument(gvPath: string, kinds: CustomKindSchema[]): OpenApiDocument {
  const paths: Record<string, JsonObject> = {};
  const schemas: Record<string, JsonObject> = metaSchemas();
  for (const k of kinds) {
    addPaths(paths, gvPath, k.info);
    schemas[customSchemaName(k.info)] = objectSchema(k);
    schemas[`${customSchemaName(k.info)}List`] = {
      type: "object",
      required: ["items"],
      properties: { apiVersion: { type: "string" }, kind: { type: "string" }, items: { type: "array", items: ref(customSchemaName(k.info)) }, metadata: ref(`${META}.ListMeta`) },
      "x-kubernetes-group-version-kind": [{ group: k.info.group, version: k.info.version, kind: `${k.info.kind}List` }],
    };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes CRD Swagger", version: "v0.1.0" }, paths, components: { schemas } };
}

/** "apis/stable.example.com/v1" for an info. */
export function customGroupVersionPath(info: ResourceInfo): string {
  return `apis/${apiVersionOf(info)}`;
}

export function documentHash(doc: OpenApiDocument): string {
  return createHash("sha256").update(JSON.stringify(doc)).digest("hex").toUpperCase();
}

/** Index entries for every custom group-version, to merge into `GET /openapi/v3`. */
export function customOpenApiIndex(): Record<string, { serverRelativeURL: string }> {
  const out: Record<string, { serverRelativeURL: string }> = {};
  for (const [gvPath, kinds] of byGroupVersion()) {
    out[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${documentHash(customOpenApiDocument(gvPath, kinds))}` };
  }
  return out;
}

/** The document for a custom group-version path ("apis/stable.example.com/v1"), or undefined. */
export function customOpenApiDocumentFor(gvPath: string): OpenApiDocument | undefined {
  const kinds = byGroupVersion().get(gvPath.replace(/^\/+|\/+$/g, ""));
  return kinds && customOpenApiDocument(gvPath.replace(/^\/+|\/+$/g, ""), kinds);
}

function byGroupVersion(): Map<string, CustomKindSchema[]> {
  const out = new Map<string, CustomKindSchema[]>();
  for (const info of customResources()) {
    const key = customGroupVersionPath(info);
    out.set(key, [...(out.get(key) ?? []), { info, schema: info.custom?.schema }]);
  }
  return out;
}

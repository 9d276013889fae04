// OpenAPI v3 documents for every group-version skiff serves (`GET /openapi/v3` and
// `GET /openapi/v3/apis/apps/v1`), generated from the same model-derived schemas the
// server validates with.
//
// Real kubectl reads them for two things: `kubectl apply` only sends
// fieldValidation=Strict (and skips its own validation) when, for the kind being
// applied, some path's `patch` operation carries `x-kubernetes-group-version-kind`
// and a `fieldValidation` query parameter; and `kubectl explain` / strategic merge
// patch walk `components.schemas`, finding the kind's schema by its
// `x-kubernetes-group-version-kind` and following `$ref`s within the same document.
import { createHash } from "node:crypto";
import { RESOURCES, type ResourceInfo } from "../api/kinds.js";
import { modelDescription, modelSchema, schemaName, type FieldSchema } from "../api/schema.js";

export type JsonObject = { [key: string]: unknown };

export interface OpenApiDocument {
  openapi: "3.0.0";
  info: { title: string; version: string };
  paths: Record<string, JsonObject>;
  components: { schemas: Record<string, JsonObject> };
}

export interface OpenApiIndex {
  paths: Record<string, { serverRelativeURL: string }>;
}

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const PATCH = `${META}.Patch`;

/** Schemas that are not client-node classes: Kubernetes' custom-marshalled leaf types. */
const LEAF_SCHEMAS: Record<string, JsonObject> = {
  [QUANTITY]: {
    description:
      "Quantity is a fixed-point representation of a number: a decimal or binary-SI value such as 500m, 2, 128Mi or 1G.",
    type: "string",
  },
  [INT_OR_STRING]: {
    description: "IntOrString is a type that can hold an int32 or a string.",
    type: "string",
    format: "int-or-string",
    "x-kubernetes-int-or-string": true,
  },
  [TIME]: {
    description: "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON (RFC 3339).",
    type: "string",
    format: "date-time",
  },
  [MICRO_TIME]: {
    description: "MicroTime is version of Time with microsecond level precision.",
    type: "string",
    format: "date-time",
  },
  [PATCH]: {
    description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
    type: "object",
  },
};

const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });

/** "api/v1" for the core group, "apis/apps/v1" otherwise: the index key and URL path. */
export function groupVersionPath(r: Pick<ResourceInfo, "group" | "version">): string {
  return r.group === "" ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

// ---------------------------------------------------------------------------
// components.schemas

class SchemaCollector {
  readonly schemas: Record<string, JsonObject> = {};
  private readonly gvks = new Map<string, GroupVersionKind[]>();

  tagKind(model: string, gvk: GroupVersionKind): void {
    const list = this.gvks.get(model) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    this.gvks.set(model, list);
  }

  /** Emit the model and everything it references; returns its schema name. */
  addModel(model: string): string {
    const name = schemaName(model);
    if (this.schemas[name]) return name;
    const schema: JsonObject = {};
    this.schemas[name] = schema; // placeholder first: recursive types (JSONSchemaProps) terminate
    const description = modelDescription(model);
    if (description) schema.description = description;
    const properties: Record<string, JsonObject> = {};
    const required: string[] = [];
    for (const [field, f] of Object.entries(modelSchema(model))) {
      properties[field] = this.property(f);
      if (f.required) required.push(field);
    }
    schema.properties = properties;
    if (required.length > 0) schema.required = required;
    schema.type = "object";
    return name;
  }

  /** Attach x-kubernetes-group-version-kind to the kinds' schemas (after all adds). */
  finish(): void {
    for (const [model, gvks] of this.gvks) {
      const schema = this.schemas[schemaName(model)];
      if (schema) schema["x-kubernetes-group-version-kind"] = gvks;
    }
  }

  private leaf(name: string): JsonObject {
    this.schemas[name] ??= LEAF_SCHEMAS[name];
    return ref(name);
  }

  private property(f: FieldSchema): JsonObject {
    let out = this.type(f);
    if (f.description) {
      // A $ref's siblings are ignored in OpenAPI 3.0, so Kubernetes wraps the ref in a
      // one-element allOf to keep the field's own description (kubectl explain shows it).
      if (out.$ref !== undefined) out = { allOf: [out] };
      out.description = f.description;
    } else if (f.kind === "object" && f.ref) {
      // client-node drops the descriptions of ref-typed fields. A bare sibling (which
      // kubectl explain shows in field lists but not twice for the field itself) with
      // the type's description is the next best thing.
      const typeDescription = modelDescription(f.ref);
      if (typeDescription) out.description = typeDescription;
    }
    if (f.kind === "array") {
      if (f.listType) out["x-kubernetes-list-type"] = f.listType;
      if (f.listMapKeys) out["x-kubernetes-list-map-keys"] = f.listMapKeys;
      if (f.patchMergeKey) out["x-kubernetes-patch-merge-key"] = f.patchMergeKey;
      if (f.patchStrategy) out["x-kubernetes-patch-strategy"] = f.patchStrategy;
    } else if (f.patchStrategy) {
      out["x-kubernetes-patch-strategy"] = f.patchStrategy;
    }
    return out;
  }

  private type(f: FieldSchema): JsonObject {
    switch (f.kind) {
      case "object":
        return f.ref ? ref(this.addModel(f.ref)) : { type: "object" };
      case "array":
        return { type: "array", items: f.items ? this.type(f.items) : {} };
      case "map":
        return { type: "object", additionalProperties: f.items ? this.type(f.items) : {} };
      case "quantity":
        return this.leaf(QUANTITY);
      case "int-or-string":
        return this.leaf(INT_OR_STRING);
      case "time":
        return this.leaf(f.format === "date-time-micro" ? MICRO_TIME : TIME);
      case "integer":
      case "number":
        return f.format ? { type: f.kind, format: f.format } : { type: f.kind };
      case "string":
        return f.format ? { type: "string", format: f.format } : { type: "string" };
      case "boolean":
        return { type: "boolean" };
      case "any":
        // RawExtension, FieldsV1 and friends: any JSON value.
        return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    }
  }
}

// ---------------------------------------------------------------------------
// paths

type Verb = "get" | "list" | "create" | "update" | "patch" | "delete" | "deletecollection";

const queryParam = (name: string, type: string, description: string): JsonObject => ({
  description,
  in: "query",
  name,
  schema: { type, uniqueItems: true },
});
const pathParam = (name: string, description: string): JsonObject => ({
  description,
  in: "path",
  name,
  required: true,
  schema: { type: "string", uniqueItems: true },
});

const P = {
  pretty: queryParam("pretty", "string", "If 'true', then the output is pretty printed."),
  dryRun: queryParam("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
  fieldManager: queryParam("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes. Required for apply requests (application/apply-patch)."),
  fieldValidation: queryParam("fieldValidation", "string", "fieldValidation determines how the server should respond to unknown/duplicate fields in the object in the request. Valid values are: - Ignore: ignores unknown/duplicate fields. - Warn: responds with a warning for each unknown/duplicate field, but successfully serves the request. - Strict: fails the request on unknown/duplicate fields."),
  force: queryParam("force", "boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests."),
  gracePeriodSeconds: queryParam("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted. Zero means delete immediately."),
  propagationPolicy: queryParam("propagationPolicy", "string", "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
  orphanDependents: queryParam("orphanDependents", "boolean", "Deprecated: please use the PropagationPolicy."),
  labelSelector: queryParam("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
  fieldSelector: queryParam("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
  limit: queryParam("limit", "integer", "limit is a maximum number of responses to return for a list call."),
  continue: queryParam("continue", "string", "The continue option should be set when retrieving more results from the server."),
  resourceVersion: queryParam("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
  resourceVersionMatch: queryParam("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
  watch: queryParam("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
  allowWatchBookmarks: queryParam("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
  timeoutSeconds: queryParam("timeoutSeconds", "integer", "Timeout for the list/watch call."),
  sendInitialEvents: queryParam("sendInitialEvents", "boolean", "With watch=true, start the stream with synthetic ADDED events for the current state."),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const LOG_PARAMS = [
  queryParam("container", "string", "The container for which to stream logs. Defaults to only container if there is one container in the pod."),
  queryParam("follow", "boolean", "Follow the log stream of the pod."),
  queryParam("limitBytes", "integer", "If set, the number of bytes to read from the server before terminating the log output."),
  queryParam("previous", "boolean", "Return previous terminated container logs."),
  queryParam("sinceSeconds", "integer", "A relative time in seconds before the current time from which to show logs."),
  queryParam("tailLines", "integer", "If set, the number of lines from the end of the logs to show."),
  queryParam("timestamps", "boolean", "If true, add an RFC3339 timestamp at the beginning of every line of log output."),
];

const PATCH_TYPES = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
];

function content(schema: JsonObject, types = ["application/json", "application/yaml"]): JsonObject {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

const STATUS_TEXT: Record<string, string> = { "200": "OK", "201": "Created", "202": "Accepted" };

function responses(codes: string[], schema: JsonObject): JsonObject {
  return Object.fromEntries(codes.map((code) => [code, { content: content(schema), description: STATUS_TEXT[code] }]));
}

interface OperationSpec {
  verb: Verb;
  gvk: GroupVersionKind;
  /** Schema name of the object read or written. */
  object: string;
  subresource?: string;
}

const OPERATION_PREFIX: Record<Verb, string> = {
  get: "read",
  list: "list",
  create: "create",
  update: "replace",
  patch: "patch",
  delete: "delete",
  deletecollection: "delete",
};

class PathBuilder {
  readonly paths: Record<string, JsonObject> = {};

  constructor(
    private readonly gvPath: string,
    private readonly tag: string,
    private readonly idPrefix: string,
  ) {}

  /** Collection, item and subresource paths for one resource. */
  addResource(r: ResourceInfo, objectSchema: string, listSchema: string, scaleSchema: string): void {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = r.namespaced ? `/${this.gvPath}/namespaces/{namespace}/${r.plural}` : `/${this.gvPath}/${r.plural}`;
    const scope = r.namespaced ? "Namespaced" : "";
    const nsParams = r.namespaced ? [pathParam("namespace", "object name and auth scope, such as for teams and projects")] : [];
    const nameParam = pathParam("name", `name of the ${r.kind}`);
    // Kubernetes' operation ids: readAppsV1NamespacedDeploymentScale, deleteCoreV1CollectionNamespacedPod.
    const id = (verb: Verb, suffix = "") =>
      `${OPERATION_PREFIX[verb]}${this.idPrefix}${verb === "deletecollection" ? "Collection" : ""}${scope}${r.kind}${suffix}`;

    this.paths[base] = {
      parameters: [...nsParams, P.pretty],
      get: this.op(id("list"), `list or watch objects of kind ${r.kind}`, "list", gvk, {
        parameters: LIST_PARAMS,
        responses: responses(["200"], ref(listSchema)),
      }),
      post: this.op(id("create"), `create a ${r.kind}`, "create", gvk, {
        parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
        requestBody: { content: { "application/json": { schema: ref(objectSchema) } }, required: true },
        responses: responses(["200", "201", "202"], ref(objectSchema)),
      }),
      delete: this.op(id("deletecollection"), `delete collection of ${r.kind}`, "deletecollection", gvk, {
        parameters: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== "watch" && p.name !== "allowWatchBookmarks")],
        requestBody: { content: { "application/json": { schema: ref(`${META}.DeleteOptions`) } } },
        responses: responses(["200"], ref(`${META}.Status`)),
      }),
    };
    if (r.namespaced) {
      this.paths[`/${this.gvPath}/${r.plural}`] = {
        parameters: [P.pretty],
        get: this.op(`list${this.idPrefix}${r.kind}ForAllNamespaces`, `list or watch objects of kind ${r.kind}`, "list", gvk, {
          parameters: LIST_PARAMS,
          responses: responses(["200"], ref(listSchema)),
        }),
      };
    }

    const item = `${base}/{name}`;
    this.paths[item] = {
      parameters: [nameParam, ...nsParams, P.pretty],
      ...this.readWriteOps(r.kind, gvk, objectSchema, id, ""),
      delete: this.op(id("delete"), `delete a ${r.kind}`, "delete", gvk, {
        parameters: DELETE_PARAMS,
        requestBody: { content: { "application/json": { schema: ref(`${META}.DeleteOptions`) } } },
        responses: responses(["200", "202"], ref(`${META}.Status`)),
      }),
    };

    for (const sub of r.subresources) {
      const path = `${item}/${sub}`;
      const params = [nameParam, ...nsParams, P.pretty];
      if (sub === "status") {
        this.paths[path] = { parameters: params, ...this.readWriteOps(`${r.kind} status`, gvk, objectSchema, id, "Status") };
      } else if (sub === "scale") {
        const scaleGvk = { group: "autoscaling", version: "v1", kind: "Scale" };
        this.paths[path] = { parameters: params, ...this.readWriteOps(`${r.kind} scale`, scaleGvk, scaleSchema, id, "Scale") };
      } else if (sub === "log") {
        this.paths[path] = {
          parameters: params,
          get: this.op(id("get", "Log"), `read log of the specified ${r.kind}`, "get", gvk, {
            parameters: LOG_PARAMS,
            responses: { "200": { content: content({ type: "string" }, ["text/plain", "application/json"]), description: "OK" } },
          }),
        };
      }
    }
  }

  /** The group's resource list: `GET /apis/apps/v1/`. */
  addDiscovery(): void {
    this.paths[`/${this.gvPath}/`] = {
      get: {
        description: "get available resources",
        operationId: `get${this.idPrefix}APIResources`,
        responses: responses(["200"], ref(`${META}.APIResourceList`)),
        tags: [this.tag],
      },
    };
  }

  private readWriteOps(
    what: string,
    gvk: GroupVersionKind,
    schema: string,
    id: (verb: Verb, suffix?: string) => string,
    suffix: string,
  ): JsonObject {
    return {
      get: this.op(id("get", suffix), `read the specified ${what}`, "get", gvk, {
        responses: responses(["200"], ref(schema)),
      }),
      put: this.op(id("update", suffix), `replace the specified ${what}`, "update", gvk, {
        parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
        requestBody: { content: { "application/json": { schema: ref(schema) } }, required: true },
        responses: responses(["200", "201"], ref(schema)),
      }),
      patch: this.op(id("patch", suffix), `partially update the specified ${what}`, "patch", gvk, {
        parameters: [P.dryRun, P.fieldManager, P.fieldValidation, P.force],
        requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: ref(PATCH) }])), required: true },
        responses: responses(["200", "201"], ref(schema)),
      }),
    };
  }

  private op(operationId: string, description: string, action: Verb, gvk: GroupVersionKind, rest: JsonObject): JsonObject {
    return {
      description,
      operationId,
      ...rest,
      tags: [this.tag],
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvk,
    };
  }
}

// ---------------------------------------------------------------------------
// documents

function groupTag(group: string): string {
  // "coordination.k8s.io" → "coordination"; "" → "core", as Kubernetes tags them.
  return group === "" ? "core" : group.split(".")[0];
}

function camel(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function buildDocument(gvPath: string, resources: readonly ResourceInfo[]): OpenApiDocument {
  const { group, version } = resources[0];
  const tag = `${groupTag(group).replace(/-/g, "_")}_${version}`;
  const collector = new SchemaCollector();
  const paths = new PathBuilder(gvPath, tag, `${camel(groupTag(group))}${camel(version)}`);

  // Shared meta types every group document carries, as Kubernetes' do.
  collector.addModel("V1Status");
  collector.tagKind("V1Status", { group: "", version: "v1", kind: "Status" });
  collector.addModel("V1DeleteOptions");
  collector.addModel("V1WatchEvent");
  collector.addModel("V1APIResourceList");
  collector.tagKind("V1APIResourceList", { group: "", version: "v1", kind: "APIResourceList" });
  for (const meta of ["V1DeleteOptions", "V1WatchEvent"]) {
    const kind = meta.slice(2);
    collector.tagKind(meta, { group: "", version: "v1", kind });
    if (group !== "") collector.tagKind(meta, { group, version, kind });
  }
  let scale = "";
  if (resources.some((r) => r.subresources.includes("scale"))) {
    scale = collector.addModel("V1Scale");
    collector.tagKind("V1Scale", { group: "autoscaling", version: "v1", kind: "Scale" });
  }

  for (const r of resources) {
    const object = collector.addModel(r.model);
    const list = collector.addModel(`${r.model}List`);
    collector.tagKind(r.model, { group, version, kind: r.kind });
    collector.tagKind(`${r.model}List`, { group, version, kind: `${r.kind}List` });
    paths.addResource(r, object, list, scale);
  }
  paths.addDiscovery();
  collector.schemas[PATCH] ??= LEAF_SCHEMAS[PATCH];
  collector.finish();

  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0-skiff" },
    paths: paths.paths,
    components: { schemas: sortKeys(collector.schemas) },
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface CachedDocument {
  document: OpenApiDocument;
  json: string;
  hash: string;
}

let cache: Map<string, CachedDocument> | undefined;

/** Build every document once per process; they depend only on code, never on data. */
function documents(): Map<string, CachedDocument> {
  if (cache) return cache;
  const byGv = new Map<string, ResourceInfo[]>();
  for (const r of RESOURCES) {
    const key = groupVersionPath(r);
    byGv.set(key, [...(byGv.get(key) ?? []), r]);
  }
  cache = new Map();
  for (const [gvPath, resources] of byGv) {
    const document = buildDocument(gvPath, resources);
    const json = JSON.stringify(document);
    const hash = createHash("sha256").update(json).digest("hex").toUpperCase();
    cache.set(gvPath, { document, json, hash });
  }
  return cache;
}

/** `GET /openapi/v3`: one entry per group-version, each URL carrying its document's hash. */
export function openApiIndex(): OpenApiIndex {
  const paths: OpenApiIndex["paths"] = {};
  for (const [gvPath, doc] of documents()) {
    paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${doc.hash}` };
  }
  return { paths };
}

/**
 * The document for "api/v1", "apis/apps/v1", … (no leading slash); undefined for a
 * group-version skiff does not serve. Shared and cached: do not mutate it.
 */
export function openApiDocument(groupVersionPath: string): OpenApiDocument | undefined {
  return documents().get(stripSlashes(groupVersionPath))?.document;
}

/** The same document serialised, byte-for-byte what the index hash covers. */
export function openApiDocumentJson(groupVersionPath: string): string | undefined {
  return documents().get(stripSlashes(groupVersionPath))?.json;
}

/** The hash in the index URL, for ETag / immutable caching of `?hash=` requests. */
export function openApiDocumentHash(groupVersionPath: string): string | undefined {
  return documents().get(stripSlashes(groupVersionPath))?.hash;
}

function stripSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, "");
}

// Generates skiff's protobuf schema (schema.generated.json) from skiff's own
// kinds registry plus a table of facts from Kubernetes' published API IDL
// (kubernetes-idl-facts.json: for each message of k8s.io/api, apimachinery and
// kube-aggregator, each field's number and proto type from generated.proto, and
// from the Go json tags whether JSON inlines it, omits it when empty, or keeps a
// zero because the Go field is a pointer).
//
// Only messages reachable from a kind skiff serves (or one listed in
// UPCOMING_KINDS / BODY_KINDS) go into the output, as a protobufjs JSON
// descriptor plus a "kinds" index (apiVersion + kind → message).
//
//   npm run build && node dist/pkg/api/protobuf/generate-schema.js   # rewrites schema.generated.json
//
// codec.test.ts fails when the committed output lacks a message or kind the registry needs.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { RESOURCES, VIRTUAL_RESOURCES } from "../kinds.js";

/** [number, proto type, flags, json name when it differs]; flags: m=map<string,T>, r=repeated, i=inlined in JSON, o=omitempty, p=Go pointer. */
export type FieldFact = [number, string, string, string?];
export type IdlFacts = Record<string, Record<string, FieldFact>>;

/** Kinds being added to skiff by other work; their bodies decode as soon as their routes exist. */
export const UPCOMING_KINDS: ReadonlyArray<{ group: string; version: string; kind: string }> = [
  { group: "", version: "v1", kind: "ServiceAccount" },
  { group: "", version: "v1", kind: "ReplicationController" },
  { group: "", version: "v1", kind: "PersistentVolume" },
  { group: "", version: "v1", kind: "PersistentVolumeClaim" },
  { group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass" },
  { group: "policy", version: "v1", kind: "PodDisruptionBudget" },
  { group: "apiregistration.k8s.io", version: "v1", kind: "APIService" },
  { group: "networking.k8s.io", version: "v1", kind: "Ingress" },
  { group: "networking.k8s.io", version: "v1", kind: "IngressClass" },
  { group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy" },
  { group: "storage.k8s.io", version: "v1", kind: "StorageClass" },
  { group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview" },
];

/** Bodies that are not stored kinds: subresources kubectl posts (scale, eviction, token, binding) and DeleteOptions. */
export const BODY_KINDS: ReadonlyArray<{ group: string; version: string; kind: string }> = [
  { group: "autoscaling", version: "v1", kind: "Scale" },
  // `kubectl autoscale` posts autoscaling/v1 (pkg/apiserver/hpa-v1.ts converts it).
  { group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" },
  { group: "policy", version: "v1", kind: "Eviction" },
  { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
  { group: "", version: "v1", kind: "Binding" },
  { group: "meta.k8s.io", version: "v1", kind: "DeleteOptions" },
];

/** The proto package of an API group's version (the Go package k8s.io/api/<dir>/<version>). */
function protoPackage(group: string, version: string): string | undefined {
  if (group === "meta.k8s.io") return `k8s.io.apimachinery.pkg.apis.meta.${version}`;
  if (group === "apiregistration.k8s.io") return `k8s.io.kube_aggregator.pkg.apis.apiregistration.${version}`;
  const dir: Record<string, string> = {
    "": "core",
    apps: "apps",
    batch: "batch",
    autoscaling: "autoscaling",
    policy: "policy",
    "rbac.authorization.k8s.io": "rbac",
    "authorization.k8s.io": "authorization",
    "authentication.k8s.io": "authentication",
    "coordination.k8s.io": "coordination",
    "scheduling.k8s.io": "scheduling",
    "networking.k8s.io": "networking",
    "storage.k8s.io": "storage",
  };
  return dir[group] === undefined ? undefined : `k8s.io.api.${dir[group]}.${version}`;
}

/** Envelope and special messages the codec always needs. */
const ALWAYS = ["k8s.io.apimachinery.pkg.runtime.Unknown"];

export interface FieldJson {
  type: string;
  id: number;
  rule?: "repeated";
  keyType?: "string";
  options?: { inline?: true; omitempty?: true; pointer?: true; json?: string };
}
export interface NamespaceJson {
  nested?: Record<string, NamespaceJson>;
  fields?: Record<string, FieldJson>;
}
export interface GeneratedSchema {
  /** "apps/v1/Deployment" → "k8s.io.api.apps.v1.Deployment". */
  kinds: Record<string, string>;
  /** protobufjs JSON descriptor (Root.fromJSON). */
  root: NamespaceJson;
}

function apiVersionOf(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}

export function generateSchema(facts: IdlFacts): GeneratedSchema {
  const kinds: Record<string, string> = {};
  const served = [...RESOURCES, ...VIRTUAL_RESOURCES, ...UPCOMING_KINDS, ...BODY_KINDS];
  for (const r of served) {
    const pkg = protoPackage(r.group, r.version);
    const message = pkg && `${pkg}.${r.kind}`;
    // Kinds without published IDL (metrics.k8s.io, custom resources) have no protobuf form.
    if (!message || !facts[message]) continue;
    kinds[`${apiVersionOf(r.group, r.version)}/${r.kind}`] = message;
  }
  // Sorted, so a kind moving from UPCOMING_KINDS into the registry changes nothing.
  const sortedKinds = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const reachable = new Set<string>();
  const todo = [...Object.values(kinds), ...ALWAYS];
  while (todo.length > 0) {
    const m = todo.pop()!;
    if (reachable.has(m)) continue;
    const fields = facts[m];
    if (!fields) throw new Error(`no IDL facts for message ${m}`);
    reachable.add(m);
    for (const [, type] of Object.values(fields)) if (facts[type]) todo.push(type);
  }
  const root: NamespaceJson = {};
  for (const m of [...reachable].sort()) {
    const parts = m.split(".");
    let ns = root;
    for (const p of parts) ns = (ns.nested ??= {})[p] ??= {};
    ns.fields = {};
    for (const [name, [id, type, flags, json]] of Object.entries(facts[m])) {
      // Alpha fields pointing into packages without facts (scheduling.v1alpha3…) are skipped; a decoder skips their bytes.
      if (type.includes(".") && !facts[type]) continue;
      const f: FieldJson = { type: facts[type] ? `.${type}` : type, id };
      if (flags.includes("r")) f.rule = "repeated";
      if (flags.includes("m")) f.keyType = "string";
      const options: NonNullable<FieldJson["options"]> = {};
      if (flags.includes("i")) options.inline = true;
      if (flags.includes("o")) options.omitempty = true;
      if (flags.includes("p")) options.pointer = true;
      if (json) options.json = json;
      if (Object.keys(options).length > 0) f.options = options;
      ns.fields[name] = f;
    }
  }
  return { kinds: sortedKinds, root };
}

const here = dirname(fileURLToPath(import.meta.url));
/** Source folder (the .json files live beside the .ts files, also when run from dist/). */
export const SCHEMA_DIR = here.includes(`${join("dist", "pkg")}`) ? here.replace(`${join("dist", "pkg")}`, "pkg") : here;

export function readFacts(): IdlFacts {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, "kubernetes-idl-facts.json"), "utf8")) as IdlFacts;
}

/** The committed text of the generated schema: stable key order, one message per line. */
export function renderSchema(schema: GeneratedSchema): string {
  // Indented down to each message; a message's fields stay on one line, so a diff shows which message changed.
  const text = JSON.stringify(schema, (key, value: unknown) => (key === "fields" ? JSON.stringify(value) : value), 1);
  return text.replace(/"fields": "((?:[^"\\]|\\.)*)"/g, (_m, s: string) => `"fields": ${JSON.parse(`"${s}"`) as string}`) + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(SCHEMA_DIR, "schema.generated.json");
  writeFileSync(out, renderSchema(generateSchema(readFacts())));
  console.log(`wrote ${out}`);
}

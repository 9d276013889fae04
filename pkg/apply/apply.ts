// `skiff apply`: validate a whole batch of manifests, then create or update
// each object the way `kubectl apply` does (last-applied annotation, three-way
// strategic merge patch). Nothing is written unless every document passes local
// validation and a server-side dry run.
import { byKind, apiVersionOf, displayRef } from "../api/kinds.js";
import { ApiError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { applyDefaults } from "../api/defaults.js";
import { validateObject } from "../api/validation.js";
import { findUnknownFields } from "../api/schema.js";
import { lineOf, type ManifestDocument } from "../manifest/decode.js";
import { resourcePath, type RestClient } from "../client/rest.js";
import { threeWayPatch } from "./three-way.js";

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export interface DocumentProblem {
  file: string;
  line?: number;
  message: string;
}

export interface ApplyResult {
  /** "deployment.apps/web" as kubectl prints it. */
  ref: string;
  action: "created" | "configured" | "unchanged" | "created (dry run)" | "configured (dry run)" | "unchanged (dry run)";
  object: KubeObject;
}

export { displayRef };

function where(doc: ManifestDocument, path?: string): { file: string; line: number } {
  return { file: doc.source.file, line: (path ? lineOf(doc, path) : undefined) ?? doc.source.line };
}

/** Check every document locally; returns every problem with its file and line. */
export function validateDocuments(docs: ManifestDocument[]): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  for (const doc of docs) {
    const obj = doc.object;
    const info = byKind(String(obj.apiVersion), String(obj.kind));
    if (!info) {
      problems.push({ ...where(doc, "kind"), message: `no matches for kind "${String(obj.kind)}" in version "${String(obj.apiVersion)}"` });
      continue;
    }
    for (const p of findUnknownFields(obj, info.model)) {
      problems.push({ ...where(doc, p), message: `${info.kind} "${obj.metadata?.name ?? ""}": unknown field "${p}"` });
    }
    const copy = structuredClone(obj);
    if (copy.metadata && typeof copy.metadata === "object" && info.namespaced && !copy.metadata.namespace) copy.metadata.namespace = "default";
    if (copy.metadata && typeof copy.metadata === "object" && !info.namespaced) delete copy.metadata.namespace;
    try {
      applyDefaults(copy);
    } catch {
      // Defaulting a malformed object may fail; validation below reports why.
    }
    for (const e of validateObject(copy)) {
      problems.push({ ...where(doc, e.path), message: `${info.kind} "${obj.metadata?.name ?? ""}": ${e.message}` });
    }
  }
  return problems;
}

export interface ApplyOptions {
  /** Namespace for objects that do not name one (the context's, or -n). */
  namespace: string;
  /** client: print only; server: ask the server to run everything without saving. */
  dryRun?: "none" | "client" | "server";
  fieldManager?: string;
  onResult?: (r: ApplyResult) => void;
}

/** Namespaces first, then everything else in file order: a batch may create its own namespace. */
function orderForApply(docs: ManifestDocument[]): ManifestDocument[] {
  const isNs = (d: ManifestDocument) => d.object.kind === "Namespace";
  return [...docs.filter(isNs), ...docs.filter((d) => !isNs(d))];
}

export async function applyDocuments(client: RestClient, docs: ManifestDocument[], opts: ApplyOptions): Promise<ApplyResult[]> {
  const ordered = orderForApply(docs);
  if (opts.dryRun !== "client") {
    // Server dry run of the whole batch first, so a server-side rejection of any
    // document (quota, missing namespace, immutable field) leaves nothing applied.
    const creates = new Set(ordered.filter((d) => d.object.kind === "Namespace").map((d) => (d.object.metadata as { name?: string })?.name));
    const problems: DocumentProblem[] = [];
    for (const doc of ordered) {
      const ns = namespaceOf(doc, opts.namespace);
      if (ns && creates.has(ns)) continue; // its namespace does not exist until the batch runs
      try {
        await applyOne(client, doc, { ...opts, dryRun: "server" });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        problems.push({ ...where(doc), message: e.message });
      }
    }
    if (problems.length > 0) throw new BatchRejected(problems);
  }
  const results: ApplyResult[] = [];
  for (const doc of ordered) {
    const r = await applyOne(client, doc, opts);
    results.push(r);
    opts.onResult?.(r);
  }
  return results;
}

export class BatchRejected extends Error {
  override name = "BatchRejected";
  constructor(readonly problems: DocumentProblem[]) {
    super(problems.map(formatProblem).join("\n"));
  }
}

export function formatProblem(p: DocumentProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`;
}

function namespaceOf(doc: ManifestDocument, fallback: string): string | undefined {
  const info = byKind(String(doc.object.apiVersion), String(doc.object.kind));
  if (!info?.namespaced) return undefined;
  return ((doc.object.metadata as { namespace?: string } | undefined)?.namespace) || fallback;
}

async function applyOne(client: RestClient, doc: ManifestDocument, opts: ApplyOptions): Promise<ApplyResult> {
  const obj = structuredClone(doc.object);
  const info = byKind(String(obj.apiVersion), String(obj.kind));
  if (!info) throw new ApiError("NotFound", `no matches for kind "${String(obj.kind)}" in version "${String(obj.apiVersion)}"`);
  const name = obj.metadata?.name;
  if (!name) throw new ApiError("Invalid", `${info.kind}: metadata.name: Required value`);
  const ns = info.namespaced ? obj.metadata.namespace || opts.namespace : undefined;
  if (ns) obj.metadata.namespace = ns;
  const ref = displayRef(info, name);
  const suffix = opts.dryRun === "client" || opts.dryRun === "server" ? " (dry run)" : "";
  const query = { fieldManager: opts.fieldManager ?? "kubectl-client-side-apply", fieldValidation: "Strict", dryRun: opts.dryRun === "server" ? "All" : undefined };

  // The annotation stores what the user applied, without the annotation itself.
  const applied = structuredClone(obj);
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  annotations[LAST_APPLIED] = JSON.stringify(stripLastApplied(applied)) + "\n";
  obj.metadata.annotations = annotations;

  let live: KubeObject | undefined;
  try {
    live = await client.request<KubeObject>("GET", resourcePath(info, ns, name));
  } catch (e) {
    if (!(e instanceof ApiError && e.reason === "NotFound")) throw e;
  }
  if (!live) {
    if (opts.dryRun === "client") return { ref, action: `created${suffix}` as ApplyResult["action"], object: obj };
    const created = await client.request<KubeObject>("POST", resourcePath(info, ns), { body: obj, query });
    return { ref, action: `created${suffix}` as ApplyResult["action"], object: created };
  }
  const lastText = live.metadata.annotations?.[LAST_APPLIED];
  let original: Record<string, unknown> | undefined;
  try {
    original = lastText ? (JSON.parse(lastText) as Record<string, unknown>) : undefined;
  } catch {
    original = undefined; // a hand-edited, broken annotation: treat as never applied
  }
  const patch = threeWayPatch(original, obj, info.kind);
  if (opts.dryRun === "client") return { ref, action: `configured${suffix}` as ApplyResult["action"], object: obj };
  const updated = await client.request<KubeObject>("PATCH", resourcePath(info, ns, name), {
    body: patch,
    contentType: "application/strategic-merge-patch+json",
    query,
  });
  const changed = updated.metadata.resourceVersion !== live.metadata.resourceVersion;
  return { ref, action: `${changed ? "configured" : "unchanged"}${suffix}` as ApplyResult["action"], object: updated };
}

function stripLastApplied(obj: KubeObject): KubeObject {
  const a = obj.metadata.annotations;
  if (a && LAST_APPLIED in a) {
    const { [LAST_APPLIED]: _drop, ...rest } = a;
    obj.metadata.annotations = Object.keys(rest).length ? rest : undefined;
    if (!obj.metadata.annotations) delete obj.metadata.annotations;
  }
  return obj;
}

export { apiVersionOf };

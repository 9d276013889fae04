// The REST verbs on stored resources: list, create and delete a collection;
// get, replace, patch and delete one object; the status, scale, binding and
// log subresources; and watch streams (JSON or Table). server.ts routes
// /api/v1/* and /apis/:group/:version/* here after authentication.
import type { FastifyReply, FastifyRequest } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import type { KubeObject, WatchEvent } from "../api/types.js";
import { servedAs, tableForResource } from "../apiextensions/index.js";
import { deleteResponse } from "./delete-response.js";
import { logSourceFor, resolveLogContainer, type PodLogResolver } from "./pod-logs.js";
import { queryBool } from "./query-bool.js";
import type { RequestContext, Registry } from "./registry.js";
import {
  PATCH_TYPES,
  contentTypeOf,
  contextFrom,
  deleteOptions,
  includeObject,
  methodNotAllowed,
  notFound,
  rejectDuplicateFields,
  wantsTable,
  warningHeader,
  type Query,
} from "./request.js";
import type { ResourcePath } from "./resource-path.js";
import { toScale, updateScale } from "./scale.js";
import { WatchStream } from "./watch-stream.js";

export interface ResourceHandlerOptions {
  registry: Registry;
  /** Finds the agent that serves a node's container logs (pods/log). */
  podLogs?: PodLogResolver;
  watch?: { bookmarkEveryMs?: number; maxBacklogBytes?: number; defaultTimeoutMs?: number };
}

/** One request on a resource path, with what every verb needs. */
interface Call {
  opts: ResourceHandlerOptions;
  registry: Registry;
  req: FastifyRequest<{ Querystring: Query }>;
  reply: FastifyReply;
  q: Query;
  ctx: RequestContext;
  path: ResourcePath;
  asTable: boolean;
}

export async function handleResource(opts: ResourceHandlerOptions, req: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply, path: ResourcePath): Promise<unknown> {
  const q = req.query;
  const ctx = contextFrom(req, q);
  const { info } = path;
  // Virtual resources (access reviews) have routes of their own and are never stored.
  if (info.verbs) throw methodNotAllowed(req.method);
  checkPatchType(req, info.custom !== undefined);
  const call: Call = { opts, registry: opts.registry, req, reply, q, ctx, path, asTable: wantsTable(req.headers.accept) };
  let result: unknown;
  try {
    result = await dispatch(call);
  } finally {
    if (ctx.auditAnnotations) req.auditAnnotations = ctx.auditAnnotations;
  }
  if (ctx.warnings.length > 0) reply.header("Warning", warningHeader(ctx.warnings));
  return servedAs(info, result);
}

function checkPatchType(req: FastifyRequest, custom: boolean): void {
  if (req.method !== "PATCH") return;
  const type = contentTypeOf(req);
  if (!PATCH_TYPES.includes(type)) {
    throw new ApiError("UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`);
  }
  // Custom kinds have no patch strategies to merge by: Kubernetes refuses strategic merge for them.
  if (custom && type === "application/strategic-merge-patch+json") {
    const accepted = PATCH_TYPES.filter((t) => t !== "application/strategic-merge-patch+json");
    throw new ApiError("UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`);
  }
}

function dispatch(c: Call): Promise<unknown> {
  if (c.path.subresource) return handleSubresource(c);
  return c.path.name ? handleObject(c, c.path.name) : handleCollection(c);
}

async function handleCollection(c: Call): Promise<unknown> {
  const { registry, req, reply, q, ctx } = c;
  const { info, namespace } = c.path;
  switch (req.method) {
    case "GET": {
      if (queryBool(q.watch)) return startWatch(c);
      const list = await registry.list(info, namespace, {
        labelSelector: q.labelSelector,
        fieldSelector: q.fieldSelector,
        limit: q.limit ? parseInt(q.limit, 10) : undefined,
        continue: q.continue,
      });
      if (!c.asTable) return list;
      const t = tableForResource(info, list.items, { now: new Date(), includeObject: includeObject(q) });
      t.metadata = { ...list.metadata };
      return t;
    }
    case "POST":
      rejectDuplicateFields(req, ctx);
      reply.code(ctx.dryRun ? 200 : 201);
      return registry.create(info, namespace, req.body, ctx);
    case "DELETE":
      return registry.deleteCollection(info, namespace, { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector }, deleteOptions(req, q), ctx);
    default:
      throw methodNotAllowed(req.method);
  }
}

async function handleObject(c: Call, name: string): Promise<unknown> {
  const { registry, req, reply, q, ctx } = c;
  const { info, namespace } = c.path;
  switch (req.method) {
    case "GET": {
      if (queryBool(q.watch)) return startWatch(c);
      const obj = await registry.get(info, namespace, name);
      return c.asTable ? tableForResource(info, [obj], { now: new Date(), includeObject: includeObject(q) }) : obj;
    }
    case "PUT":
      rejectDuplicateFields(req, ctx);
      return registry.update(info, namespace, name, req.body, ctx);
    case "PATCH":
      return registry.patch(info, namespace, name, contentTypeOf(req), req.body, ctx);
    case "DELETE": {
      const { object, finished } = await registry.delete(info, namespace, name, deleteOptions(req, q), ctx);
      const answer = deleteResponse(info, object, finished, (req.body as { orphanDependents?: boolean } | undefined)?.orphanDependents);
      reply.code(answer.code);
      return answer.body;
    }
    default:
      throw methodNotAllowed(req.method);
  }
}

async function handleSubresource(c: Call): Promise<unknown> {
  const { registry, req, reply, ctx } = c;
  const { info, namespace, name, subresource } = c.path;
  const method = req.method;
  if (!name || !info.subresources.includes(subresource as "status")) throw notFound();
  if (subresource === "log") {
    if (method !== "GET") throw methodNotAllowed(method);
    return streamLogs(c, await registry.get(info, namespace, name));
  }
  if (subresource === "binding") {
    if (method !== "POST") throw methodNotAllowed(method);
    const body = (req.body ?? {}) as { target?: { name?: string; kind?: string }; metadata?: { uid?: string } };
    if (!body.target?.name) throw errors.badRequest("Binding: target.name: Required value");
    await registry.bindPod(namespace ?? "default", name, body.target.name, body.metadata?.uid);
    reply.code(201);
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
  }
  if (subresource === "status") {
    if (method === "GET") return registry.get(info, namespace, name);
    if (method === "PUT") return registry.update(info, namespace, name, req.body, ctx, "status");
    if (method === "PATCH") return registry.patch(info, namespace, name, contentTypeOf(req), req.body, ctx, "status");
    throw methodNotAllowed(method);
  }
  if (subresource === "scale") {
    if (method === "GET") return toScale(await registry.get(info, namespace, name), info);
    if (method === "PUT") return updateScale(registry, info, namespace, name, { kind: "put", body: req.body }, ctx);
    if (method === "PATCH") return updateScale(registry, info, namespace, name, { kind: "patch", contentType: contentTypeOf(req), body: req.body }, ctx);
    throw methodNotAllowed(method);
  }
  throw notFound();
}

async function streamLogs(c: Call, pod: KubeObject): Promise<FastifyReply> {
  const { opts, reply, q } = c;
  const container = resolveLogContainer(pod, q.container);
  const source = logSourceFor(pod, opts.podLogs, container);
  const abort = new AbortController();
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? parseInt(v, 10) : undefined);
  const lines = source.logs(pod, {
    container,
    follow: queryBool(q.follow),
    previous: queryBool(q.previous),
    timestamps: queryBool(q.timestamps),
    tailLines: num(q.tailLines),
    sinceSeconds: num(q.sinceSeconds),
    signal: abort.signal,
  })[Symbol.asyncIterator]();
  // Pull the first line before answering, so "no such container" is a proper error status.
  const first = await lines.next();
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { "Content-Type": "text/plain", "Transfer-Encoding": "chunked" });
  res.on("close", () => abort.abort());
  try {
    if (!first.done) res.write(first.value + "\n");
    for (let r = first.done ? first : await lines.next(); !r.done && !abort.signal.aborted; r = await lines.next()) {
      if (!res.write(r.value + "\n")) await new Promise((ok) => res.once("drain", ok));
    }
  } catch {
    // The source failed mid-stream (container gone): end what was sent.
  } finally {
    await lines.return?.();
    res.end();
  }
  return reply;
}

async function startWatch(c: Call): Promise<FastifyReply> {
  const { opts, registry, reply, q, asTable } = c;
  const { info, namespace, name } = c.path;
  const timeoutMs = q.timeoutSeconds ? Math.max(1, parseInt(q.timeoutSeconds, 10)) * 1000 : (opts.watch?.defaultTimeoutMs ?? 30 * 60_000);
  const fieldSelector = name ? [`metadata.name=${name}`, q.fieldSelector].filter(Boolean).join(",") : q.fieldSelector;
  // Validate selectors and the version before committing to a 200 stream.
  let pending: WatchEvent[] = [];
  let stream: WatchStream | undefined;
  let first = true;
  const deliver = (ev: WatchEvent) => {
    let out: WatchEvent<unknown> = ev.type === "BOOKMARK" ? ev : { ...ev, object: servedAs(info, ev.object) };
    if (asTable && ev.type !== "BOOKMARK") {
      const t = tableForResource(info, [ev.object], { now: new Date(), includeObject: includeObject(q) });
      // Only the first event carries column definitions, as the apiserver does.
      if (!first) (t as { columnDefinitions: unknown }).columnDefinitions = [];
      first = false;
      out = { type: ev.type, object: t };
    }
    stream!.send(out);
  };
  let watch;
  try {
    watch = await registry.watch(info, namespace, { labelSelector: q.labelSelector, fieldSelector, resourceVersion: q.resourceVersion }, (ev) => {
      if (stream) deliver(ev);
      else pending.push(ev);
    });
  } catch (e) {
    if (e instanceof ApiError && (e.reason === "Gone" || e.reason === "Expired")) {
      // Kubernetes reports an expired watch as an ERROR event on a 200 stream.
      stream = openStream();
      stream.send({ type: "ERROR", object: new ApiError("Expired", e.message).toStatus() });
      stream.close();
      return reply;
    }
    throw e;
  }
  stream = openStream();
  stream.onClose(() => watch.stop());
  for (const ev of pending) deliver(ev);
  pending = [];
  return reply;

  function openStream(): WatchStream {
    reply.hijack();
    return new WatchStream(reply.raw, {
      timeoutMs,
      bookmarkEveryMs: queryBool(q.allowWatchBookmarks) ? (opts.watch?.bookmarkEveryMs ?? 60_000) : 0,
      maxBacklogBytes: opts.watch?.maxBacklogBytes ?? 16 * 1024 * 1024,
      currentRv: () => registry.store.currentResourceVersion(),
      bookmarkObject: (rv) => ({ kind: info.kind, apiVersion: info.group ? `${info.group}/${info.version}` : info.version, metadata: { resourceVersion: rv } }),
    });
  }
}

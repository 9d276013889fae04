// The HTTP face of the registry: Kubernetes REST paths, discovery, OpenAPI,
// Table output, watch streams, and errors as Status objects. Built with fastify;
// `buildApiServer` returns the instance so tests can use app.inject().
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { customOpenApiDocumentFor, customOpenApiIndex } from "../apiextensions/index.js";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from "./discovery.js";
import { openApiDocument, openApiIndex } from "./openapi.js";
import { OPENAPI_V2_PROTOBUF, openApiV2ETag, openApiV2Json, openApiV2Protobuf } from "./openapi-v2.js";
import { parseResourcePath, type ResourcePath } from "./resource-path.js";
import { handleResource } from "./resource-handler.js";
import { PATCH_TYPES, notFound, warningHeader, type Query } from "./request.js";
import type { Registry } from "./registry.js";
import { parseApplyBody } from "./patch.js";
import { forbiddenMessage, type AuthorizationAttributes, type Authenticator, type Authorizer, type SessionAuthenticator } from "./auth.js";
import type { PodLogResolver } from "./pod-logs.js";
import { STREAMING_SUBRESOURCES, registerPodStreaming } from "./streaming/pod-streams.js";
import type { PodStreamResolver } from "../api/pod-stream.js";
import { impersonatedUser } from "./impersonation.js";
import { jsonTextTooDeep, tooDeepMessage, valueTooDeep } from "../util/json-depth.js";
import { readProtobufRequestBody, PROTOBUF_CONTENT_TYPE } from "../api/protobuf/codec.js";
import { queryBool } from "./query-bool.js";
import { registerHpaV1Create } from "./hpa-v1.js";
import { DEFAULT_RATE_LIMIT, installRateLimit, rateLimitFromEnv, type RateLimitOptions } from "./rate-limit.js";

import { SKIFF_VERSION } from "../version.js";
export { SKIFF_VERSION };
export { warningHeader };

/** Kubernetes' default max request body (3 MiB); larger bodies get 413. */
export const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

export interface ApiServerOptions {
  registry: Registry;
  /** null disables authentication (only for in-process tests). */
  authenticator: Authenticator | null;
  /** Decides whether an authenticated user may do a request; absent = everyone may do everything. */
  authorizer?: Authorizer;
  /** Called once per finished request (audit log). */
  audit?: (entry: AuditEntry) => void;
  tls?: { certPem: string; keyPem: string };
  bodyLimit?: number;
  /** Per-client request rate limit (429 with Retry-After); false turns it off. Default 200/s, burst 400, or SKIFF_API_RATE_LIMIT. */
  rateLimit?: RateLimitOptions | false;
  /** Shown in /api serverAddressByClientCIDRs. */
  advertiseAddress?: string;
  logger?: boolean;
  watch?: { bookmarkEveryMs?: number; maxBacklogBytes?: number; defaultTimeoutMs?: number };
  /** Finds the agent that serves a node's container logs (pods/log). */
  podLogs?: PodLogResolver;
  /** Finds the agent that serves exec, attach and port-forward streams of a node's pods. */
  podStreams?: PodStreamResolver;
  /** Extra routes (metrics…) registered by other components. */
  plugins?: Array<(app: FastifyInstance) => void | Promise<void>>;
  /** Browser sessions (the dashboard's cookie), accepted when a request carries no Authorization header. */
  sessions?: SessionAuthenticator;
  /** Exact paths anyone may GET without a token (kube-public/cluster-info, for joining nodes). */
  anonymousGetPaths?: string[];
}

const PUBLIC_PATHS = new Set(["/healthz", "/livez", "/readyz"]);


declare module "fastify" {
  interface FastifyRequest {
    rawBody?: string;
    user?: string;
    groups?: string[];
    authz?: AuthorizationAttributes;
    auditAnnotations?: Record<string, string>;
  }
}

/** One line of the audit log: who did what to which object, and how it ended. */
export interface AuditEntry {
  time: string;
  user: string;
  verb: string;
  path: string;
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  code: number;
  /** Set by admission (ValidatingAdmissionPolicy's Audit action). */
  annotations?: Record<string, string>;
}

export async function buildApiServer(opts: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    https: opts.tls ? { key: opts.tls.keyPem, cert: opts.tls.certPem } : null,
    // kubectl sends "?watch=true&..."; keep query parsing simple and flat.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // 10k objects in one list are fine; only the body limit guards input size.
    forceCloseConnections: true,
    // URLs the router cannot decode ("/%ff") get a Status like every other error, not fastify's own body.
    frameworkErrors: (err: Error, _req: FastifyRequest, reply: FastifyReply) => sendError(reply, errors.badRequest(`the request URL is not valid: ${err.message}`)),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  const { registry } = opts;
  const jsonParser = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser(["application/json", "text/plain"]);
  // Keep the raw text: strict field validation must see duplicate keys, which JSON.parse hides.
  app.addContentTypeParser(["application/json", ...PATCH_TYPES.filter((t) => t.endsWith("json"))], { parseAs: "string" }, (req, body, done) => {
    // Kubernetes reads an empty DELETE body as "no options" (the Python client sends one with a JSON content type).
    if (req.method === "DELETE" && (body as string).trim() === "") return done(null, undefined);
    req.rawBody = body as string;
    // Measured before parsing: a deeply nested body would overflow the stack later (400, not 500).
    if (jsonTextTooDeep(body as string)) return done(errors.badRequest(tooDeepMessage()), undefined);
    jsonParser(req, body as string, done);
  });
  // What client-go's typed clients (kubectl create, controllers) send for built-in kinds.
  app.addContentTypeParser(PROTOBUF_CONTENT_TYPE, { parseAs: "buffer" }, (req, body, done) => {
    if (req.method === "DELETE" && (body as Buffer).length === 0) return done(null, undefined);
    try {
      done(null, readProtobufRequestBody(body as Buffer));
    } catch (e) {
      // A kind skiff does not know, posted to a path skiff does not serve, is a 404 (clients fall back to other versions on it), not a 415.
      const unknownPath = e instanceof ApiError && e.reason === "UnsupportedMediaType" && !requestAttributes(req).isResourceRequest;
      done(unknownPath ? new ApiError("NotFound", "the server could not find the requested resource") : (e as Error), undefined);
    }
  });
  app.addContentTypeParser(["application/apply-patch+yaml", "application/yaml"], { parseAs: "string" }, (req, body, done) => {
    req.rawBody = body as string;
    try {
      const parsed = parseApplyBody(body as string);
      if (valueTooDeep(parsed)) return done(errors.badRequest(tooDeepMessage()), undefined);
      done(null, parsed);
    } catch (e) {
      // Any YAML the parser cannot take (syntax, unresolved aliases, too many aliases) is the client's problem.
      done(e instanceof ApiError ? e : errors.badRequest(`the request body is not valid YAML: ${(e as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    sendError(reply, toApiError(err, req));
  });
  app.setNotFoundHandler((req, reply) => {
    sendError(reply, new ApiError("NotFound", "the server could not find the requested resource"));
  });

  app.addHook("onRequest", async (req) => {
    const path = req.url.split("?")[0];
    if (PUBLIC_PATHS.has(path) || !opts.authenticator) return;
    if (opts.sessions?.publicPaths.has(path)) return;
    if ((req.method === "GET" || req.method === "HEAD") && opts.anonymousGetPaths?.includes(path)) return;
    // A bearer token always wins; the session cookie is only the fallback for a browser, which cannot send one.
    const who =
      req.headers.authorization === undefined && opts.sessions
        ? opts.sessions.authenticateSession(req)
        : opts.authenticator.authenticate(req.headers.authorization);
    if (!who) throw new ApiError("Unauthorized", "Unauthorized");
    // headersDistinct keeps repeated Impersonate-Group headers apart; app.inject() requests lack it.
    const acting = await impersonatedUser(who, req.raw.headersDistinct ?? req.headers, opts.authorizer, path);
    req.user = acting.user;
    req.groups = acting.groups;
    const attrs = requestAttributes(req);
    req.authz = attrs;
    if (opts.authorizer) {
      const decision = await opts.authorizer.authorize(attrs);
      if (!decision.allowed) {
        throw new ApiError("Forbidden", forbiddenMessage(attrs, decision.reason), { name: attrs.name, group: attrs.apiGroup, kind: attrs.resource });
      }
    }
  });
  const rateLimit = opts.rateLimit ?? rateLimitFromEnv() ?? DEFAULT_RATE_LIMIT;
  // After authentication (hooks run in order): the bucket is the user's.
  if (rateLimit && opts.authenticator) installRateLimit(app, { exemptPaths: PUBLIC_PATHS, ...rateLimit });
  if (opts.audit) {
    const audit = opts.audit;
    app.addHook("onResponse", async (req, reply) => {
      if (PUBLIC_PATHS.has(req.url.split("?")[0])) return;
      const a = req.authz ?? requestAttributes(req);
      audit({
        time: new Date().toISOString(),
        user: req.user ?? "system:anonymous",
        verb: a.verb,
        path: a.path,
        apiGroup: a.apiGroup,
        resource: a.resource,
        subresource: a.subresource,
        namespace: a.namespace,
        name: a.name,
        code: reply.statusCode,
        ...(req.auditAnnotations ? { annotations: req.auditAnnotations } : {}),
      });
    });
  }

  for (const p of PUBLIC_PATHS) app.get(p, async () => "ok");
  app.get("/version", async () => versionInfo(SKIFF_VERSION));
  app.get("/api", async () => apiVersions(opts.advertiseAddress ?? "127.0.0.1:6443"));
  app.get("/apis", async () => apiGroupList());
  app.get("/api/v1", async () => apiResourceList("", "v1"));
  app.get<{ Params: { group: string } }>("/apis/:group", async (req) => apiGroup(req.params.group) ?? notFound());
  app.get<{ Params: { group: string; version: string } }>("/apis/:group/:version", async (req) =>
    apiResourceList(req.params.group, req.params.version) ?? notFound(),
  );
  app.get("/openapi/v3", async () => ({ paths: { ...openApiIndex().paths, ...customOpenApiIndex() } }));
  // kubectl asks for the gnostic protobuf form; a JSON Accept gets the Swagger JSON.
  app.get("/openapi/v2", async (req, reply) => {
    reply.header("ETag", openApiV2ETag());
    if (!String(req.headers.accept ?? "").includes(OPENAPI_V2_PROTOBUF)) return openApiV2Json();
    return reply.type(OPENAPI_V2_PROTOBUF).send(openApiV2Protobuf());
  });
  app.get<{ Params: { "*": string } }>("/openapi/v3/*", async (req) => openApiDocument(req.params["*"]) ?? customOpenApiDocumentFor(req.params["*"]) ?? notFound());

  const methods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
  const resources = { registry, podLogs: opts.podLogs, watch: opts.watch };
  app.route<{ Params: { "*": string }; Querystring: Query }>({
    method: [...methods],
    url: "/api/v1/*",
    handler: (req, reply) => handleResource(resources, req, reply, parseResourcePath("", "v1", req.params["*"])),
  });
  app.route<{ Params: { group: string; version: string; "*": string }; Querystring: Query }>({
    method: [...methods],
    url: "/apis/:group/:version/*",
    handler: (req, reply) => handleResource(resources, req, reply, parseResourcePath(req.params.group, req.params.version, req.params["*"])),
  });

  registerHpaV1Create(app, registry);
  for (const plugin of opts.plugins ?? []) await plugin(app);
  if (opts.podStreams) registerPodStreaming(app, { registry, resolve: opts.podStreams });


  return app;
}

/** Kubernetes request attributes from the URL and method (verb, group, resource, namespace, name). */
/**
 * exec, attach and portforward are authorized as create whatever the method:
 * kubectl opens them with a WebSocket GET, and a plain get permission (what
 * viewers have) must not open a shell (Kubernetes 1.35 asks for create too).
 */
function streamingVerb(p: ResourcePath): string | undefined {
  return p.info.plural === "pods" && (STREAMING_SUBRESOURCES as readonly string[]).includes(p.subresource ?? "") ? "create" : undefined;
}

export function requestAttributes(req: FastifyRequest): AuthorizationAttributes {
  const [path, qs] = req.url.split("?");
  const user = req.user ?? "system:anonymous";
  const groups = req.groups ?? [];
  const method = req.method.toLowerCase();
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (!m) return { user, groups, verb: method, isResourceRequest: false, path };
  try {
    const p = parseResourcePath(m[1] ?? "", m[2] ?? "v1", m[3]);
    const watch = queryBool(new URLSearchParams(qs ?? "").get("watch") ?? undefined);
    const verb =
      method === "get"
        ? watch
          ? "watch"
          : p.name
            ? "get"
            : "list"
        : method === "post"
          ? "create"
          : method === "put"
            ? "update"
            : method === "patch"
              ? "patch"
              : method === "delete"
                ? p.name
                  ? "delete"
                  : "deletecollection"
                : method;
    return { user, groups, verb: streamingVerb(p) ?? verb, isResourceRequest: true, apiGroup: p.info.group, resource: p.info.plural, subresource: p.subresource, namespace: p.namespace, name: p.name, path };
  } catch {
    return { user, groups, verb: method, isResourceRequest: false, path };
  }
}



function toApiError(err: Error & { statusCode?: number; code?: string }, _req: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("RequestEntityTooLarge", "the request body is too large: the limit is 3 MiB");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError("UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, ${PATCH_TYPES.join(", ")}`);
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return errors.badRequest(`the request body is not valid JSON: ${err.message}`);
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return errors.badRequest(err.message);
  }
  return new ApiError("InternalError", `Internal error occurred: ${err.message}`);
}

function sendError(reply: FastifyReply, e: ApiError): void {
  if (reply.sent || reply.raw.headersSent) return;
  // apimachinery's JSON encoder ends every body with a newline; clients comparing bytes see it.
  reply.code(e.httpStatus).type("application/json").send(JSON.stringify(e.toStatus()) + "\n");
}

export type { KubeObject };

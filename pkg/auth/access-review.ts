// authorization.k8s.io/v1 access reviews, answered from the live authorizer and
// never stored: SelfSubjectAccessReview ("may I?" — what `kubectl auth can-i`
// sends), SubjectAccessReview and LocalSubjectAccessReview ("may they?"), and
// SelfSubjectRulesReview (`kubectl auth can-i --list`). Registered as an API
// server plugin; whether the caller may create a review at all was already
// decided by the authorizer (system:basic-user lets everyone ask about themselves).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import type { AuthorizationAttributes, Authorizer } from "../apiserver/auth.js";
import { MASTERS_GROUP, type RbacAuthorizer } from "./rbac.js";
import { nodeNameOf } from "./node-identity.js";
import type { PolicyRule } from "./rules.js";
import { readProtobufRequestBody, PROTOBUF_CONTENT_TYPE } from "../api/protobuf/codec.js";

const PREFIX = "/apis/authorization.k8s.io/v1";
const API_VERSION = "authorization.k8s.io/v1";

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  uid?: string;
}

export interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
}

/** Request attributes for a review spec, as the authorizer would see the real request. */
export function reviewAttributes(spec: AccessReviewSpec, who: { user: string; groups: string[] }): AuthorizationAttributes {
  const r = spec.resourceAttributes;
  if (r) {
    if (!r.verb) throw errors.badRequest("spec.resourceAttributes.verb: Required value");
    return {
      user: who.user,
      groups: who.groups,
      verb: r.verb,
      isResourceRequest: true,
      apiGroup: r.group ?? "",
      resource: r.resource ?? "",
      subresource: r.subresource || undefined,
      namespace: r.namespace || undefined,
      name: r.name || undefined,
      path: "",
    };
  }
  const n = spec.nonResourceAttributes;
  if (n) {
    if (!n.verb || !n.path) throw errors.badRequest("spec.nonResourceAttributes: path and verb are required");
    return { user: who.user, groups: who.groups, verb: n.verb, isResourceRequest: false, path: n.path };
  }
  throw errors.badRequest("spec: exactly one of resourceAttributes or nonResourceAttributes must be specified");
}

export async function review(authorizer: Authorizer, a: AuthorizationAttributes): Promise<AccessReviewStatus> {
  const d = await authorizer.authorize(a);
  return d.allowed ? { allowed: true, ...(d.reason ? { reason: d.reason } : {}) } : { allowed: false, ...(d.reason ? { reason: d.reason } : {}) };
}

interface RulesReviewStatus {
  resourceRules: Array<{ verbs: string[]; apiGroups: string[]; resources: string[]; resourceNames?: string[] }>;
  nonResourceRules: Array<{ verbs: string[]; nonResourceURLs: string[] }>;
  incomplete: boolean;
  evaluationError?: string;
}

/** Everything a user may do in a namespace, from RBAC (SelfSubjectRulesReview). */
export function rulesReview(rbac: RbacAuthorizer, user: string, groups: string[], namespace: string): RulesReviewStatus {
  const all: PolicyRule[] = groups.includes(MASTERS_GROUP)
    ? [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }]
    : [...rbac.rulesFor(user, groups, namespace)].filter((g) => !g.via.startsWith("RoleBinding/") || !g.rule.nonResourceURLs).map((g) => g.rule);
  const status: RulesReviewStatus = { resourceRules: [], nonResourceRules: [], incomplete: false };
  for (const r of all) {
    if (r.nonResourceURLs?.length) status.nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
    if (r.resources?.length) {
      status.resourceRules.push({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
    }
  }
  // What a node may do depends on its pods (Node authorizer), which rules cannot express.
  if (nodeNameOf(user, groups)) {
    status.incomplete = true;
    status.evaluationError = "node permissions come from the Node authorizer and are not listed";
  }
  return status;
}

type Body = { spec?: AccessReviewSpec; metadata?: Record<string, unknown> };

/** The API server plugin serving the four review kinds. */
export function accessReviewRoutes(authorizer: Authorizer, rbac: RbacAuthorizer): (app: FastifyInstance) => void {
  return (app) => {
    // The API server registers the protobuf reader for every kind; alone (tests), the review routes bring their own.
    if (!app.hasContentTypeParser(PROTOBUF_CONTENT_TYPE)) {
      app.addContentTypeParser(PROTOBUF_CONTENT_TYPE, { parseAs: "buffer" }, (_req, body, done) => {
        try {
          done(null, readProtobufRequestBody(body as Buffer));
        } catch (e) {
          done(e as Error, undefined);
        }
      });
    }
    const caller = (req: FastifyRequest) => ({ user: req.user ?? "system:anonymous", groups: req.groups ?? [] });
    const bodyOf = (req: FastifyRequest, kind: string): Body => {
      const b = req.body as Body | undefined;
      if (!b || typeof b !== "object" || !b.spec || typeof b.spec !== "object") throw errors.badRequest(`the body must be a ${kind} with a spec`);
      return b;
    };
    const answer = (kind: string, b: Body, status: unknown) => ({ apiVersion: API_VERSION, kind, metadata: { ...(b.metadata ?? {}), creationTimestamp: null }, spec: b.spec, status });

    const only = (url: string, handler: (req: FastifyRequest<{ Params: { namespace?: string } }>) => Promise<unknown>) => {
      app.route<{ Params: { namespace?: string } }>({
        method: ["GET", "PUT", "PATCH", "DELETE", "POST"],
        url,
        handler: async (req, reply) => {
          if (req.method !== "POST") throw new ApiError("MethodNotAllowed", `the server does not allow this method on the requested resource (${req.method})`);
          const out = await handler(req);
          reply.code(201);
          return out;
        },
      });
    };

    only(`${PREFIX}/selfsubjectaccessreviews`, async (req) => {
      const b = bodyOf(req, "SelfSubjectAccessReview");
      return answer("SelfSubjectAccessReview", b, await review(authorizer, reviewAttributes(b.spec!, caller(req))));
    });
    only(`${PREFIX}/subjectaccessreviews`, async (req) => {
      const b = bodyOf(req, "SubjectAccessReview");
      if (!b.spec!.user && !(b.spec!.groups ?? []).length) throw errors.badRequest("spec.user or spec.groups: at least one is required");
      return answer("SubjectAccessReview", b, await review(authorizer, reviewAttributes(b.spec!, { user: b.spec!.user ?? "", groups: b.spec!.groups ?? [] })));
    });
    only(`${PREFIX}/namespaces/:namespace/localsubjectaccessreviews`, async (req) => {
      const b = bodyOf(req, "LocalSubjectAccessReview");
      const ns = req.params.namespace!;
      const attrs = b.spec!.resourceAttributes;
      if (!attrs || (attrs.namespace && attrs.namespace !== ns)) throw errors.badRequest(`spec.resourceAttributes.namespace: must be "${ns}"`);
      const spec = { ...b.spec!, resourceAttributes: { ...attrs, namespace: ns } };
      return answer("LocalSubjectAccessReview", b, await review(authorizer, reviewAttributes(spec, { user: spec.user ?? "", groups: spec.groups ?? [] })));
    });
    only(`${PREFIX}/selfsubjectrulesreviews`, async (req) => {
      const b = bodyOf(req, "SelfSubjectRulesReview");
      const who = caller(req);
      const ns = (b.spec as { namespace?: string }).namespace || "default";
      return answer("SelfSubjectRulesReview", b, rulesReview(rbac, who.user, who.groups, ns));
    });
  };
}

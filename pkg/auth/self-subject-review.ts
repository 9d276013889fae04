// SelfSubjectReview (authentication.k8s.io/v1): "who am I?", what `kubectl auth
// whoami` posts. Answers with the caller's user info as the authenticator saw it
// (name, uid, groups, extra); under impersonation, the impersonated user.
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../api/errors.js";
import type { Authenticator, UserInfo } from "../apiserver/auth.js";

const PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const PROTOBUF = "application/vnd.kubernetes.protobuf";

/** The review for a caller; `authenticated` is what the token alone says (it adds uid and extra). */
export function selfSubjectReview(user: string, groups: string[], authenticated: UserInfo | undefined): object {
  const same = authenticated && authenticated.user === user;
  const userInfo: Record<string, unknown> = { username: user };
  if (same && authenticated.uid) userInfo.uid = authenticated.uid;
  userInfo.groups = groups;
  if (same && authenticated.extra && Object.keys(authenticated.extra).length > 0) userInfo.extra = authenticated.extra;
  return { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1", metadata: { creationTimestamp: null }, status: { userInfo } };
}

export function selfSubjectReviewRoutes(authenticator: Authenticator): (app: FastifyInstance) => void {
  return (app) => {
    // In a context of its own: the body (JSON or protobuf, as kubectl sends it)
    // carries nothing but type metadata, so any body of those types is accepted unread.
    app.register(async (scope) => {
      for (const type of [PROTOBUF, "application/json"]) {
        if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
        scope.addContentTypeParser(type, { parseAs: "buffer" }, (_req, _body, done) => done(null, {}));
      }
      route(scope);
    });
  };
  function route(app: FastifyInstance): void {
    app.route({
      method: ["GET", "PUT", "PATCH", "DELETE", "POST"],
      url: PATH,
      handler: async (req: FastifyRequest, reply) => {
        if (req.method !== "POST") throw new ApiError("MethodNotAllowed", `the server does not allow this method on the requested resource (${req.method})`);
        // The body carries nothing but type metadata: it is never read.
        const who = req.headers.authorization !== undefined ? authenticator.authenticate(req.headers.authorization) : undefined;
        reply.code(201);
        return selfSubjectReview(req.user ?? "system:anonymous", req.groups ?? [], who);
      },
    });
  }
}

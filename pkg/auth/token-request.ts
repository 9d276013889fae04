// serviceaccounts/{name}/token: TokenRequest (authentication.k8s.io/v1), what
// `kubectl create token SA` posts. The answer carries a bound token for the
// service account (service-account-token.ts) and its expiry. Whether the caller
// may ask was decided by the authorizer ("create serviceaccounts/token").
import type { FastifyInstance } from "fastify";
import { ApiError, errors } from "../api/errors.js";
import { R, type ResourceInfo } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { validateTokenRequestSpec } from "../api/validation/service-account.js";
import type { Registry } from "../apiserver/registry.js";
import { API_AUDIENCES, type KubernetesClaim, type ServiceAccountTokenSigner } from "./service-account-token.js";
import { rfc3339 } from "../api/time.js";

/** SetDefaults_TokenRequestSpec: one hour. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
const API_VERSION = "authentication.k8s.io/v1";

interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

const BOUND: Record<string, { info: () => ResourceInfo; claim: "pod" | "secret" | "node" }> = {
  Pod: { info: () => R.pods, claim: "pod" },
  Secret: { info: () => R.secrets, claim: "secret" },
  Node: { info: () => R.nodes, claim: "node" },
};

/** Issue the token for one request; exported for in-process callers and tests. */
export async function requestToken(registry: Registry, signer: ServiceAccountTokenSigner, namespace: string, name: string, body: unknown, now = Date.now()): Promise<KubeObject> {
  const req = (body && typeof body === "object" ? body : {}) as { kind?: string; metadata?: Record<string, unknown>; spec?: TokenRequestSpec };
  if (req.kind !== undefined && req.kind !== "TokenRequest") throw errors.badRequest(`the kind of the provided object (${String(req.kind)}) does not match TokenRequest`);
  const spec: TokenRequestSpec = { ...(req.spec ?? {}) };
  if (!spec.audiences || spec.audiences.length === 0) spec.audiences = [...API_AUDIENCES];
  spec.expirationSeconds ??= DEFAULT_TOKEN_EXPIRATION_SECONDS;
  const errs = validateTokenRequestSpec(spec);
  if (errs.length > 0) throw errors.invalid("TokenRequest", name, errs, "authentication.k8s.io");

  const sa = await registry.get(R.serviceaccounts, namespace, name);
  const claim: KubernetesClaim = { namespace, serviceaccount: { name, uid: sa.metadata.uid! } };
  const ref = spec.boundObjectRef;
  if (ref) {
    const bound = BOUND[ref.kind!]!;
    const obj = await registry.get(bound.info(), bound.info().namespaced ? namespace : undefined, ref.name!);
    if (ref.uid && ref.uid !== obj.metadata.uid) {
      throw new ApiError("Conflict", `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    if (obj.metadata.deletionTimestamp) throw errors.badRequest(`cannot bind a token to ${ref.kind} "${ref.name}": it is being deleted`);
    claim[bound.claim] = { name: ref.name!, uid: obj.metadata.uid! };
    // A token bound to a pod also names the pod's node, as Kubernetes does.
    const nodeName = ref.kind === "Pod" ? (obj.spec as { nodeName?: string } | undefined)?.nodeName : undefined;
    if (nodeName) {
      const node = await registry.get(R.nodes, undefined, nodeName).catch(() => undefined);
      if (node) claim.node = { name: nodeName, uid: node.metadata.uid! };
    }
  }
  const { token, claims } = signer.issue(claim, spec.audiences, spec.expirationSeconds);
  return {
    apiVersion: API_VERSION,
    kind: "TokenRequest",
    metadata: { name, namespace, creationTimestamp: rfc3339(now) },
    spec,
    status: { token, expirationTimestamp: rfc3339(claims.exp * 1000) },
  };
}

/** The API server plugin: POST …/serviceaccounts/{name}/token. */
export function tokenRequestRoutes(registry: Registry, signer: ServiceAccountTokenSigner): (app: FastifyInstance) => void {
  return (app) => {
    app.route<{ Params: { namespace: string; name: string } }>({
      method: ["GET", "PUT", "PATCH", "DELETE", "POST"],
      url: "/api/v1/namespaces/:namespace/serviceaccounts/:name/token",
      handler: async (req, reply) => {
        if (req.method !== "POST") throw new ApiError("MethodNotAllowed", `the server does not allow this method on the requested resource (${req.method})`);
        const out = await requestToken(registry, signer, req.params.namespace, req.params.name, req.body);
        reply.code(201);
        return out;
      },
    });
  };
}

// Everything the API server needs for users, roles and audit, built in one
// place so the control plane's wiring stays a few lines: the reloading token
// authenticator, the Node + RBAC authorizers (with default roles created on
// first start), the access-review routes, and the audit log.
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Authenticator, Authorizer } from "../apiserver/auth.js";
import type { Registry } from "../apiserver/registry.js";
import type { AuditEntry } from "../apiserver/server.js";
import { InProcessClient } from "../client/in-process.js";
import { accessReviewRoutes } from "./access-review.js";
import { AuditLog } from "./audit-log.js";
import { bootstrapDefaultRoles } from "./default-roles.js";
import { InformerNodePodGraph, NodeAuthorizer } from "./node-authorizer.js";
import { InformerRbacSource, RbacAuthorizer } from "./rbac.js";
import { TokenFileAuthenticator } from "./token-file.js";
import { unionAuthorizer } from "./union.js";
import { InformerBoundObjects } from "./bound-objects.js";
import { ensureSigningKey, ServiceAccountTokenAuthenticator, ServiceAccountTokenSigner, unionAuthenticator } from "./service-account-token.js";
import { tokenRequestRoutes } from "./token-request.js";
import { selfSubjectReviewRoutes } from "./self-subject-review.js";

export { NodeRestriction } from "./node-restriction.js";

export interface AuthStackOptions {
  registry: Registry;
  /** The state dir: tokens.json is read from it, audit.log written to it. */
  stateDir: string;
  tokensPath: string;
  /** Replaces Node + RBAC (tests, or a deliberately open cluster). */
  authorizer?: Authorizer;
  /** Called with every audit entry, besides the audit log file. */
  audit?: (entry: AuditEntry) => void;
}

export interface AuthStack {
  authenticator: Authenticator;
  authorizer: Authorizer;
  rbac: RbacAuthorizer;
  auditLog: AuditLog;
  audit: (entry: AuditEntry) => void;
  /** API server plugins (access reviews). */
  plugins: Array<(app: FastifyInstance) => void>;
  /** Stop the caches and write out the audit buffer. */
  close(): Promise<void>;
}

/** The key service account tokens are signed with (kept across restarts). */
export function serviceAccountKeyPath(stateDir: string): string {
  return join(stateDir, "pki", "sa.key");
}

export function auditLogPath(stateDir: string): string {
  return join(stateDir, "audit.log");
}

/** Build and start the stack; resolves once the authorizers' caches are filled. */
export async function startAuthStack(opts: AuthStackOptions): Promise<AuthStack> {
  const client = new InProcessClient(opts.registry, "system:apiserver");
  await bootstrapDefaultRoles(client);
  const source = new InformerRbacSource(client);
  const graph = new InformerNodePodGraph(client);
  const boundObjects = new InformerBoundObjects(client);
  await Promise.all([source.start(), graph.start(), boundObjects.start()]);
  const signer = new ServiceAccountTokenSigner(ensureSigningKey(serviceAccountKeyPath(opts.stateDir)));
  const authenticator = unionAuthenticator(new TokenFileAuthenticator(opts.tokensPath), new ServiceAccountTokenAuthenticator(signer, boundObjects));
  const rbac = new RbacAuthorizer(source);
  const authorizer = opts.authorizer ?? unionAuthorizer(new NodeAuthorizer(graph), rbac);
  const auditLog = new AuditLog(auditLogPath(opts.stateDir));
  const extra = opts.audit;
  const audit = extra
    ? (e: AuditEntry) => {
        auditLog.record(e);
        extra(e);
      }
    : auditLog.sink;
  return {
    authenticator,
    authorizer,
    rbac,
    auditLog,
    audit,
    plugins: [accessReviewRoutes(authorizer, rbac), tokenRequestRoutes(opts.registry, signer), selfSubjectReviewRoutes(authenticator)],
    async close() {
      source.stop();
      graph.stop();
      boundObjects.stop();
      await auditLog.flush();
    },
  };
}

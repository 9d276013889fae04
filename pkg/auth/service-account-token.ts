// Bound service account tokens, as Kubernetes issues them for TokenRequest
// (pkg/serviceaccount/claims.go, jwt.go): a JWT signed with the cluster's
// service-account key (ES256, node:crypto, the key in $SKIFF_HOME/pki/sa.key so
// tokens survive a restart and every API server over the same state dir accepts
// them). Nothing is stored per token; a token is valid while its signature,
// audience and expiry hold AND the service account (and any object it is bound
// to) still exists with the same uid — deleting the ServiceAccount revokes it.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Authenticator, UserInfo } from "../apiserver/auth.js";
import { writeFileAtomic } from "../cluster/state-dir.js";

/** Kubernetes' default issuer and API audience (--service-account-issuer, --api-audiences). */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
export const API_AUDIENCES: readonly string[] = [SERVICE_ACCOUNT_ISSUER];
export const SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
export const ALL_SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

/** The user name of a service account ("system:serviceaccount:ns:name"). */
export function serviceAccountUser(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** Its groups, as the authenticator reports them (system:authenticated is added by the caller's chain). */
export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

export interface ObjectRef {
  name: string;
  uid: string;
}

/** The private "kubernetes.io" claim. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  "kubernetes.io": KubernetesClaim;
}

/** Load the signing key from `path`, creating it (0600) on first use. */
export function ensureSigningKey(path: string): KeyObject {
  if (existsSync(path)) return createPrivateKey(readFileSync(path, "utf8"));
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  writeFileAtomic(path, privateKey.export({ type: "pkcs8", format: "pem" }).toString(), 0o600);
  return privateKey;
}

const b64 = (v: object | Buffer) => (Buffer.isBuffer(v) ? v : Buffer.from(JSON.stringify(v))).toString("base64url");

export class ServiceAccountTokenSigner {
  private readonly publicKey: KeyObject;
  /** Key id: a digest of the public key, as Kubernetes derives `kid`. */
  readonly keyId: string;

  constructor(
    private readonly privateKey: KeyObject,
    private readonly now: () => number = Date.now,
  ) {
    this.publicKey = createPublicKey(privateKey);
    this.keyId = createHash("sha256").update(this.publicKey.export({ type: "spki", format: "der" })).digest("base64url");
  }

  /** A token for `claim`'s service account, valid for `expirationSeconds` from now. */
  issue(claim: KubernetesClaim, audiences: string[], expirationSeconds: number): { token: string; claims: TokenClaims } {
    const iat = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      iss: SERVICE_ACCOUNT_ISSUER,
      sub: serviceAccountUser(claim.namespace, claim.serviceaccount.name),
      aud: audiences,
      exp: iat + expirationSeconds,
      iat,
      nbf: iat,
      jti: randomUUID(),
      "kubernetes.io": claim,
    };
    const signingInput = `${b64({ alg: "ES256", kid: this.keyId, typ: "JWT" })}.${b64(claims)}`;
    const sig = sign("sha256", Buffer.from(signingInput), { key: this.privateKey, dsaEncoding: "ieee-p1363" });
    return { token: `${signingInput}.${b64(sig)}`, claims };
  }

  /** The claims of a token this key signed and that is inside its validity window; undefined otherwise. */
  verify(token: string): TokenClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    try {
      const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as { alg?: string; kid?: string };
      if (header.alg !== "ES256" || header.kid !== this.keyId) return undefined;
      const ok = verify("sha256", Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(parts[2], "base64url"));
      if (!ok) return undefined;
      const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as TokenClaims;
      const nowS = this.now() / 1000;
      if (claims.iss !== SERVICE_ACCOUNT_ISSUER || typeof claims.exp !== "number" || claims.exp <= nowS) return undefined;
      if (typeof claims.nbf === "number" && claims.nbf > nowS + 60) return undefined; // a minute of clock skew, as Kubernetes allows
      const k = claims["kubernetes.io"];
      if (!k || typeof k.namespace !== "string" || typeof k.serviceaccount?.name !== "string") return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }
}

/** Reads the live objects a token names (informer caches): uid and whether it is being deleted. */
export interface BoundObjectLookup {
  uidOf(kind: "ServiceAccount" | "Pod" | "Secret" | "Node", namespace: string, name: string): { uid?: string; deleting: boolean } | undefined;
}

/** Extra user info keys Kubernetes attaches to service account users. */
export const EXTRA_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";
export const EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";
export const EXTRA_POD_UID = "authentication.kubernetes.io/pod-uid";
export const EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name";
export const EXTRA_NODE_UID = "authentication.kubernetes.io/node-uid";

/** Accepts bound service account tokens for the API server's audiences. */
export class ServiceAccountTokenAuthenticator implements Authenticator {
  constructor(
    private readonly signer: ServiceAccountTokenSigner,
    private readonly objects: BoundObjectLookup,
    private readonly audiences: readonly string[] = API_AUDIENCES,
  ) {}

  authenticate(authorization: string | undefined): UserInfo | undefined {
    const m = /^Bearer\s+(eyJ\S+)\s*$/.exec(authorization ?? "");
    if (!m) return undefined;
    const claims = this.signer.verify(m[1]);
    if (!claims || !claims.aud.some((a) => this.audiences.includes(a))) return undefined;
    const k = claims["kubernetes.io"];
    const live = (kind: Parameters<BoundObjectLookup["uidOf"]>[0], ns: string, ref: ObjectRef) => {
      const o = this.objects.uidOf(kind, ns, ref.name);
      return !!o && !o.deleting && (!ref.uid || o.uid === ref.uid);
    };
    if (!live("ServiceAccount", k.namespace, k.serviceaccount)) return undefined;
    if (k.pod && !live("Pod", k.namespace, k.pod)) return undefined;
    if (k.secret && !live("Secret", k.namespace, k.secret)) return undefined;
    if (k.node && !live("Node", "", k.node)) return undefined;
    const extra: Record<string, string[]> = { [EXTRA_CREDENTIAL_ID]: [`JTI=${claims.jti}`] };
    if (k.pod) Object.assign(extra, { [EXTRA_POD_NAME]: [k.pod.name], [EXTRA_POD_UID]: [k.pod.uid] });
    if (k.node) Object.assign(extra, { [EXTRA_NODE_NAME]: [k.node.name], [EXTRA_NODE_UID]: [k.node.uid] });
    return {
      user: serviceAccountUser(k.namespace, k.serviceaccount.name),
      uid: k.serviceaccount.uid,
      groups: [...serviceAccountGroups(k.namespace), "system:authenticated"],
      extra,
    };
  }
}

/** The first authenticator that knows the token wins (Kubernetes' union authenticator). */
export function unionAuthenticator(...all: Authenticator[]): Authenticator {
  return {
    authenticate(authorization) {
      for (const a of all) {
        const who = a.authenticate(authorization);
        if (who) return who;
      }
      return undefined;
    },
  };
}

import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSigningKey, ServiceAccountTokenAuthenticator, ServiceAccountTokenSigner, type BoundObjectLookup } from "./service-account-token.js";

const sa = { namespace: "team", serviceaccount: { name: "bot", uid: "sa-uid" } };

function lookup(objects: Record<string, string>): BoundObjectLookup {
  return { uidOf: (kind, ns, name) => (objects[`${kind}/${ns}/${name}`] ? { uid: objects[`${kind}/${ns}/${name}`], deleting: false } : undefined) };
}

describe("service account tokens", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiff-sa-key-"));
  const keyPath = join(dir, "pki", "sa.key");
  let nowMs = 1_700_000_000_000;
  const signer = new ServiceAccountTokenSigner(ensureSigningKey(keyPath), () => nowMs);
  const objects = { "ServiceAccount/team/bot": "sa-uid", "Pod/team/web": "pod-uid" };
  const auth = new ServiceAccountTokenAuthenticator(signer, lookup(objects));

  it("keeps the signing key private and reuses it, so tokens survive a restart", () => {
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const { token } = signer.issue(sa, ["https://kubernetes.default.svc.cluster.local"], 3600);
    const again = new ServiceAccountTokenSigner(ensureSigningKey(keyPath), () => nowMs);
    expect(again.keyId).toBe(signer.keyId);
    expect(again.verify(token)?.sub).toBe("system:serviceaccount:team:bot");
    rmSync(dir, { recursive: true, force: true });
  });

  it("authenticates as the service account with Kubernetes' groups and extra", () => {
    const { token, claims } = signer.issue({ ...sa, pod: { name: "web", uid: "pod-uid" } }, ["https://kubernetes.default.svc.cluster.local"], 3600);
    expect(token.split(".")).toHaveLength(3);
    expect(auth.authenticate(`Bearer ${token}`)).toEqual({
      user: "system:serviceaccount:team:bot",
      uid: "sa-uid",
      groups: ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"],
      extra: {
        "authentication.kubernetes.io/credential-id": [`JTI=${claims.jti}`],
        "authentication.kubernetes.io/pod-name": ["web"],
        "authentication.kubernetes.io/pod-uid": ["pod-uid"],
      },
    });
  });

  it("refuses expired, foreign-audience, tampered and orphaned tokens", () => {
    const ok = signer.issue(sa, ["https://kubernetes.default.svc.cluster.local"], 600).token;
    const vault = signer.issue(sa, ["vault"], 600).token;
    expect(auth.authenticate(`Bearer ${vault}`)).toBeUndefined();
    const [h, p, s] = ok.split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: "system:serviceaccount:kube-system:admin" })).toString("base64url");
    expect(auth.authenticate(`Bearer ${h}.${forged}.${s}`)).toBeUndefined();
    // The account was deleted and recreated: a new uid, so the old token is dead.
    const recreated = new ServiceAccountTokenAuthenticator(signer, lookup({ "ServiceAccount/team/bot": "other-uid" }));
    expect(recreated.authenticate(`Bearer ${ok}`)).toBeUndefined();
    const boundToGonePod = signer.issue({ ...sa, pod: { name: "gone", uid: "x" } }, ["https://kubernetes.default.svc.cluster.local"], 600).token;
    expect(auth.authenticate(`Bearer ${boundToGonePod}`)).toBeUndefined();
    expect(auth.authenticate(`Bearer ${ok}`)?.user).toBe("system:serviceaccount:team:bot");
    nowMs += 601_000;
    expect(auth.authenticate(`Bearer ${ok}`)).toBeUndefined();
  });
});

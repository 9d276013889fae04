// The state directory ($SKIFF_HOME, default ~/.skiff): store file, PKI,
// tokens and the kubeconfig users point kubectl at. Created on first `skiff up`
// and reused afterwards, so certificates and tokens stay stable across restarts.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { statePaths, type StatePaths } from "./paths.js";
// pki.ts pulls in @peculiar/x509 (~100 ms to load): only import it when issuing.
import type { ClusterPki } from "../apiserver/pki.js";

/** Write via a temp file and rename, so a crash never leaves half a file. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
  chmodSync(path, mode);
}

export function newToken(): string {
  return randomBytes(24).toString("base64url");
}

export interface TokenEntry {
  user: string;
  groups?: string[];
}

export function loadTokens(paths: StatePaths): Record<string, TokenEntry> {
  if (!existsSync(paths.tokens)) return {};
  return JSON.parse(readFileSync(paths.tokens, "utf8")) as Record<string, TokenEntry>;
}

/**
 * The cluster's identity: a random id made on first start and kept in the
 * state dir. Containers carry it, so clusters sharing one engine stay apart.
 */
export function ensureClusterId(paths: StatePaths): string {
  const file = join(paths.dir, "cluster-id");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const id = randomBytes(8).toString("hex");
  writeFileAtomic(file, id + "\n", 0o644);
  return id;
}

/** Ensure the admin token exists; returns it. */
export function ensureAdminToken(paths: StatePaths): string {
  const tokens = loadTokens(paths);
  const existing = Object.entries(tokens).find(([, e]) => e.user === "admin");
  if (existing) return existing[0];
  const token = newToken();
  tokens[token] = { user: "admin", groups: ["system:masters"] };
  writeFileAtomic(paths.tokens, JSON.stringify(tokens, null, 2) + "\n");
  return token;
}

/**
 * Load the cluster PKI, creating the CA and serving certificate on first use.
 * The serving certificate is reissued when the advertised hosts change.
 */
export async function ensurePki(paths: StatePaths, extraHosts: string[] = []): Promise<ClusterPki> {
  mkdirSync(join(paths.dir, "pki"), { recursive: true, mode: 0o700 });
  let pki: ClusterPki;
  if (existsSync(paths.caCert) && existsSync(paths.caKey)) {
    const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
    const hostsFile = join(paths.dir, "pki", "apiserver.hosts");
    const wantHosts = JSON.stringify([...extraHosts].sort());
    const haveHosts = existsSync(hostsFile) ? readFileSync(hostsFile, "utf8") : "";
    if (existsSync(paths.servingCert) && existsSync(paths.servingKey) && haveHosts === wantHosts) {
      return { ca, serving: { certPem: readFileSync(paths.servingCert, "utf8"), keyPem: readFileSync(paths.servingKey, "utf8") } };
    }
    const { issueServingCertificate } = await import("../apiserver/pki.js");
    pki = { ca, serving: await issueServingCertificate(ca, extraHosts) };
    writeFileAtomic(hostsFile, wantHosts);
  } else {
    const { createClusterPki } = await import("../apiserver/pki.js");
    pki = await createClusterPki(extraHosts);
    writeFileAtomic(paths.caCert, pki.ca.certPem, 0o644);
    writeFileAtomic(paths.caKey, pki.ca.keyPem);
    writeFileAtomic(join(paths.dir, "pki", "apiserver.hosts"), JSON.stringify([...extraHosts].sort()));
  }
  writeFileAtomic(paths.servingCert, pki.serving.certPem, 0o644);
  writeFileAtomic(paths.servingKey, pki.serving.keyPem);
  return pki;
}

export { defaultStateDir, statePaths, type StatePaths } from "./paths.js";

// `skiff certs rotate`: a new API serving certificate from the same CA, picked
// up by running API servers without a restart. The rotation only writes files
// (key first, then certificate, each atomically); every API server polls the
// certificate file and, when a new matching pair is on disk, swaps it into its
// TLS server with setSecureContext. Connections already open keep the
// certificate they negotiated; new handshakes get the new one. Agents and
// kubectl trust the CA, not the leaf, so nothing else has to change.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Server as TlsServer } from "node:tls";
import { issueServingCertificate } from "../apiserver/pki.js";
import { writeFileAtomic } from "./state-dir.js";
import type { StatePaths } from "./paths.js";

export interface RotatedCertificate {
  serialNumber: string;
  notAfter: string;
  /** The DNS names and IPs it is valid for. */
  subjectAltName: string;
}

/** Issue and write a new serving certificate for the same hosts; running servers load it within their poll interval. */
export async function rotateServingCertificate(paths: StatePaths): Promise<RotatedCertificate> {
  if (!existsSync(paths.caCert) || !existsSync(paths.caKey)) {
    throw new Error(`no cluster CA in ${join(paths.dir, "pki")}: start the cluster once with \`skiff up\` (or \`skiff control-plane\`) first`);
  }
  const ca = { certPem: readFileSync(paths.caCert, "utf8"), keyPem: readFileSync(paths.caKey, "utf8") };
  const hostsFile = join(paths.dir, "pki", "apiserver.hosts");
  const extraHosts = existsSync(hostsFile) ? (JSON.parse(readFileSync(hostsFile, "utf8")) as string[]) : [];
  const serving = await issueServingCertificate(ca, extraHosts);
  // Key first: a server that sees the new certificate must find its key already there.
  writeFileAtomic(paths.servingKey, serving.keyPem);
  writeFileAtomic(paths.servingCert, serving.certPem, 0o644);
  const cert = new X509Certificate(serving.certPem);
  return { serialNumber: cert.serialNumber, notAfter: cert.validTo, subjectAltName: cert.subjectAltName ?? "" };
}

export interface CertReloader {
  /** Look at the files now; true when a new certificate was loaded. */
  check(): boolean;
  stop(): void;
}

/**
 * Poll the serving certificate and key and load a changed pair into `server`.
 * A certificate whose key does not match (caught between the two writes, or
 * hand-edited) is skipped until the pair is consistent.
 */
export function watchServingCertificate(
  server: Pick<TlsServer, "setSecureContext">,
  files: { cert: string; key: string },
  opts: { intervalMs?: number; onReload?: (serialNumber: string) => void; onError?: (e: Error) => void } = {},
): CertReloader {
  const stamp = () => {
    try {
      const c = statSync(files.cert);
      const k = statSync(files.key);
      return `${c.ino}:${c.mtimeMs}:${c.size}|${k.ino}:${k.mtimeMs}:${k.size}`;
    } catch {
      return "missing";
    }
  };
  let loaded = stamp();
  let lastError = "";
  const check = (): boolean => {
    const now = stamp();
    if (now === loaded || now === "missing") return false;
    try {
      const certPem = readFileSync(files.cert, "utf8");
      const keyPem = readFileSync(files.key, "utf8");
      const cert = new X509Certificate(certPem);
      if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw new Error("the serving certificate and key do not match (yet)");
      server.setSecureContext({ cert: certPem, key: keyPem });
      loaded = now;
      lastError = "";
      opts.onReload?.(cert.serialNumber);
      return true;
    } catch (e) {
      // Report each distinct problem once; keep serving the old certificate meanwhile.
      if ((e as Error).message !== lastError) opts.onError?.(e as Error);
      lastError = (e as Error).message;
      return false;
    }
  };
  const timer = setInterval(check, opts.intervalMs ?? 1000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}

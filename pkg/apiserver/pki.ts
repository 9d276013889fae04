// Cluster PKI: a self-signed CA and a serving certificate for the API server.
// Real kubectl sends bearer tokens only over HTTPS, so TLS is not optional.
// @peculiar/x509 builds the certificates (no hand-rolled ASN.1); it needs the
// reflect-metadata polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { createHash, webcrypto, X509Certificate } from "node:crypto";

x509.cryptoProvider.set(webcrypto);
type CryptoKey = webcrypto.CryptoKey;

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 86_400_000;

export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

export interface ClusterPki {
  ca: KeyPairPem;
  serving: KeyPairPem;
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  // Positive, 16 random bytes: unique enough that rotation never reuses one.
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  return Buffer.from(b).toString("hex");
}

async function exportKey(key: CryptoKey): Promise<string> {
  return pemKey(await webcrypto.subtle.exportKey("pkcs8", key));
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  return webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"]);
}

export async function createCa(commonName = "skiff-ca", validDays = 3650): Promise<KeyPairPem> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + validDays * DAY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

export interface LeafOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** serverAuth for the API server, clientAuth for agents/users. */
  usages: Array<"server" | "client">;
  validDays?: number;
  organization?: string;
}

/** Issue a certificate signed by the CA. */
export async function issueCertificate(ca: KeyPairPem, opts: LeafOptions): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importKey(ca.keyPem);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]);
  const sans: x509.JsonGeneralName[] = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(opts.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const ekus = opts.usages.map((u) => (u === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
  const subject = opts.organization ? `CN=${opts.commonName}, O=${opts.organization}` : `CN=${opts.commonName}`;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + (opts.validDays ?? 365) * DAY_MS),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(ekus, false),
      ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans, false)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await exportKey(keys.privateKey) };
}

/** A CA plus a serving certificate valid for loopback and the given extra names. */
export async function createClusterPki(extraHosts: string[] = []): Promise<ClusterPki> {
  const ca = await createCa();
  const serving = await issueServingCertificate(ca, extraHosts);
  return { ca, serving };
}

export async function issueServingCertificate(ca: KeyPairPem, extraHosts: string[] = []): Promise<KeyPairPem> {
  const isIp = (h: string) => /^\d+\.\d+\.\d+\.\d+$/.test(h) || h.includes(":");
  return issueCertificate(ca, {
    commonName: "skiff-apiserver",
    dnsNames: ["localhost", "skiff", ...extraHosts.filter((h) => !isIp(h))],
    ipAddresses: ["127.0.0.1", ...extraHosts.filter(isIp)],
    usages: ["server"],
  });
}

/**
 * sha256 of the CA's SubjectPublicKeyInfo, the format kubeadm's
 * --discovery-token-ca-cert-hash uses ("sha256:<hex>").
 */
export function caCertHash(caCertPem: string): string {
  const spki = new X509Certificate(caCertPem).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

import { afterEach, describe, expect, it } from "vitest";
import https from "node:https";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { rotateServingCertificate, watchServingCertificate } from "./cert-rotation.js";
import { statePaths } from "./paths.js";
import { issueServingCertificate } from "../apiserver/pki.js";

const dirs: string[] = [];
const planes: ControlPlane[] = [];
afterEach(async () => {
  for (const cp of planes.splice(0)) await cp.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** GET /healthz through `agent`; the serial of the certificate the server presented and whether the socket was reused. */
function healthz(url: string, agent: https.Agent, ca: string): Promise<{ serial: string; reused: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${url}/healthz`, { agent, ca }, (res) => {
      // Read now: a keep-alive socket goes back to the agent (res.socket = null) once the body ends.
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ serial, reused: req.reusedSocket, body }));
    });
    req.on("error", reject);
  });
}

describe("serving certificate rotation", () => {
  it("swaps the certificate into a running API server: open connections keep working, new ones get the new certificate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-certs-"));
    dirs.push(dir);
    const cp = await startControlPlane({ stateDir: dir, store: "memory", port: 0 });
    planes.push(cp);
    const paths = statePaths(dir);
    const oldSerial = new X509Certificate(readFileSync(paths.servingCert)).serialNumber;

    const kept = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const before = await healthz(cp.url, kept, cp.caPem);
    expect(before).toMatchObject({ serial: oldSerial, body: "ok" });

    const rotated = await rotateServingCertificate(paths);
    expect(rotated.serialNumber).not.toBe(oldSerial);
    expect(rotated.subjectAltName).toContain("IP Address:127.0.0.1");

    // New connections see the new certificate (the server polls the file about once a second)…
    const deadline = Date.now() + 15_000;
    let fresh: { serial: string };
    for (;;) {
      const a = new https.Agent({ keepAlive: false });
      fresh = await healthz(cp.url, a, cp.caPem);
      a.destroy();
      if (fresh.serial === rotated.serialNumber || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(fresh.serial).toBe(rotated.serialNumber);
    // …while the connection opened before the rotation still answers, on the certificate it negotiated.
    const again = await healthz(cp.url, kept, cp.caPem);
    expect(again).toMatchObject({ reused: true, serial: oldSerial, body: "ok" });
    kept.destroy();
    // The CA did not change: the kubeconfig's CA still verifies the server.
    expect(readFileSync(paths.caCert, "utf8")).toBe(cp.caPem);
  }, 60_000);

  it("skips a certificate whose key does not match, and loads the pair once it does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-certs-"));
    dirs.push(dir);
    const ca = await import("../apiserver/pki.js").then((m) => m.createCa());
    const a = await issueServingCertificate(ca);
    const b = await issueServingCertificate(ca);
    const files = { cert: join(dir, "tls.crt"), key: join(dir, "tls.key") };
    writeFileSync(files.cert, a.certPem);
    writeFileSync(files.key, a.keyPem);
    const loaded: unknown[] = [];
    const errors: string[] = [];
    const fakeServer = { setSecureContext: (ctx: unknown) => void loaded.push(ctx) };
    const w = watchServingCertificate(fakeServer, files, { intervalMs: 60_000, onError: (e) => errors.push(e.message) });
    try {
      expect(w.check()).toBe(false); // nothing changed since start
      writeFileSync(files.cert, b.certPem + "\n"); // new certificate, old key
      expect(w.check()).toBe(false);
      expect(w.check()).toBe(false);
      expect(errors).toEqual(["the serving certificate and key do not match (yet)"]); // reported once
      writeFileSync(files.key, b.keyPem);
      expect(w.check()).toBe(true);
      expect(loaded).toEqual([{ cert: b.certPem + "\n", key: b.keyPem }]);
    } finally {
      w.stop();
    }
  });

  it("refuses to rotate without a cluster CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-certs-"));
    dirs.push(dir);
    await expect(rotateServingCertificate(statePaths(dir))).rejects.toThrow(/no cluster CA/);
  });
});

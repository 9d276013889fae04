import { afterAll, beforeAll, describe, expect, it } from "vitest";
import https from "node:https";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { R } from "../api/kinds.js";
import { caCertHash, createCa } from "../apiserver/pki.js";
import { createToken } from "../auth/token-admin.js";
import { InProcessClient } from "../client/in-process.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { CLUSTER_INFO_PATH } from "./cluster-info.js";
import { JoinError, discoverClusterCa, joinCommand, startJoinedAgent } from "./join.js";

function request(url: string, method: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = method === "GET" ? undefined : "{}";
    const headers = body ? { "Content-Type": "application/json", "Content-Length": String(body.length) } : {};
    const req = https.request(url, { method, ca, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("joining a node agent", () => {
  let dir: string;
  let cp: ControlPlane;
  let hash: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-join-"));
    cp = await startControlPlane({ stateDir: dir, store: "memory", port: 0 });
    hash = caCertHash(cp.caPem);
  }, 60_000);
  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves cluster-info to anyone, but only that object and only for reading", async () => {
    expect(await request(`${cp.url}${CLUSTER_INFO_PATH}`, "GET", cp.caPem)).toBe(200);
    expect(await request(`${cp.url}${CLUSTER_INFO_PATH}`, "PUT", cp.caPem)).toBe(401);
    expect(await request(`${cp.url}${CLUSTER_INFO_PATH}`, "DELETE", cp.caPem)).toBe(401);
    expect(await request(`${cp.url}/api/v1/namespaces/kube-public/configmaps`, "GET", cp.caPem)).toBe(401);
    expect(await request(`${cp.url}/api/v1/namespaces/kube-system/configmaps/cluster-info`, "GET", cp.caPem)).toBe(401);
  });

  it("accepts the CA only with the right hash", async () => {
    expect(await discoverClusterCa(cp.url, { caCertHash: hash })).toBe(cp.caPem);
    const other = caCertHash((await createCa("impostor")).certPem);
    await expect(discoverClusterCa(cp.url, { caCertHash: other })).rejects.toThrow(new RegExp(`has hash ${hash}, not the expected ${other}: refusing to join`));
    await expect(discoverClusterCa(cp.url, {})).rejects.toThrow(/give --ca-cert-hash/);
    await expect(discoverClusterCa(cp.url, { caCertHash: "md5:abc" })).rejects.toBeInstanceOf(JoinError);
    expect(await discoverClusterCa(cp.url, { unsafeSkipCaVerification: true })).toBe(cp.caPem);
    await expect(discoverClusterCa("https://127.0.0.1:1", { caCertHash: hash })).rejects.toThrow(/cannot reach/);
  });

  it("prints the join command with the CA hash", () => {
    expect(joinCommand({ server: cp.url, caPem: cp.caPem, token: "T", nodeName: "n1" })).toBe(`skiff agent --server ${cp.url} --token T --ca-cert-hash ${hash} --name n1`);
  });

  it("starts an agent with a node token that registers its node and heartbeats", async () => {
    const { token } = await createToken(cp.paths.tokens, undefined, { node: "joined-1" });
    const joined = await startJoinedAgent({ servers: [cp.url], token, nodeName: "joined-1", discovery: { caCertHash: hash }, runtime: "fake", stateDir: dir, heartbeatMs: 200 });
    try {
      const admin = new InProcessClient(cp.registry);
      const node = await admin.get(R.nodes, undefined, "joined-1");
      expect(node.metadata.labels?.["skiff.dev/runtime"]).toBe("fake");
      expect((node.status as { capacity?: Record<string, string> }).capacity).toMatchObject({ cpu: "4", memory: "8Gi", pods: "110" });
      const lease = await admin.get(R.leases, "kube-node-lease", "joined-1");
      expect((lease.spec as { holderIdentity?: string }).holderIdentity).toBe("joined-1");
    } finally {
      await joined.stop();
    }
  }, 30_000);

  it("refuses a bad --eviction-hard, naming the entry", async () => {
    const { token } = await createToken(cp.paths.tokens, undefined, { node: "joined-evict" });
    await expect(
      startJoinedAgent({ servers: [cp.url], token, nodeName: "joined-evict", discovery: { caCertHash: hash }, runtime: "fake", stateDir: dir, evictionHard: "memory.available<100Mi,disk<3" }),
    ).rejects.toThrow(/--eviction-hard\[1\] "disk<3": unsupported signal "disk"/);
  }, 30_000);

  it("reports a refused token or a token of another node clearly", async () => {
    await expect(startJoinedAgent({ servers: [cp.url], token: "nope", nodeName: "x", discovery: { caCertHash: hash }, runtime: "fake", stateDir: dir })).rejects.toThrow(
      /refused the token \(401\): make one with `skiff token create --node x`/,
    );
    const { token } = await createToken(cp.paths.tokens, undefined, { node: "right-name" });
    await expect(startJoinedAgent({ servers: [cp.url], token, nodeName: "wrong-name", discovery: { caCertHash: hash }, runtime: "fake", stateDir: dir })).rejects.toThrow(
      /refused node wrong-name/,
    );
  }, 30_000);

  it("uses the next server of the list when the first cannot be reached", async () => {
    const { token } = await createToken(cp.paths.tokens, undefined, { node: "joined-2" });
    const joined = await startJoinedAgent({ servers: ["https://127.0.0.1:1", cp.url], token, nodeName: "joined-2", discovery: { caCertHash: hash }, runtime: "fake", stateDir: dir });
    try {
      expect((await new InProcessClient(cp.registry).get(R.nodes, undefined, "joined-2")).metadata.name).toBe("joined-2");
    } finally {
      await joined.stop();
    }
  }, 30_000);
});

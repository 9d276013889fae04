import { mkdtempSync, rmSync } from "node:fs";
import fs from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { V1Secret } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PersistentVolume, PersistentVolumeClaim } from "../api/storage.js";
import type { AgentPod } from "./types.js";
import { VolumeError, VolumeManager } from "./volumes.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function pod(uid: string, volumes: AgentPod["spec"]["volumes"], annotations?: Record<string, string>): AgentPod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid, annotations }, spec: { containers: [], volumes } };
}

describe("VolumeManager: secrets and claims", () => {
  let dir: string;
  let secrets: Record<string, V1Secret>;
  let vm: VolumeManager;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "skiff-volumes-"));
    secrets = { db: { data: { user: b64("admin"), "tls.key": b64("KEY") } } };
    vm = new VolumeManager(dir, async () => undefined, async (_ns, name) => secrets[name]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a secret's decoded keys as files with defaultMode, and rewrites them when it changes", async () => {
    const p = pod("u1", [{ name: "creds", secret: { secretName: "db", defaultMode: 0o400 } }]);
    const { paths } = await vm.setUp(p);
    const d = paths.get("creds")!;
    expect(await fs.readFile(path.join(d, "user"), "utf8")).toBe("admin");
    expect(await fs.readFile(path.join(d, "tls.key"), "utf8")).toBe("KEY");
    expect((await fs.stat(path.join(d, "user"))).mode & 0o777).toBe(0o400);
    secrets.db = { data: { user: b64("root") } };
    await vm.setUp(p);
    expect(await fs.readFile(path.join(d, "user"), "utf8")).toBe("root");
    await expect(fs.stat(path.join(d, "tls.key"))).rejects.toThrow(); // removed keys disappear
  });

  it("honours items and reports missing secrets and keys by name", async () => {
    const { paths } = await vm.setUp(pod("u2", [{ name: "c", secret: { secretName: "db", items: [{ key: "user", path: "sub/u.txt" }] } }]));
    expect(await fs.readFile(path.join(paths.get("c")!, "sub/u.txt"), "utf8")).toBe("admin");
    await expect(vm.setUp(pod("u3", [{ name: "c", secret: { secretName: "nope" } }]))).rejects.toThrow(
      new VolumeError("c", 'secret "nope" not found'),
    );
    await expect(vm.setUp(pod("u4", [{ name: "c", secret: { secretName: "db", items: [{ key: "zzz", path: "z" }] } }]))).rejects.toThrow(
      "references non-existent secret key: zzz",
    );
    const optional = await vm.setUp(pod("u5", [{ name: "c", secret: { secretName: "nope", optional: true } }]));
    expect(await fs.readdir(optional.paths.get("c")!)).toEqual([]);
  });

  it("mounts a claim as its bound volume's directory, which outlives the pod", async () => {
    const data = path.join(dir, "volumes", "pvc-1");
    const claims: Record<string, PersistentVolumeClaim> = {
      www: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "www", namespace: "default" }, spec: { volumeName: "pvc-1" }, status: { phase: "Bound" } },
      waiting: { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "waiting", namespace: "default" }, spec: {}, status: { phase: "Pending" } },
    };
    const volumes: Record<string, PersistentVolume> = { "pvc-1": { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pvc-1" }, spec: { hostPath: { path: data, type: "DirectoryOrCreate" } } } };
    const storage = new VolumeManager(dir, async () => undefined, async () => undefined, { claim: async (_ns, n) => claims[n], volume: async (n) => volumes[n] });
    const first = await storage.setUp(pod("old-uid", [{ name: "html", persistentVolumeClaim: { claimName: "www" } }]));
    expect(first.paths.get("html")).toBe(data);
    await fs.writeFile(path.join(data, "index.html"), "hello from web-0");
    await storage.tearDown("old-uid");
    const second = await storage.setUp(pod("new-uid", [{ name: "html", persistentVolumeClaim: { claimName: "www" } }]));
    expect(await fs.readFile(path.join(second.paths.get("html")!, "index.html"), "utf8")).toBe("hello from web-0");

    const unbound = storage.setUp(pod("u7", [{ name: "v", persistentVolumeClaim: { claimName: "waiting" } }]));
    await expect(unbound).rejects.toThrow('PVC default/waiting has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")');
    await expect(unbound).rejects.toMatchObject({ retryAfterMs: 1000 });
    await expect(storage.setUp(pod("u8", [{ name: "v", persistentVolumeClaim: { claimName: "nope" } }]))).rejects.toThrow('persistentvolumeclaim "nope" not found');
  });
});

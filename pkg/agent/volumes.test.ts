import { mkdtempSync, rmSync } from "node:fs";
import fs from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { V1Secret } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { VOLUME_IDENTITY_ANNOTATION } from "../api/volume-identity.js";
import type { AgentPod } from "./types.js";
import { VolumeError, VolumeManager } from "./volumes.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function pod(uid: string, volumes: AgentPod["spec"]["volumes"], annotations?: Record<string, string>): AgentPod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid, annotations }, spec: { containers: [], volumes } };
}

describe("VolumeManager: secrets and claim identity", () => {
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

  it("keeps a claimed emptyDir per (namespace, claim): it outlives the pod", async () => {
    const ann = { [VOLUME_IDENTITY_ANNOTATION]: JSON.stringify({ www: "www-web-0" }) };
    const first = await vm.setUp(pod("old-uid", [{ name: "www", emptyDir: {} }, { name: "tmp", emptyDir: {} }], ann));
    const www = first.paths.get("www")!;
    expect(www).toBe(path.join(dir, "claims", "default", "www-web-0"));
    await fs.writeFile(path.join(www, "index.html"), "hello from web-0");
    await vm.tearDown("old-uid");
    const second = await vm.setUp(pod("new-uid", [{ name: "www", emptyDir: {} }, { name: "tmp", emptyDir: {} }], ann));
    expect(second.paths.get("www")).toBe(www);
    expect(await fs.readFile(path.join(www, "index.html"), "utf8")).toBe("hello from web-0");
    expect(second.paths.get("tmp")).toBe(vm.volumeDir("new-uid", "tmp")); // unclaimed volumes stay per pod
  });

  it("ignores claim names that could leave the claims directory", async () => {
    const ann = { [VOLUME_IDENTITY_ANNOTATION]: JSON.stringify({ www: "../../etc" }) };
    const { paths } = await vm.setUp(pod("u6", [{ name: "www", emptyDir: {} }], ann));
    expect(paths.get("www")).toBe(vm.volumeDir("u6", "www"));
  });
});

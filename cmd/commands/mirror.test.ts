// The mirror and kind commands end to end through main(): flags, output, exit codes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { R } from "../../pkg/api/kinds.js";
import { InProcessClient } from "../../pkg/client/in-process.js";
import { startControlPlane, type ControlPlane } from "../../pkg/cluster/control-plane.js";
import { KIND_DOCS } from "../../pkg/mirror/kind-cluster.js";
import { seedNamespace } from "../../test/helpers/mirror-fixtures.js";
import { main } from "../skiff.js";
import { namespacesFromArgv } from "./mirror.js";

function capture() {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  return { out: () => out, err: () => err };
}

afterEach(() => vi.restoreAllMocks());

test("every -n counts, in every spelling", () => {
  expect(namespacesFromArgv(["node", "skiff", "mirror", "-n", "a", "--namespace", "b", "-nc", "--namespace=d,e", "-n=f", "--", "-n", "g"])).toEqual(["a", "b", "c", "d", "e", "f"]);
});

describe("skiff kind without the binaries", () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });
  test("kind up says what to install and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-kind-cli-"));
    try {
      process.env.PATH = join(dir, "nothing-here");
      const io = capture();
      expect(await main(["node", "skiff", "kind", "up", "--state-dir", dir])).toBe(1);
      expect(io.err()).toContain("`kind` and `docker`");
      expect(io.err()).toContain(KIND_DOCS);
      expect(io.out()).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("skiff mirror against a second control plane", () => {
  let dir: string;
  let skiff: ControlPlane;
  let target: ControlPlane;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-mirror-cli-"));
    skiff = await startControlPlane({ stateDir: join(dir, "skiff"), store: "memory", port: 0 });
    target = await startControlPlane({ stateDir: join(dir, "target"), store: "memory", port: 0 });
    const c = new InProcessClient(skiff.registry);
    await seedNamespace(c, "a");
    await seedNamespace(c, "b");
    await seedNamespace(c, "c");
  }, 60_000);
  afterAll(async () => {
    await skiff?.close();
    await target?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("mirror --once -n a -n b applies those namespaces only, then status shows them side by side", async () => {
    const io = capture();
    const code = await main(["node", "skiff", "mirror", "--once", "--kubeconfig", target.paths.kubeconfig, "-n", "a", "-n", "b", "--source-kubeconfig", skiff.paths.kubeconfig]);
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    expect(io.out()).toContain("deployment.apps/web -n a applied\n");
    expect(io.out()).toContain("deployment.apps/web -n a: note: annotation skiff.dev/lab-note not kept");
    expect(io.out()).toMatch(/mirror to "skiff": 12 applied, \d+ notes, 0 errors/);
    const t = new InProcessClient(target.registry);
    expect((await t.list(R.deployments, undefined)).items.map((d) => d.metadata.namespace).sort()).toEqual(["a", "b"]);

    await t.patch(R.deployments, "b", "web", "merge", { spec: { replicas: 1 } });
    vi.restoreAllMocks();
    const io2 = capture();
    expect(await main(["node", "skiff", "mirror", "status", "--kubeconfig", target.paths.kubeconfig, "-n", "b", "--source-kubeconfig", skiff.paths.kubeconfig])).toBe(0);
    const lines = io2.out().split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE\s+KIND\/NAME\s+SKIFF\s+TARGET\s+DRIFT$/);
    expect(lines.find((l) => l.includes("deployment.apps/web"))).toMatch(/^b\s+deployment\.apps\/web\s+0\/3 ready, image nginx:1\.27\s+0\/1 ready, image nginx:1\.27\s+replicas 3≠1$/);
    expect(lines.find((l) => l.includes("configmap/cfg"))).toMatch(/in sync$/);
    expect(io2.out()).not.toContain("-n a");
  });

  test("a missing target kubeconfig is a clear error", async () => {
    const io = capture();
    expect(await main(["node", "skiff", "mirror", "--kubeconfig", join(dir, "nope"), "--source-kubeconfig", skiff.paths.kubeconfig])).toBe(1);
    expect(io.err()).toContain(`no kubeconfig at ${join(dir, "nope")}`);
  });
});

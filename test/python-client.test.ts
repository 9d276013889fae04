// The official Python client (Debian's python3-kubernetes, /usr/bin/python3)
// against skiff (issue #17): it creates, watches (ADDED, MODIFIED, DELETED),
// patches and deletes each kind, sending `watch=True` and DELETE with an empty
// JSON body; a 409 conflict reads byte for byte as Kubernetes' Status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";
import { RESOURCES } from "../pkg/api/kinds.js";

const run = promisify(execFile);
const PYTHON = "/usr/bin/python3";
function havePythonClient(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ["-c", "import kubernetes"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const available = havePythonClient();
if (!available) console.warn("\n*** SKIPPING Python client tests: /usr/bin/python3 with python3-kubernetes not found ***\n");
const SCRIPT = fileURLToPath(new URL("./fixtures/python-client.py", import.meta.url));

/** ReplicationController joins once it is served. */
const KINDS = ["ConfigMap", "Deployment", "Job", "Service", ...(RESOURCES.some((r) => r.kind === "ReplicationController") ? ["ReplicationController"] : [])];

interface Report {
  kinds: Record<string, { events: string[]; created: string; patchedGeneration: number }>;
  conflict: { status: number; body: string } | null;
}

describe.skipIf(!available)("the official Python client against skiff", () => {
  let cp: ControlPlane;
  let dir: string;
  let report: Report;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-python-"));
    cp = await startControlPlane({ stateDir: dir, store: "memory", port: 0 });
    const { stdout } = await run(PYTHON, [SCRIPT, cp.paths.kubeconfig, "default", KINDS.join(",")], { timeout: 150_000, env: { ...process.env, HOME: dir } });
    report = JSON.parse(stdout) as Report;
  }, 180_000);

  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(KINDS)("creates, watches, patches and deletes a %s", (kind) => {
    const r = report.kinds[kind];
    expect(r.created).toMatch(/^py-/);
    expect(r.events).toEqual(["ADDED", "MODIFIED", "DELETED"]);
  });

  it("reads a 409 conflict byte for byte as Kubernetes' Status", () => {
    expect(report.conflict).toEqual({
      status: 409,
      body: '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"py-dup\\" already exists","reason":"AlreadyExists","details":{"name":"py-dup","kind":"configmaps"},"code":409}\n',
    });
  });
});

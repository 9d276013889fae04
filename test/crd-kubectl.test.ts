// CustomResourceDefinitions driven by real kubectl (/usr/bin/kubectl): the
// documentation's CronTab CRD applies and is Established; its objects are
// validated (422 with Kubernetes' field paths), defaulted, pruned, listed with
// printer columns, patched (merge/JSON; strategic merge refused), scaled through
// the scale subresource; a status update leaves spec alone; deleting the CRD
// deletes its objects.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";
import { until } from "./helpers/lab-cluster.js";
import { CLI, cliBuilt } from "./helpers/skiff-process.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING CRD kubectl tests: ${KUBECTL} not found (set KUBECTL=/path/to/kubectl) ***\n`);
const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/crd/${f}`, import.meta.url));

describe.skipIf(!haveKubectl)("CustomResourceDefinitions with real kubectl", () => {
  let cp: ControlPlane;
  let dir: string;

  async function kubectlResult(...args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir }, timeout: 30_000 });
      return { ok: true, stdout, stderr };
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      return { ok: false, stdout: err.stdout ?? "", stderr: err.stderr || err.message };
    }
  }
  async function kubectl(...args: string[]): Promise<string> {
    const r = await kubectlResult(...args);
    if (!r.ok) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  }
  const crontab = async (name: string) => JSON.parse(await kubectl("get", "crontab", name, "-o", "json")) as { spec: Record<string, unknown>; status?: Record<string, unknown>; metadata: { generation?: number } };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-crd-"));
    cp = await startControlPlane({ stateDir: dir, store: "sqlite", port: 0 });
  });

  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies the documentation's CronTab CRD, which becomes Established and discoverable", async () => {
    expect(await kubectl("apply", "-f", fixture("crontab-crd.yaml"))).toContain("customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created");
    expect(await kubectl("wait", "--for", "condition=established", "--timeout=20s", "crd/crontabs.stable.example.com")).toContain("condition met");
    const resources = await kubectl("api-resources", "--api-group=stable.example.com");
    expect(resources).toMatch(/crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/);
  });

  it("creates a custom object with defaults from the schema and lists it with printer columns", async () => {
    expect(await kubectl("apply", "-f", fixture("my-crontab.yaml"))).toContain("crontab.stable.example.com/my-new-cron-object created");
    const obj = await crontab("my-new-cron-object");
    expect(obj.spec).toEqual({ cronSpec: "* * * * */5", image: "my-awesome-cron-image", replicas: 1 });
    expect(obj.metadata.generation).toBe(1);
    const table = await kubectl("get", "ct");
    expect(table).toMatch(/NAME\s+SPEC\s+REPLICAS\s+AGE/);
    expect(table).toMatch(/my-new-cron-object\s+\* \* \* \* \*\/5\s+1\s+\d+s/);
    // The "all" category brings custom kinds into `kubectl get all`.
    expect(await kubectl("get", "all")).toContain("crontab.stable.example.com/my-new-cron-object");
  });

  it("serves every version from one stored object (conversion None rewrites apiVersion)", async () => {
    expect(await kubectl("get", "crontabs.v1beta1.stable.example.com", "my-new-cron-object", "-o", "jsonpath={.apiVersion} {.spec.replicas}")).toBe("stable.example.com/v1beta1 1");
    expect(await kubectl("get", "crontabs.v1.stable.example.com", "my-new-cron-object", "-o", "jsonpath={.apiVersion}")).toBe("stable.example.com/v1");
  });

  it("rejects an invalid object with 422 and Kubernetes' field paths", async () => {
    const r = await kubectlResult("apply", "-f", fixture("bad-crontab.yaml"));
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('The CronTab "my-bad-cron-object" is invalid');
    expect(r.stderr).toContain(`spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`);
    expect(r.stderr).toContain("spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10");
  });

  it("refuses unknown fields under kubectl's strict validation and prunes them otherwise", async () => {
    const strict = await kubectlResult("apply", "-f", fixture("crontab-unknown-field.yaml"));
    expect(strict.ok).toBe(false);
    expect(strict.stderr).toContain('unknown field "spec.someRandomField"');
    const warn = await kubectlResult("apply", "--validate=warn", "-f", fixture("crontab-unknown-field.yaml"));
    expect(warn.ok).toBe(true);
    expect(warn.stderr).toContain('Warning: unknown field "spec.someRandomField"');
    expect((await crontab("pruned-cron-object")).spec).not.toHaveProperty("someRandomField");
  });

  it("patches with merge and JSON patches and refuses strategic merge with 415", async () => {
    await kubectl("patch", "ct", "my-new-cron-object", "--type=merge", "-p", '{"spec":{"image":"merged"}}');
    await kubectl("patch", "ct", "my-new-cron-object", "--type=json", "-p", '[{"op":"replace","path":"/spec/cronSpec","value":"0 * * * *"}]');
    const obj = await crontab("my-new-cron-object");
    expect(obj.spec.image).toBe("merged");
    expect(obj.spec.cronSpec).toBe("0 * * * *");
    expect(obj.metadata.generation).toBe(3);
    const smp = await kubectlResult("patch", "ct", "my-new-cron-object", "--type=strategic", "-p", '{"spec":{"image":"x"}}');
    expect(smp.ok).toBe(false);
    expect(smp.stderr).toMatch(/strategic-merge-patch\+json is not supported|unknown format/);
  });

  it("describes custom objects", async () => {
    const described = await kubectl("describe", "ct", "my-new-cron-object");
    expect(described).toMatch(/Name:\s+my-new-cron-object/);
    expect(described).toMatch(/API Version:\s+stable\.example\.com\/v1/);
    expect(described).toMatch(/Cron Spec:\s+0 \* \* \* \*/);
  });

  it.skipIf(!cliBuilt())("lets skiff's CLI name custom kinds it learns from discovery", async () => {
    // A separate process: it knows no custom kind until it asks the server.
    const { stdout } = await run(process.execPath, [CLI, "--kubeconfig", cp.paths.kubeconfig, "get", "ct"], { env: { ...process.env, HOME: dir }, timeout: 30_000 });
    expect(stdout).toMatch(/NAME\s+SPEC\s+REPLICAS\s+AGE/);
    expect(stdout).toMatch(/my-new-cron-object\s+0 \* \* \* \*\s+1/);
    const described = await run(process.execPath, [CLI, "--kubeconfig", cp.paths.kubeconfig, "describe", "crontab", "my-new-cron-object"], { env: { ...process.env, HOME: dir }, timeout: 30_000 });
    expect(described.stdout).toContain("my-new-cron-object");
  });

  it("updates status through the status subresource without touching spec", async () => {
    await kubectl("patch", "ct", "my-new-cron-object", "--subresource=status", "--type=merge", "-p", '{"spec":{"replicas":9},"status":{"replicas":2,"labelSelector":"app=cron"}}');
    const obj = await crontab("my-new-cron-object");
    expect(obj.spec.replicas).toBe(1);
    expect(obj.status).toEqual({ replicas: 2, labelSelector: "app=cron" });
    // …and a write of the main resource does not touch status.
    await kubectl("patch", "ct", "my-new-cron-object", "--type=merge", "-p", '{"status":{"replicas":7}}');
    expect((await crontab("my-new-cron-object")).status?.replicas).toBe(2);
  });

  it("scales a custom kind with kubectl scale through its scale subresource", async () => {
    expect(await kubectl("scale", "ct", "my-new-cron-object", "--replicas=3")).toContain("crontab.stable.example.com/my-new-cron-object scaled");
    expect((await crontab("my-new-cron-object")).spec.replicas).toBe(3);
    const scale = JSON.parse(await kubectl("get", "--raw", "/apis/stable.example.com/v1/namespaces/default/crontabs/my-new-cron-object/scale")) as { spec: { replicas: number }; status: { replicas: number; selector: string } };
    expect(scale).toMatchObject({ spec: { replicas: 3 }, status: { replicas: 2, selector: "app=cron" } });
    const tooMany = await kubectlResult("scale", "ct", "my-new-cron-object", "--replicas=11");
    expect(tooMany.stderr).toContain("spec.replicas in body should be less than or equal to 10");
  });

  it("deletes every custom object with its CRD, and stops serving the kind", async () => {
    expect(await kubectl("delete", "crd", "crontabs.stable.example.com")).toContain('customresourcedefinition.apiextensions.k8s.io "crontabs.stable.example.com" deleted');
    await until("crontabs removed from the store", async () => (await cp.store.list("stable.example.com/crontabs")).items.length === 0, 20_000);
    const gone = await kubectlResult("get", "--raw", "/apis/stable.example.com/v1/namespaces/default/crontabs");
    expect(gone.ok).toBe(false);
    expect(gone.stderr).toMatch(/NotFound|not found/);
  });
});

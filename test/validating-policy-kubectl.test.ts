// ValidatingAdmissionPolicy with real kubectl (/usr/bin/kubectl): the
// documentation's `object.spec.replicas <= 5` policy with a Deny binding refuses
// a 7-replica Deployment with Kubernetes' message, and a Warn binding lets it in
// with a `Warning:` line kubectl prints (and an audit annotation for Audit).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";
import { until } from "./helpers/lab-cluster.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING ValidatingAdmissionPolicy kubectl tests: ${KUBECTL} not found ***\n`);
const fixture = (f: string) => fileURLToPath(new URL(`./fixtures/policy/${f}`, import.meta.url));
const DENIED = "ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: failed expression: object.spec.replicas <= 5";

describe.skipIf(!haveKubectl)("ValidatingAdmissionPolicy with real kubectl", () => {
  let cp: ControlPlane;
  let dir: string;

  async function kubectl(...args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir }, timeout: 30_000 });
      return { ok: true, stdout, stderr };
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      return { ok: false, stdout: err.stdout ?? "", stderr: err.stderr || err.message };
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-vap-"));
    cp = await startControlPlane({ stateDir: dir, store: "sqlite", port: 0 });
    const setup = await kubectl("apply", "-f", fixture("namespaces.yaml"), "-f", fixture("replicas-policy.yaml"));
    if (!setup.ok) throw new Error(setup.stderr);
  });

  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("denies a Deployment over the limit with Kubernetes' message (422)", async () => {
    const r = await kubectl("apply", "-n", "policy-test", "-f", fixture("nginx-7.yaml"));
    expect(r.ok).toBe(false);
    expect(r.stderr).toContain('The deployments "nginx" is invalid');
    expect(r.stderr).toContain(DENIED);
    const raw = await cp.app.inject({ method: "POST", url: "/apis/apps/v1/namespaces/policy-test/deployments", headers: { authorization: `Bearer ${cp.token}`, "content-type": "application/json" }, payload: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "nginx" }, spec: { replicas: 9, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "skiff/busybox" }] } } } } });
    expect(raw.statusCode).toBe(422);
    expect(raw.json()).toMatchObject({ reason: "Invalid", code: 422, message: `deployments.apps "nginx" is forbidden: ${DENIED}`, details: { causes: [{ message: DENIED }] } });
  });

  it("admits a Deployment within the limit, and denies scaling it past the limit", async () => {
    expect((await kubectl("apply", "-n", "policy-test", "-f", fixture("nginx-3.yaml"))).ok).toBe(true);
    const scaled = await kubectl("scale", "-n", "policy-test", "deploy/nginx", "--replicas=6");
    expect(scaled.ok).toBe(false);
    expect(scaled.stderr).toContain(DENIED);
  });

  it("leaves namespaces the bindings do not select alone", async () => {
    expect((await kubectl("apply", "-n", "default", "-f", fixture("nginx-7.yaml"))).ok).toBe(true);
  });

  it("warns with a Warn binding (kubectl prints Warning:) and records the Audit annotation", async () => {
    const r = await kubectl("apply", "-n", "policy-staging", "-f", fixture("nginx-7.yaml"));
    expect(r.ok).toBe(true);
    expect(r.stderr).toContain("Warning: Validation failed for ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-staging.example.com': failed expression: object.spec.replicas <= 5");
    const line = await until("the audit annotation", async () =>
      readFileSync(join(dir, "audit.log"), "utf8").split("\n").find((l) => l.includes("validation.policy.admission.k8s.io/validation_failure") && l.includes("policy-staging")),
    10_000);
    expect(line).toContain("demo-binding-staging.example.com");
  });

  it("takes the limit from a ConfigMap param, with matchConditions, variables and messageExpression", async () => {
    expect((await kubectl("apply", "-f", fixture("params-policy.yaml"))).ok).toBe(true);
    const missing = await kubectl("apply", "-n", "limited", "-f", fixture("nginx-3.yaml"));
    expect(missing.stderr).toContain("no params found for policy binding with `Deny` parameterNotFoundAction");
    expect((await kubectl("apply", "-f", fixture("replica-limit-2.yaml"))).ok).toBe(true);
    const over = await kubectl("apply", "-n", "limited", "-f", fixture("nginx-3.yaml"));
    expect(over.ok).toBe(false);
    expect(over.stderr).toContain("ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-binding.example.com' denied request: replicas must be no greater than 2");
    expect(over.stderr).toMatch(/forbidden/);
    await kubectl("patch", "configmap", "replica-limit", "-n", "default", "--type=merge", "-p", '{"data":{"maxReplicas":"4"}}');
    expect((await kubectl("apply", "-n", "limited", "-f", fixture("nginx-3.yaml"))).ok).toBe(true);
  });

  it("refuses a policy whose expression does not compile", async () => {
    const policy = { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", metadata: { name: "broken" }, spec: { validations: [{ expression: "object.spec.replicas <=" }] } };
    const r = await cp.app.inject({ method: "POST", url: "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", headers: { authorization: `Bearer ${cp.token}`, "content-type": "application/json" }, payload: policy });
    expect(r.statusCode).toBe(422);
    expect(r.json().message).toContain("spec.validations[0].expression: Invalid value");
    expect(r.json().message).toContain("compilation failed");
  });
});

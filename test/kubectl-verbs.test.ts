// Every imperative kubectl 1.32 verb a tutorial uses, run by real kubectl
// against skiff (issue #17). kubectl's typed client sends built-in kinds as
// protobuf, so this is the end-to-end proof of protobuf bodies. Each run
// rewrites docs/kubectl-verbs.md: ✓ for verbs that work, ✗ with the reason.
// A verb whose kind skiff serves must work; one whose kind is not served yet
// is listed as ✗ and does not fail the suite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";
import { RESOURCES, VIRTUAL_RESOURCES, apiVersionOf } from "../pkg/api/kinds.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING kubectl verb table: ${KUBECTL} not found ***\n`);
const DOC = fileURLToPath(new URL("../docs/kubectl-verbs.md", import.meta.url));

interface Verb {
  /** The command as the table shows it. */
  args: string[];
  /** "apiVersion/Kind" (or "apiVersion/Kind/subresource") the verb needs. */
  needs: string;
}

const NS = ["-n", "verbs"];
const VERBS: Verb[] = [
  { args: ["create", "namespace", "verbs"], needs: "v1/Namespace" },
  { args: ["create", "deployment", "web", "--image=skiff/busybox:latest", "--replicas=2", "--port=8080", ...NS], needs: "apps/v1/Deployment" },
  { args: ["create", "configmap", "cfg", "--from-literal=a=b", "--from-literal=c=d", ...NS], needs: "v1/ConfigMap" },
  { args: ["create", "secret", "generic", "pw", "--from-literal=password=s3cr3t", ...NS], needs: "v1/Secret" },
  { args: ["create", "secret", "tls", "tls", "--cert=CERT", "--key=KEY", ...NS], needs: "v1/Secret" },
  { args: ["create", "secret", "docker-registry", "pull", "--docker-server=127.0.0.1:5000", "--docker-username=u", "--docker-password=p", ...NS], needs: "v1/Secret" },
  { args: ["create", "service", "clusterip", "cip", "--tcp=80:8080", ...NS], needs: "v1/Service" },
  { args: ["create", "service", "nodeport", "np", "--tcp=80:8080", ...NS], needs: "v1/Service" },
  { args: ["create", "service", "loadbalancer", "lb", "--tcp=80:8080", ...NS], needs: "v1/Service" },
  { args: ["create", "service", "externalname", "ext", "--external-name=db.example.test", ...NS], needs: "v1/Service" },
  { args: ["create", "job", "once", "--image=skiff/busybox:latest", ...NS, "--", "echo", "hi"], needs: "batch/v1/Job" },
  { args: ["create", "cronjob", "tick", "--image=skiff/busybox:latest", "--schedule=*/5 * * * *", ...NS, "--", "date"], needs: "batch/v1/CronJob" },
  { args: ["create", "serviceaccount", "robot", ...NS], needs: "v1/ServiceAccount" },
  { args: ["create", "role", "reader", "--verb=get,list", "--resource=pods", ...NS], needs: "rbac.authorization.k8s.io/v1/Role" },
  { args: ["create", "clusterrole", "verbs-reader", "--verb=get", "--resource=nodes"], needs: "rbac.authorization.k8s.io/v1/ClusterRole" },
  { args: ["create", "rolebinding", "reader", "--role=reader", "--user=alice", ...NS], needs: "rbac.authorization.k8s.io/v1/RoleBinding" },
  { args: ["create", "clusterrolebinding", "verbs-reader", "--clusterrole=verbs-reader", "--user=alice"], needs: "rbac.authorization.k8s.io/v1/ClusterRoleBinding" },
  { args: ["create", "quota", "q", "--hard=pods=10,services=20", ...NS], needs: "v1/ResourceQuota" },
  { args: ["create", "priorityclass", "verbs-high", "--value=1000", "--description=high"], needs: "scheduling.k8s.io/v1/PriorityClass" },
  { args: ["create", "poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=1", ...NS], needs: "policy/v1/PodDisruptionBudget" },
  { args: ["create", "ingress", "ing", "--rule=a.example.test/=cip:80", ...NS], needs: "networking.k8s.io/v1/Ingress" },
  { args: ["create", "token", "robot", ...NS], needs: "v1/ServiceAccount/token" },
  { args: ["expose", "deployment", "web", "--name=web", "--port=80", "--target-port=8080", ...NS], needs: "v1/Service" },
  { args: ["run", "solo", "--image=skiff/busybox:latest", "--labels=app=solo", ...NS, "--", "sleep", "3600"], needs: "v1/Pod" },
  { args: ["set", "image", "deployment/web", "busybox=skiff/busybox:1", ...NS], needs: "apps/v1/Deployment" },
  { args: ["set", "env", "deployment/web", "MODE=lab", ...NS], needs: "apps/v1/Deployment" },
  { args: ["set", "resources", "deployment/web", "--limits=cpu=200m,memory=128Mi", ...NS], needs: "apps/v1/Deployment" },
  { args: ["autoscale", "deployment", "web", "--min=1", "--max=3", "--cpu-percent=50", ...NS], needs: "autoscaling/v2/HorizontalPodAutoscaler" },
  { args: ["auth", "whoami"], needs: "authentication.k8s.io/v1/SelfSubjectReview" },
];

/** Whether skiff serves what the verb needs (kinds from other work may not have landed yet). */
function served(needs: string): boolean {
  const parts = needs.split("/");
  const sub = parts.length === 4 || (parts.length === 3 && !parts[0].includes(".") && parts[0] !== "apps" && parts[0] !== "batch" && parts[0] !== "policy" && parts[0] !== "autoscaling" && parts[1] !== "v1" && parts[1] !== "v2") ? parts.pop() : undefined;
  const kind = parts.pop()!;
  const apiVersion = parts.join("/");
  const r = [...RESOURCES, ...VIRTUAL_RESOURCES].find((x) => x.kind === kind && apiVersionOf(x) === apiVersion);
  return !!r && (!sub || (r.subresources as string[]).includes(sub));
}

describe.skipIf(!haveKubectl)("every imperative kubectl verb against skiff", () => {
  let cp: ControlPlane;
  let dir: string;
  const rows: Array<{ command: string; ok: boolean; reason: string }> = [];

  async function kubectl(args: string[]): Promise<string> {
    const { stdout } = await run(KUBECTL, args, { env: { ...process.env, KUBECONFIG: cp.paths.kubeconfig, HOME: dir }, timeout: 60_000 });
    return stdout;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-verbs-"));
    cp = await startControlPlane({ stateDir: dir, store: "memory", port: 0 });
  });

  afterAll(async () => {
    await cp?.close();
    rmSync(dir, { recursive: true, force: true });
    if (rows.length === VERBS.length) {
      const lines = [
        "# kubectl verbs against skiff",
        "",
        "Generated by `test/kubectl-verbs.test.ts` with real kubectl 1.32 on every test run; do not edit.",
        "kubectl's typed commands send protobuf bodies (`application/vnd.kubernetes.protobuf`).",
        "",
        "| command | works | reason |",
        "|---|---|---|",
        ...rows.map((r) => `| \`kubectl ${r.command}\` | ${r.ok ? "✓" : "✗"} | ${r.reason.replace(/\|/g, "\\|")} |`),
        "",
      ];
      writeFileSync(DOC, lines.join("\n"));
    }
  });

  it.each(VERBS.map((v) => [v.args.slice(0, 3).join(" "), v] as const))("kubectl %s", async (_name, v) => {
    const args = v.args.map((a) => (a === "--cert=CERT" ? `--cert=${cp.paths.servingCert}` : a === "--key=KEY" ? `--key=${cp.paths.servingKey}` : a));
    const command = v.args.map((a) => (a.includes(" ") ? `'${a}'` : a)).join(" ").replace("--cert=CERT", "--cert=tls.crt").replace("--key=KEY", "--key=tls.key");
    const isServed = served(v.needs);
    try {
      const out = await kubectl(args);
      // a token differs every run (its key id too): name it, so the generated page is stable
      const first = out.trim().split("\n")[0];
      rows.push({ command, ok: true, reason: /^eyJ[\w-]+\.eyJ/.test(first) ? "eyJ….eyJ….… (a signed JWT; it differs every run)" : first.slice(0, 100) });
    } catch (e) {
      const err = (e as { stderr?: string; message: string }).stderr?.trim() || (e as Error).message;
      rows.push({ command, ok: false, reason: isServed ? err.split("\n")[0] : `${v.needs} is not served by skiff yet (${err.split("\n")[0].slice(0, 200)})` });
      if (isServed) throw new Error(`kubectl ${command} failed: ${err}`);
    }
  });

  it("stores what kubectl would have sent as JSON (protobuf decode equals the JSON body)", async () => {
    const args = ["create", "deployment", "twin", "--image=skiff/busybox:latest", "--replicas=0", "--port=8080", ...NS];
    const asJson = JSON.parse(await kubectl([...args, "--dry-run=client", "-o", "json"])) as Record<string, unknown>;
    await kubectl(args);
    const stored = JSON.parse(await kubectl(["get", "deployment", "twin", ...NS, "-o", "json"])) as Record<string, unknown>;
    const dropNulls = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(dropNulls) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, dropNulls(x)])) : v;
    const sent = dropNulls(asJson) as { status?: unknown };
    delete sent.status;
    expect(stored).toMatchObject(sent as Record<string, unknown>);
    // A pointer zero survives: replicas 0 is not defaulted to 1.
    expect((stored.spec as { replicas: number }).replicas).toBe(0);
  });
});

// Real kubectl (/usr/bin/kubectl) against a skiff cluster (fake runtime, 3 nodes)
// for the core APIs of issue 17: service accounts and their tokens, whoami,
// ReplicationControllers, PriorityClasses, PodDisruptionBudgets with drain, and
// discovery listing exactly what skiff serves. kubectl's typed commands (create
// sa|token|priorityclass|pdb, auth whoami, drain's evictions) send protobuf.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { RESOURCES, VIRTUAL_RESOURCES } from "../pkg/api/kinds.js";
import { startCluster, type Cluster } from "../pkg/cluster/cluster.js";
import { eventually } from "./helpers/eventually.js";

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING core API kubectl tests: ${KUBECTL} not found ***\n`);

describe.skipIf(!haveKubectl)("core APIs with real kubectl", () => {
  let dir: string;
  let cluster: Cluster;
  const start = () => startCluster({ stateDir: dir, store: "sqlite", port: 0, nodes: 3, runtime: "fake", proxy: false, dashboard: false, onError: () => undefined });

  async function kubectlResult(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, KUBECONFIG: join(dir, "kubeconfig"), HOME: dir };
    const child = run(KUBECTL, args, { env, timeout: 60_000 });
    if (input !== undefined) {
      child.child.stdin!.end(input);
    }
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
    }
  }
  async function kubectl(...args: string[]): Promise<string> {
    const r = await kubectlResult(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  }
  const apply = async (yaml: string) => {
    const r = await kubectlResult(["apply", "-f", "-"], yaml);
    if (r.code !== 0) throw new Error(`kubectl apply failed: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiff-coreapi-"));
    cluster = await start();
  }, 120_000);

  afterAll(async () => {
    await cluster?.close({ removeContainers: true });
    rmSync(dir, { recursive: true, force: true });
  });

  let token = "";

  it("creates a service account; every namespace has a default one; pods run as default", async () => {
    expect(await kubectl("create", "serviceaccount", "bot")).toContain("serviceaccount/bot created");
    await eventually("default service account", async () => (await kubectlResult(["get", "sa", "default"])).code === 0, { timeoutMs: 30_000 });
    const out = await kubectl("get", "sa");
    expect(out).toMatch(/NAME\s+SECRETS\s+AGE/);
    expect(out).toMatch(/\nbot\s+0\s+/);
    expect(out).toMatch(/\ndefault\s+0\s+/);
    await apply("apiVersion: v1\nkind: Pod\nmetadata: {name: plain}\nspec: {containers: [{name: c, image: skiff/busybox}]}\n");
    expect(await kubectl("get", "pod", "plain", "-o", "jsonpath={.spec.serviceAccountName}")).toBe("default");
    const refused = await kubectlResult(["apply", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata: {name: ghostly}\nspec: {serviceAccountName: ghost, containers: [{name: c, image: skiff/busybox}]}\n");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('pods "ghostly" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });

  it("issues a token with kubectl create token that authenticates as the service account (auth whoami)", async () => {
    const tr = JSON.parse(await kubectl("create", "token", "bot", "--duration=15m", "-o", "json")) as { status: { token: string; expirationTimestamp: string } };
    token = tr.status.token;
    const ttl = Date.parse(tr.status.expirationTimestamp) - Date.now();
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    const who = JSON.parse(await kubectl("--token", token, "auth", "whoami", "-o", "json")) as { status: { userInfo: { username: string; groups: string[]; extra?: Record<string, string[]> } } };
    expect(who.status.userInfo.username).toBe("system:serviceaccount:default:bot");
    expect(who.status.userInfo.groups).toEqual(["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]);
    expect(who.status.userInfo.extra?.["authentication.kubernetes.io/credential-id"]?.[0]).toMatch(/^JTI=/);
    // The admin's own identity, in kubectl's table.
    expect(await kubectl("auth", "whoami")).toMatch(/Username\s+admin[\s\S]*Groups\s+\[system:masters system:authenticated\]/);
    // A token for another audience is no credential for the API server.
    const vault = (await kubectl("create", "token", "bot", "--audience=vault")).trim();
    const r = await kubectlResult(["--token", vault, "get", "pods"]);
    expect(r.stderr).toContain("Unauthorized");
  });

  it("RBAC bindings to the service account apply to its token", async () => {
    await kubectl("create", "role", "pod-reader", "--verb=get", "--verb=list", "--resource=pods");
    await kubectl("create", "rolebinding", "bot-reads", "--role=pod-reader", "--serviceaccount=default:bot");
    await eventually("binding in effect", async () => (await kubectlResult(["--token", token, "get", "pod", "plain"])).code === 0, { timeoutMs: 20_000 });
    expect(await kubectl("--token", token, "get", "pod", "plain", "-o", "name")).toBe("pod/plain\n");
    const denied = await kubectlResult(["--token", token, "get", "secrets"]);
    expect(denied.stderr).toContain('secrets is forbidden: User "system:serviceaccount:default:bot" cannot list resource "secrets" in API group "" in the namespace "default"');
    expect(await kubectl("auth", "can-i", "get", "pods", "--as=system:serviceaccount:default:bot")).toBe("yes\n");
  });

  it("runs ReplicationControllers: get rc columns, kubectl scale rc", async () => {
    await apply(
      "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: web}\nspec:\n  replicas: 2\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: skiff/busybox}]}\n",
    );
    expect(await kubectl("scale", "rc", "web", "--replicas=3")).toContain("replicationcontroller/web scaled");
    await eventually("3 ready replicas", async () => (await kubectl("get", "rc", "web", "-o", "jsonpath={.status.readyReplicas}")) === "3", { timeoutMs: 60_000 });
    const out = await kubectl("get", "rc", "-o", "wide");
    expect(out).toMatch(/NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(out).toMatch(/\nweb\s+3\s+3\s+3\s+\S+\s+web\s+skiff\/busybox\s+app=web/);
    const owners = await kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.ownerReferences[0].kind}");
    expect(owners.split(" ")).toEqual(["ReplicationController", "ReplicationController", "ReplicationController"]);
  });

  it("creates priority classes; a pod naming one gets its priority; unknown classes are refused", async () => {
    expect(await kubectl("create", "priorityclass", "high", "--value=1000", "--description=lab work")).toContain("priorityclass.scheduling.k8s.io/high created");
    const pcs = await kubectl("get", "priorityclasses");
    expect(pcs).toMatch(/NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY/);
    expect(pcs).toMatch(/\nhigh\s+1000\s+false\s+\S+\s+PreemptLowerPriority/);
    expect(pcs).toMatch(/\nsystem-cluster-critical\s+2000000000\s+false/);
    expect(pcs).toMatch(/\nsystem-node-critical\s+2000001000\s+false/);
    await apply("apiVersion: v1\nkind: Pod\nmetadata: {name: urgent}\nspec: {priorityClassName: high, containers: [{name: c, image: skiff/busybox}]}\n");
    expect(await kubectl("get", "pod", "urgent", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}")).toBe("1000 PreemptLowerPriority");
    const refused = await kubectlResult(["apply", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata: {name: nope}\nspec: {priorityClassName: missing, containers: [{name: c, image: skiff/busybox}]}\n");
    expect(refused.stderr).toContain('pods "nope" is forbidden: no PriorityClass with name missing was found');
  });

  it("a PodDisruptionBudget blocks kubectl drain until it allows the eviction", async () => {
    expect(await kubectl("create", "poddisruptionbudget", "web-pdb", "--selector=app=web", "--min-available=3")).toContain("poddisruptionbudget.policy/web-pdb created");
    await eventually("budget computed", async () => (await kubectl("get", "pdb", "web-pdb", "-o", "jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}")) === "3/0", { timeoutMs: 30_000 });
    expect(await kubectl("get", "pdb")).toMatch(/NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\n\s*web-pdb\s+3\s+N\/A\s+0\s+/);
    const node = (await kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}")).trim();
    const blocked = await kubectlResult(["drain", node, "--ignore-daemonsets", "--force", "--timeout=8s"]);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr + blocked.stdout).toContain("Cannot evict pod as it would violate the pod's disruption budget.");

    await kubectl("patch", "pdb", "web-pdb", "--type=merge", "-p", '{"spec":{"minAvailable":2}}');
    await eventually("one disruption allowed", async () => (await kubectl("get", "pdb", "web-pdb", "-o", "jsonpath={.status.disruptionsAllowed}")) === "1", { timeoutMs: 30_000 });
    const drained = await kubectlResult(["drain", node, "--ignore-daemonsets", "--force", "--timeout=60s"]);
    expect(drained.code, drained.stderr).toBe(0);
    expect(drained.stdout).toContain(`node/${node} drained`);
    await kubectl("uncordon", node);
  });

  it("lists exactly what skiff serves in kubectl api-resources, and the APIServices as Local", async () => {
    const out = await kubectl("api-resources", "--no-headers", "-o", "wide");
    const listed = out
      .trim()
      .split("\n")
      .map((line) => {
        const cols = line.trim().split(/\s+/);
        // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND VERBS...: find APIVERSION by the "true|false" after it.
        const nsIdx = cols.findIndex((c) => c === "true" || c === "false");
        const apiVersion = cols[nsIdx - 1];
        return `${cols[0]} ${apiVersion.includes("/") ? apiVersion.split("/")[0] : ""} ${cols[nsIdx + 1]}`;
      })
      .sort();
    const served = [...RESOURCES, ...VIRTUAL_RESOURCES].map((r) => `${r.plural} ${r.group} ${r.kind}`).sort();
    expect(listed).toEqual(served);
    const apis = await kubectl("get", "apiservices");
    expect(apis).toMatch(/NAME\s+SERVICE\s+AVAILABLE\s+AGE/);
    expect(apis).toMatch(/\nv1\.\s+Local\s+True/);
    expect(apis).toMatch(/\nv1\.policy\s+Local\s+True/);
  });

  it("a service account token still works after the cluster restarts", async () => {
    await cluster.close({ removeContainers: true });
    cluster = await start();
    const who = JSON.parse(await kubectl("--token", token, "auth", "whoami", "-o", "json")) as { status: { userInfo: { username: string } } };
    expect(who.status.userInfo.username).toBe("system:serviceaccount:default:bot");
  });
});

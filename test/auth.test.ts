// Users, roles, nodes and audit against a running control plane over HTTPS:
// tokens made while it runs work at once, view/edit/admin bindings decide what
// each token may do, node tokens reach only their own node's objects, every
// request lands in the audit log, and real kubectl's `auth can-i` agrees.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { startControlPlane, type ControlPlane } from "../pkg/cluster/control-plane.js";
import { RestClient, resourcePath } from "../pkg/client/rest.js";
import { ApiError } from "../pkg/api/errors.js";
import { R } from "../pkg/api/kinds.js";
import type { KubeObject } from "../pkg/api/types.js";
import { createToken, deleteTokens, tokenKubeconfig } from "../pkg/auth/token-admin.js";
import { canI, listRules } from "../pkg/auth/can-i.js";
import { auditLogPath } from "../pkg/auth/setup.js";

const KUBECTL = process.env.KUBECTL ?? "/usr/bin/kubectl";
const haveKubectl = existsSync(KUBECTL);
if (!haveKubectl) console.warn(`\n*** SKIPPING kubectl auth can-i tests: ${KUBECTL} not found (set KUBECTL=/path/to/kubectl) ***\n`);

describe("users, roles, nodes and audit over HTTPS", () => {
  let home: string;
  let cp: ControlPlane;
  let admin: RestClient;
  const tokens: Record<string, string> = {};

  const as = (token: string, namespace = "default") => new RestClient({ server: cp.url, caPem: cp.caPem, token, namespace, contextName: "t" });
  /** The HTTP status of a request (200 for success), and the error message. */
  async function status(c: RestClient, method: string, path: string, body?: unknown): Promise<{ code: number; message: string }> {
    try {
      await c.request(method, path, { body, contentType: method === "PATCH" ? "application/merge-patch+json" : undefined });
      return { code: 200, message: "" };
    } catch (e) {
      if (e instanceof ApiError) return { code: e.httpStatus, message: e.message };
      throw e;
    }
  }
  const cm = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "1" } });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "skiff-auth-"));
    cp = await startControlPlane({ stateDir: home, store: "memory", port: 0 });
    admin = as(cp.token);
    for (const ns of ["a", "b"]) await admin.request("POST", resourcePath(R.namespaces), { body: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } } });
    // Made while the server runs: each must work on its very first request.
    tokens.view = (await createToken(cp.paths.tokens, admin, { user: "vera", role: "view", namespace: "a" })).token;
    tokens.edit = (await createToken(cp.paths.tokens, admin, { user: "ed", role: "edit", namespace: "a" })).token;
    tokens.nsadmin = (await createToken(cp.paths.tokens, admin, { user: "ann", role: "admin", namespace: "a" })).token;
    tokens.node = (await createToken(cp.paths.tokens, admin, { node: "n1" })).token;
    tokens.none = (await createToken(cp.paths.tokens, admin, { user: "nobody" })).token;
  });
  afterAll(async () => {
    admin?.close();
    await cp?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("creates default cluster roles and the token's bindings", async () => {
    const roles = await admin.request<{ items: KubeObject[] }>("GET", resourcePath(R.clusterroles));
    expect(roles.items.map((r) => r.metadata.name)).toEqual(expect.arrayContaining(["cluster-admin", "admin", "edit", "view", "system:node", "system:discovery"]));
    const rb = await admin.request<KubeObject & { roleRef: { name: string } }>("GET", resourcePath(R.rolebindings, "a", "skiff:token:vera:view"));
    expect(rb.roleRef.name).toBe("view");
  });

  it("rejects unknown tokens with 401", async () => {
    expect((await status(as("not-a-token"), "GET", "/api")).code).toBe(401);
  });

  it("a view token reads but cannot write (403 with Kubernetes' message)", async () => {
    const v = as(tokens.view, "a");
    expect((await status(v, "GET", resourcePath(R.pods, "a"))).code).toBe(200);
    expect((await status(v, "GET", "/apis/apps/v1")).code).toBe(200);
    const denied = await status(v, "POST", resourcePath(R.configmaps, "a"), cm("x"));
    expect(denied.code).toBe(403);
    expect(denied.message).toBe('configmaps is forbidden: User "vera" cannot create resource "configmaps" in API group "" in the namespace "a"');
    expect((await status(v, "GET", resourcePath(R.secrets, "a"))).code).toBe(403);
    expect((await status(v, "GET", resourcePath(R.pods, "b"))).code).toBe(403);
    v.close();
  });

  it("an edit token in namespace a cannot touch namespace b", async () => {
    const e = as(tokens.edit, "a");
    expect((await status(e, "POST", resourcePath(R.configmaps, "a"), cm("mine"))).code).toBe(200);
    expect((await status(e, "PATCH", resourcePath(R.configmaps, "a", "mine"), { data: { a: "2" } })).code).toBe(200);
    expect((await status(e, "POST", resourcePath(R.configmaps, "b"), cm("theirs"))).code).toBe(403);
    expect((await status(e, "GET", resourcePath(R.configmaps, "b"))).code).toBe(403);
    expect((await status(e, "POST", resourcePath(R.roles, "a"), { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [] })).code).toBe(403);
    e.close();
  });

  it("a namespace admin manages roles in its namespace only", async () => {
    const n = as(tokens.nsadmin, "a");
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] };
    expect((await status(n, "POST", resourcePath(R.roles, "a"), role)).code).toBe(200);
    expect((await status(n, "POST", resourcePath(R.roles, "b"), role)).code).toBe(403);
    expect((await status(n, "GET", resourcePath(R.nodes))).code).toBe(403);
    n.close();
  });

  it("a user without bindings gets discovery and self-review, nothing else", async () => {
    const u = as(tokens.none);
    expect((await status(u, "GET", "/api"))).toEqual({ code: 200, message: "" });
    expect((await status(u, "GET", "/openapi/v3"))).toEqual({ code: 200, message: "" });
    expect((await status(u, "GET", resourcePath(R.pods, "default"))).code).toBe(403);
    expect(await canI(u, { verb: "list", resource: "pods", namespace: "default" })).toMatchObject({ allowed: false });
    u.close();
  });

  it("a binding made later applies to a live token without a restart", async () => {
    const u = as(tokens.none);
    expect((await status(u, "GET", resourcePath(R.pods, "b"))).code).toBe(403);
    await admin.request("POST", resourcePath(R.rolebindings, "b"), {
      body: { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "late" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" }, subjects: [{ kind: "User", name: "nobody" }] },
    });
    await waitFor(async () => (await status(u, "GET", resourcePath(R.pods, "b"))).code === 200);
    u.close();
  });

  describe("node tokens", () => {
    let node: RestClient;
    const nodeObj = (name: string) => ({ apiVersion: "v1", kind: "Node", metadata: { name } });
    const lease = (name: string) => ({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name }, spec: { holderIdentity: name, leaseDurationSeconds: 40 } });
    const pod = (name: string, secret: string, configMap: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { containers: [{ name: "c", image: "busybox", envFrom: [{ configMapRef: { name: configMap } }] }], volumes: [{ name: "s", secret: { secretName: secret } }] },
    });
    const secret = (name: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: { k: "v" } });

    beforeAll(async () => {
      node = as(tokens.node);
      await admin.request("POST", resourcePath(R.nodes), { body: nodeObj("n2") });
      for (const s of ["s-used", "s-other"]) await admin.request("POST", resourcePath(R.secrets, "default"), { body: secret(s) });
      for (const c of ["cm-used", "cm-other"]) await admin.request("POST", resourcePath(R.configmaps, "default"), { body: cm(c) });
      await admin.request("POST", resourcePath(R.pods, "default"), { body: pod("on-n1", "s-used", "cm-used") });
      await admin.request("POST", resourcePath(R.pods, "default", "on-n1", "binding"), { body: { apiVersion: "v1", kind: "Binding", metadata: { name: "on-n1" }, target: { kind: "Node", name: "n1" } } });
      await admin.request("POST", resourcePath(R.pods, "default"), { body: pod("on-n2", "s-other", "cm-other") });
      await admin.request("POST", resourcePath(R.pods, "default", "on-n2", "binding"), { body: { apiVersion: "v1", kind: "Binding", metadata: { name: "on-n2" }, target: { kind: "Node", name: "n2" } } });
    });
    afterAll(() => node?.close());

    it("registers and updates its own node and status, not another's", async () => {
      expect((await status(node, "POST", resourcePath(R.nodes), nodeObj("n1"))).code).toBe(200);
      const other = await status(node, "POST", resourcePath(R.nodes), nodeObj("n3"));
      expect(other.code).toBe(403);
      expect(other.message).toContain('node "n1" is not allowed to modify node "n3"');
      const st = { status: { conditions: [{ type: "Ready", status: "True" }] } };
      expect((await status(node, "PATCH", resourcePath(R.nodes, undefined, "n1", "status"), st)).code).toBe(200);
      const theirs = await status(node, "PATCH", resourcePath(R.nodes, undefined, "n2", "status"), st);
      expect(theirs.code).toBe(403);
      expect(theirs.message).toContain('User "system:node:n1" cannot patch resource "nodes/status"');
      expect((await status(node, "GET", resourcePath(R.nodes))).code).toBe(200);
    });

    it("renews its own lease, not another node's", async () => {
      expect((await status(node, "POST", resourcePath(R.leases, "kube-node-lease"), lease("n1"))).code).toBe(200);
      expect((await status(node, "PATCH", resourcePath(R.leases, "kube-node-lease", "n1"), { spec: { leaseDurationSeconds: 30 } })).code).toBe(200);
      expect((await status(node, "POST", resourcePath(R.leases, "kube-node-lease"), lease("n2"))).code).toBe(403);
      await admin.request("POST", resourcePath(R.leases, "kube-node-lease"), { body: lease("n2") });
      expect((await status(node, "PATCH", resourcePath(R.leases, "kube-node-lease", "n2"), { spec: { leaseDurationSeconds: 1 } })).code).toBe(403);
    });

    it("reads only the secrets and config maps its pods use", async () => {
      expect((await status(node, "GET", resourcePath(R.secrets, "default", "s-used"))).code).toBe(200);
      expect((await status(node, "GET", resourcePath(R.configmaps, "default", "cm-used"))).code).toBe(200);
      const s = await status(node, "GET", resourcePath(R.secrets, "default", "s-other"));
      expect(s.code).toBe(403);
      expect(s.message).toContain("no relationship found between node 'n1' and this object");
      expect((await status(node, "GET", resourcePath(R.configmaps, "default", "cm-other"))).code).toBe(403);
      expect((await status(node, "GET", resourcePath(R.secrets, "default"))).code).toBe(403);
    });

    it("updates the status of its pods only, and cannot create workloads or bind", async () => {
      const st = { status: { phase: "Running" } };
      expect((await status(node, "PATCH", resourcePath(R.pods, "default", "on-n1", "status"), st)).code).toBe(200);
      expect((await status(node, "PATCH", resourcePath(R.pods, "default", "on-n2", "status"), st)).code).toBe(403);
      expect((await status(node, "PATCH", resourcePath(R.pods, "default", "on-n1"), { metadata: { labels: { x: "y" } } })).code).toBe(403);
      const dep = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } } };
      const d = await status(node, "POST", resourcePath(R.deployments, "default"), dep);
      expect(d.code).toBe(403);
      expect(d.message).toBe('deployments is forbidden: User "system:node:n1" cannot create resource "deployments" in API group "apps" in the namespace "default"');
      expect((await status(node, "POST", resourcePath(R.pods, "default", "on-n2", "binding"), { target: { name: "n1" } })).code).toBe(403);
      expect((await status(node, "DELETE", resourcePath(R.pods, "default", "on-n2"))).code).toBe(403);
      expect((await status(node, "POST", resourcePath(R.events, "default"), { apiVersion: "v1", kind: "Event", metadata: { name: "e1" }, involvedObject: { kind: "Pod", name: "on-n1", namespace: "default" }, reason: "Started", message: "m" })).code).toBe(200);
    });
  });

  it("answers access reviews and enforces impersonation", async () => {
    const v = as(tokens.view, "a");
    expect(await canI(v, { verb: "list", resource: "pods", namespace: "a" })).toMatchObject({ allowed: true });
    expect(await canI(v, { verb: "create", resource: "deployments", namespace: "a" })).toMatchObject({ allowed: false });
    expect(await canI(admin, { verb: "create", resource: "deploy", namespace: "a", as: "ed" })).toMatchObject({ allowed: true });
    expect(await canI(admin, { verb: "create", resource: "deploy", namespace: "b", as: "ed" })).toMatchObject({ allowed: false });
    expect(await canI(admin, { verb: "get", resource: "secrets", name: "s-used", namespace: "default", as: "system:node:n1", asGroups: ["system:nodes"] })).toMatchObject({ allowed: true });
    // Only admins may ask about others.
    expect((await status(v, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", { spec: { user: "ed", resourceAttributes: { verb: "get", resource: "pods" } } })).code).toBe(403);
    // Reviews are never stored and are served only as create.
    expect((await status(admin, "GET", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")).code).toBe(405);
    const rules = await listRules(v, "a");
    expect(rules.resourceRules.some((r) => r.resources?.includes("pods") && r.verbs.includes("list"))).toBe(true);
    const discovery = await admin.request<{ groups: Array<{ name: string }> }>("GET", "/apis");
    expect(discovery.groups.map((g) => g.name)).toContain("authorization.k8s.io");

    const asVera = await raw(cp, cp.token, "GET", "/api/v1/namespaces/a/secrets", { "Impersonate-User": "vera" });
    expect(asVera.code).toBe(403);
    expect(JSON.parse(asVera.body).message).toContain('User "vera" cannot list resource "secrets"');
    expect((await raw(cp, cp.token, "GET", "/api/v1/namespaces/a/pods", { "Impersonate-User": "vera" })).code).toBe(200);
    const escalate = await raw(cp, tokens.view, "GET", "/api/v1/namespaces/a/secrets", { "Impersonate-User": "admin", "Impersonate-Group": "system:masters" });
    expect(escalate.code).toBe(403);
    expect(JSON.parse(escalate.body).message).toContain('User "vera" cannot impersonate resource "users"');
    v.close();
  });

  it("a deleted token stops working", async () => {
    const t = (await createToken(cp.paths.tokens, admin, { user: "temp", role: "view", namespace: "b" })).token;
    const c = as(t, "b");
    expect((await status(c, "GET", resourcePath(R.pods, "b"))).code).toBe(200);
    await deleteTokens(cp.paths.tokens, admin, { prefix: t.slice(0, 10) });
    await waitFor(async () => (await status(c, "GET", resourcePath(R.pods, "b"))).code === 401);
    expect((await status(admin, "GET", resourcePath(R.rolebindings, "b", "skiff:token:temp:view"))).code).toBe(404);
    c.close();
  });

  it("records every request in the audit log with the user and the code", async () => {
    const e = as(tokens.edit, "a");
    await status(e, "POST", resourcePath(R.configmaps, "b"), cm("audit-denied"));
    await status(e, "POST", resourcePath(R.configmaps, "a"), cm("audit-ok"));
    e.close();
    const path = auditLogPath(home);
    const find = () => {
      if (!existsSync(path)) return [];
      return readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    await waitFor(async () => find().some((l) => l.user === "ed" && l.code === 201));
    const lines = find();
    expect(lines.find((l) => l.user === "ed" && l.namespace === "b" && l.resource === "configmaps")).toMatchObject({ verb: "create", code: 403 });
    expect(lines.find((l) => l.user === "ed" && l.namespace === "a" && l.verb === "create" && l.resource === "configmaps" && l.code === 201)).toBeDefined();
    expect(lines.find((l) => l.user === "vera" && l.verb === "create" && l.code === 403)).toMatchObject({ resource: "configmaps", namespace: "a" });
    expect(lines.find((l) => l.user === "system:node:n1" && l.resource === "secrets" && l.code === 403)).toMatchObject({ verb: "get", name: "s-other" });
    expect(lines.some((l) => l.user === "system:anonymous" && l.code === 401)).toBe(true);
    for (const l of lines) expect(typeof l.time).toBe("string");
  });

  describe("the skiff CLI", () => {
    const CLI = fileURLToPath(new URL("../dist/cmd/skiff.js", import.meta.url));
    function skiff(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], { env: { ...process.env, SKIFF_HOME: home, NO_COLOR: "1" } }, (err, stdout, stderr) => {
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
    }

    it("token create prints a working kubeconfig; can-i answers yes/no with exit 0/1; list masks; delete revokes", async () => {
      const made = await skiff("token", "create", "--user", "zed", "--role", "view", "-n", "a", "--ttl", "1h");
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
      expect(made.stdout).toContain("Bound to ClusterRole view by RoleBinding a/skiff:token:zed:view");
      const token = /^ {2}(\S+)$/m.exec(made.stdout)![1];
      const cfg = join(home, "zed.kubeconfig");
      writeFileSync(cfg, made.stdout.slice(made.stdout.indexOf("apiVersion:")), { mode: 0o600 });
      expect(await skiff("--kubeconfig", cfg, "auth", "can-i", "create", "deployments")).toMatchObject({ code: 1, stdout: "no\n" });
      expect(await skiff("--kubeconfig", cfg, "auth", "can-i", "list", "pods")).toMatchObject({ code: 0, stdout: "yes\n" });
      expect(await skiff("--kubeconfig", cfg, "auth", "can-i", "list", "pods", "-n", "b")).toMatchObject({ code: 1 });
      expect(await skiff("auth", "can-i", "delete", "nodes", "--as", "zed")).toMatchObject({ code: 1, stdout: "no\n" });
      expect(await skiff("auth", "can-i", "delete", "nodes")).toMatchObject({ code: 0, stdout: "yes\n" });
      expect((await skiff("--kubeconfig", cfg, "auth", "can-i", "--list")).stdout).toMatch(/pods\s+\[\]\s+\[\]\s+\[get list watch\]/);
      const listed = await skiff("token", "list");
      expect(listed.stdout).toContain(`${token.slice(0, 6)}…`);
      expect(listed.stdout).not.toContain(token);
      expect(listed.stdout).toMatch(/zed\s+<none>\s+\d{4}-/);
      expect((await skiff("token", "delete", token.slice(0, 12))).code).toBe(0);
      await waitFor(async () => (await skiff("--kubeconfig", cfg, "auth", "can-i", "list", "pods")).stderr.includes("Unauthorized"));
      const node = await skiff("token", "create", "--node", "n9");
      expect(node.stdout).toContain("Token for system:node:n9 (groups: system:nodes)");
      expect((await skiff("token", "create", "--user", "x", "--group", "system:masters")).code).toBe(1);
    });
  });

  describe.skipIf(!haveKubectl)("real kubectl", () => {
    const run = promisify(execFile);
    async function kubectl(token: string, ...args: string[]): Promise<{ code: number; out: string }> {
      const cfg = join(home, `kubeconfig-${token.slice(0, 6)}`);
      writeFileSync(cfg, tokenKubeconfig({ server: cp.url, caPem: cp.caPem, token, user: "u" }), { mode: 0o600 });
      try {
        const r = await run(KUBECTL, ["--kubeconfig", cfg, ...args], { env: { ...process.env, HOME: home } });
        return { code: 0, out: r.stdout.trim() };
      } catch (e) {
        const err = e as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof err.code === "number" ? err.code : -1, out: `${err.stdout ?? ""}${err.stderr ?? ""}`.trim() };
      }
    }

    it("`auth can-i create deployments` says no for view and yes for admin", async () => {
      expect(await kubectl(tokens.view, "auth", "can-i", "create", "deployments", "-n", "a")).toEqual({ code: 1, out: "no" });
      expect(await kubectl(tokens.view, "auth", "can-i", "list", "pods", "-n", "a")).toEqual({ code: 0, out: "yes" });
      expect(await kubectl(cp.token, "auth", "can-i", "create", "deployments", "-n", "a")).toEqual({ code: 0, out: "yes" });
      // --as goes through impersonation headers.
      expect(await kubectl(cp.token, "auth", "can-i", "create", "deployments", "-n", "a", "--as", "vera")).toEqual({ code: 1, out: "no" });
      expect(await kubectl(cp.token, "auth", "can-i", "create", "deployments", "-n", "a", "--as", "ed")).toEqual({ code: 0, out: "yes" });
    });

    it("kubectl with a view token gets Kubernetes' forbidden message", async () => {
      const r = await kubectl(tokens.view, "create", "configmap", "x", "-n", "a", "--from-literal=a=b");
      expect(r.code).not.toBe(0);
      expect(r.out).toContain('configmaps is forbidden: User "vera" cannot create resource "configmaps" in API group "" in the namespace "a"');
    });
  });
});

function raw(cp: ControlPlane, token: string, method: string, path: string, headers: Record<string, string>): Promise<{ code: number; body: string }> {
  const url = new URL(cp.url);
  return new Promise((resolve, reject) => {
    const req = https.request({ hostname: url.hostname, port: url.port, method, path, ca: cp.caPem, headers: { Authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

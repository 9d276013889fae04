// The exact HTTP requests the mirror sends, recorded by a small server that
// plays a kube-apiserver (discovery + 201 for apply patches). What a real
// kube-apiserver accepts for server-side apply (kubernetes.io, "Server-Side
// Apply" → Serialization / API implementation / Field managers / Conflicts):
// - verb PATCH on the object's own URI (/api/v1/namespaces/NS/configmaps/NAME,
//   /apis/apps/v1/namespaces/NS/deployments/NAME), which creates it if missing;
// - Content-Type application/apply-patch+yaml, also for a JSON body ("all JSON
//   messages are valid YAML");
// - the fieldManager query parameter is required for apply; force=true takes
//   over fields another manager owns (recommended for controllers);
// - the body may not set metadata.managedFields.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse as parseYaml } from "yaml";
import { R } from "../api/kinds.js";
import type { KubeObject } from "../api/types.js";
import { Registry } from "../apiserver/registry.js";
import { InProcessClient } from "../client/in-process.js";
import { openStore } from "../store/index.js";
import { Mirror, type MirrorEvent } from "./mirror.js";
import { MIRRORED_BY_LABEL, SOURCE_UID_ANNOTATION } from "./scope.js";
import { ClientNodeTarget, loadTargetConfig } from "./target.js";
import { seedNamespace } from "../../test/helpers/mirror-fixtures.js";

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
}

const resource = (name: string, kind: string, namespaced = true) => ({ name, singularName: "", namespaced, kind, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"] });

/** Discovery of a cluster that serves batch/v1 Jobs but not CronJobs. */
const DISCOVERY: Record<string, object> = {
  "/api/v1": {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: "v1",
    resources: [
      resource("namespaces", "Namespace", false),
      resource("configmaps", "ConfigMap"),
      resource("secrets", "Secret"),
      resource("services", "Service"),
      resource("services/status", "Service"),
      resource("endpoints", "Endpoints"),
      resource("pods", "Pod"),
    ],
  },
  "/apis/apps/v1": {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: "apps/v1",
    resources: [resource("deployments", "Deployment"), resource("statefulsets", "StatefulSet"), resource("daemonsets", "DaemonSet"), resource("replicasets", "ReplicaSet")],
  },
  "/apis/batch/v1": { kind: "APIResourceList", apiVersion: "v1", groupVersion: "batch/v1", resources: [resource("jobs", "Job")] },
};

class RecordingApiServer {
  readonly requests: Recorded[] = [];
  /** What GET (list) answers per path: for the prune tests. */
  lists = new Map<string, KubeObject[]>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ code, body }) => {
        res.writeHead(code, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  }

  private async handle(req: IncomingMessage): Promise<{ code: number; body: unknown }> {
    let body = "";
    for await (const chunk of req) body += String(chunk);
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push({ method: req.method ?? "", path: url.pathname, query: url.searchParams, contentType: req.headers["content-type"], authorization: req.headers.authorization, body });
    if (req.method === "GET" && DISCOVERY[url.pathname]) return { code: 200, body: DISCOVERY[url.pathname] };
    if (req.method === "PATCH") {
      const obj = JSON.parse(body) as KubeObject;
      return { code: 201, body: { ...obj, metadata: { ...obj.metadata, uid: "target-uid", resourceVersion: "1" } } };
    }
    if (req.method === "GET" && url.searchParams.has("limit")) {
      // A list (client-node pages with limit=500): what the test put there, else nothing.
      const items = this.lists.get(url.pathname) ?? [];
      return { code: 200, body: { kind: "List", apiVersion: "v1", metadata: { resourceVersion: "1" }, items } };
    }
    if (req.method === "GET") {
      const cut = url.pathname.lastIndexOf("/");
      const hit = this.lists.get(url.pathname.slice(0, cut))?.find((o) => o.metadata.name === url.pathname.slice(cut + 1));
      if (hit) return { code: 200, body: hit };
    }
    if (req.method === "DELETE") return { code: 200, body: { kind: "Status", apiVersion: "v1", status: "Success" } };
    return { code: 404, body: { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: "the server could not find the requested resource" } };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe("mirror: the requests a kube-apiserver receives", () => {
  let server: RecordingApiServer;
  let dir: string;
  let kubeconfig: string;
  let client: InProcessClient;
  let seeded: Record<string, KubeObject>;

  beforeAll(async () => {
    server = new RecordingApiServer();
    await server.start();
    dir = mkdtempSync(join(tmpdir(), "skiff-mirror-rec-"));
    kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{name: rec, cluster: {server: '" + server.url + "', insecure-skip-tls-verify: true}}]", // client-node refuses plain http otherwise
        "users: [{name: rec, user: {token: rec-token}}]",
        "contexts: [{name: rec-ctx, context: {cluster: rec, user: rec, namespace: elsewhere}}]",
        "current-context: rec-ctx",
      ].join("\n"),
    );
    const registry = new Registry(await openStore("memory"));
    await registry.bootstrap();
    client = new InProcessClient(registry);
    seeded = await seedNamespace(client, "demo");
    // What controllers would have made: must not be sent (the target's own controllers make them).
    const rs = await client.create(R.replicasets, "demo", {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web-abc", namespace: "demo", labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: seeded.deployment.metadata.uid!, controller: true }] },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
    });
    await client.create(R.pods, "demo", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web-abc-1", namespace: "demo", labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: rs.metadata.uid!, controller: true }] },
      spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
    });
    // A pod of its own, already bound to a skiff node.
    seeded.solo = await client.create(R.pods, "demo", { apiVersion: "v1", kind: "Pod", metadata: { name: "solo", namespace: "demo" }, spec: { nodeName: "node-1", containers: [{ name: "c", image: "busybox" }] } });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("server-side apply: PATCH, apply-patch+yaml, fieldManager=skiff&force=true, dependency order, stripped bodies", async () => {
    const events: MirrorEvent[] = [];
    const target = new ClientNodeTarget(loadTargetConfig(kubeconfig));
    const summary = await new Mirror({ source: client, target, namespaces: ["demo"], onEvent: (e) => events.push(e) }).syncOnce();

    const patches = server.requests.filter((r) => r.method === "PATCH");
    expect(patches.map((r) => r.path)).toEqual([
      "/api/v1/namespaces/demo",
      "/api/v1/namespaces/demo/configmaps/cfg",
      "/api/v1/namespaces/demo/secrets/sec",
      "/api/v1/namespaces/demo/services/web",
      "/apis/apps/v1/namespaces/demo/deployments/web",
      "/api/v1/namespaces/demo/pods/solo",
    ]);
    for (const r of patches) {
      expect(r.contentType).toBe("application/apply-patch+yaml");
      expect([...r.query.entries()]).toEqual([
        ["fieldManager", "skiff"],
        ["force", "true"],
      ]);
      expect(r.authorization).toBe("Bearer rec-token");
      // client-node sends JSON; the API server reads apply bodies as YAML, of which JSON is a subset.
      expect(parseYaml(r.body)).toEqual(JSON.parse(r.body));
    }
    // Nothing but discovery and the applies: no reads of the target, no POST/PUT.
    expect(server.requests.filter((r) => r.method !== "PATCH").every((r) => r.method === "GET" && r.path in DISCOVERY)).toBe(true);

    const bodies = Object.fromEntries(patches.map((r) => [r.path.split("/").slice(-2).join("/"), JSON.parse(r.body) as KubeObject]));
    for (const body of Object.values(bodies)) {
      for (const f of ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "ownerReferences"]) expect(body.metadata).not.toHaveProperty(f);
      expect(body).not.toHaveProperty("status");
      expect(body.metadata.labels?.[MIRRORED_BY_LABEL]).toBe("skiff");
    }

    const deploy = bodies["deployments/web"];
    expect(deploy.apiVersion).toBe("apps/v1");
    expect(deploy.kind).toBe("Deployment");
    expect(deploy.metadata).toEqual({
      name: "web",
      namespace: "demo",
      labels: { app: "web", [MIRRORED_BY_LABEL]: "skiff" },
      // skiff.dev/lab-note is dropped (and reported); the user's own annotation stays.
      annotations: { team: "blue", [SOURCE_UID_ANNOTATION]: seeded.deployment.metadata.uid },
    });
    const spec = deploy.spec as { replicas: number; template: { metadata: Record<string, unknown>; spec: { containers: Array<{ image: string }> } } };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0].image).toBe("nginx:1.27");
    expect(spec.template.metadata).not.toHaveProperty("creationTimestamp");

    const svc = bodies["services/web"].spec as Record<string, unknown> & { ports: Array<Record<string, unknown>> };
    expect((seeded.service.spec as { clusterIP?: string }).clusterIP).toMatch(/^127\./);
    expect(svc).not.toHaveProperty("clusterIP");
    expect(svc).not.toHaveProperty("clusterIPs");
    expect(svc.ports[0]).not.toHaveProperty("nodePort");
    expect(svc.ports[0]).toMatchObject({ port: 80, targetPort: 80 });
    expect(svc.type).toBe("NodePort");

    expect(bodies["namespaces/demo"]).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { name: "demo", labels: expect.objectContaining({ [MIRRORED_BY_LABEL]: "skiff" }), annotations: { [SOURCE_UID_ANNOTATION]: seeded.namespace.metadata.uid } } });
    expect(bodies["configmaps/cfg"].data).toEqual({ greeting: "hello" });
    expect(bodies["secrets/sec"].data).toEqual({ token: Buffer.from("s3cret").toString("base64") });
    expect(bodies["pods/solo"].spec).not.toHaveProperty("nodeName");

    // Reported, not silently dropped.
    const lines = events.map((e) => `${e.type} ${e.ref}: ${e.message ?? ""}`);
    expect(lines).toContain("skipped cronjob.batch/tick -n demo: the target does not serve batch/v1 CronJob");
    expect(events.find((e) => e.type === "skipped" && e.ref.startsWith("cronjob"))?.expected).toBeUndefined();
    expect(lines.some((l) => l.startsWith("note deployment.apps/web -n demo: annotation skiff.dev/lab-note"))).toBe(true);
    expect(lines.some((l) => l.startsWith("note service/web -n demo: nodePort"))).toBe(true);
    expect(lines.some((l) => l.startsWith("note pod/solo -n demo: spec.nodeName node-1"))).toBe(true);
    expect(events.filter((e) => e.type === "skipped" && e.expected).map((e) => e.ref).sort()).toEqual(["pod/web-abc-1 -n demo", "replicaset.apps/web-abc -n demo"]);
    expect(summary).toMatchObject({ applied: 6, errors: 0, pruned: 0 });
  });

  test("prune deletes only what carries skiff's label, even when the server ignores the selector", async () => {
    server.requests.length = 0;
    const labelled = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "demo", labels: { [MIRRORED_BY_LABEL]: "skiff" } } });
    // The list answers both objects whatever the labelSelector says.
    server.lists.set("/api/v1/namespaces/demo/configmaps", [labelled("gone-from-skiff"), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "someone-elses", namespace: "demo" } }, labelled("cfg")]);
    const target = new ClientNodeTarget(loadTargetConfig(kubeconfig));
    const events: MirrorEvent[] = [];
    await new Mirror({ source: client, target, namespaces: ["demo"], prune: true, onEvent: (e) => events.push(e) }).syncOnce();

    const lists = server.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/namespaces/demo/configmaps");
    expect(lists[0].query.get("labelSelector")).toBe(`${MIRRORED_BY_LABEL}=skiff`);
    const deletes = server.requests.filter((r) => r.method === "DELETE");
    expect(deletes.map((r) => r.path)).toEqual(["/api/v1/namespaces/demo/configmaps/gone-from-skiff"]);
    // client-node passes the propagation policy as a query parameter (the API accepts it there or in DeleteOptions).
    expect(deletes[0].query.get("propagationPolicy")).toBe("Background");
    expect(events.filter((e) => e.type === "pruned").map((e) => e.ref)).toEqual(["configmap/gone-from-skiff -n demo"]);
    // Prunes run after every apply.
    const lastPatch = server.requests.map((r) => r.method).lastIndexOf("PATCH");
    expect(server.requests.findIndex((r) => r.method === "DELETE")).toBeGreaterThan(lastPatch);
  });
});

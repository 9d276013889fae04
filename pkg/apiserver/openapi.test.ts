import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { RESOURCES, apiVersionOf } from "../api/kinds.js";
import {
  groupVersionPath,
  openApiDocument,
  openApiDocumentHash,
  openApiDocumentJson,
  openApiIndex,
  type JsonObject,
  type OpenApiDocument,
} from "./openapi.js";

type Op = JsonObject & {
  parameters?: Array<{ name: string; in: string; schema?: { type: string } }>;
  "x-kubernetes-action"?: string;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string };
};

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

function doc(gv: string): OpenApiDocument {
  const d = openApiDocument(gv);
  if (!d) throw new Error(`no document for ${gv}`);
  return d;
}

function operations(d: OpenApiDocument): Array<{ path: string; method: string; op: Op }> {
  return Object.entries(d.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Op })),
  );
}

function schemaOf(d: OpenApiDocument, name: string): JsonObject & { properties: Record<string, JsonObject> } {
  const s = d.components.schemas[name];
  if (!s) throw new Error(`no schema ${name}`);
  return s as JsonObject & { properties: Record<string, JsonObject> };
}

/** The check real kubectl makes before it sends fieldValidation=Strict (queryparams_v3). */
function kubectlTrustsServer(d: OpenApiDocument, gvk: { group: string; version: string; kind: string }): boolean {
  let found = false;
  for (const item of Object.values(d.paths)) {
    const patch = item.patch as Op | undefined;
    const g = patch?.["x-kubernetes-group-version-kind"];
    if (!patch || !g || g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    // kubectl stops at the first match in map order, so every match must qualify.
    if (!patch.parameters?.some((p) => p.name === "fieldValidation")) return false;
    found = true;
  }
  return found;
}

describe("openApiIndex", () => {
  // How fast the documents build is a benchmark's business (timing here is noisy), not this test's.
  test("lists every served group-version with a content hash", () => {
    const index = openApiIndex();

    expect(Object.keys(index.paths).sort()).toEqual([...new Set(RESOURCES.map(groupVersionPath))].sort());
    expect(Object.keys(index.paths)).toEqual(expect.arrayContaining(["api/v1", "apis/apps/v1", "apis/policy/v1", "apis/scheduling.k8s.io/v1"]));
    for (const r of RESOURCES) expect(index.paths[groupVersionPath(r)], r.kind).toBeDefined();
    for (const [gv, { serverRelativeURL }] of Object.entries(index.paths)) {
      expect(serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/${gv.replace(/\./g, "\\.")}\\?hash=[0-9A-F]{64}$`));
      const expected = createHash("sha256").update(openApiDocumentJson(gv)!).digest("hex").toUpperCase();
      expect(serverRelativeURL.endsWith(`hash=${expected}`)).toBe(true);
      expect(openApiDocumentHash(gv)).toBe(expected);
      expect(JSON.parse(openApiDocumentJson(gv)!)).toEqual(openApiDocument(gv));
    }
    // Stable: asking again gives the same hashes.
    expect(openApiIndex()).toEqual(index);
  });

  test("unknown group-versions have no document; slashes are tolerated", () => {
    expect(openApiDocument("apis/batch/v2")).toBeUndefined();
    expect(openApiDocument("/apis/apps/v1/")).toBe(openApiDocument("apis/apps/v1"));
  });
});

describe("openApiDocument", () => {
  test("apps/v1 has a deployments patch op kubectl trusts for strict validation", () => {
    const d = doc("apis/apps/v1");
    expect(d.openapi).toBe("3.0.0");
    expect(d.info.title).toBeTruthy();
    const item = d.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
    const patch = item.patch as Op;
    expect(patch["x-kubernetes-action"]).toBe("patch");
    expect(patch["x-kubernetes-group-version-kind"]).toEqual({ group: "apps", version: "v1", kind: "Deployment" });
    expect(patch.parameters).toContainEqual(expect.objectContaining({ name: "fieldValidation", in: "query", schema: expect.objectContaining({ type: "string" }) }));
    expect(patch.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(["dryRun", "fieldManager", "force"]));
    const body = (patch.requestBody as { content: Record<string, unknown> }).content;
    expect(Object.keys(body)).toEqual(expect.arrayContaining(["application/strategic-merge-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]));
  });

  test("every served kind passes kubectl's fieldValidation support check", () => {
    for (const r of RESOURCES) {
      expect(kubectlTrustsServer(doc(groupVersionPath(r)), r), r.kind).toBe(true);
    }
  });

  test("collection, item and subresource paths with actions", () => {
    const core = doc("api/v1");
    const pods = core.paths["/api/v1/namespaces/{namespace}/pods"];
    expect((pods.get as Op)["x-kubernetes-action"]).toBe("list");
    expect((pods.post as Op)["x-kubernetes-action"]).toBe("create");
    expect((pods.delete as Op)["x-kubernetes-action"]).toBe("deletecollection");
    expect((pods.post as Op).parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(["fieldValidation", "fieldManager", "dryRun"]));
    const pod = core.paths["/api/v1/namespaces/{namespace}/pods/{name}"];
    expect(["get", "put", "patch", "delete"].map((m) => (pod[m] as Op)["x-kubernetes-action"])).toEqual(["get", "update", "patch", "delete"]);
    expect(pod.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "name", in: "path" }), expect.objectContaining({ name: "namespace", in: "path" })]),
    );
    expect(core.paths["/api/v1/namespaces/{namespace}/pods/{name}/status"].patch).toBeDefined();
    expect(core.paths["/api/v1/namespaces/{namespace}/pods/{name}/log"].get).toBeDefined();
    expect(core.paths["/api/v1/pods"].get).toBeDefined(); // all namespaces

    const scale = doc("apis/apps/v1").paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    expect((scale.patch as Op)["x-kubernetes-group-version-kind"]).toEqual({ group: "autoscaling", version: "v1", kind: "Scale" });
    expect(JSON.stringify((scale.get as Op).responses)).toContain("io.k8s.api.autoscaling.v1.Scale");

    // Every operation says what it does and on which kind.
    for (const gv of Object.keys(openApiIndex().paths)) {
      for (const { path, method, op } of operations(doc(gv))) {
        if (path.endsWith("/")) continue; // the group's APIResourceList
        expect(["get", "list", "create", "update", "patch", "delete", "deletecollection"], `${method} ${path}`).toContain(op["x-kubernetes-action"]);
        expect(op["x-kubernetes-group-version-kind"], `${method} ${path}`).toBeDefined();
      }
    }
  });

  test("cluster-scoped kinds have no namespace segment", () => {
    const core = doc("api/v1");
    expect(core.paths["/api/v1/nodes/{name}"]?.patch).toBeDefined();
    expect(core.paths["/api/v1/namespaces/{name}"]?.patch).toBeDefined();
    expect(core.paths["/api/v1/nodes/{name}/status"]).toBeDefined();
    expect(Object.keys(core.paths).filter((p) => /\{namespace\}\/(nodes|namespaces)/.test(p))).toEqual([]);
    const nodeParams = (core.paths["/api/v1/nodes/{name}"].parameters as Array<{ name: string }>).map((p) => p.name);
    expect(nodeParams).not.toContain("namespace");
  });

  test("each served kind's schema carries its group-version-kind", () => {
    for (const r of RESOURCES) {
      const d = doc(groupVersionPath(r));
      const tagged = Object.values(d.components.schemas).filter((s) =>
        (s["x-kubernetes-group-version-kind"] as Array<{ group: string; version: string; kind: string }> | undefined)?.some(
          (g) => g.group === r.group && g.version === r.version && g.kind === r.kind,
        ),
      );
      expect(tagged, r.kind).toHaveLength(1);
      expect(apiVersionOf(r)).toBeTruthy();
    }
    expect(schemaOf(doc("apis/apps/v1"), "io.k8s.api.apps.v1.Deployment")["x-kubernetes-group-version-kind"]).toEqual([
      { group: "apps", version: "v1", kind: "Deployment" },
    ]);
    expect(schemaOf(doc("api/v1"), "io.k8s.api.core.v1.Event")["x-kubernetes-group-version-kind"]).toEqual([{ group: "", version: "v1", kind: "Event" }]);
    expect(schemaOf(doc("api/v1"), "io.k8s.api.core.v1.PodSpec")["x-kubernetes-group-version-kind"]).toBeUndefined();
  });

  test("every $ref resolves to a schema in the same document", () => {
    for (const gv of Object.keys(openApiIndex().paths)) {
      const d = doc(gv);
      const refs: string[] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") {
          for (const [k, x] of Object.entries(v)) {
            // JSONSchemaProps (CRDs) has a property named "$ref" whose value is a schema, not a reference.
            if (k === "$ref" && typeof x === "string") refs.push(x);
            else walk(x);
          }
        }
      };
      walk(d);
      expect(refs.length, gv).toBeGreaterThan(20);
      const dangling = refs.filter((r) => {
        const m = /^#\/components\/schemas\/(.+)$/.exec(r);
        return !m || !Object.hasOwn(d.components.schemas, m[1]);
      });
      expect(dangling, gv).toEqual([]);
    }
  });

  test("schemas: real Kubernetes names, refs, leaf types", () => {
    const d = doc("apis/apps/v1");
    const spec = schemaOf(d, "io.k8s.api.apps.v1.DeploymentSpec");
    expect(spec.type).toBe("object");
    expect(spec.required).toEqual(["selector", "template"]);
    expect(spec.properties.replicas).toMatchObject({ type: "integer", format: "int32" });
    expect(JSON.stringify(spec.properties.template)).toContain('"#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec"');
    expect(JSON.stringify(spec.properties.selector)).toContain("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
    const deploy = schemaOf(d, "io.k8s.api.apps.v1.Deployment");
    expect(JSON.stringify(deploy.properties.metadata)).toContain("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");

    expect(d.components.schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]).toMatchObject({ type: "string" });
    expect(d.components.schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]).toMatchObject({
      type: "string",
      format: "int-or-string",
      "x-kubernetes-int-or-string": true,
    });
    expect(d.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]).toMatchObject({ type: "string", format: "date-time" });
    const limits = schemaOf(d, "io.k8s.api.core.v1.ResourceRequirements").properties.limits;
    expect(limits).toMatchObject({ type: "object", additionalProperties: { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity" } });
    expect(JSON.stringify(schemaOf(d, "io.k8s.api.apps.v1.RollingUpdateDeployment").properties.maxSurge)).toContain("IntOrString");
    expect(schemaOf(doc("apis/coordination.k8s.io/v1"), "io.k8s.api.coordination.v1.LeaseSpec").properties.renewTime).toMatchObject({
      allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime" }],
    });
    // A field's own description survives next to its $ref (kubectl explain prints it).
    expect(schemaOf(d, "io.k8s.api.core.v1.PodSpec").properties.containers.description).toMatch(/containers belonging to the pod/);
  });

  test("strategic-merge-patch extensions on the lists Kubernetes marks", () => {
    const core = doc("api/v1");
    const podSpec = schemaOf(core, "io.k8s.api.core.v1.PodSpec").properties;
    expect(podSpec.containers).toMatchObject({
      type: "array",
      items: { $ref: "#/components/schemas/io.k8s.api.core.v1.Container" },
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    });
    expect(podSpec.initContainers["x-kubernetes-patch-merge-key"]).toBe("name");
    expect(podSpec.volumes["x-kubernetes-patch-strategy"]).toBe("merge,retainKeys");
    expect(podSpec.tolerations["x-kubernetes-list-type"]).toBe("atomic");
    const container = schemaOf(core, "io.k8s.api.core.v1.Container").properties;
    expect(container.ports["x-kubernetes-list-map-keys"]).toEqual(["containerPort", "protocol"]);
    expect(container.ports["x-kubernetes-patch-merge-key"]).toBe("containerPort");
    expect(container.env["x-kubernetes-patch-merge-key"]).toBe("name");
    expect(container.volumeMounts["x-kubernetes-patch-merge-key"]).toBe("mountPath");
    expect(schemaOf(core, "io.k8s.api.core.v1.ServiceSpec").properties.ports["x-kubernetes-list-map-keys"]).toEqual(["port", "protocol"]);
    expect(schemaOf(core, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").properties.ownerReferences["x-kubernetes-patch-merge-key"]).toBe("uid");
    expect(schemaOf(core, "io.k8s.api.core.v1.PodStatus").properties.conditions["x-kubernetes-patch-merge-key"]).toBe("type");
    // The same extensions appear in the apps document's copy of PodSpec.
    expect(schemaOf(doc("apis/apps/v1"), "io.k8s.api.core.v1.PodSpec").properties.containers["x-kubernetes-patch-merge-key"]).toBe("name");
  });
});

// Real kubectl against a stub server that serves discovery and these documents:
// proves `apply` sends fieldValidation=Strict, merges containers by name, and that
// `explain` can read the schemas.
describe.skipIf(!existsSync("/usr/bin/kubectl"))("with real kubectl", () => {
  test("apply validates on the server; explain reads the schemas", async () => {
    const requests: Array<{ method: string; url: string; type: string; body: string }> = [];
    let stored: Record<string, unknown> | undefined;
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        requests.push({ method: req.method!, url: req.url!, type: String(req.headers["content-type"] ?? ""), body });
        const send = (code: number, payload: unknown) => {
          res.writeHead(code, { "content-type": "application/json" });
          res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
        };
        const path = new URL(req.url!, "http://stub").pathname;
        const notFound = { kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: "not found", details: { name: "web", group: "apps", kind: "deployments" } };
        if (path === "/version") return send(200, { major: "1", minor: "32", gitVersion: "v1.32.0" });
        if (path === "/api") return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }] });
        if (path === "/apis") {
          const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => r.group))].map((g) => ({
            name: g,
            versions: [{ groupVersion: `${g}/v1`, version: "v1" }],
            preferredVersion: { groupVersion: `${g}/v1`, version: "v1" },
          }));
          return send(200, { kind: "APIGroupList", apiVersion: "v1", groups });
        }
        const gv = RESOURCES.find((r) => path === `/${groupVersionPath(r)}`);
        if (gv) {
          const resources = RESOURCES.filter((r) => apiVersionOf(r) === apiVersionOf(gv)).map((r) => ({
            name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, shortNames: r.shortNames,
            verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
          }));
          return send(200, { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf(gv), resources });
        }
        if (path === "/openapi/v3") return send(200, openApiIndex());
        if (path.startsWith("/openapi/v3/")) {
          const json = openApiDocumentJson(path.slice("/openapi/v3/".length));
          return json ? send(200, json) : send(404, notFound);
        }
        if (path === "/apis/apps/v1/namespaces/default/deployments/web") {
          if (req.method === "GET") return stored ? send(200, stored) : send(404, notFound);
          if (req.method === "PATCH") return send(200, stored);
        }
        if (path === "/apis/apps/v1/namespaces/default/deployments" && req.method === "POST") {
          stored = JSON.parse(body) as Record<string, unknown>;
          (stored.metadata as Record<string, unknown>).resourceVersion = "1";
          return send(201, stored);
        }
        send(404, notFound);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const home = mkdtempSync(join(tmpdir(), "skiff-openapi-"));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const kubectl = (...args: string[]) =>
        new Promise<{ code: number; out: string }>((resolve) =>
          execFile("/usr/bin/kubectl", ["-s", url, ...args], { env: { ...process.env, HOME: home, KUBECONFIG: join(home, "none") } }, (err, out, errOut) =>
            resolve({ code: err ? Number(err.code ?? 1) : 0, out: `${out}${errOut}` }),
          ),
        );
      const manifest = (image: string) =>
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n  selector: {matchLabels: {app: web}}\n` +
        `  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - {name: web, image: "${image}", ports: [{containerPort: 80}]}\n`;
      const file = join(home, "deploy.yaml");

      writeFileSync(file, manifest("nginx:1"));
      const created = await kubectl("apply", "-f", file);
      expect(created.out).toContain("deployment.apps/web created");
      const post = requests.find((r) => r.method === "POST");
      expect(post?.url).toContain("fieldValidation=Strict");

      writeFileSync(file, manifest("nginx:2"));
      const configured = await kubectl("apply", "-f", file);
      expect(configured.out).toContain("configured");
      const patch = requests.find((r) => r.method === "PATCH")!;
      expect(patch.url).toContain("fieldValidation=Strict");
      expect(patch.type).toBe("application/strategic-merge-patch+json");
      // Containers merged by name: kubectl learned the merge key from the document.
      expect(JSON.parse(patch.body).spec.template.spec).toMatchObject({ "$setElementOrder/containers": [{ name: "web" }] });

      const explain = await kubectl("explain", "deployment.spec.strategy");
      expect(explain.code, explain.out).toBe(0);
      expect(explain.out).toContain("FIELD: strategy <DeploymentStrategy>");
      expect(explain.out).toContain("rollingUpdate");
      const containers = await kubectl("explain", "pods.spec.containers");
      expect(containers.out).toContain("<[]Container>");
      expect(containers.out).toMatch(/imagePullPolicy\s+<string>/);
    } finally {
      server.close();
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});

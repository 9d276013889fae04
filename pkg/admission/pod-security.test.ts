import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry } from "../apiserver/registry.js";
import { buildApiServer } from "../apiserver/server.js";
import { R } from "../api/kinds.js";
import { newContext } from "../apiserver/registry.js";
import { hostPathAllowed, optionsFromEnv, PodSecurity, type PodSecurityOptions } from "./pod-security.js";

const pod = (spec: Record<string, unknown>, name = "p") => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "skiff/busybox:latest" }], ...spec },
});
const withContainer = (extra: Record<string, unknown>) => pod({ containers: [{ name: "c", image: "skiff/busybox:latest", ...extra }] });

describe("PodSecurity admission", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;

  async function start(opts: PodSecurityOptions = {}): Promise<void> {
    store = await openStore("memory");
    registry = new Registry(store, { admission: [new PodSecurity(opts)] });
    await registry.bootstrap();
    app = await buildApiServer({ registry, authenticator: null });
  }
  beforeEach(() => start());
  afterEach(async () => {
    registry.close();
    await app.close();
    await store.close();
  });

  const create = (url: string, body: unknown) => app.inject({ method: "POST", url, payload: body as object });

  it.each([
    ["privileged container", withContainer({ securityContext: { privileged: true } }), "spec.containers[0].securityContext.privileged"],
    ["privileged init container", pod({ initContainers: [{ name: "i", image: "x", securityContext: { privileged: true } }] }), "spec.initContainers[0].securityContext.privileged"],
    ["host network", pod({ hostNetwork: true }), "spec.hostNetwork"],
    ["host PID", pod({ hostPID: true }), "spec.hostPID"],
    ["host IPC", pod({ hostIPC: true }), "spec.hostIPC"],
    ["SYS_ADMIN capability", withContainer({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }), "spec.containers[0].securityContext.capabilities.add"],
    ["CAP_NET_ADMIN capability", withContainer({ securityContext: { capabilities: { add: ["NET_BIND_SERVICE", "CAP_NET_ADMIN"] } } }), "spec.containers[0].securityContext.capabilities.add"],
    ["hostPath /", pod({ volumes: [{ name: "root", hostPath: { path: "/" } }] }), "spec.volumes[0].hostPath.path"],
    ["hostPath /var/run/docker.sock", pod({ volumes: [{ name: "d", hostPath: { path: "/var/run/docker.sock" } }] }), "spec.volumes[0].hostPath.path"],
  ])("refuses a pod with %s: 403 naming the field, nothing stored", async (_what, body, field) => {
    const res = await create("/api/v1/namespaces/default/pods", body);
    expect(res.statusCode).toBe(403);
    const status = res.json() as { reason: string; message: string };
    expect(status.reason).toBe("Forbidden");
    expect(status.message).toContain(field);
    expect(status.message).toMatch(/^pods "p" is forbidden: violates PodSecurity/);
    expect((await app.inject({ method: "GET", url: "/api/v1/namespaces/default/pods/p" })).statusCode).toBe(404);
  });

  it("accepts ordinary pods, baseline capabilities and privileged: false", async () => {
    expect((await create("/api/v1/namespaces/default/pods", pod({}, "plain"))).statusCode).toBe(201);
    const ok = withContainer({ securityContext: { privileged: false, capabilities: { add: ["NET_BIND_SERVICE", "CAP_CHOWN"], drop: ["ALL"] } } });
    ok.metadata.name = "caps";
    expect((await create("/api/v1/namespaces/default/pods", ok)).statusCode).toBe(201);
    const ed = pod({ volumes: [{ name: "e", emptyDir: {} }], hostNetwork: false }, "emptydir");
    expect((await create("/api/v1/namespaces/default/pods", ed)).statusCode).toBe(201);
  });

  it("checks pod templates of every workload kind, at the template's path", async () => {
    const tpl = { metadata: { labels: { app: "a" } }, spec: { hostNetwork: true, containers: [{ name: "c", image: "x" }], restartPolicy: "Never" } };
    const cases: Array<[string, unknown, string]> = [
      ["/apis/apps/v1/namespaces/default/deployments", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "a" } }, template: { ...tpl, spec: { ...tpl.spec, restartPolicy: "Always" } } } }, "spec.template.spec.hostNetwork"],
      ["/apis/batch/v1/namespaces/default/jobs", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: tpl } }, "spec.template.spec.hostNetwork"],
      ["/apis/batch/v1/namespaces/default/cronjobs", { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: tpl } } } }, "spec.jobTemplate.spec.template.spec.hostNetwork"],
    ];
    for (const [url, body, field] of cases) {
      const res = await create(url, body);
      expect(res.statusCode, url).toBe(403);
      expect(res.json().message).toContain(field);
    }
  });

  it("refuses an update that makes a template privileged, but lets untouched specs be updated", async () => {
    const d = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "x" }] } } } };
    expect((await create("/apis/apps/v1/namespaces/default/deployments", d)).statusCode).toBe(201);
    const bad = await app.inject({
      method: "PATCH",
      url: "/apis/apps/v1/namespaces/default/deployments/d",
      headers: { "content-type": "application/merge-patch+json" },
      payload: { spec: { template: { spec: { hostPID: true } } } },
    });
    expect(bad.statusCode).toBe(403);
    expect(bad.json().message).toContain("spec.template.spec.hostPID");
    const scale = await app.inject({ method: "PATCH", url: "/apis/apps/v1/namespaces/default/deployments/d", headers: { "content-type": "application/merge-patch+json" }, payload: { spec: { replicas: 3 } } });
    expect(scale.statusCode).toBe(200);
  });

  it("lists every violation of a pod in one message", async () => {
    const res = await create("/api/v1/namespaces/default/pods", pod({ hostNetwork: true, hostPID: true, volumes: [{ name: "v", hostPath: { path: "/etc" } }], containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] }));
    const msg = res.json().message as string;
    for (const f of ["spec.hostNetwork", "spec.hostPID", "spec.volumes[0].hostPath.path", "spec.containers[0].securityContext.privileged"]) expect(msg).toContain(f);
  });

  it("tolerates malformed specs (validation reports them, not admission)", async () => {
    const res = await create("/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "m" }, spec: { containers: [null, 5, { securityContext: 7 }], volumes: "x" } });
    expect(res.statusCode).toBe(422);
  });

  it("with allowPrivileged and allowed host paths the admin opts in", async () => {
    await app.close();
    registry.close();
    await store.close();
    await start({ allowPrivileged: true, allowedHostPaths: ["/srv/data"] });
    const body = pod({ hostNetwork: true, volumes: [{ name: "v", hostPath: { path: "/srv/data/app" } }], containers: [{ name: "c", image: "x", securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] } } }] });
    expect((await create("/api/v1/namespaces/default/pods", body)).statusCode).toBe(201);
    const outside = pod({ volumes: [{ name: "v", hostPath: { path: "/srv/data/../../etc" } }] }, "outside");
    const res = await create("/api/v1/namespaces/default/pods", outside);
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain("allowed: /srv/data");
  });

  it("applies to in-process clients too (the controllers' path)", async () => {
    await expect(registry.create(R.pods, "default", withContainer({ securityContext: { privileged: true } }), newContext())).rejects.toMatchObject({ reason: "Forbidden" });
  });
});

describe("hostPathAllowed", () => {
  it("matches whole path components after resolving ..", () => {
    expect(hostPathAllowed("/data", ["/data"])).toBe(true);
    expect(hostPathAllowed("/data/x/y", ["/data/"])).toBe(true);
    expect(hostPathAllowed("/database", ["/data"])).toBe(false);
    expect(hostPathAllowed("/data/../etc", ["/data"])).toBe(false);
    expect(hostPathAllowed("data", ["/data"])).toBe(false);
    expect(hostPathAllowed("/etc", [])).toBe(false);
  });
  it("reads the admin's choices from the environment", () => {
    expect(optionsFromEnv({ SKIFF_ALLOW_PRIVILEGED: "1", SKIFF_ALLOWED_HOST_PATHS: "/a:/b" })).toEqual({ allowPrivileged: true, allowedHostPaths: ["/a", "/b"] });
    expect(optionsFromEnv({})).toEqual({ allowPrivileged: false, allowedHostPaths: [] });
  });
});

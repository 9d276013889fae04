// Pod Security Admission: Kubernetes' checks and wording per level, levels per
// namespace from its labels (enforce/warn/audit), the cluster default, warnings
// for workload templates, and the hint naming the label that allows a pod.
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { openStore } from "../store/index.js";
import type { Store } from "../store/store.js";
import { Registry } from "../apiserver/registry.js";
import { buildApiServer } from "../apiserver/server.js";
import { checkPod, levelAllowing, violationsText } from "./pod-security-checks.js";
import { hostPathAllowed, optionsFromEnv, PodSecurity, policyFor, type PodSecurityOptions } from "./pod-security.js";

const spec = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  containers: [{ name: "nginx", image: "nginx", ...container }],
  ...extra,
});
const text = (s: unknown, level: "baseline" | "restricted", meta: unknown = {}) => violationsText(checkPod(meta, s, level));

describe("Pod Security Standards checks", () => {
  it("words baseline violations as Kubernetes does, sorted by check", () => {
    const s = spec({ hostNetwork: true, hostPID: true, volumes: [{ name: "root", hostPath: { path: "/" } }] }, {
      securityContext: { privileged: true, capabilities: { add: ["NET_ADMIN", "CHOWN"] } },
      ports: [{ containerPort: 80, hostPort: 80 }],
    });
    expect(text(s, "baseline")).toBe(
      'non-default capabilities (container "nginx" must not include "NET_ADMIN" in securityContext.capabilities.add), ' +
        "host namespaces (hostNetwork=true, hostPID=true), " +
        'hostPath volumes (volume "root"), ' +
        'hostPort (container "nginx" uses hostPort 80), ' +
        'privileged (container "nginx" must not set securityContext.privileged=true)',
    );
  });

  it("words restricted violations as Kubernetes does for a plain nginx pod", () => {
    expect(text(spec(), "restricted")).toBe(
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect(text(spec(), "baseline")).toBe("");
  });

  it("passes a pod written to the restricted profile, and names plural containers and volumes", () => {
    const ok = spec(
      { securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
      { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } },
    );
    expect(checkPod({}, ok, "restricted")).toEqual([]);
    const two = {
      containers: [
        { name: "a", securityContext: { privileged: true } },
        { name: "b", securityContext: { privileged: true } },
      ],
      volumes: [
        { name: "x", hostPath: { path: "/x" } },
        { name: "y", nfs: { server: "s", path: "/" } },
      ],
    };
    expect(text(two, "baseline")).toBe('hostPath volumes (volume "x"), privileged (containers "a", "b" must not set securityContext.privileged=true)');
    expect(text(two, "restricted")).toContain('restricted volume types (volumes "x", "y" use restricted volume types "hostPath", "nfs")');
  });

  it("checks sysctls, seccomp Unconfined, procMount and AppArmor", () => {
    const s = spec(
      { securityContext: { sysctls: [{ name: "kernel.msgmax", value: "1" }, { name: "net.ipv4.tcp_syncookies", value: "1" }], seccompProfile: { type: "Unconfined" } } },
      { securityContext: { procMount: "Unmasked" } },
    );
    expect(text(s, "baseline", { annotations: { "container.apparmor.security.beta.kubernetes.io/nginx": "unconfined" } })).toBe(
      'forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/nginx="unconfined"), ' +
        'procMount (container "nginx" must not set securityContext.procMount to "Unmasked"), ' +
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined"), ' +
        "forbidden sysctls (kernel.msgmax)",
    );
  });

  it("names the least strict level that allows a pod", () => {
    expect(levelAllowing({}, spec({ hostNetwork: true }))).toBe("privileged");
    expect(levelAllowing({}, spec())).toBe("baseline");
  });

  it("reads levels from labels; an invalid level fails closed; versions show in messages", () => {
    expect(policyFor(undefined, "enforce", "baseline")).toEqual({ level: "baseline", version: "latest" });
    expect(policyFor({ "pod-security.kubernetes.io/enforce": "privileged" }, "enforce", "baseline").level).toBe("privileged");
    expect(policyFor({ "pod-security.kubernetes.io/enforce": "bogus" }, "enforce", "privileged").level).toBe("restricted");
    expect(policyFor({ "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "v1.32" }, "warn", "baseline")).toEqual({
      level: "restricted",
      version: "v1.32",
    });
  });
});

describe("PodSecurity admission over HTTP", () => {
  let store: Store;
  let registry: Registry;
  let app: FastifyInstance;

  async function start(opts: PodSecurityOptions = {}): Promise<void> {
    store = await openStore("memory");
    registry = new Registry(store, { admission: [new PodSecurity({ ...opts, store })] });
    await registry.bootstrap();
    app = await buildApiServer({ registry, authenticator: null });
  }
  afterEach(async () => {
    registry.close();
    await app.close();
    await store.close();
  });

  /** The Warning header as kubectl prints it (code and agent stripped, quotes unescaped). */
  const warning = (h: unknown) => String(h).replace(/^299 - "/, "").replace(/"$/, "").replace(/\\(.)/g, "$1");
  const post = (url: string, body: unknown) => app.inject({ method: "POST", url, payload: body as object });
  const pod = (name: string, s: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: s });
  const namespace = (name: string, labels: Record<string, string>) => post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });

  it("refuses a baseline violation by default with Kubernetes' message and the label that allows it", async () => {
    await start();
    const res = await post("/api/v1/namespaces/default/pods", pod("web", spec({ hostNetwork: true })));
    expect(res.statusCode).toBe(403);
    const status = res.json() as { reason: string; message: string };
    expect(status.reason).toBe("Forbidden");
    expect(status.message).toBe(
      'pods "web" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true). ' +
        "The namespace label pod-security.kubernetes.io/enforce=privileged allows it: kubectl label --overwrite namespace default pod-security.kubernetes.io/enforce=privileged",
    );
  });

  it("follows the namespace's enforce label, and warns at its warn level", async () => {
    await start();
    await namespace("lab", { "pod-security.kubernetes.io/enforce": "privileged", "pod-security.kubernetes.io/warn": "restricted" });
    const res = await post("/api/v1/namespaces/lab/pods", pod("web", spec({ hostNetwork: true })));
    expect(res.statusCode).toBe(201);
    expect(warning(res.headers.warning)).toMatch(/^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "nginx" must set/);
    await namespace("strict", { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.32" });
    const strict = await post("/api/v1/namespaces/strict/pods", pod("web", spec()));
    expect(strict.statusCode).toBe(403);
    expect((strict.json() as { message: string }).message).toMatch(/^pods "web" is forbidden: violates PodSecurity "restricted:v1.32": allowPrivilegeEscalation != false/);
    expect((strict.json() as { message: string }).message).toContain("pod-security.kubernetes.io/enforce=baseline allows it");
  });

  it("only warns about a workload template; the controller's pods are what enforce refuses", async () => {
    await start();
    const deploy = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: spec({ hostPID: true }) } },
    };
    const res = await post("/apis/apps/v1/namespaces/default/deployments", deploy);
    expect(res.statusCode).toBe(201);
    expect(warning(res.headers.warning)).toBe('would violate PodSecurity "baseline:latest": host namespaces (hostPID=true)');
  });

  it("takes the cluster default from its options (privileged admits everything)", async () => {
    await start({ defaultLevel: "privileged" });
    expect((await post("/api/v1/namespaces/default/pods", pod("web", spec({ hostNetwork: true }, { securityContext: { privileged: true } })))).statusCode).toBe(201);
  });

  it("exempts hostPath volumes under the admin's allowed directories from baseline's hostPath check", async () => {
    await start({ allowedHostPaths: ["/srv/data"] });
    const vol = (path: string) => spec({ volumes: [{ name: "d", hostPath: { path } }] });
    expect((await post("/api/v1/namespaces/default/pods", pod("ok", vol("/srv/data/x")))).statusCode).toBe(201);
    expect((await post("/api/v1/namespaces/default/pods", pod("no", vol("/srv/data/../../etc")))).statusCode).toBe(403);
  });
});

describe("options", () => {
  it("maps the old environment switches onto PSA", () => {
    expect(optionsFromEnv({ SKIFF_ALLOW_PRIVILEGED: "1", SKIFF_ALLOWED_HOST_PATHS: "/a:/b" })).toEqual({ defaultLevel: "privileged", allowedHostPaths: ["/a", "/b"] });
    expect(optionsFromEnv({})).toEqual({ allowedHostPaths: [] });
    expect(hostPathAllowed("/a/b", ["/a"])).toBe(true);
    expect(hostPathAllowed("/ab", ["/a"])).toBe(false);
  });
});

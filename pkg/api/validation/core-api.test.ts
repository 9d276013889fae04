// Validation, defaulting and printing of the issue-17 kinds: the messages are
// Kubernetes' own, with field paths.
import { describe, expect, it } from "vitest";
import { applyDefaults } from "../defaults.js";
import { tableFor } from "../printers.js";
import type { KubeObject } from "../types.js";
import { validateObject } from "../validation.js";
import { validateTokenRequestSpec } from "./service-account.js";

const msgs = (obj: KubeObject) => validateObject(applyDefaults(structuredClone(obj))).map((e) => e.message);
const now = new Date("2025-01-01T01:00:00Z");
const cells = (obj: KubeObject) => tableFor(obj.kind!, [applyDefaults(structuredClone(obj))], { now, includeObject: "None" }).rows[0].cells;
const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: "2025-01-01T00:00:00Z" });

describe("PriorityClass", () => {
  const pc = (name: string, value: unknown, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: meta(name), value, ...extra });
  it("defaults the preemption policy and prints Kubernetes' columns", () => {
    expect(applyDefaults(pc("high", 1000)).preemptionPolicy).toBe("PreemptLowerPriority");
    expect(msgs(pc("high", 1000))).toEqual([]);
    expect(cells(pc("high", 1000, { globalDefault: true }))).toEqual(["high", 1000, true, "60m", "PreemptLowerPriority"]);
  });
  it("refuses values above a billion, reserved names, and bad policies", () => {
    expect(msgs(pc("huge", 1_000_000_001))).toEqual(["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]);
    expect(msgs(pc("system-mine", 5))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]);
    expect(msgs(pc("p", "x"))[0]).toMatch(/^value: Invalid value: "x"/);
    expect(msgs(pc("p", 1, { preemptionPolicy: "Sometimes" }))).toEqual(['preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"']);
  });
  it("keeps value immutable", () => {
    const old = applyDefaults(pc("p", 1));
    const errs = validateObject(applyDefaults(pc("p", 2)), { isUpdate: true, old }).map((e) => e.message);
    expect(errs).toContain("value: Forbidden: may not be changed in an update.");
  });
});

describe("PodDisruptionBudget", () => {
  const pdb = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: meta("web", "default"), spec });
  it("accepts one of minAvailable / maxUnavailable and prints N/A for the other", () => {
    expect(msgs(pdb({ minAvailable: 2, selector: { matchLabels: { app: "web" } } }))).toEqual([]);
    expect(cells(pdb({ maxUnavailable: "25%" }))).toEqual(["web", "N/A", "25%", 0, "60m"]);
  });
  it("refuses both at once, negative numbers and percentages over 100", () => {
    expect(msgs(pdb({ minAvailable: 1, maxUnavailable: 1 }))[0]).toMatch(/^spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set$/);
    expect(msgs(pdb({ minAvailable: -1 }))).toEqual(["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"]);
    expect(msgs(pdb({ maxUnavailable: "120%" }))).toEqual(['spec.maxUnavailable: Invalid value: "120%": must not be greater than 100%']);
    expect(msgs(pdb({ unhealthyPodEvictionPolicy: "Never" }))).toEqual(['spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: "AlwaysAllow", "IfHealthyBudget"']);
  });
});

describe("ReplicationController", () => {
  const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } };
  const rc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "ReplicationController", metadata: meta("web", "default"), spec });
  it("defaults selector and replicas from the template and prints desired/current/ready", () => {
    const d = applyDefaults(rc({ template }));
    expect(d.spec).toMatchObject({ replicas: 1, selector: { app: "web" } });
    expect(msgs(rc({ template }))).toEqual([]);
    expect(cells({ ...rc({ template, replicas: 3 }), status: { replicas: 2, readyReplicas: 1 } })).toEqual(["web", 3, 2, 1, "60m", "c", "nginx", "app=web"]);
  });
  it("reports selector problems on spec.selector, as Kubernetes does", () => {
    expect(msgs(rc({ selector: { app: "other" }, template }))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(msgs(rc({ selector: { "bad key!": "x" }, template }))[0]).toMatch(/^spec\.selector\[bad key!\]|^spec\.selector: Invalid value: "bad key!"/);
    expect(msgs(rc({ replicas: -1, template }))).toEqual(["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
  });
});

describe("ServiceAccount and TokenRequest", () => {
  it("prints the number of secrets", () => {
    expect(cells({ apiVersion: "v1", kind: "ServiceAccount", metadata: meta("bot", "default"), secrets: [{ name: "a" }] } as KubeObject)).toEqual(["bot", 1, "60m"]);
  });
  it("bounds a requested token lifetime to 10 minutes … 2^32 seconds", () => {
    expect(validateTokenRequestSpec({ expirationSeconds: 3600, audiences: ["api"] })).toEqual([]);
    expect(validateTokenRequestSpec({ expirationSeconds: 60 }).map((e) => e.message)).toEqual(["spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"]);
    expect(validateTokenRequestSpec({ expirationSeconds: 2 ** 33 }).map((e) => e.message)).toEqual(["spec.expirationSeconds: Invalid value: 8589934592: may not specify a duration larger than 2^32 seconds"]);
    expect(validateTokenRequestSpec({ expirationSeconds: 3600, boundObjectRef: { kind: "Deployment", name: "x" } }).map((e) => e.message)).toEqual([
      'spec.boundObjectRef.kind: Unsupported value: "Deployment": supported values: "Node", "Pod", "Secret"',
    ]);
  });
});

describe("APIService and EndpointSlice", () => {
  const svc = (name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: "apiregistration.k8s.io/v1", kind: "APIService", metadata: meta(name), spec });
  it("requires the name version.group and priorities in range", () => {
    expect(msgs(svc("v1.example.com", { group: "example.com", version: "v1", groupPriorityMinimum: 100, versionPriority: 10 }))).toEqual([]);
    expect(msgs(svc("wrong", { group: "example.com", version: "v1", groupPriorityMinimum: 0, versionPriority: 10 }))).toEqual([
      'metadata.name: Invalid value: "wrong": must be `spec.version+"."+spec.group`: "v1.example.com"',
      "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
    ]);
    const local = { ...svc("v1.apps", { group: "apps", version: "v1", groupPriorityMinimum: 1, versionPriority: 1 }), status: { conditions: [{ type: "Available", status: "True" }] } };
    expect(cells(local)).toEqual(["v1.apps", "Local", "True", "60m"]);
  });
  it("checks address types and prints the first addresses", () => {
    const slice = { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: meta("web-x", "default"), addressType: "IPv4", endpoints: ["a", "b", "c", "d"].map((x) => ({ addresses: [x] })), ports: [{ port: 80 }] } as KubeObject;
    expect(msgs(slice)).toEqual([]);
    expect(cells(slice)).toEqual(["web-x", "IPv4", "80", "a,b,c + 1 more...", "60m"]);
    expect(msgs({ ...slice, addressType: "IPX" } as KubeObject)).toEqual(['addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"']);
  });
});

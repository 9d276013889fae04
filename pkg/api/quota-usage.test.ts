import { describe, expect, it } from "vitest";
import { R } from "./kinds.js";
import {
  countName,
  exceededNames,
  listToStrings,
  objectUsage,
  parseResourceList,
  podConstraintViolation,
  podUsage,
  prettyPrint,
  resourcesForQuota,
  usageOf,
} from "./quota-usage.js";
import type { KubeObject } from "./types.js";

function pod(name: string, containers: Array<{ name: string; requests?: Record<string, string>; limits?: Record<string, string> }>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { containers: containers.map((c) => ({ name: c.name, image: "x", resources: { requests: c.requests, limits: c.limits } })) },
    ...extra,
  };
}

describe("quota usage", () => {
  it("counts a pod's requests and limits under every quota name Kubernetes uses", () => {
    const u = listToStrings(podUsage(pod("a", [{ name: "web", requests: { cpu: "250m", memory: "64Mi" }, limits: { cpu: "1", memory: "128Mi" } }, { name: "side", requests: { cpu: "250m" } }]), 0));
    expect(u).toEqual({
      "count/pods": "1",
      pods: "1",
      cpu: "500m",
      "requests.cpu": "500m",
      memory: "64Mi",
      "requests.memory": "64Mi",
      "limits.cpu": "1",
      "limits.memory": "128Mi",
    });
  });

  it("takes the larger of the app containers' sum and any init container", () => {
    const p = pod("a", [{ name: "web", requests: { cpu: "100m" } }]);
    (p.spec as { initContainers: unknown[] }).initContainers = [{ name: "init", image: "x", resources: { requests: { cpu: "300m" } } }];
    expect(listToStrings(podUsage(p, 0))["requests.cpu"]).toBe("300m");
  });

  it("finished pods keep only their object count", () => {
    const done = pod("a", [{ name: "web", requests: { cpu: "1" } }], { status: { phase: "Succeeded" } });
    expect(listToStrings(podUsage(done, 0))).toEqual({ "count/pods": "1" });
    const pastGrace = pod("b", [{ name: "web", requests: { cpu: "1" } }]);
    pastGrace.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    pastGrace.metadata.deletionGracePeriodSeconds = 30;
    expect(podUsage(pastGrace, Date.parse("2026-01-01T00:00:29Z")).pods).toBeDefined();
    expect(podUsage(pastGrace, Date.parse("2026-01-01T00:00:31Z")).pods).toBeUndefined();
  });

  it("services count node ports and load balancers; other kinds count as count/<resource>", () => {
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "NodePort", ports: [{ port: 80 }, { port: 443 }] } };
    expect(listToStrings(objectUsage(R.services, svc, 0))).toEqual({ services: "1", "count/services": "1", "services.nodeports": "2" });
    expect(countName(R.deployments)).toBe("count/deployments.apps");
    expect(listToStrings(objectUsage(R.configmaps, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, 0))).toEqual({ "count/configmaps": "1", configmaps: "1" });
  });

  it("knows which kinds a quota's names are about", () => {
    expect(resourcesForQuota(["pods", "requests.cpu", "count/deployments.apps", "services.nodeports", "secrets"]).map((r) => r.plural).sort()).toEqual([
      "deployments",
      "pods",
      "secrets",
      "services",
    ]);
  });

  it("sums usage masked to the quota's names", () => {
    const pods = [pod("a", [{ name: "w", requests: { cpu: "600m" } }]), pod("b", [{ name: "w", requests: { cpu: "600m" } }]), pod("c", [{ name: "w", requests: { cpu: "600m" } }])];
    expect(listToStrings(usageOf(R.pods, pods, new Set(["pods", "requests.cpu"]), 0))).toEqual({ pods: "3", "requests.cpu": "1800m" });
  });

  it("says which container must declare what, sorted", () => {
    const p = pod("a", [{ name: "web", requests: { cpu: "1" } }, { name: "db" }]);
    expect(podConstraintViolation(p, ["pods", "requests.cpu", "limits.cpu", "limits.memory"])).toBe("must specify limits.cpu for: db,web; limits.memory for: db,web; requests.cpu for: db");
    expect(podConstraintViolation(p, ["pods", "count/pods"])).toBeUndefined();
  });

  it("prints lists like quota.prettyPrint and finds exceeded names", () => {
    const hard = parseResourceList({ pods: "3", "requests.cpu": "2" });
    const after = parseResourceList({ pods: "4", "requests.cpu": "2" });
    expect(exceededNames(after, hard)).toEqual(["pods"]);
    expect(prettyPrint(parseResourceList({ "requests.cpu": "500m", pods: "1" }))).toBe("pods=1,requests.cpu=500m");
  });
});

import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/types.js";
import { describeConfigMap, describeGeneric, describeNamespace, describeService, formatServiceEndpoints, smartLabel } from "./core.js";

const now = new Date("2026-01-01T12:00:00Z");

describe("describeService", () => {
  it("prints ports with their ready endpoints", () => {
    const out = describeService(
      { metadata: { name: "web", namespace: "default" }, spec: { type: "ClusterIP", selector: { app: "web" }, clusterIP: "127.96.0.10", clusterIPs: ["127.96.0.10"], ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", sessionAffinity: "None", ports: [{ name: "http", port: 80, targetPort: 8080 as unknown as never, protocol: "TCP" }] } },
      { now, events: [], endpoints: { metadata: { name: "web" }, subsets: [{ addresses: [{ ip: "127.244.0.1" }, { ip: "127.244.0.2" }], ports: [{ name: "http", port: 8080 }] }] } },
    );
    expect(out).toMatch(/Selector:\s+app=web\nType:\s+ClusterIP\nIP Family Policy:\s+SingleStack\nIP Families:\s+IPv4\nIP:\s+127\.96\.0\.10\nIPs:\s+127\.96\.0\.10\n/);
    expect(out).toMatch(/Port:\s+http\s+80\/TCP\nTargetPort:\s+8080\/TCP\nEndpoints:\s+127\.244\.0\.1:8080,127\.244\.0\.2:8080\nSession Affinity:\s+None\nEvents:\s+<none>\n$/);
  });

  it("shows three endpoints and how many more", () => {
    const ep = { metadata: {}, subsets: [{ addresses: [1, 2, 3, 4, 5].map((i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 80 }] }] };
    expect(formatServiceEndpoints(ep, "")).toBe("10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...");
    expect(formatServiceEndpoints(undefined, "")).toBe("<none>");
  });
});

describe("describeConfigMap / describeNamespace / describeGeneric", () => {
  it("prints config map data under ==== headings", () => {
    const out = describeConfigMap({ metadata: { name: "cfg", namespace: "default" }, data: { b: "two", a: "one" } }, { now, events: [] });
    expect(out).toMatch(/^Name:\s+cfg\nNamespace:\s+default\nLabels:\s+<none>\nAnnotations:\s+<none>\n\nData\n====\na:\n----\none\n\nb:\n----\ntwo\n\n\nBinaryData\n====\n\nEvents:\s+<none>\n$/);
  });

  it("prints a namespace's status", () => {
    expect(describeNamespace({ metadata: { name: "labs", labels: { "kubernetes.io/metadata.name": "labs" } }, status: { phase: "Active" } })).toBe(
      "Name:         labs\nLabels:       kubernetes.io/metadata.name=labs\nAnnotations:  <none>\nStatus:       Active\n",
    );
  });

  it("dumps any other kind as nested key/values", () => {
    const lease: KubeObject = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "n1", namespace: "kube-node-lease", uid: "x" }, spec: { holderIdentity: "n1", leaseDurationSeconds: 40 } };
    const out = describeGeneric(lease, { now, events: [] });
    expect(out).toMatch(/API Version:\s+coordination\.k8s\.io\/v1\nKind:\s+Lease\nMetadata:\n  UID:\s+x\nSpec:\n  Holder Identity:\s+n1\n  Lease Duration Seconds:\s+40\nEvents:\s+<none>\n$/);
    expect(smartLabel("podCIDR")).toBe("Pod CIDR");
    expect(smartLabel("x.y")).toBe("x.y");
  });
});

import { describe, expect, it } from "vitest";
import { explain, ExplainError, splitResourcePath, wrapText } from "./explain.js";

describe("explain", () => {
  it("lays out a kind as kubectl 1.32 does", () => {
    const out = explain("deploy");
    expect(out.startsWith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nDESCRIPTION:\n    Deployment enables declarative updates for Pods and ReplicaSets.\n    \nFIELDS:\n  apiVersion\t<string>\n")).toBe(true);
    expect(out).toContain("\n  spec\t<DeploymentSpec>\n    Specification of the desired behavior of the object.");
    expect(out.endsWith("\n\n\n")).toBe(true);
    expect(explain("pods")).toMatch(/^KIND:       Pod\nVERSION:    v1\n\n/);
  });

  it("explains a field path, marks required fields, and names a missing field", () => {
    const out = explain("deployments.apps.spec.replicas");
    expect(out).toContain("FIELD: replicas <integer>\n\n\nDESCRIPTION:\n    Number of desired pods.");
    expect(explain("po.spec.containers.ports")).toContain("  containerPort\t<integer> -required-\n");
    expect(() => explain("deploy.spec.nope")).toThrow('field "nope" does not exist');
    expect(() => explain("gizmos")).toThrow(ExplainError);
  });

  it("prints the whole tree with --recursive, two spaces per level, in byte order", () => {
    const out = explain("deploy.spec.strategy", { recursive: true });
    expect(out).toContain("FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n    maxSurge\t<IntOrString>\n    maxUnavailable\t<IntOrString>\n  type\t<string>\n\n");
    const pods = explain("pods", { recursive: true });
    expect(pods.indexOf("namespaceSelector\t")).toBeLessThan(pods.indexOf("namespaces\t"));
    expect(pods).toContain("    creationTimestamp\t<string>\n");
  });

  it("wraps like go-wordwrap: 80 columns, runs of spaces kept, long words alone", () => {
    expect(wrapText("aaa bbb  ccc", 4, 14)).toEqual(["    aaa bbb", "    ccc"]);
    expect(wrapText("x  y", 4)).toEqual(["    x  y"]);
    expect(wrapText(`see ${"u".repeat(100)} end`, 4)).toEqual(["    see", `    ${"u".repeat(100)}`, "    end"]);
    expect(splitResourcePath("deployments.apps.spec").path).toBe("spec");
  });
});
